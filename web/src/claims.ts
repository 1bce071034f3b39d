/**
 * What a bundle claims, read from its JSON as it is (whatever the verdict): who answered, with
 * which model version, when, and where it says the answer was anchored. A failed or unverifiable
 * bundle still says what it claims; nothing here is a check. Reads format v1 (`anchor`) and v2
 * (`anchors[0]`, the primary chain).
 */
import { isoTime } from "../../sdk/verify/check.js";
import { printableShort } from "../../sdk/verify/printable.js";
import type { VerdictFacts } from "../../sdk/verify/verdict.js";

/** One claim: a label and its value (`hex` values are shown as hash chips). */
export interface Claim {
  readonly key: string;
  readonly label: string;
  readonly value: string;
  readonly hex?: boolean;
}

type Loose = Record<string, unknown>;

const record = (value: unknown): Loose | undefined => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Loose) : undefined);
const hexOf = (value: unknown): string | undefined => (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value) ? value : undefined);
const numberOf = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;

/** The claims of a bundle's JSON value (a disclosure's bundle included); empty when it is not an object. */
export function claimsOf(value: unknown, facts: VerdictFacts = {}): Claim[] {
  const bundle = record(value);
  if (!bundle) return [];
  const receipt = record(bundle.receipt) ?? {};
  const anchors = Array.isArray(bundle.anchors) ? bundle.anchors : [];
  const anchor = record(anchors[0]) ?? record(bundle.anchor) ?? {};
  const claims: Claim[] = [];
  const hex = (key: string, label: string, raw: unknown): void => {
    const v = hexOf(raw);
    if (v) claims.push({ key, label, value: v, hex: true });
  };
  const text = (key: string, label: string, v: string | undefined): void => {
    if (v !== undefined && v !== "") claims.push({ key, label, value: printableShort(v, 300) });
  };

  hex("receiptId", "Receipt", receipt.receiptId);
  hex("servingNode", "Answered by (serving node)", receipt.servingNode);
  const issuedAt = numberOf(receipt.issuedAt);
  text("issuedAt", "Issued at", issuedAt === undefined ? undefined : `${isoTime(issuedAt)} (the serving node's clock)`);
  const model = facts.modelName ? `${facts.modelName}${facts.versionNumber !== undefined ? ` v${facts.versionNumber}` : ""}` : undefined;
  text("model", "Model", model);
  hex("modelId", "Model id", receipt.modelId);
  hex("weightsDigest", "Model version (weights digest)", receipt.weightsDigest);
  const chainId = numberOf(anchor.chainId);
  text("chainId", "Chain", chainId === undefined ? undefined : `chain id ${chainId}${chainId === 31337 ? " (a local Hardhat chain)" : ""}`);
  if (anchors.length > 1) text("anchors", "Also anchored on", `${anchors.length - 1} more chain${anchors.length === 2 ? "" : "s"} (checked: the first one)`);
  hex("contract", "Anchoring contract", anchor.contract);
  hex("logId", "Log", anchor.logId);
  hex("operator", "Operator (the log's admin, from the chain)", facts.operator);
  const batchIndex = numberOf(anchor.batchIndex);
  const leafIndex = numberOf(bundle.leafIndex);
  const batchSize = numberOf(bundle.batchSize);
  text(
    "batch",
    "Batch",
    batchIndex === undefined ? undefined : `#${batchIndex}${leafIndex !== undefined && batchSize !== undefined ? `, receipt ${leafIndex + 1} of ${batchSize}` : ""}`,
  );
  hex("root", "Batch root", bundle.root);
  hex("txHash", "Anchoring transaction", anchor.txHash);
  const block = numberOf(anchor.blockNumber);
  text("blockNumber", "Block", block === undefined ? undefined : String(block));
  text("anchoredAt", "Anchored at (block time, from the chain)", facts.anchoredAt === undefined ? undefined : isoTime(facts.anchoredAt));
  text("signature", "Signature", receipt.signature === undefined ? "none (unsigned receipt)" : hexOf(receipt.signature) ? "present (checked: Serving-node signature)" : undefined);
  return claims;
}

/** The bundle inside a pasted text: the bundle itself, or a disclosure's `bundle`; undefined when it is not JSON. */
export function bundleValueOf(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    const outer = record(value);
    return outer && typeof outer.format === "string" && outer.format.startsWith("showwork/disclosure@") ? outer.bundle : value;
  } catch {
    return undefined;
  }
}
