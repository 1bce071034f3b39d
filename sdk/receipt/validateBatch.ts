/**
 * Batch-level checks: a batch is non-empty and its receipt ids are unique.
 *
 * @module
 */
import { InvalidBatchError } from "../errors.js";
import type { Receipt } from "./types.js";

/**
 * Checks that a batch is non-empty and that no receipt id occurs twice
 * (ids compared case-insensitively). Does not re-validate each receipt
 * (see {@link parseReceipt}).
 * @throws {InvalidBatchError} with reason `"empty"` or `"duplicate-receipt-id"` (and both positions).
 */
export function validateBatch(receipts: readonly Pick<Receipt, "receiptId">[]): void {
  if (receipts.length === 0) throw new InvalidBatchError({ reason: "empty" });
  const seen = new Map<string, number>();
  receipts.forEach((receipt, i) => {
    const id = receipt.receiptId.toLowerCase();
    const first = seen.get(id);
    if (first !== undefined) {
      throw new InvalidBatchError({ reason: "duplicate-receipt-id", receiptId: id, indices: [first, i] });
    }
    seen.set(id, i);
  });
}
