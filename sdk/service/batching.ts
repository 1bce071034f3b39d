/**
 * The batching policy: when the receipts recorded so far close into a batch.
 *
 * A batch closes when `maxReceipts` receipts are waiting (it takes exactly that many), or
 * when the oldest waiting receipt has waited `maxDelayMs` (it takes all waiting receipts),
 * or on an explicit flush.
 *
 * @module
 */
import { ServiceConfigError } from "./errors.js";
import type { UnbatchedSummary } from "./store/types.js";

/** When batches close. */
export interface BatchingPolicy {
  /** Receipts per batch at most (default 10,000). */
  readonly maxReceipts: number;
  /** Longest time a receipt waits before its batch closes, ms (default 2,000). */
  readonly maxDelayMs: number;
}

export const DEFAULT_BATCHING: BatchingPolicy = { maxReceipts: 10_000, maxDelayMs: 2_000 };

/** @throws {ServiceConfigError} on a non-positive or non-integer limit. */
export function checkBatchingPolicy(policy: BatchingPolicy): BatchingPolicy {
  if (!Number.isSafeInteger(policy.maxReceipts) || policy.maxReceipts < 1) {
    throw new ServiceConfigError(`maxReceipts must be a positive integer (found ${policy.maxReceipts}).`);
  }
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < 0) {
    throw new ServiceConfigError(`maxDelayMs must be >= 0 (found ${policy.maxDelayMs}).`);
  }
  return policy;
}

/** The next batch to close: receipts `[firstSeq, lastSeq]`. */
export interface BatchCut {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly why: "full" | "delay" | "flush";
}

/**
 * Decides whether the waiting receipts close into a batch now.
 * @param flush - close whatever is waiting, regardless of size and age.
 * @returns the cut, or undefined when nothing closes yet.
 */
export function nextBatchCut(waiting: UnbatchedSummary, now: number, policy: BatchingPolicy, flush = false): BatchCut | undefined {
  if (waiting.count === 0) return undefined;
  if (waiting.count >= policy.maxReceipts) {
    return { firstSeq: waiting.firstSeq, lastSeq: waiting.firstSeq + policy.maxReceipts - 1, why: "full" };
  }
  const lastSeq = waiting.firstSeq + waiting.count - 1;
  if (flush) return { firstSeq: waiting.firstSeq, lastSeq, why: "flush" };
  if (waiting.oldestRecordedAt !== undefined && now - waiting.oldestRecordedAt >= policy.maxDelayMs) {
    return { firstSeq: waiting.firstSeq, lastSeq, why: "delay" };
  }
  return undefined;
}
