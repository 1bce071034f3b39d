/**
 * The project's latest captured answer (`.showwork/last-receipt.json`): written by capture, read by
 * `showwork verify --last`, so no receipt id is ever copied by hand.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import type { Hex } from "viem";

import { CONFIG_DIR } from "./loadConfig.js";

/** The file where capture records the latest receipt of the project at `root`. */
export function lastReceiptFile(root: string): string {
  return join(root, CONFIG_DIR, "last-receipt.json");
}

/** Records `receiptId` as the project's latest answer (a failure is ignored: it is only a convenience). */
export function recordLastReceipt(root: string, receiptId: Hex): void {
  try {
    const file = lastReceiptFile(root);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ receiptId, at: new Date().toISOString() })}\n`);
  } catch {
    // `showwork verify --last` then says no answer was captured.
  }
}
