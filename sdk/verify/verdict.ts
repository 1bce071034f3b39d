/**
 * The verdict on a proof bundle: an overall status plus one entry per check,
 * each saying what was expected and what was found. Never a bare boolean.
 *
 * @module
 */
import type { DisclosureReport } from "../disclosure/checkDisclosure.js";

/**
 * Outcome of one check.
 * - `pass`: checked, holds.
 * - `fail`: checked, does not hold (the bundle is wrong, tampered, or the claim is false).
 * - `pending`: holds so far but is not final yet (too few confirmations, not anchored yet).
 * - `skipped`: not applicable (no signature, nothing disclosed) or not run because a check it
 *   depends on did not pass (`code` says which).
 * - `error`: could not be checked (RPC down or timing out, bundle format newer than this verifier):
 *   says nothing about the bundle itself.
 */
export type CheckStatus = "pass" | "fail" | "pending" | "skipped" | "error";

/**
 * Overall outcome.
 * - `verified`: every check passed (optional checks may be skipped).
 * - `failed`: at least one check failed.
 * - `pending`: nothing failed, but something is not final yet or could not be checked
 *   (see {@link Verdict.reason}).
 */
export type VerdictStatus = "verified" | "failed" | "pending";

/** Why a verdict has its status (finer than {@link VerdictStatus}; stable, for machines). */
export type VerdictReason =
  | "verified"
  | "failed"
  /** Anchored but with fewer confirmations than required, or not anchored yet. */
  | "not-final"
  /** The RPC endpoint did not answer (down, timeout, refused). */
  | "could-not-check"
  /** The bundle's format is newer than this verifier understands. */
  | "unsupported-format";

/** Stable identifiers of the checks, in the order they are run and reported. */
export const CHECK_IDS = [
  "format",
  "receipt-leaf",
  "proof-root",
  "chain",
  "contract",
  "batch-root",
  "transaction",
  "confirmations",
  "anchorer",
  "anchor-delay",
  "model-version",
  "signer",
  "pinned",
  "signature",
  "disclosure",
] as const;

/** Identifier of a check. */
export type CheckId = (typeof CHECK_IDS)[number];

/** What each check establishes (its short name and a one-sentence meaning). */
export const CHECK_INFO: Readonly<Record<CheckId, { readonly name: string; readonly meaning: string }>> = {
  format: {
    name: "Bundle format",
    meaning: "The bundle is a showwork/bundle@1 or @2 document that passes the schema (a newer format is reported as not checkable).",
  },
  "receipt-leaf": {
    name: "Receipt hashes to leaf",
    meaning: "The receipt's EIP-712 hash, hashed again, equals the bundle's leaf: the leaf commits to exactly these fields.",
  },
  "proof-root": {
    name: "Proof leads to root",
    meaning: "Hashing the leaf up the proof gives the bundle's root, with a proof length that fits the leaf's position in the batch.",
  },
  chain: {
    name: "Chain",
    meaning: "The RPC endpoint serves the chain the bundle names (same chain id).",
  },
  contract: {
    name: "Anchoring contract",
    meaning:
      "The code at the stated address is the showwork ReceiptLogs build (runtime code hash compared with the build's, per build profile), not a look-alike.",
  },
  "batch-root": {
    name: "Root anchored",
    meaning: "The contract holds the bundle's root at the stated log and batch index, for the stated number of leaves.",
  },
  transaction: {
    name: "Anchoring transaction",
    meaning: "The stated transaction succeeded in the stated block and emitted BatchAnchored for this log, index and root from this contract.",
  },
  confirmations: {
    name: "Confirmations",
    meaning: "The anchoring block has at least the required number of confirmations (fewer: pending, not failed).",
  },
  anchorer: {
    name: "Anchorer authorised",
    meaning: "The account that anchored the batch was an authorised anchorer of the log at the anchoring block.",
  },
  "anchor-delay": {
    name: "Anchoring delay",
    meaning:
      "The batch was anchored after the receipt's time; how long after, against the maximum delay the log declared (later than that is shown as `late` — the receipt was delivered late — never a failure; a late batch gives the model-version check no delay bound).",
  },
  "model-version": {
    name: "Model version active",
    meaning:
      "The model version the receipt claims (weights digest) was the active one, in the timeline bound to the log on-chain (never one a bundle names), from the receipt's time to its anchoring.",
  },
  signer: {
    name: "Serving node authorised",
    meaning: "The receipt's serving node was authorised by the log's admin to sign the log's receipts at the receipt's time (isSignerAt).",
  },
  pinned: {
    name: "Pinned log or operator",
    meaning: "The log is one the caller pinned, or its admin (the operator) is (skipped when nothing was pinned: the verdict says who vouches).",
  },
  signature: {
    name: "Serving-node signature",
    meaning: "The receipt's EIP-712 signature recovers to its serving node (required unless the caller allows unsigned receipts).",
  },
  disclosure: {
    name: "Disclosed content",
    meaning: "Each disclosed (content, salt) pair hashes to the digest the receipt commits to (skipped when nothing is disclosed).",
  },
};

/** One check's outcome. */
export interface Check {
  /** Stable identifier (see {@link CHECK_IDS}). */
  readonly id: CheckId;
  /** Human name of the check. */
  readonly name: string;
  readonly status: CheckStatus;
  /** What the check expected (from the bundle or the rules), when there is one value to show. */
  readonly expected?: string | undefined;
  /** What the check found (computed, or read from the chain). */
  readonly found?: string | undefined;
  /** One sentence: what holds, or what is wrong and what to do. */
  readonly message: string;
  /**
   * Machine-readable reason when the status is not `pass` (and `late` on a passing `anchor-delay`), e.g. `mismatch`, `wrong-chain`,
   * `no-code`, `not-receipt-logs`, `rpc-unavailable`, `unsupported-format`, `late`,
   * `version-mismatch`, `prerequisite`, `not-applicable`.
   */
  readonly code?: string | undefined;
}

/** Facts established while verifying (present when the corresponding check could read them). */
export interface VerdictFacts {
  receiptId?: string;
  modelId?: string;
  weightsDigest?: string;
  /** The receipt's time, unix seconds. */
  issuedAt?: number;
  chainId?: number;
  contract?: string;
  logId?: string;
  batchIndex?: string;
  txHash?: string;
  blockNumber?: string;
  /** Timestamp of the anchoring block, unix seconds. */
  anchoredAt?: number;
  /** Seconds from the receipt's time to its anchoring. */
  anchorDelay?: number;
  /** The log's declared maximum anchoring delay in force at the anchoring, seconds (0 = none declared). */
  maxAnchorDelay?: number;
  confirmations?: string;
  anchorer?: string;
  timelineContract?: string;
  /** Where the deployments record places the anchoring contract (absent when it has no deployment on this chain). */
  recordedDeployment?: string;
  /** The version (weights digest) active in the timeline at the receipt's time, if any. */
  activeVersion?: string;
  /** The claimed version's number in the timeline (1-based), when published there. */
  versionNumber?: number;
  /** The model's name as registered in the timeline (control characters escaped). */
  modelName?: string;
  /** When the timeline changed between the receipt's time and its anchoring: the first change, unix seconds. */
  versionChangedAt?: number;
  /** The log's admin: the operator who vouches for the log. */
  operator?: string;
  /** The serving node that signed the receipt. */
  servingNode?: string;
}

/** Logs and operators the caller trusts (see `verifyBundle({ trust })`). */
export interface TrustPins {
  /** Log ids (bytes32) the caller trusts. */
  readonly logs?: readonly string[];
  /** Operator addresses (log admins) the caller trusts. */
  readonly operators?: readonly string[];
}

/** The verdict on one proof bundle. */
export interface Verdict {
  /** With a disclosure document: one result per disclosed piece and what was not shown (see sdk/disclosure/). */
  readonly disclosure?: DisclosureReport | undefined;
  readonly status: VerdictStatus;
  readonly reason: VerdictReason;
  /**
   * What was proven, first: "answer by node N of operator O (log L), model M vX, active at T, anchored at T',
   * K confirmations" for a verified bundle; the summary otherwise.
   */
  readonly headline: string;
  /** One line for people. */
  readonly summary: string;
  /** What stays uncertain even when verified (nothing pinned, the version changed before anchoring, ...). */
  readonly uncertain: readonly string[];
  /** The RPC endpoints used, with what each answered (absent when a client was passed). */
  readonly endpoints?: readonly { url: string; answered: number; failed: number; head?: string; lastError?: string }[];
  /** Every check, in {@link CHECK_IDS} order. */
  readonly checks: readonly Check[];
  readonly facts: VerdictFacts;
  /** Wall-clock time the verification took, milliseconds. */
  readonly elapsedMs: number;
}

/** The ids of the checks with a given status. */
export function checksWithStatus(verdict: Pick<Verdict, "checks">, status: CheckStatus): CheckId[] {
  return verdict.checks.filter((check) => check.status === status).map((check) => check.id);
}

/**
 * Combines checks into an overall status and reason: any `fail` fails the verdict; otherwise an
 * `error` makes it pending (could not check — or unsupported format), a `pending` check makes it
 * pending (not final); otherwise it is verified.
 */
export function judge(checks: readonly Check[]): { status: VerdictStatus; reason: VerdictReason; summary: string } {
  const failed = checks.filter((check) => check.status === "fail");
  if (failed.length > 0) {
    return {
      status: "failed",
      reason: "failed",
      summary: `FAILED: ${failed.map((check) => check.name.toLowerCase()).join(", ")} (${failed.length} of ${checks.length} checks failed)`,
    };
  }
  const unsupported = checks.find((check) => check.status === "error" && check.code === "unsupported-format");
  if (unsupported) {
    return { status: "pending", reason: "unsupported-format", summary: `NOT CHECKED: ${unsupported.message}` };
  }
  const errored = checks.filter((check) => check.status === "error");
  if (errored.length > 0) {
    return {
      status: "pending",
      reason: "could-not-check",
      summary: `COULD NOT CHECK: ${errored[0]?.message ?? ""}`,
    };
  }
  const pending = checks.filter((check) => check.status === "pending");
  if (pending.length > 0) {
    return { status: "pending", reason: "not-final", summary: `PENDING: ${pending.map((check) => check.message).join("; ")}` };
  }
  const passed = checks.filter((check) => check.status === "pass").length;
  // Say which checks that usually apply were not run (an allowed unsigned receipt, a receipt naming no model).
  const unchecked = checks.filter((check) => check.status === "skipped" && check.id !== "disclosure" && check.id !== "pinned");
  const pinned = checks.find((check) => check.id === "pinned");
  const nothingPinned = pinned !== undefined && pinned.status !== "pass";
  return {
    status: "verified",
    reason: "verified",
    summary: `VERIFIED: ${passed} checks passed${unchecked.length > 0 ? ` (not checked: ${unchecked.map((check) => check.name.toLowerCase()).join(", ")})` : ""}${nothingPinned ? "; nothing pinned" : ""}`,
  };
}

/** The process exit code for a verdict: 0 verified, 1 failed, 2 pending or could not check. */
export function exitCodeOf(verdict: Pick<Verdict, "status">): 0 | 1 | 2 {
  return verdict.status === "verified" ? 0 : verdict.status === "failed" ? 1 : 2;
}
