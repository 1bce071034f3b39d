/**
 * The saved form of a batch: versioned JSON from which a {@link ReceiptTree}
 * (and every proof) can be rebuilt later, in another process.
 *
 * ```json
 * { "format": "showwork/batch@1", "root": "0x…", "size": 3, "receipts": [ReceiptJson, …] }
 * ```
 * `receipts` are in batch order (leaf `i` is receipt `i`); `root` and `size` are
 * re-checked on load.
 *
 * @module
 */
import type { Hex } from "viem";

import type { ReceiptJson } from "../receipt/types.js";

/** Format tag of a saved batch, version 1. */
export const BATCH_FORMAT = "showwork/batch@1" as const;

/** A saved batch, version 1 (what {@link ReceiptTree.dump} returns and {@link ReceiptTree.load} accepts). */
export interface BatchDump {
  readonly format: typeof BATCH_FORMAT;
  /** The Merkle root of the batch. */
  readonly root: Hex;
  /** Number of receipts (leaves). */
  readonly size: number;
  /** The receipts, in batch order. */
  readonly receipts: readonly ReceiptJson[];
}
