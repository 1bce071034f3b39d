/**
 * Building a receipt from raw content: salted commitments for input, output and
 * each tool's input and output, the sampling digest, the tools digest and the
 * model id from the model's name.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { toChecksumAddress } from "./address.js";
import { commitContent, randomSalt, type Content } from "./commitment.js";
import { modelIdFromName } from "./modelId.js";
import { parseReceipt } from "./parseReceipt.js";
import { computeSamplingDigest, type JsonValue } from "./samplingDigest.js";
import { computeToolsDigest } from "./toolsDigest.js";
import { RECEIPT_FORMAT, type Receipt, type ToolCall } from "./types.js";
import { markValidated } from "./validated.js";

/** One tool call, with raw content (committed with fresh salts unless salts are given). */
export interface ToolCallContent {
  readonly name: string;
  readonly input: Content;
  readonly output: Content;
  readonly inputSalt?: Hex;
  readonly outputSalt?: Hex;
}

/** Parameters of {@link buildReceipt}. */
export interface BuildReceiptParameters {
  /** The model: its name (→ modelId) and the digest of its weights (its version). */
  readonly model: { readonly name: string; readonly weightsDigest: Hex };
  /** The prompt template: its digest and version number. */
  readonly promptTemplate: { readonly digest: Hex; readonly version: number };
  /** Digest or Merkle root of the retrieval index snapshot (zero hash when none). */
  readonly retrievalIndexDigest: Hex;
  /** Digest of the memory/state (zero hash when none). */
  readonly memoryDigest: Hex;
  /** The tool calls, in call order. */
  readonly tools?: readonly ToolCallContent[];
  /** The input (prompt), committed with a salt. */
  readonly input: Content;
  /** The output (answer), committed with a salt. */
  readonly output: Content;
  /** Sampling parameters (temperature, seed, ...), hashed as canonical JSON. */
  readonly sampling: { readonly [key: string]: JsonValue };
  /** The serving node's address (who signs the receipt). */
  readonly servingNode: Address;
  /** The serving node's sequence number for this receipt. */
  readonly sequence: bigint | number;
  /** Issue time in unix seconds (default: now). */
  readonly issuedAt?: number;
  /** Receipt id (default: 32 random bytes). */
  readonly receiptId?: Hex;
  /** Salts for input/output (default: fresh random salts). For tests and reproducible examples. */
  readonly inputSalt?: Hex;
  readonly outputSalt?: Hex;
}

/** The salts that open the receipt's commitments. Keep private; disclose selectively. */
export interface ReceiptOpenings {
  readonly inputSalt: Hex;
  readonly outputSalt: Hex;
  readonly tools: readonly { readonly inputSalt: Hex; readonly outputSalt: Hex }[];
}

/** What {@link buildReceipt} returns. */
export interface BuildReceiptReturnType {
  readonly receipt: Receipt;
  readonly openings: ReceiptOpenings;
}

/**
 * Builds a validated, unsigned v1 receipt from raw content. The receipt is frozen (it is
 * immutable: derive a changed one with `{ ...receipt, field }`, which is validated again where it is used).
 *
 * @throws {InvalidReceiptError} when a parameter does not fit its field.
 * @example
 * const { receipt, openings } = buildReceipt({
 *   model: { name: "acme-chat", weightsDigest },
 *   promptTemplate: { digest: templateDigest, version: 3 },
 *   retrievalIndexDigest: zeroHash, memoryDigest: zeroHash,
 *   tools: [{ name: "search", input: "q=weather", output: "sunny" }],
 *   input: "Will it rain?", output: "No.",
 *   sampling: { temperature: 0.2, seed: 7 },
 *   servingNode: account.address, sequence: 1n,
 * });
 */
export function buildReceipt(params: BuildReceiptParameters): BuildReceiptReturnType {
  if (typeof params.model?.name !== "string") {
    throw new InvalidReceiptError({ field: "model.name", expected: "a string", found: params.model?.name });
  }
  const servingNode = typeof params.servingNode === "string" ? toChecksumAddress(params.servingNode) : undefined;
  if (servingNode === undefined) {
    throw new InvalidReceiptError({ field: "servingNode", expected: "a 20-byte address", found: params.servingNode });
  }
  const input = commitContent(params.input, params.inputSalt ?? randomSalt());
  const output = commitContent(params.output, params.outputSalt ?? randomSalt());
  const toolOpenings: { inputSalt: Hex; outputSalt: Hex }[] = [];
  const tools: ToolCall[] = (params.tools ?? []).map((tool) => {
    const toolInput = commitContent(tool.input, tool.inputSalt ?? randomSalt());
    const toolOutput = commitContent(tool.output, tool.outputSalt ?? randomSalt());
    toolOpenings.push({ inputSalt: toolInput.salt, outputSalt: toolOutput.salt });
    return { name: tool.name, inputDigest: toolInput.digest, outputDigest: toolOutput.digest };
  });
  // Validated once, here; the object is frozen and marked so that `record()` in this process does
  // not parse it again (see ./validated.ts).
  const receipt = parseReceipt({
    format: RECEIPT_FORMAT,
    receiptId: params.receiptId ?? randomSalt(),
    modelId: modelIdFromName(params.model.name),
    weightsDigest: params.model.weightsDigest,
    promptTemplateDigest: params.promptTemplate.digest,
    promptTemplateVersion: params.promptTemplate.version,
    retrievalIndexDigest: params.retrievalIndexDigest,
    memoryDigest: params.memoryDigest,
    tools,
    toolsDigest: computeToolsDigest(tools),
    inputDigest: input.digest,
    outputDigest: output.digest,
    samplingDigest: computeSamplingDigest(params.sampling),
    servingNode,
    issuedAt: params.issuedAt ?? Math.floor(Date.now() / 1000),
    sequence: typeof params.sequence === "number" ? BigInt(params.sequence) : params.sequence,
  });
  markValidated(receipt);
  return { receipt, openings: { inputSalt: input.salt, outputSalt: output.salt, tools: toolOpenings } };
}
