/**
 * The tools digest: keccak256(abi.encode(ToolCall[])) with
 * `struct ToolCall { bytes32 nameHash; bytes32 inputDigest; bytes32 outputDigest; }`
 * and `nameHash = keccak256(utf8(name))`.
 *
 * The encoding is written directly (it is static words only): the offset word 0x20, the
 * length word, then three words per call; hashed with the SDK's WebAssembly keccak.
 * `test/sdk/receipt/fastPaths.test.ts` checks it against viem's `encodeAbiParameters`.
 *
 * @module
 */
import type { Hex } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { allocBytes, writeHex } from "../bytes/hex.js";
import { keccak256Hex, keccak256Utf8 } from "../hash/keccak.js";
import type { ToolCall } from "./types.js";

/** The tools digest of no tool calls: keccak256(abi.encode(new ToolCall[](0))). */
export const EMPTY_TOOLS_DIGEST: Hex = "0x569e75fc77c1a856f6daaf9e69d8a9566ca34aa47f9133711ce065a571af0cfd";

let buffer = allocBytes(64 + 96 * 8);
const nameHashes = new Map<string, Hex>();

function nameHash(name: string): Hex {
  let hash = nameHashes.get(name);
  if (hash === undefined) {
    hash = keccak256Utf8(name);
    if (nameHashes.size >= 4096) nameHashes.clear();
    nameHashes.set(name, hash);
  }
  return hash;
}

/**
 * Computes the tools digest of a list of tool calls (order matters; an empty list is allowed).
 * @throws {InvalidReceiptError} when a tool's name is not a string or a digest is not 32-byte hex.
 * @example
 * computeToolsDigest([{ name: "search", inputDigest, outputDigest }]);
 */
export function computeToolsDigest(tools: readonly ToolCall[]): Hex {
  const n = tools.length;
  for (let i = 0; i < n; i++) {
    const tool = tools[i]!;
    if (typeof tool.name !== "string") {
      throw new InvalidReceiptError({ field: `tools[${i}].name`, expected: "a string", found: tool.name });
    }
  }
  if (n === 0) return EMPTY_TOOLS_DIGEST;
  const length = 64 + 96 * n;
  if (buffer.length < length) buffer = allocBytes(length);
  buffer.fill(0, 0, 64);
  buffer[31] = 0x20;
  // n < 2^32 (an array length): the low four bytes of the length word.
  buffer[60] = n >>> 24;
  buffer[61] = (n >>> 16) & 255;
  buffer[62] = (n >>> 8) & 255;
  buffer[63] = n & 255;
  for (let i = 0; i < n; i++) {
    const tool = tools[i]!;
    const at = 64 + 96 * i;
    writeHex(buffer, at, nameHash(tool.name), 32);
    for (const [key, off] of [["inputDigest", 32], ["outputDigest", 64]] as const) {
      if (!writeHex(buffer, at + off, tool[key], 32)) {
        throw new InvalidReceiptError({
          field: `tools[${i}].${key}`,
          expected: "0x-prefixed 32-byte hex string (66 characters)",
          found: tool[key],
        });
      }
    }
  }
  return keccak256Hex(buffer, 0, length);
}
