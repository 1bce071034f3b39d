/**
 * Shared test data for the contract tests: deterministic receipts built with the SDK, and their Solidity struct
 * form (ReceiptHashing.Receipt) for viem calls.
 */
import { type Address, type Hex, keccak256, toHex, zeroHash } from "viem";

import { buildReceipt, toReceiptStruct, type Receipt, type ToolCallContent } from "../../sdk/receipt/index.js";

/** A deterministic 32-byte value from a label. */
export const h = (label: string): Hex => keccak256(toHex(label));

/** The ReceiptHashing.Receipt struct of a receipt, as viem expects it (the SDK's {@link toReceiptStruct}). */
export const receiptStruct = toReceiptStruct;

export interface MakeReceiptOptions {
  readonly model?: string;
  readonly weights?: string;
  readonly servingNode?: Address;
  readonly issuedAt?: number;
  readonly tools?: number;
  readonly input?: string;
}

/** `count` distinct, deterministic receipts (fixed salts) built with the SDK's buildReceipt. */
export function makeReceipts(count: number, options: MakeReceiptOptions = {}, label = "batch"): Receipt[] {
  return Array.from({ length: count }, (_, i) => {
    const tools: ToolCallContent[] = Array.from({ length: options.tools ?? i % 3 }, (_, t) => ({
      name: `tool-${t}`,
      input: `tool input ${label} ${i} ${t}`,
      output: `tool output ${label} ${i} ${t}`,
      inputSalt: h(`tool-in-salt ${label} ${i} ${t}`),
      outputSalt: h(`tool-out-salt ${label} ${i} ${t}`),
    }));
    return buildReceipt({
      model: { name: options.model ?? "showwork-chat", weightsDigest: h(options.weights ?? "weights-v1") },
      promptTemplate: { digest: h("template"), version: 3 },
      retrievalIndexDigest: i % 2 === 0 ? zeroHash : h(`index ${label}`),
      memoryDigest: h(`memory ${label} ${i}`),
      tools,
      input: options.input ?? `question ${label} ${i}`,
      output: `answer ${label} ${i}`,
      inputSalt: h(`in-salt ${label} ${i}`),
      outputSalt: h(`out-salt ${label} ${i}`),
      sampling: { temperature: 0.2, seed: i },
      servingNode: options.servingNode ?? "0x00000000000000000000000000000000000000aa",
      sequence: BigInt(i) + 2n ** 40n,
      issuedAt: options.issuedAt ?? 1_750_000_000 + i,
      receiptId: h(`receipt ${label} ${i}`),
    }).receipt;
  });
}
