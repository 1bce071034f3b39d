/** Shared generators for the SDK tests. */
import fc from "fast-check";
import { bytesToHex, getAddress, type Hex } from "viem";

import { computeToolsDigest, RECEIPT_FORMAT, type Receipt, type ToolCall } from "../../sdk/index.js";

export const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
export const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
export const toolCall: fc.Arbitrary<ToolCall> = fc.record({ name: fc.string({ maxLength: 12 }), inputDigest: hex32, outputDigest: hex32 });

/** A random valid receipt (tools consistent with toolsDigest). */
export const receiptArb: fc.Arbitrary<Receipt> = fc
  .record({
    receiptId: hex32,
    modelId: hex32,
    weightsDigest: hex32,
    promptTemplateDigest: hex32,
    promptTemplateVersion: fc.nat({ max: 0xffffffff }),
    retrievalIndexDigest: hex32,
    memoryDigest: hex32,
    tools: fc.array(toolCall, { maxLength: 3 }),
    inputDigest: hex32,
    outputDigest: hex32,
    samplingDigest: hex32,
    servingNode: address,
    issuedAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    sequence: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  })
  .map((r) => ({ format: RECEIPT_FORMAT, ...r, toolsDigest: computeToolsDigest(r.tools) }));

/** A random batch of 1..max receipts with unique ids. */
export function batchArb(max = 40): fc.Arbitrary<Receipt[]> {
  return fc.uniqueArray(receiptArb, { minLength: 1, maxLength: max, selector: (r) => r.receiptId });
}

/** Deterministic receipts for large or fixed batches (no randomness). */
export function syntheticReceipts(count: number, seed = 1): Receipt[] {
  const word = (i: number, field: number): Hex =>
    `0x${(BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(i) * 0x100000001b3n + BigInt(field) * 0xcbf29ce484222325n).toString(16).padStart(64, "0").slice(-64)}` as Hex;
  const tools: ToolCall[] = [];
  const toolsDigest = computeToolsDigest(tools);
  return Array.from({ length: count }, (_, i) => ({
    format: RECEIPT_FORMAT,
    receiptId: word(i, 0),
    modelId: word(i, 1),
    weightsDigest: word(i, 2),
    promptTemplateDigest: word(i, 3),
    promptTemplateVersion: i % 7,
    retrievalIndexDigest: word(i, 4),
    memoryDigest: word(i, 5),
    tools,
    toolsDigest,
    inputDigest: word(i, 6),
    outputDigest: word(i, 7),
    samplingDigest: word(i, 8),
    servingNode: getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`),
    issuedAt: 1_700_000_000 + i,
    sequence: BigInt(i),
  }));
}

/** Flips bit `bit` (0 = most significant of the first byte) of a hex string's value. */
export function flipHexBit(value: Hex, bit: number): Hex {
  const bytes = Buffer.from(value.slice(2), "hex");
  bytes[Math.floor(bit / 8)]! ^= 0x80 >> bit % 8;
  return `0x${bytes.toString("hex")}`;
}
