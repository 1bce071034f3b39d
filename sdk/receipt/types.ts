/**
 * Receipt format v1: the types.
 *
 * @module
 */
import type { Address, Hex } from "viem";

/** The format tag of a v1 receipt. */
export const RECEIPT_FORMAT = "showwork/receipt@1" as const;

/** One tool call made while producing an answer: its name and salted commitments to its input and output. */
export interface ToolCall {
  /** The tool's name (UTF-8). Its keccak256 is the `nameHash` in the tools digest. */
  readonly name: string;
  /** Salted commitment to the tool's input: keccak256(salt ‖ content). */
  readonly inputDigest: Hex;
  /** Salted commitment to the tool's output: keccak256(salt ‖ content). */
  readonly outputDigest: Hex;
}

/**
 * A validated v1 receipt: the exact conditions that produced one AI answer.
 * All `Hex` digests are 32 bytes, lowercase; `servingNode` is checksummed.
 * Obtain one from {@link parseReceipt} (JSON) or {@link buildReceipt} (raw content).
 */
export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  /** Unique id of the receipt (32 bytes; random by default). Unique within a batch. */
  readonly receiptId: Hex;
  /** keccak256(utf8(model name)): the model's identity. */
  readonly modelId: Hex;
  /** Digest of the model weights: the model VERSION. */
  readonly weightsDigest: Hex;
  /** Digest of the prompt template. */
  readonly promptTemplateDigest: Hex;
  /** Version number of the prompt template (uint32). */
  readonly promptTemplateVersion: number;
  /** Digest (or Merkle root) of the retrieval index snapshot. */
  readonly retrievalIndexDigest: Hex;
  /** Digest of the agent's memory/state. */
  readonly memoryDigest: Hex;
  /** The tool calls, in call order. */
  readonly tools: readonly ToolCall[];
  /** keccak256(abi.encode(ToolCall[])) of `tools` (see {@link computeToolsDigest}). */
  readonly toolsDigest: Hex;
  /** Salted commitment to the input. */
  readonly inputDigest: Hex;
  /** Salted commitment to the output. */
  readonly outputDigest: Hex;
  /** keccak256 of the canonical JSON of the sampling parameters. */
  readonly samplingDigest: Hex;
  /** Address of the serving node (the signer of the receipt). */
  readonly servingNode: Address;
  /** Issue time, unix seconds (uint64, kept below 2^53). */
  readonly issuedAt: number;
  /** Per-serving-node sequence number (uint64). */
  readonly sequence: bigint;
  /** Optional EIP-712 signature by `servingNode` (65 bytes); not part of the leaf. */
  readonly signature?: Hex | undefined;
}

/** The JSON form of a v1 receipt (what is stored and exchanged). */
export interface ReceiptJson {
  format: typeof RECEIPT_FORMAT;
  receiptId: string;
  modelId: string;
  weightsDigest: string;
  promptTemplateDigest: string;
  promptTemplateVersion: number;
  retrievalIndexDigest: string;
  memoryDigest: string;
  tools: { name: string; inputDigest: string; outputDigest: string }[];
  toolsDigest: string;
  inputDigest: string;
  outputDigest: string;
  samplingDigest: string;
  servingNode: string;
  issuedAt: number;
  /** A number when it is a safe integer, a decimal string otherwise. */
  sequence: number | string;
  signature?: string;
}
