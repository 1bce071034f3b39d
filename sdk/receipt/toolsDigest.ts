/**
 * The tools digest: keccak256(abi.encode(ToolCall[])) with
 * `struct ToolCall { bytes32 nameHash; bytes32 inputDigest; bytes32 outputDigest; }`
 * and `nameHash = keccak256(utf8(name))`.
 *
 * @module
 */
import { encodeAbiParameters, keccak256, stringToHex, type Hex } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";
import type { ToolCall } from "./types.js";

const TOOL_CALLS_ABI = [
  {
    type: "tuple[]",
    components: [
      { name: "nameHash", type: "bytes32" },
      { name: "inputDigest", type: "bytes32" },
      { name: "outputDigest", type: "bytes32" },
    ],
  },
] as const;

/**
 * Computes the tools digest of a list of tool calls (order matters; an empty list is allowed).
 * @throws {InvalidReceiptError} when a tool's name is not a string or a digest is not 32-byte hex.
 * @example
 * computeToolsDigest([{ name: "search", inputDigest, outputDigest }]);
 */
export function computeToolsDigest(tools: readonly ToolCall[]): Hex {
  const encoded = encodeAbiParameters(TOOL_CALLS_ABI, [
    tools.map((tool, i) => {
      if (typeof tool.name !== "string") {
        throw new InvalidReceiptError({ field: `tools[${i}].name`, expected: "a string", found: tool.name });
      }
      for (const key of ["inputDigest", "outputDigest"] as const) {
        if (!isHexOfLength(tool[key], 32)) {
          throw new InvalidReceiptError({
            field: `tools[${i}].${key}`,
            expected: "0x-prefixed 32-byte hex string (66 characters)",
            found: tool[key],
          });
        }
      }
      return {
        nameHash: keccak256(stringToHex(tool.name)),
        inputDigest: tool.inputDigest.toLowerCase() as Hex,
        outputDigest: tool.outputDigest.toLowerCase() as Hex,
      };
    }),
  ]);
  return keccak256(encoded);
}
