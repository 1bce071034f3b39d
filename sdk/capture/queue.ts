/**
 * The capture queue file (SQLite): receipts waiting for the anchoring service, and those it
 * refused for good, each with its reason. {@link remoteSink} delivers from it; `showwork capture
 * queue` (list, retry) reads and repairs it — also while a proxy or an app has it open (WAL).
 *
 * Tables:
 * - `queue (seq, receipt_id, body, attempts, queued_at)`: waiting, in order; a row is deleted only
 *   once the service acknowledged it (201, or 409 "already stored": a duplicate is delivered);
 * - `rejected (receipt_id, body, reason, code, status, at)`: refused for good (e.g. a signer the log
 *   does not authorise, a clock far in the future); kept, never dropped, until `retry` moves them
 *   back into `queue` (once the cause is fixed) or an operator deletes the file.
 * - `versions (model, response_model, fingerprint, provider, digest, published, first_seen, last_seen, answers)`:
 *   every model version the capture saw (for a hosted model: each provider `system_fingerprint`),
 *   whether the manifest listed it as published then, first and last time seen (ms) and how many
 *   answers — so that `showwork doctor` can say, after the fact and from another process, which
 *   versions the operator still has to publish (the capturer's own memory is gone by then).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import type { Hex } from "viem";

import { DatabaseSync } from "../nodeSqlite.js";

/** The default queue file. */
export const DEFAULT_QUEUE_PATH = "./.showwork/capture-queue.sqlite";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY, receipt_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS rejected (receipt_id TEXT PRIMARY KEY, body TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS versions (model TEXT NOT NULL, response_model TEXT NOT NULL, fingerprint TEXT NOT NULL, provider TEXT, digest TEXT NOT NULL, published INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, answers INTEGER NOT NULL, PRIMARY KEY (model, response_model, fingerprint));
`;

/** A model version the capture saw (what the `versions` table keeps). */
export interface SeenVersion {
  /** The requested model name (the manifest's key). */
  readonly model: string;
  /** The model the response named, if any. */
  readonly responseModel: string | undefined;
  /** The provider's `system_fingerprint`, if any. */
  readonly systemFingerprint: string | undefined;
  /** The provider the version digest names (hosted models). */
  readonly provider: string | undefined;
  /** The version digest the receipts claim (`weightsDigest`). */
  readonly weightsDigest: Hex;
  /** Whether the manifest listed this version as published (or declared it) when it was seen. */
  readonly published: boolean;
  /** First and last time seen, ms since epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Answers with this version (in a row handed to a sink: since the last hand-over). */
  readonly answers: number;
}

/** SQL that adds seen versions to a queue file (answers summed, first/last time widened; `published` as last seen). */
export const UPSERT_VERSION_SQL =
  "INSERT INTO versions (model, response_model, fingerprint, provider, digest, published, first_seen, last_seen, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) " +
  "ON CONFLICT (model, response_model, fingerprint) DO UPDATE SET provider = excluded.provider, digest = excluded.digest, published = excluded.published, " +
  "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen), answers = answers + excluded.answers";

/** The arguments of {@link UPSERT_VERSION_SQL} for one version. */
export function versionRowArgs(v: SeenVersion): (string | number | null)[] {
  return [v.model, v.responseModel ?? "", v.systemFingerprint ?? "", v.provider ?? null, v.weightsDigest, v.published ? 1 : 0, v.firstSeen, v.lastSeen, v.answers];
}

/** The versions of an open queue file, most recently seen first. */
export function versionRows(db: DatabaseSync): SeenVersion[] {
  return (
    db.prepare("SELECT model, response_model, fingerprint, provider, digest, published, first_seen, last_seen, answers FROM versions ORDER BY last_seen DESC, model").all() as {
      model: string;
      response_model: string;
      fingerprint: string;
      provider: string | null;
      digest: Hex;
      published: number;
      first_seen: number;
      last_seen: number;
      answers: number;
    }[]
  ).map((r) => ({
    model: r.model,
    responseModel: r.response_model === "" ? undefined : r.response_model,
    systemFingerprint: r.fingerprint === "" ? undefined : r.fingerprint,
    provider: r.provider ?? undefined,
    weightsDigest: r.digest,
    published: Number(r.published) === 1,
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    answers: Number(r.answers),
  }));
}

/** A receipt the service refused for good, kept with the reason. */
export interface RejectedReceipt {
  readonly receiptId: Hex;
  /** The service's answer: status, code and message. */
  readonly reason: string;
  /** The service's error code (e.g. `signer-not-authorised`, `issued-at-in-future`), when it gave one. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  /** When it was set aside (ms since epoch). */
  readonly at: number;
}

/** A waiting receipt. */
export interface QueuedReceipt {
  readonly receiptId: Hex;
  readonly attempts: number;
  /** When it was queued (ms since epoch; 0 for rows of an older queue file). */
  readonly queuedAt: number;
}

/** Opens (and creates or upgrades) a queue file. */
export function openQueueDatabase(path: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  db.exec(SCHEMA);
  // Columns added after the first release of the file: old files are upgraded in place.
  const columns = (table: string): Set<string> => new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  if (!columns("queue").has("queued_at")) db.exec("ALTER TABLE queue ADD COLUMN queued_at INTEGER NOT NULL DEFAULT 0");
  const rejected = columns("rejected");
  if (!rejected.has("code")) db.exec("ALTER TABLE rejected ADD COLUMN code TEXT");
  if (!rejected.has("status")) db.exec("ALTER TABLE rejected ADD COLUMN status INTEGER");
  return db;
}

/** The refused receipts of an open queue file, with their reasons, oldest first. */
export function rejectedRows(db: DatabaseSync): RejectedReceipt[] {
  return (db.prepare("SELECT receipt_id, reason, code, status, at FROM rejected ORDER BY at, receipt_id").all() as { receipt_id: Hex; reason: string; code: string | null; status: number | null; at: number }[]).map((r) => ({
    receiptId: r.receipt_id,
    reason: r.reason,
    code: r.code ?? undefined,
    status: r.status === null ? undefined : Number(r.status),
    at: Number(r.at),
  }));
}

/** Reads and repairs a queue file (what `showwork capture queue` uses). */
export class CaptureQueue {
  readonly path: string;
  private readonly db: DatabaseSync;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
  }

  static open(path: string = DEFAULT_QUEUE_PATH): CaptureQueue {
    return new CaptureQueue(path, openQueueDatabase(path));
  }

  /** Counts: waiting, refused, and the age of the oldest waiting receipt (ms; 0 when none). */
  counts(now = Date.now()): { queued: number; rejected: number; oldestQueuedAgeMs: number } {
    const q = this.db.prepare("SELECT count(*) AS n, min(CASE WHEN queued_at > 0 THEN queued_at END) AS oldest FROM queue").get() as { n: number | bigint; oldest: number | bigint | null };
    const r = this.db.prepare("SELECT count(*) AS n FROM rejected").get() as { n: number | bigint };
    return { queued: Number(q.n), rejected: Number(r.n), oldestQueuedAgeMs: q.oldest === null ? 0 : Math.max(0, now - Number(q.oldest)) };
  }

  /** The waiting receipts, oldest first (at most `limit`). */
  queued(limit = 1_000): QueuedReceipt[] {
    return (this.db.prepare("SELECT receipt_id, attempts, queued_at FROM queue ORDER BY seq LIMIT ?").all(limit) as { receipt_id: Hex; attempts: number; queued_at: number }[]).map((r) => ({
      receiptId: r.receipt_id,
      attempts: Number(r.attempts),
      queuedAt: Number(r.queued_at),
    }));
  }

  /** The refused receipts with their reasons, oldest first. */
  rejected(): RejectedReceipt[] {
    return rejectedRows(this.db);
  }

  /** The model versions the capture saw (most recently seen first). */
  versions(): SeenVersion[] {
    return versionRows(this.db);
  }

  /**
   * Moves refused receipts back into the queue (all, or those of `receiptIds`), to be sent again
   * by whichever process delivers from this file. Returns how many moved.
   */
  retry(receiptIds?: readonly string[]): number {
    const ids = receiptIds?.map((id) => id.toLowerCase());
    const rows = (this.db.prepare("SELECT receipt_id, body FROM rejected ORDER BY at, receipt_id").all() as { receipt_id: string; body: string }[]).filter((r) => ids === undefined || ids.includes(r.receipt_id));
    const insert = this.db.prepare("INSERT INTO queue (receipt_id, body, queued_at) VALUES (?, ?, ?) ON CONFLICT (receipt_id) DO NOTHING");
    const remove = this.db.prepare("DELETE FROM rejected WHERE receipt_id = ?");
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const now = Date.now();
      for (const r of rows) {
        insert.run(r.receipt_id, r.body, now);
        remove.run(r.receipt_id);
      }
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
    return rows.length;
  }

  close(): void {
    this.db.close();
  }
}
