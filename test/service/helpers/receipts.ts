/**
 * Valid v1 receipts for service tests and benchmarks, fast (random digests; the tools
 * digest is computed by the SDK).
 */
import { randomBytes } from "node:crypto";

import type { Hex } from "viem";

import { computeToolsDigest, modelIdFromName, parseReceipt, type ReceiptJson } from "../../../sdk/index.js";
import type { NewReceipt } from "../../../sdk/service/store/types.js";

const hex32 = (): string => `0x${randomBytes(32).toString("hex")}`;
const EMPTY_TOOLS_DIGEST = computeToolsDigest([]);
const MODEL_ID = modelIdFromName("test-model");
const WEIGHTS = `0x${"ab".repeat(32)}`;
const NODE = "0x00000000000000000000000000000000000000aa";

let sequence = 0;

/** A valid receipt JSON with random digests (no tools). */
export function makeReceipt(overrides: Partial<ReceiptJson> = {}): ReceiptJson {
  return {
    format: "showwork/receipt@1",
    receiptId: hex32(),
    modelId: MODEL_ID,
    weightsDigest: WEIGHTS,
    promptTemplateDigest: hex32(),
    promptTemplateVersion: 1,
    retrievalIndexDigest: hex32(),
    memoryDigest: hex32(),
    tools: [],
    toolsDigest: EMPTY_TOOLS_DIGEST,
    inputDigest: hex32(),
    outputDigest: hex32(),
    samplingDigest: hex32(),
    servingNode: NODE,
    issuedAt: 1_790_000_000 + (sequence % 1000),
    sequence: sequence++,
    ...overrides,
  };
}

/** `n` valid receipts. */
export function makeReceipts(n: number, overrides: Partial<ReceiptJson> = {}): ReceiptJson[] {
  return Array.from({ length: n }, () => makeReceipt(overrides));
}

/** `n` valid receipts as a store appends them (id, the validated receipt, model, weights, issue time). */
export function makeNewReceipts(n: number, overrides: Partial<ReceiptJson> = {}): NewReceipt[] {
  return makeReceipts(n, overrides).map((r) => ({
    receiptId: r.receiptId as Hex,
    receipt: parseReceipt(r),
    modelId: r.modelId as Hex,
    weightsDigest: r.weightsDigest as Hex,
    issuedAt: r.issuedAt,
  }));
}
