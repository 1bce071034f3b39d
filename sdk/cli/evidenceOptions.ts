/**
 * The `--evidence` option (the evidence store: content and salts behind receipts' commitments) shared
 * by `showwork disclose`, `replay` and `evidence delete`. Its encryption key, if any, comes from the
 * SHOWWORK_EVIDENCE_KEY environment variable, never from a flag.
 *
 * @module
 */
import { Option } from "commander";
import type { Hex } from "viem";

import { SqliteEvidenceStore } from "../evidence/sqlite.js";
import type { EvidenceStore } from "../evidence/types.js";

/** The default evidence store, beside the default receipt store. */
export const DEFAULT_EVIDENCE_STORE = "./.showwork/evidence.sqlite";

/** `--evidence <path>` (env SHOWWORK_EVIDENCE). */
export function evidenceOption(): Option {
  return new Option("--evidence <path>", "the evidence store (SQLite file; key from SHOWWORK_EVIDENCE_KEY when encrypted)")
    .env("SHOWWORK_EVIDENCE")
    .default(DEFAULT_EVIDENCE_STORE);
}

/** Opens the evidence store at `path` (encryption key from the environment). */
export function openEvidenceStore(path: string): SqliteEvidenceStore {
  return SqliteEvidenceStore.open({ path });
}

/** When a receipt's evidence was deleted, if the store records deletions (unix seconds). */
export async function deletionOf(store: EvidenceStore, receiptId: Hex): Promise<{ readonly deletedAt: number } | undefined> {
  return store.getDeletion === undefined ? undefined : store.getDeletion(receiptId);
}
