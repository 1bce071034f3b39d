/**
 * The states a receipt (and its batch) goes through, and the transitions allowed between them.
 *
 *   recorded ──► batched ──► submitted ──► anchored ──► final
 *                   ▲            │  ▲          │
 *                   └────────────┘  └──────────┘
 *            (tx voided: its nonce       (reorg: the anchoring tx
 *             went to another tx)         left the canonical chain)
 *
 * - `recorded`: durably stored, not in a batch yet.
 * - `batched`: in a closed batch (its index in the log, order and root are persisted).
 * - `submitted`: an anchoring transaction for the batch was signed, persisted and broadcast.
 * - `anchored`: that transaction is included in a block of the canonical chain; the proof bundle exists.
 * - `final`: the block has the configured number of confirmations; never revisited.
 *
 * A receipt's state is its batch's state (`recorded` while it has none), so a state
 * change of a batch of 10^6 receipts is one row update.
 *
 * @module
 */
import { InvariantError } from "../errors.js";

/** The states of a receipt, in order. */
export const RECEIPT_STATES = ["recorded", "batched", "submitted", "anchored", "final"] as const;

/** The state of a receipt. */
export type ReceiptState = (typeof RECEIPT_STATES)[number];

/** The state of a batch (a batch is never `recorded`). */
export type BatchState = Exclude<ReceiptState, "recorded">;

/** The states of a batch, in order. */
export const BATCH_STATES: readonly BatchState[] = ["batched", "submitted", "anchored", "final"];

/** True from `anchored` on: the receipt's proof bundle can be built. */
export function hasProof(state: ReceiptState): boolean {
  return state === "anchored" || state === "final";
}

/** Parses a state name (from a store row). @throws {InvariantError} */
export function batchStateOf(value: unknown): BatchState {
  if (typeof value === "string" && (BATCH_STATES as readonly string[]).includes(value)) return value as BatchState;
  throw new InvariantError(`unknown batch state ${JSON.stringify(value)} in the store`);
}
