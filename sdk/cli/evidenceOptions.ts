/**
 * The `--evidence` option (the evidence store: content and salts behind receipts' commitments) shared
 * by `showwork disclose`, `replay` and `evidence delete`. Its encryption key, if any, comes from the
 * SHOWWORK_EVIDENCE_KEY environment variable, never from a flag.
 *
 * @module
 */
import { Option } from "commander";
import type { Hex } from "viem";

import { PostgresEvidenceStore } from "../evidence/postgres.js";
import { SqliteEvidenceStore } from "../evidence/sqlite.js";
import type { EvidenceStore } from "../evidence/types.js";
import { isPostgresUrl } from "../service/store/open.js";

/** The default evidence store, beside the default receipt store. */
export const DEFAULT_EVIDENCE_STORE = "./.showwork/evidence.sqlite";

/** `--evidence <path|url>` (env SHOWWORK_EVIDENCE). */
export function evidenceOption(): Option {
  return new Option("--evidence <path|url>", "the evidence store (SQLite file, or postgres:// URL; key from SHOWWORK_EVIDENCE_KEY when encrypted)")
    .env("SHOWWORK_EVIDENCE")
    .default(DEFAULT_EVIDENCE_STORE);
}

/**
 * Opens the evidence store at `location` (encryption key from the environment): a `postgres://`
 * (or `postgresql://`) URL opens {@link PostgresEvidenceStore}, anything else is a SQLite file path.
 * Its `location` is the URL without its password: print that, never the option's value. With
 * `encryptionKey` (a key, or `null` for a plain store) the environment is not read.
 */
export async function openEvidenceStore(location: string, encryptionKey?: string | null): Promise<SqliteEvidenceStore | PostgresEvidenceStore> {
  const key = encryptionKey === undefined ? {} : { encryptionKey };
  return isPostgresUrl(location) ? PostgresEvidenceStore.open({ url: location, ...key }) : SqliteEvidenceStore.open({ path: location, ...key });
}

/** When a receipt's evidence was deleted, if the store records deletions (unix seconds). */
export async function deletionOf(store: EvidenceStore, receiptId: Hex): Promise<{ readonly deletedAt: number } | undefined> {
  return store.getDeletion === undefined ? undefined : store.getDeletion(receiptId);
}
