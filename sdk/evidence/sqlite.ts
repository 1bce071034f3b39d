/**
 * The evidence store on Node's built-in SQLite (`node:sqlite`): one file (by default
 * `evidence.sqlite` beside the receipt store's `store.sqlite`), WAL mode.
 *
 * Group commit: writes made in the same turn of the event loop (e.g. many answers captured
 * at once) are committed in one transaction; each call's promise resolves once its write is
 * durable (`synchronous=FULL` by default). A failing write rejects only its own call.
 *
 * Encryption at rest (optional, AES-256-GCM, see `encryption.ts`): a store is encrypted from
 * its creation on when a key is given; the key comes from `SHOWWORK_EVIDENCE_KEY` unless
 * `encryptionKey` is passed (`null`: no encryption, whatever the environment says). What stays
 * in clear: receipt ids and issue times (both are in the public receipt anyway), row sizes.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import canonicalize from "canonicalize";
import type { Hex } from "viem";

import { isHexOfLength } from "../bytes/hex.js";
import { InvariantError } from "../errors.js";
import { DatabaseSync, type StatementSync } from "../nodeSqlite.js";
import type { EvidenceCipher } from "./encryption.js";
import { EvidenceConflictError, EvidenceStoreClosedError, InvalidEvidenceError } from "./errors.js";
import type { Artifact, EvidenceStore, ReceiptEvidence } from "./types.js";
import { checkArtifact, checkStoreKey, evidenceCipherOf, openArtifact, openEvidence, sealArtifact, type Row } from "./rows.js";
import { assertEvidence } from "./validate.js";
import { hexToBuffer } from "../service/store/rows.js";
import { cachedStatement } from "../service/store/statements.js";

/** Options of {@link SqliteEvidenceStore.open}. */
export interface SqliteEvidenceStoreOptions {
  /** File path, or ":memory:". Parent folders are created. */
  readonly path: string;
  /**
   * 32-byte AES-256-GCM key (bytes, 64 hex digits or base64). Default: `SHOWWORK_EVIDENCE_KEY`
   * from the environment when set. `null`: no encryption.
   */
  readonly encryptionKey?: Uint8Array | string | null;
  /** "full" (default): fsync at every commit. "normal": survives a killed process, not a power loss. */
  readonly durability?: "full" | "normal";
  /**
   * How long writes gather before one commit, ms (default 0: the next turn of the event loop). A
   * commit blocks the process's thread for an fsync: a few ms gathers the writes of many answers.
   */
  readonly groupCommitMs?: number;
}

const SCHEMA_VERSION = 1;
const DELETIONS_SCHEMA = "CREATE TABLE IF NOT EXISTS deletions (receipt_id BLOB PRIMARY KEY, deleted_at INTEGER NOT NULL) WITHOUT ROWID;";
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- key: the digest (plain store) or HMAC-SHA256(key, digest) (encrypted store).
-- bytes: the artifact (plain) or nonce ‖ AES-256-GCM(u16 media-type length ‖ media type ‖ bytes) ‖ tag.
CREATE TABLE artifacts (key BLOB PRIMARY KEY, media_type TEXT NOT NULL, bytes BLOB NOT NULL) WITHOUT ROWID;
-- body: the record's JSON (plain) or nonce ‖ AES-256-GCM(JSON) ‖ tag, bound to receipt_id.
CREATE TABLE evidence (receipt_id BLOB PRIMARY KEY, issued_at INTEGER NOT NULL, body BLOB NOT NULL);
CREATE INDEX evidence_by_issued_at ON evidence (issued_at);
`;

type Op = { run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

const utf8 = new TextEncoder();

function asBytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvariantError(`expected a blob in the evidence store, found ${typeof value}`);
  return value;
}

/** The SQLite evidence store. Create with {@link SqliteEvidenceStore.open}. */
export class SqliteEvidenceStore implements EvidenceStore {
  readonly location: string;
  /** True when records are encrypted at rest. */
  readonly encrypted: boolean;
  private readonly db: DatabaseSync;
  private readonly cipher: EvidenceCipher | undefined;
  private readonly statements = new Map<string, StatementSync>();
  private pending: Op[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private groupCommitMs = 0;

  private constructor(db: DatabaseSync, location: string, cipher: EvidenceCipher | undefined) {
    this.db = db;
    this.location = location;
    this.cipher = cipher;
    this.encrypted = cipher !== undefined;
  }

  /**
   * Opens (creating when needed) an evidence store.
   * @throws {EvidenceKeyError} when the key is malformed, missing for an encrypted store, given for a
   *   plain one, or not the store's key. Nothing is written then.
   */
  static open(options: SqliteEvidenceStoreOptions): SqliteEvidenceStore {
    const { path } = options;
    const cipher = evidenceCipherOf(options.encryptionKey);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    try {
      db.exec(`PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.durability === "normal" ? "NORMAL" : "FULL"};`);
      db.exec("BEGIN IMMEDIATE");
      try {
        const version = Number((db.prepare("PRAGMA user_version").get() as Row).user_version);
        if (version === 0) {
          db.exec(`${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION};`);
          const insert = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
          insert.run("encryption", cipher ? "aes-256-gcm" : "none");
          if (cipher) insert.run("keyId", cipher.keyId);
        } else if (version !== SCHEMA_VERSION) {
          throw new InvalidEvidenceError({ field: "(store schema)", expected: `evidence store schema version ${SCHEMA_VERSION}`, found: version });
        }
        // Retention tombstones (receipt id and when its evidence was deleted; no content). Added to
        // schema version 1 in place: stores made before it gain the table on their next open.
        db.exec(DELETIONS_SCHEMA);
        const meta = new Map((db.prepare("SELECT key, value FROM meta").all() as Row[]).map((r) => [String(r.key), String(r.value)]));
        checkStoreKey(meta, cipher, path);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    } catch (error) {
      db.close();
      throw error;
    }
    const store = new SqliteEvidenceStore(db, path, cipher);
    store.groupCommitMs = Math.max(0, options.groupCommitMs ?? 0);
    return store;
  }

  private stmt(sql: string): StatementSync {
    return cachedStatement(this.db, this.statements, sql);
  }

  /** Queues a write; it is committed with the others queued in the same turn. */
  private enqueue<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new EvidenceStoreClosedError(this.location));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.flushing ??= new Promise<void>((done) => (this.groupCommitMs > 0 ? setTimeout(done, this.groupCommitMs) : setImmediate(done))).then(() => this.flush());
    });
  }

  private flush(): void {
    const ops = this.pending;
    this.pending = [];
    this.flushing = undefined;
    if (ops.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.exec("BEGIN IMMEDIATE");
      for (const op of ops) {
        this.db.exec("SAVEPOINT op");
        try {
          outcomes.push({ ok: true, value: op.run() });
          this.db.exec("RELEASE op");
        } catch (error) {
          this.db.exec("ROLLBACK TO op");
          this.db.exec("RELEASE op");
          outcomes.push({ ok: false, value: error });
        }
      }
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      for (const op of ops) op.reject(error);
      return;
    }
    ops.forEach((op, i) => (outcomes[i]!.ok ? op.resolve(outcomes[i]!.value) : op.reject(outcomes[i]!.value)));
  }

  /** Waits for queued writes to be committed. */
  private async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private artifactKey(digest: Hex): Buffer {
    const bytes = hexToBuffer(digest.toLowerCase());
    return this.cipher ? this.cipher.lookupKey(bytes) : bytes;
  }

  async putArtifacts(items: readonly Artifact[]): Promise<void> {
    const rows = items.map((item, i) => {
      checkArtifact(item, i);
      const key = this.artifactKey(item.digest);
      if (!this.cipher) return { key, mediaType: item.mediaType, bytes: item.bytes };
      return { key, mediaType: "", bytes: sealArtifact(this.cipher, key, item) };
    });
    if (rows.length === 0) return;
    await this.enqueue(() => {
      const insert = this.stmt("INSERT INTO artifacts (key, media_type, bytes) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING");
      for (const row of rows) insert.run(row.key, row.mediaType, row.bytes);
    });
  }

  async getArtifact(digest: Hex): Promise<{ mediaType: string; bytes: Uint8Array } | undefined> {
    if (!isHexOfLength(digest, 32)) return undefined;
    await this.settled();
    this.assertOpen();
    const key = this.artifactKey(digest);
    const row = this.stmt("SELECT media_type, bytes FROM artifacts WHERE key = ?").get(key) as Row | undefined;
    if (row === undefined) return undefined;
    return openArtifact(row.media_type, asBytes(row.bytes), key, this.cipher, this.location);
  }

  async deleteArtifacts(digests: readonly Hex[]): Promise<number> {
    const keys = digests.filter((d) => isHexOfLength(d, 32)).map((d) => this.artifactKey(d));
    return this.enqueue(() => {
      let deleted = 0;
      const remove = this.stmt("DELETE FROM artifacts WHERE key = ?");
      for (const key of keys) deleted += Number(remove.run(key).changes);
      return deleted;
    });
  }

  async putEvidence(evidence: ReceiptEvidence): Promise<void> {
    assertEvidence(evidence);
    const id = hexToBuffer(evidence.receiptId.toLowerCase());
    const json = JSON.stringify({ ...evidence, receiptId: evidence.receiptId.toLowerCase() });
    const body = this.cipher ? this.cipher.seal(utf8.encode(json), id) : utf8.encode(json);
    await this.enqueue(() => {
      const inserted = this.stmt("INSERT INTO evidence (receipt_id, issued_at, body) VALUES (?, ?, ?) ON CONFLICT (receipt_id) DO NOTHING").run(id, evidence.issuedAt, body);
      if (Number(inserted.changes) === 1) return;
      const existing = this.readEvidence(id);
      if (existing === undefined || canonicalize(existing) !== canonicalize(JSON.parse(json))) throw new EvidenceConflictError(evidence.receiptId);
    });
  }

  private readEvidence(id: Buffer): ReceiptEvidence | undefined {
    const row = this.stmt("SELECT body FROM evidence WHERE receipt_id = ?").get(id) as Row | undefined;
    if (row === undefined) return undefined;
    return openEvidence(asBytes(row.body), id, this.cipher, this.location);
  }

  async getEvidence(receiptId: Hex): Promise<ReceiptEvidence | undefined> {
    if (!isHexOfLength(receiptId, 32)) return undefined;
    await this.settled();
    this.assertOpen();
    return this.readEvidence(hexToBuffer(receiptId.toLowerCase()));
  }

  async deleteEvidence(receiptId: Hex): Promise<boolean> {
    if (!isHexOfLength(receiptId, 32)) return false;
    const id = hexToBuffer(receiptId.toLowerCase());
    const now = Math.floor(Date.now() / 1000);
    return this.enqueue(() => {
      const deleted = Number(this.stmt("DELETE FROM evidence WHERE receipt_id = ?").run(id).changes) === 1;
      if (deleted) this.stmt("INSERT OR REPLACE INTO deletions (receipt_id, deleted_at) VALUES (?, ?)").run(id, now);
      return deleted;
    });
  }

  /** When a receipt's evidence was deleted (unix seconds), or undefined when it was not (or never stored). */
  async getDeletion(receiptId: Hex): Promise<{ deletedAt: number } | undefined> {
    if (!isHexOfLength(receiptId, 32)) return undefined;
    await this.settled();
    this.assertOpen();
    const row = this.stmt("SELECT deleted_at FROM deletions WHERE receipt_id = ?").get(hexToBuffer(receiptId.toLowerCase())) as Row | undefined;
    return row === undefined ? undefined : { deletedAt: Number(row.deleted_at) };
  }

  async deleteEvidenceBefore(issuedAt: number): Promise<number> {
    if (!Number.isFinite(issuedAt)) throw new InvalidEvidenceError({ field: "issuedAt", expected: "unix seconds (a finite number)", found: issuedAt });
    const now = Math.floor(Date.now() / 1000);
    return this.enqueue(() => {
      this.stmt("INSERT OR REPLACE INTO deletions (receipt_id, deleted_at) SELECT receipt_id, ? FROM evidence WHERE issued_at < ?").run(now, issuedAt);
      return Number(this.stmt("DELETE FROM evidence WHERE issued_at < ?").run(issuedAt).changes);
    });
  }

  /** How many evidence records the store holds. */
  async countEvidence(): Promise<number> {
    await this.settled();
    this.assertOpen();
    return Number((this.stmt("SELECT count(*) AS n FROM evidence").get() as Row).n);
  }

  private assertOpen(): void {
    if (this.closed) throw new EvidenceStoreClosedError(this.location);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled();
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
