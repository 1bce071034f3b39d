/**
 * The tamper table: every field of a valid bundle mutated in turn, with the checks that must fail.
 *
 * The valid bundle is receipt #0 of the scenario's batch 0 (5 signed receipts under v1): leaf
 * index 0 sits at depth 3 of the 5-leaf tree, leaves 2..4 at depth 2.
 */
import { getAddress, keccak256, stringToHex, type Hex } from "viem";

import type { ProofBundleV1Json as ProofBundleJson } from "../../../sdk/bundle/types.js";
import { computeToolsDigest } from "../../../sdk/receipt/toolsDigest.js";
import type { CheckId, CheckStatus } from "../../../sdk/verify/verdict.js";
import type { Scenario } from "./scenario.js";

/** Flips the lowest bit of the last byte of a hex string. */
export function flip(hex: string): Hex {
  const last = parseInt(hex.slice(-2), 16) ^ 1;
  return `${hex.slice(0, -2)}${last.toString(16).padStart(2, "0")}` as Hex;
}

export interface Tamper {
  /** What is mutated. */
  readonly field: string;
  readonly mutate: (bundle: ProofBundleJson, scenario: Scenario) => void;
  /** Exactly the checks that must fail. */
  readonly fails: readonly CheckId[];
  /** Other checks with a required status (e.g. skipped after a failed prerequisite). */
  readonly also?: Partial<Record<CheckId, CheckStatus>>;
}

const SIGNED: readonly CheckId[] = ["receipt-leaf", "signature"];
const AFTER_CHAIN: Partial<Record<CheckId, CheckStatus>> = {
  contract: "skipped",
  "batch-root": "skipped",
  transaction: "skipped",
  confirmations: "skipped",
  anchorer: "skipped",
  "anchor-delay": "skipped",
  "model-version": "skipped",
};
const AFTER_CONTRACT: Partial<Record<CheckId, CheckStatus>> = { ...AFTER_CHAIN, contract: "fail" };

/** Every field of the bundle, mutated in turn. */
export const TAMPERS: readonly Tamper[] = [
  // The receipt: each field of the leaf.
  { field: "receipt.receiptId", mutate: (b) => void (b.receipt.receiptId = flip(b.receipt.receiptId)), fails: SIGNED },
  {
    field: "receipt.modelId",
    mutate: (b) => void (b.receipt.modelId = keccak256(stringToHex("another-model"))),
    fails: [...SIGNED, "model-version"],
  },
  {
    field: "receipt.weightsDigest (claims v2 while v1 was active)",
    mutate: (b) => void (b.receipt.weightsDigest = keccak256(stringToHex("acme-chat weights v2"))),
    fails: [...SIGNED, "model-version"],
  },
  { field: "receipt.promptTemplateDigest", mutate: (b) => void (b.receipt.promptTemplateDigest = flip(b.receipt.promptTemplateDigest)), fails: SIGNED },
  { field: "receipt.promptTemplateVersion", mutate: (b) => void (b.receipt.promptTemplateVersion += 1), fails: SIGNED },
  { field: "receipt.retrievalIndexDigest", mutate: (b) => void (b.receipt.retrievalIndexDigest = flip(b.receipt.retrievalIndexDigest)), fails: SIGNED },
  { field: "receipt.memoryDigest", mutate: (b) => void (b.receipt.memoryDigest = flip(b.receipt.memoryDigest)), fails: SIGNED },
  {
    field: "receipt.tools + toolsDigest (consistent)",
    mutate: (b) => {
      b.receipt.tools[0]!.name = "payments.refund";
      b.receipt.toolsDigest = computeToolsDigest(b.receipt.tools as never);
    },
    fails: SIGNED,
  },
  { field: "receipt.toolsDigest alone", mutate: (b) => void (b.receipt.toolsDigest = flip(b.receipt.toolsDigest)), fails: ["format"] },
  { field: "receipt.tools alone", mutate: (b) => void (b.receipt.tools[0]!.outputDigest = flip(b.receipt.tools[0]!.outputDigest)), fails: ["format"] },
  { field: "receipt.inputDigest", mutate: (b) => void (b.receipt.inputDigest = flip(b.receipt.inputDigest)), fails: SIGNED },
  { field: "receipt.outputDigest", mutate: (b) => void (b.receipt.outputDigest = flip(b.receipt.outputDigest)), fails: SIGNED },
  { field: "receipt.samplingDigest", mutate: (b) => void (b.receipt.samplingDigest = flip(b.receipt.samplingDigest)), fails: SIGNED },
  {
    field: "receipt.servingNode",
    mutate: (b) => void (b.receipt.servingNode = getAddress(flip(b.receipt.servingNode.toLowerCase()))),
    fails: [...SIGNED, "signer"],
  },
  { field: "receipt.issuedAt", mutate: (b) => void (b.receipt.issuedAt += 1), fails: SIGNED },
  { field: "receipt.sequence", mutate: (b) => void (b.receipt.sequence = Number(b.receipt.sequence) + 1), fails: SIGNED },
  {
    field: "receipt.signature",
    mutate: (b) => {
      const sig = b.receipt.signature!;
      b.receipt.signature = `${sig.slice(0, 40)}${sig[40] === "0" ? "1" : "0"}${sig.slice(41)}`;
    },
    fails: ["signature"],
  },
  // The inclusion proof.
  { field: "leaf", mutate: (b) => void (b.leaf = flip(b.leaf)), fails: ["receipt-leaf", "proof-root"] },
  { field: "proof[0]", mutate: (b) => void (b.proof[0] = flip(b.proof[0]!)), fails: ["proof-root"] },
  { field: "proof[1]", mutate: (b) => void (b.proof[1] = flip(b.proof[1]!)), fails: ["proof-root"] },
  { field: "proof[2]", mutate: (b) => void (b.proof[2] = flip(b.proof[2]!)), fails: ["proof-root"] },
  { field: "proof (element dropped)", mutate: (b) => void b.proof.pop(), fails: ["proof-root"] },
  { field: "proof (element added)", mutate: (b) => void b.proof.push(b.leaf), fails: ["proof-root"] },
  { field: "root", mutate: (b) => void (b.root = flip(b.root)), fails: ["proof-root", "batch-root", "transaction"] },
  { field: "leafIndex (another depth)", mutate: (b) => void (b.leafIndex = 2), fails: ["proof-root"] },
  { field: "leafIndex (outside the batch)", mutate: (b) => void (b.leafIndex = b.batchSize), fails: ["format"] },
  { field: "batchSize (same depth)", mutate: (b) => void (b.batchSize += 1), fails: ["transaction"] },
  { field: "batchSize (another depth)", mutate: (b) => void (b.batchSize -= 1), fails: ["proof-root", "transaction"] },
  // The anchor.
  { field: "anchor.chainId", mutate: (b) => void (b.anchor.chainId = 1), fails: ["chain"], also: AFTER_CHAIN },
  {
    field: "anchor.contract (no code there)",
    mutate: (b) => void (b.anchor.contract = getAddress(flip(b.anchor.contract.toLowerCase()))),
    fails: ["contract"],
    also: AFTER_CONTRACT,
  },
  {
    field: "anchor.contract (another contract)",
    mutate: (b, s) => void (b.anchor.contract = s.timeline),
    fails: ["contract"],
    also: AFTER_CONTRACT,
  },
  { field: "anchor.logId", mutate: (b) => void (b.anchor.logId = flip(b.anchor.logId)), fails: ["batch-root", "transaction", "signer"] },
  { field: "anchor.batchIndex (another anchored batch)", mutate: (b) => void (b.anchor.batchIndex = 1), fails: ["batch-root", "transaction"] },
  {
    field: "anchor.batchIndex (not anchored)",
    mutate: (b) => void (b.anchor.batchIndex = 1000),
    fails: ["transaction"],
    also: { "batch-root": "pending" },
  },
  { field: "anchor.txHash (no such transaction)", mutate: (b) => void (b.anchor.txHash = flip(b.anchor.txHash)), fails: ["transaction"] },
  { field: "anchor.txHash (another anchoring)", mutate: (b, s) => void (b.anchor.txHash = s.v1Unsigned.txHash), fails: ["transaction"] },
  { field: "anchor.blockNumber", mutate: (b) => void (b.anchor.blockNumber += 1), fails: ["transaction"] },
  // The bundle's timeline is never used; naming another one than the log's bound timeline is a false claim.
  { field: "timeline.contract (not a timeline)", mutate: (b, s) => void (b.timeline = { contract: s.receiptLogs }), fails: ["model-version"] },
];
