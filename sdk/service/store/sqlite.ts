/**
 * The store on Node's built-in SQLite (`node:sqlite`, `DatabaseSync`): one file, WAL mode.
 *
 * Durability: `durability: "full"` (default) runs with `synchronous=FULL`, so a
 * `appendReceipts` that returned survives a power loss or OS crash, not only a killed
 * process; `"normal"` (`synchronous=NORMAL`) survives a killed process but may lose the
 * last transactions on power loss. Both are measured in `npm run bench`.
 *
 * Receipt ids: a B-tree over random 32-byte ids costs one random page write per insert,
 * which caps ingestion far below 100,000 receipts/s. So the id index (`receipt_ids`) is
 * maintained in bulk, in sorted order, every `indexEvery` receipts; the receipts recorded since (the "tail", seq > `indexedUpTo`)
 * are looked up by a scan of that short range, and the writer process keeps their ids in
 * memory for duplicate checks. Every query answers exactly, whatever the index state.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

import type { Hex } from "viem";

import { InvariantError } from "../../errors.js";
import { receiptJsonText } from "../../receipt/parseReceipt.js";
import type { Receipt } from "../../receipt/types.js";
import { DatabaseSync, type StatementSync } from "../../nodeSqlite.js";
import { StoreLockedError, StoreSchemaError, StoreBindingError } from "../errors.js";
import type { BatchState } from "../states.js";
import { cachedStatement } from "./statements.js";
import { decodeReceiptBody, encodeReceiptBody } from "./receiptBody.js";
import { assertBatchLeaves, bytesToHex, hexToBuffer, receiptOfJsonBody, rowMappers, type Row } from "./rows.js";
import type {
  AnchorLease,
  AnchorLedger,
  ChainBatchState,
  ChainBinding,
  AppendResult,
  BatchAnchor,
  BatchRecord,
  NewBatch,
  NewReceipt,
  ReceiptFilter,
  ReceiptStore,
  StateCounts,
  StoreBinding,
  StoredReceipt,
  TxAttempt,
  TxRecord,
  UnbatchedSummary,
} from "./types.js";

/** Options of {@link SqliteReceiptStore.open}. */
export interface SqliteStoreOptions {
  /** File path, or ":memory:". Parent folders are created. */
  readonly path: string;
  /** "full" (default): fsync at every commit. "normal": survives a killed process, not a power loss. */
  readonly durability?: "full" | "normal";
  /** SQLite page cache, MiB (default 64). */
  readonly cacheMiB?: number;
  /** Bulk-index the tail every this many receipts (default 50,000). */
  readonly indexEvery?: number;
  /** Open read-only (for tools that read a store another process writes). */
  readonly readOnly?: boolean;
}

const SCHEMA_VERSION = 3;
/** Rows per multi-row INSERT (5 parameters each, far below SQLite's limit). */
const INSERT_ROWS = 64;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- seq: recording order, 1, 2, 3, ... without gaps (never deleted).
-- A model version (modelId, weightsDigest), interned: receipts refer to it by a small integer.
CREATE TABLE versions (
  version_id INTEGER PRIMARY KEY,
  model_id TEXT NOT NULL,
  weights_digest TEXT NOT NULL,
  UNIQUE (model_id, weights_digest)
);
-- body: the receipt in the binary layout of receiptBody.ts (a BLOB) since schema version 3; rows
-- recorded before hold its normalized JSON text (TEXT affinity keeps both as they were written).
CREATE TABLE receipts (
  seq INTEGER PRIMARY KEY,
  receipt_id BLOB NOT NULL,
  recorded_at INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
-- The audit query (one version, a time window). issuedAt grows with time: appends, cheap to maintain.
CREATE INDEX receipts_by_version ON receipts (version_id, issued_at);
-- Bulk-maintained id index (see the module comment): complete up to meta.indexedUpTo.
CREATE TABLE receipt_ids (receipt_id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
-- A batch: receipts [first_seq, last_seq]; batch_index is the log index on chain.
CREATE TABLE batches (
  batch_index INTEGER PRIMARY KEY,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL UNIQUE,
  leaf_count INTEGER NOT NULL,
  root BLOB NOT NULL,
  state TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  tx_id INTEGER,
  anchor_tx_hash BLOB,
  anchor_block_number INTEGER,
  anchor_block_hash BLOB,
  anchored_at INTEGER,
  final_at INTEGER
);
CREATE INDEX batches_by_state ON batches (state, batch_index);
CREATE TABLE batch_leaves (batch_index INTEGER PRIMARY KEY, leaves BLOB NOT NULL);
-- One row per nonce used; attempts are the signed transactions for that nonce.
CREATE TABLE txs (
  tx_id INTEGER PRIMARY KEY,
  nonce INTEGER NOT NULL,
  first_batch INTEGER NOT NULL,
  last_batch INTEGER NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_at_block INTEGER NOT NULL,
  last_sent_at INTEGER NOT NULL DEFAULT 0,
  included_tx_hash BLOB,
  included_block_number INTEGER,
  included_block_hash BLOB,
  included_at INTEGER
);
CREATE INDEX txs_by_state ON txs (state, nonce);
CREATE TABLE tx_attempts (
  tx_hash BLOB PRIMARY KEY,
  tx_id INTEGER NOT NULL,
  raw BLOB NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  gas TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX tx_attempts_by_tx ON tx_attempts (tx_id, created_at);
INSERT INTO meta (key, value) VALUES ('indexedUpTo', '0');
`;

/**
 * Version 2: the state of extra anchoring chains (`chains[1..]`), one ledger per chain name. A batch
 * without a `chain_batches` row for a chain is `batched` there; rows go back to `batched` when their
 * transaction is voided. Same columns as `batches` / `txs` / `tx_attempts`, plus the chain's name.
 */
const SCHEMA_V2 = `
CREATE TABLE chain_batches (
  chain TEXT NOT NULL,
  batch_index INTEGER NOT NULL,
  state TEXT NOT NULL,
  tx_id INTEGER,
  anchor_tx_hash BLOB,
  anchor_block_number INTEGER,
  anchor_block_hash BLOB,
  anchored_at INTEGER,
  final_at INTEGER,
  PRIMARY KEY (chain, batch_index)
) WITHOUT ROWID;
CREATE INDEX chain_batches_by_state ON chain_batches (chain, state, batch_index);
CREATE TABLE chain_txs (
  tx_id INTEGER PRIMARY KEY,
  chain TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  first_batch INTEGER NOT NULL,
  last_batch INTEGER NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_at_block INTEGER NOT NULL,
  last_sent_at INTEGER NOT NULL DEFAULT 0,
  included_tx_hash BLOB,
  included_block_number INTEGER,
  included_block_hash BLOB,
  included_at INTEGER
);
CREATE INDEX chain_txs_by_state ON chain_txs (chain, state, nonce);
CREATE TABLE chain_tx_attempts (
  tx_hash BLOB PRIMARY KEY,
  tx_id INTEGER NOT NULL,
  raw BLOB NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  gas TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX chain_tx_attempts_by_tx ON chain_tx_attempts (tx_id, created_at);
`;

const toHex = (bytes: unknown): Hex => bytesToHex(bytes, "a blob");
const toBlob = hexToBuffer;
const num = (value: unknown): number => {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new InvariantError(`expected a number in the store, found ${typeof value}`);
};
const { optNum, batchOf, chainStateOf, attemptOf, txOf: txRecordOf, storedOf: storedReceiptOf } = rowMappers({ num, hex: toHex });

/** A stored body as normalized JSON text: binary (schema 3) decoded, JSON text (rows of schema 1 and 2) as it is. */
function bodyText(body: unknown): string {
  return body instanceof Uint8Array ? receiptJsonText(decodeReceiptBody(body)) : String(body);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The SQLite store. Create with {@link SqliteReceiptStore.open}. */
export class SqliteReceiptStore implements ReceiptStore {
  readonly location: string;
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly indexEvery: number;
  private readonly statements = new Map<string, StatementSync>();
  /** Writer only: ids (lowercase hex) of receipts with seq > indexedUpTo. */
  private tail: Set<string> | undefined;
  /** Writer only: version ids by "modelId:weightsDigest". */
  private readonly versions = new Map<string, number>();
  private indexedUpTo = 0;
  private maxSeq = 0;
  private writerOwner: string | undefined;
  private closed = false;
  /** False for a version-1 store opened read-only (no extra-chain tables). */
  private hasChainTables = true;

  private constructor(db: DatabaseSync, location: string, indexEvery: number) {
    this.db = db;
    this.location = location;
    this.indexEvery = indexEvery;
  }

  /**
   * Opens (creating when needed) a store.
   * @throws {StoreSchemaError} when the file has another schema version.
   */
  static open(options: SqliteStoreOptions): SqliteReceiptStore {
    const { path } = options;
    if (path !== ":memory:" && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path, options.readOnly ? { readOnly: true } : {});
    const store = new SqliteReceiptStore(db, path, options.indexEvery ?? 50_000);
    const cacheKiB = Math.round((options.cacheMiB ?? 64) * 1024);
    db.exec(`PRAGMA busy_timeout = 10000; PRAGMA cache_size = -${cacheKiB};`);
    if (!options.readOnly) {
      db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.durability === "normal" ? "NORMAL" : "FULL"};`);
    }
    const version = num((db.prepare("PRAGMA user_version").get() as Row).user_version);
    if (version < SCHEMA_VERSION && !options.readOnly) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const again = num((db.prepare("PRAGMA user_version").get() as Row).user_version);
        // Version 3 stores new bodies in the binary layout and reads both: no row is rewritten.
        if (again === 0) db.exec(`${SCHEMA} ${SCHEMA_V2} PRAGMA user_version = ${SCHEMA_VERSION};`);
        else if (again === 1) db.exec(`${SCHEMA_V2} PRAGMA user_version = ${SCHEMA_VERSION};`);
        else if (again === 2) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION};`);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    } else if (version === 1 && options.readOnly) {
      // A version-1 store read by a tool: it has no extra chains.
      store.hasChainTables = false;
    } else if (version === 2 && options.readOnly) {
      // A version-2 store read by a tool: its bodies are JSON text, which every reader takes.
    } else if (version !== SCHEMA_VERSION) {
      db.close();
      throw new StoreSchemaError(path, version, SCHEMA_VERSION);
    }
    store.refreshCounters();
    return store;
  }

  private stmt(sql: string): StatementSync {
    return cachedStatement(this.db, this.statements, sql);
  }

  private meta(key: string): string | undefined {
    const row = this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? undefined : String(row.value);
  }

  private setMeta(key: string, value: string): void {
    this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  private refreshCounters(): void {
    this.indexedUpTo = Number(this.meta("indexedUpTo") ?? "0");
    this.maxSeq = num((this.stmt("SELECT coalesce(max(seq), 0) AS m FROM receipts").get() as Row).m);
  }

  /** Runs `fn` in one IMMEDIATE transaction (rolled back when it throws). */
  private transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
    this.db.exec("COMMIT");
    return result;
  }

  async acquireWriter(owner: string): Promise<void> {
    const me = JSON.stringify({ pid: process.pid, host: hostname(), owner, since: new Date().toISOString() });
    this.transaction(() => {
      const current = this.meta("writer");
      if (current !== undefined) {
        const holder = JSON.parse(current) as { pid: number; host: string; owner: string };
        if (holder.pid !== process.pid && holder.host === hostname() && pidAlive(holder.pid)) {
          throw new StoreLockedError(this.location, `pid ${holder.pid}, ${holder.owner}`);
        }
      }
      this.setMeta("writer", me);
    });
    this.writerOwner = owner;
    this.refreshCounters();
    this.loadTail();
    for (const row of this.stmt("SELECT version_id, model_id, weights_digest FROM versions").all() as Row[]) {
      this.versions.set(`${String(row.model_id)}:${String(row.weights_digest)}`, num(row.version_id));
    }
  }

  async releaseWriter(): Promise<void> {
    if (this.writerOwner === undefined || this.closed) return;
    this.transaction(() => {
      const current = this.meta("writer");
      if (current !== undefined && (JSON.parse(current) as { pid: number }).pid === process.pid) {
        this.stmt("DELETE FROM meta WHERE key = 'writer'").run();
      }
    });
    this.writerOwner = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.releaseWriter();
    this.closed = true;
    this.db.close();
  }

  /** One writer process per file: the writer always holds the anchoring role (epoch 1). */
  async claimAnchoring(): Promise<AnchorLease> {
    this.requireWriter();
    return { held: true, epoch: 1, holder: this.writerOwner, expiresAt: undefined };
  }

  async releaseAnchoring(): Promise<void> {
    // The role goes with the writer lock.
  }

  private loadTail(): void {
    const tail = new Set<string>();
    for (const row of this.stmt("SELECT receipt_id FROM receipts WHERE seq > ?").iterate(this.indexedUpTo) as Iterable<Row>) {
      tail.add(toHex(row.receipt_id));
    }
    this.tail = tail;
  }

  private requireWriter(): Set<string> {
    if (this.tail === undefined) throw new InvariantError("this store was not opened as the writer (call acquireWriter first)");
    return this.tail;
  }

  async getBinding(): Promise<StoreBinding | undefined> {
    const value = this.meta("binding");
    return value === undefined ? undefined : (JSON.parse(value) as StoreBinding);
  }

  async setBinding(binding: StoreBinding): Promise<void> {
    this.transaction(() => {
      const current = this.meta("binding");
      if (current !== undefined && current !== JSON.stringify(binding)) {
        throw new StoreBindingError(`The store ${this.location} is already bound.`, [`Bound to: ${current}`]);
      }
      this.setMeta("binding", JSON.stringify(binding));
    });
  }

  // ------------------------------------------------------------------ receipts

  async appendReceipts(receipts: readonly NewReceipt[], recordedAt: number): Promise<AppendResult> {
    const tail = this.requireWriter();
    if (receipts.length === 0) return { ok: true, firstSeq: this.maxSeq + 1, lastSeq: this.maxSeq };
    const duplicates: { receiptIndex: number; receiptId: Hex }[] = [];
    const blobs: Buffer[] = new Array<Buffer>(receipts.length);
    for (let i = 0; i < receipts.length; i++) {
      const id = receipts[i]!.receiptId;
      blobs[i] = toBlob(id);
      if (tail.has(id)) duplicates.push({ receiptIndex: i, receiptId: id });
    }
    if (this.indexedUpTo > 0) {
      const probe = this.stmt("SELECT 1 AS found FROM receipt_ids WHERE receipt_id = ?");
      for (let i = 0; i < receipts.length; i++) {
        if (probe.get(blobs[i]!) !== undefined) duplicates.push({ receiptIndex: i, receiptId: receipts[i]!.receiptId });
      }
    }
    if (duplicates.length > 0) {
      duplicates.sort((a, b) => a.receiptIndex - b.receiptIndex);
      return { ok: false, duplicates };
    }
    // The same id twice in this call: the repeats, nothing stored (as PostgreSQL's unique index answers).
    const ids = new Set<string>();
    for (let i = 0; i < receipts.length; i++) {
      const id = receipts[i]!.receiptId;
      if (ids.has(id)) duplicates.push({ receiptIndex: i, receiptId: id });
      ids.add(id);
    }
    if (duplicates.length > 0) return { ok: false, duplicates };
    const firstSeq = this.maxSeq + 1;
    const lastSeq = this.transaction(() => {
      // Receipts of one call mostly share a model version: reuse the previous lookup.
      const versionIds = new Array<number>(receipts.length);
      let previous: NewReceipt | undefined;
      for (let i = 0; i < receipts.length; i++) {
        const r = receipts[i]!;
        versionIds[i] =
          previous !== undefined && previous.modelId === r.modelId && previous.weightsDigest === r.weightsDigest
            ? versionIds[i - 1]!
            : this.versionId(r.modelId, r.weightsDigest);
        previous = r;
      }
      // Multi-row INSERTs: one statement per 64 receipts.
      let last = 0;
      for (let start = 0; start < receipts.length; start += INSERT_ROWS) {
        const end = Math.min(receipts.length, start + INSERT_ROWS);
        const args: (Buffer | number | string)[] = [];
        for (let i = start; i < end; i++) args.push(blobs[i]!, recordedAt, versionIds[i]!, receipts[i]!.issuedAt, encodeReceiptBody(receipts[i]!.receipt));
        last = num(this.insertStatement(end - start).run(...args).lastInsertRowid);
      }
      if (last !== firstSeq + receipts.length - 1) {
        throw new InvariantError(`receipt seqs are not contiguous (expected ${firstSeq + receipts.length - 1}, got ${last})`);
      }
      return last;
    });
    this.maxSeq = lastSeq;
    for (const r of receipts) tail.add(r.receiptId);
    if (tail.size >= this.indexEvery * 4) this.indexTail();
    return { ok: true, firstSeq, lastSeq };
  }

  private insertStatement(rows: number): StatementSync {
    return this.stmt(`INSERT INTO receipts (receipt_id, recorded_at, version_id, issued_at, body) VALUES ${"(?, ?, ?, ?, ?), ".repeat(rows).slice(0, -2)}`);
  }

  /** The id of a model version, interned on first use (inside the caller's transaction). */
  private versionId(modelId: string, weightsDigest: string): number {
    const key = `${modelId}:${weightsDigest}`;
    let id = this.versions.get(key);
    if (id === undefined) {
      id = num(this.stmt("INSERT INTO versions (model_id, weights_digest) VALUES (?, ?)").run(modelId, weightsDigest).lastInsertRowid);
      this.versions.set(key, id);
    }
    return id;
  }

  /** Moves the tail into the bulk id index (sorted inserts), in one transaction. */
  private indexTail(): void {
    const upTo = this.maxSeq;
    const from = this.indexedUpTo;
    if (upTo <= from) return;
    this.transaction(() => {
      this.stmt(
        "INSERT INTO receipt_ids (receipt_id, seq) SELECT receipt_id, seq FROM receipts WHERE seq > ? AND seq <= ? ORDER BY receipt_id",
      ).run(from, upTo);
      this.setMeta("indexedUpTo", String(upTo));
    });
    this.indexedUpTo = upTo;
    this.tail?.clear();
  }

  async maintain(): Promise<void> {
    if (this.tail !== undefined && this.tail.size >= this.indexEvery) this.indexTail();
  }

  private currentIndexedUpTo(): number {
    // Another process may be the writer: read the value it committed.
    return this.tail !== undefined ? this.indexedUpTo : Number(this.meta("indexedUpTo") ?? "0");
  }

  async getReceipt(receiptId: Hex): Promise<StoredReceipt | undefined> {
    const id = receiptId.toLowerCase() as Hex;
    const blob = toBlob(id);
    let row = this.stmt(
      "SELECT r.seq, r.recorded_at, r.body FROM receipt_ids i JOIN receipts r ON r.seq = i.seq WHERE i.receipt_id = ?",
    ).get(blob) as Row | undefined;
    if (row === undefined && (this.tail === undefined || this.tail.has(id))) {
      row = this.stmt("SELECT seq, recorded_at, body FROM receipts WHERE seq > ? AND receipt_id = ?").get(
        this.currentIndexedUpTo(),
        blob,
      ) as Row | undefined;
    }
    return row === undefined ? undefined : this.withState(id, row);
  }

  private withState(receiptId: Hex, row: Row): StoredReceipt {
    row.body = bodyText(row.body);
    const seq = num(row.seq);
    const batchRow = this.stmt("SELECT * FROM batches WHERE last_seq >= ? ORDER BY last_seq LIMIT 1").get(seq) as Row | undefined;
    const batch = batchRow !== undefined && num(batchRow.first_seq) <= seq ? batchOf(batchRow) : undefined;
    return storedReceiptOf(receiptId, row, batch);
  }

  async *readBodies(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<string[]> {
    const select = this.stmt("SELECT body FROM receipts WHERE seq >= ? AND seq <= ? ORDER BY seq");
    for (let start = firstSeq; start <= lastSeq; start += chunkSize) {
      const end = Math.min(lastSeq, start + chunkSize - 1);
      const rows = select.all(start, end) as Row[];
      if (rows.length !== end - start + 1) throw new InvariantError(`receipts ${start}..${end} are not all in the store`);
      yield rows.map((r) => bodyText(r.body));
    }
  }

  async *readReceipts(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<Receipt[]> {
    const select = this.stmt("SELECT body FROM receipts WHERE seq >= ? AND seq <= ? ORDER BY seq");
    for (let start = firstSeq; start <= lastSeq; start += chunkSize) {
      const end = Math.min(lastSeq, start + chunkSize - 1);
      const rows = select.all(start, end) as Row[];
      if (rows.length !== end - start + 1) throw new InvariantError(`receipts ${start}..${end} are not all in the store`);
      yield rows.map((r) => (r.body instanceof Uint8Array ? decodeReceiptBody(r.body) : receiptOfJsonBody(String(r.body))));
    }
  }

  async listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]> {
    const limit = filter.limit ?? 1000;
    const after = filter.afterSeq ?? 0;
    const from = filter.issuedFrom ?? 0;
    const to = filter.issuedTo ?? Number.MAX_SAFE_INTEGER;
    let rows: Row[];
    if (filter.modelId !== undefined) {
      const versions = (
        this.stmt("SELECT version_id, weights_digest FROM versions WHERE model_id = ?").all(filter.modelId.toLowerCase()) as Row[]
      ).filter((v) => filter.weightsDigest === undefined || String(v.weights_digest) === filter.weightsDigest.toLowerCase());
      rows = [];
      for (const v of versions) {
        rows.push(
          ...(this.stmt(
            `SELECT seq, receipt_id, recorded_at, body FROM receipts
             WHERE version_id = ? AND issued_at >= ? AND issued_at <= ? AND seq > ? ORDER BY seq LIMIT ?`,
          ).all(num(v.version_id), from, to, after, limit) as Row[]),
        );
      }
      rows.sort((a, b) => num(a.seq) - num(b.seq));
      rows = rows.slice(0, limit);
    } else {
      rows = this.stmt(
        `SELECT seq, receipt_id, recorded_at, body FROM receipts
         WHERE seq > ? AND issued_at >= ? AND issued_at <= ? ${filter.weightsDigest === undefined ? "" : "AND version_id IN (SELECT version_id FROM versions WHERE weights_digest = ?)"}
         ORDER BY seq LIMIT ?`,
      ).all(...[after, from, to, ...(filter.weightsDigest === undefined ? [] : [filter.weightsDigest.toLowerCase()]), limit]) as Row[];
    }
    return rows.map((row) => this.withState(toHex(row.receipt_id), row));
  }

  async unbatched(): Promise<UnbatchedSummary> {
    const maxSeq = this.tail !== undefined ? this.maxSeq : num((this.stmt("SELECT coalesce(max(seq), 0) AS m FROM receipts").get() as Row).m);
    const last = await this.lastBatch();
    const firstSeq = (last?.lastSeq ?? 0) + 1;
    const count = Math.max(0, maxSeq - firstSeq + 1);
    const oldest = count > 0 ? (this.stmt("SELECT recorded_at FROM receipts WHERE seq = ?").get(firstSeq) as Row) : undefined;
    return { count, firstSeq, oldestRecordedAt: oldest === undefined ? undefined : num(oldest.recorded_at) };
  }

  async recordedAt(seq: number): Promise<number | undefined> {
    const row = this.stmt("SELECT recorded_at FROM receipts WHERE seq = ?").get(seq) as Row | undefined;
    return row === undefined ? undefined : num(row.recorded_at);
  }

  async stateCounts(): Promise<StateCounts> {
    const { count: recorded } = await this.unbatched();
    const counts: StateCounts = { recorded, batched: 0, submitted: 0, anchored: 0, final: 0 };
    const last = await this.lastBatch();
    let notFinal = 0;
    for (const state of ["batched", "submitted", "anchored"] as const) {
      const row = this.stmt("SELECT coalesce(sum(leaf_count), 0) AS n FROM batches WHERE state = ?").get(state) as Row;
      counts[state] = num(row.n);
      notFinal += counts[state];
    }
    // Every batched receipt is in exactly one batch, and batches start at seq 1.
    counts.final = (last?.lastSeq ?? 0) - notFinal;
    return counts;
  }

  // ------------------------------------------------------------------ batches

  async closeBatch(batch: NewBatch): Promise<BatchRecord> {
    assertBatchLeaves(batch);
    const leafCount = batch.lastSeq - batch.firstSeq + 1;
    this.transaction(() => {
      const last = this.stmt("SELECT batch_index, last_seq FROM batches ORDER BY batch_index DESC LIMIT 1").get() as Row | undefined;
      const expectedFirst = last === undefined ? 1 : num(last.last_seq) + 1;
      if (batch.firstSeq !== expectedFirst || (last !== undefined && batch.index !== num(last.batch_index) + 1)) {
        throw new InvariantError(`batch ${batch.index} (seqs ${batch.firstSeq}..) does not follow the last batch`);
      }
      if (batch.lastSeq > this.maxSeq) throw new InvariantError(`batch ${batch.index} ends after the last receipt`);
      this.stmt(
        "INSERT INTO batches (batch_index, first_seq, last_seq, leaf_count, root, state, closed_at) VALUES (?, ?, ?, ?, ?, 'batched', ?)",
      ).run(batch.index, batch.firstSeq, batch.lastSeq, leafCount, toBlob(batch.root), batch.closedAt);
      this.stmt("INSERT INTO batch_leaves (batch_index, leaves) VALUES (?, ?)").run(batch.index, batch.leaves);
    });
    return (await this.getBatch(batch.index))!;
  }

  async getBatch(index: number): Promise<BatchRecord | undefined> {
    const row = this.stmt("SELECT * FROM batches WHERE batch_index = ?").get(index) as Row | undefined;
    return row === undefined ? undefined : batchOf(row);
  }

  async lastBatch(): Promise<BatchRecord | undefined> {
    const row = this.stmt("SELECT * FROM batches ORDER BY batch_index DESC LIMIT 1").get() as Row | undefined;
    return row === undefined ? undefined : batchOf(row);
  }

  async getBatchLeaves(index: number): Promise<Uint8Array> {
    const row = this.stmt("SELECT leaves FROM batch_leaves WHERE batch_index = ?").get(index) as Row | undefined;
    if (row === undefined || !(row.leaves instanceof Uint8Array)) throw new InvariantError(`no leaves stored for batch ${index}`);
    return row.leaves;
  }

  async batchesInState(state: BatchState, limit: number): Promise<BatchRecord[]> {
    const rows = this.stmt("SELECT * FROM batches WHERE state = ? ORDER BY batch_index LIMIT ?").all(state, limit) as Row[];
    return rows.map(batchOf);
  }

  async lastAnchoredBatch(): Promise<BatchRecord | undefined> {
    const rows = ["anchored", "final"].map(
      (state) => this.stmt("SELECT * FROM batches WHERE state = ? ORDER BY batch_index DESC LIMIT 1").get(state) as Row | undefined,
    );
    const best = rows.filter((r): r is Row => r !== undefined).sort((a, b) => num(b.batch_index) - num(a.batch_index))[0];
    return best === undefined ? undefined : batchOf(best);
  }

  // ------------------------------------------------------------------ transactions

  async createTx(tx: {
    nonce: number;
    firstBatch: number;
    lastBatch: number;
    createdAtBlock: number;
    attempt: TxAttempt;
  }): Promise<TxRecord> {
    const txId = this.transaction(() => {
      const id = num(
        this.stmt(
          "INSERT INTO txs (nonce, first_batch, last_batch, state, created_at, created_at_block) VALUES (?, ?, ?, 'pending', ?, ?)",
        ).run(tx.nonce, tx.firstBatch, tx.lastBatch, tx.attempt.createdAt, tx.createdAtBlock).lastInsertRowid,
      );
      this.insertAttempt(id, tx.attempt);
      const moved = this.stmt(
        "UPDATE batches SET state = 'submitted', tx_id = ? WHERE batch_index >= ? AND batch_index <= ? AND state = 'batched'",
      ).run(id, tx.firstBatch, tx.lastBatch);
      if (num(moved.changes) !== tx.lastBatch - tx.firstBatch + 1) {
        throw new InvariantError(`batches ${tx.firstBatch}..${tx.lastBatch} are not all "batched"`);
      }
      return id;
    });
    return (await this.getTx(txId))!;
  }

  private insertAttempt(txId: number, attempt: TxAttempt): void {
    this.stmt(
      "INSERT INTO tx_attempts (tx_hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, gas, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).run(
      toBlob(attempt.hash),
      txId,
      toBlob(attempt.raw),
      attempt.maxFeePerGas.toString(),
      attempt.maxPriorityFeePerGas.toString(),
      attempt.gas.toString(),
      attempt.createdAt,
    );
  }

  async addTxAttempt(txId: number, attempt: TxAttempt): Promise<void> {
    this.transaction(() => {
      const tx = this.stmt("SELECT state FROM txs WHERE tx_id = ?").get(txId) as Row | undefined;
      if (tx?.state !== "pending") throw new InvariantError(`tx ${txId} is not pending`);
      this.insertAttempt(txId, attempt);
    });
  }

  async markTxSent(txId: number, at: number): Promise<void> {
    this.stmt("UPDATE txs SET last_sent_at = ? WHERE tx_id = ?").run(at, txId);
  }

  async markTxIncluded(txId: number, inclusion: BatchAnchor): Promise<void> {
    this.transaction(() => {
      const changed = this.stmt(
        `UPDATE txs SET state = 'included', included_tx_hash = ?, included_block_number = ?, included_block_hash = ?, included_at = ?
         WHERE tx_id = ? AND state = 'pending'`,
      ).run(toBlob(inclusion.txHash), inclusion.blockNumber, toBlob(inclusion.blockHash), inclusion.anchoredAt, txId);
      if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} is not pending`);
      this.stmt(
        `UPDATE batches SET state = 'anchored', anchor_tx_hash = ?, anchor_block_number = ?, anchor_block_hash = ?, anchored_at = ?
         WHERE tx_id = ? AND state = 'submitted'`,
      ).run(toBlob(inclusion.txHash), inclusion.blockNumber, toBlob(inclusion.blockHash), inclusion.anchoredAt, txId);
    });
  }

  async markTxFinal(txId: number, at: number): Promise<void> {
    this.transaction(() => {
      const changed = this.stmt("UPDATE txs SET state = 'final' WHERE tx_id = ? AND state = 'included'").run(txId);
      if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} is not included`);
      this.stmt("UPDATE batches SET state = 'final', final_at = ? WHERE tx_id = ? AND state = 'anchored'").run(at, txId);
    });
  }

  async markTxReorged(txId: number): Promise<void> {
    this.transaction(() => {
      const changed = this.stmt(
        `UPDATE txs SET state = 'pending', included_tx_hash = NULL, included_block_number = NULL, included_block_hash = NULL,
         included_at = NULL, last_sent_at = 0 WHERE tx_id = ? AND state = 'included'`,
      ).run(txId);
      if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} is not included`);
      this.stmt(
        `UPDATE batches SET state = 'submitted', anchor_tx_hash = NULL, anchor_block_number = NULL, anchor_block_hash = NULL,
         anchored_at = NULL WHERE tx_id = ? AND state = 'anchored'`,
      ).run(txId);
    });
  }

  async voidTx(txId: number): Promise<void> {
    this.transaction(() => {
      const changed = this.stmt("UPDATE txs SET state = 'void' WHERE tx_id = ? AND state = 'pending'").run(txId);
      if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} is not pending`);
      this.stmt("UPDATE batches SET state = 'batched', tx_id = NULL WHERE tx_id = ? AND state = 'submitted'").run(txId);
    });
  }

  async adoptAnchor(tx: {
    nonce: number;
    firstBatch: number;
    lastBatch: number;
    createdAtBlock: number;
    inclusion: BatchAnchor;
  }): Promise<TxRecord> {
    const { inclusion } = tx;
    const txId = this.transaction(() => {
      const id = num(
        this.stmt(
          `INSERT INTO txs (nonce, first_batch, last_batch, state, created_at, created_at_block, last_sent_at,
           included_tx_hash, included_block_number, included_block_hash, included_at) VALUES (?, ?, ?, 'included', ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          tx.nonce,
          tx.firstBatch,
          tx.lastBatch,
          inclusion.anchoredAt,
          tx.createdAtBlock,
          inclusion.anchoredAt,
          toBlob(inclusion.txHash),
          inclusion.blockNumber,
          toBlob(inclusion.blockHash),
          inclusion.anchoredAt,
        ).lastInsertRowid,
      );
      const moved = this.stmt(
        `UPDATE batches SET state = 'anchored', tx_id = ?, anchor_tx_hash = ?, anchor_block_number = ?, anchor_block_hash = ?, anchored_at = ?
         WHERE batch_index >= ? AND batch_index <= ? AND state = 'batched'`,
      ).run(id, toBlob(inclusion.txHash), inclusion.blockNumber, toBlob(inclusion.blockHash), inclusion.anchoredAt, tx.firstBatch, tx.lastBatch);
      if (num(moved.changes) !== tx.lastBatch - tx.firstBatch + 1) {
        throw new InvariantError(`batches ${tx.firstBatch}..${tx.lastBatch} are not all "batched"`);
      }
      return id;
    });
    return (await this.getTx(txId))!;
  }

  async getTx(txId: number): Promise<TxRecord | undefined> {
    const row = this.stmt("SELECT * FROM txs WHERE tx_id = ?").get(txId) as Row | undefined;
    return row === undefined ? undefined : this.txOf(row);
  }

  async openTxs(): Promise<TxRecord[]> {
    const rows = this.stmt("SELECT * FROM txs WHERE state IN ('pending', 'included') ORDER BY nonce, tx_id").all() as Row[];
    return rows.map((row) => this.txOf(row));
  }

  private txOf(row: Row): TxRecord {
    const id = num(row.tx_id);
    const attempts = (this.stmt("SELECT * FROM tx_attempts WHERE tx_id = ? ORDER BY created_at, rowid").all(id) as Row[]).map(attemptOf);
    return txRecordOf(row, attempts);
  }

  // ------------------------------------------------------------------ extra chains

  async getChainBindings(): Promise<ChainBinding[]> {
    const rows = this.stmt("SELECT key, value FROM meta WHERE key LIKE 'chain:%'").all() as Row[];
    return rows.map((r) => JSON.parse(String(r.value)) as ChainBinding).sort((a, b) => a.firstStoreBatch - b.firstStoreBatch || a.name.localeCompare(b.name));
  }

  async setChainBinding(binding: ChainBinding): Promise<void> {
    this.transaction(() => {
      const key = `chain:${binding.name}`;
      const current = this.meta(key);
      if (current !== undefined && current !== JSON.stringify(binding)) {
        throw new StoreBindingError(`The store ${this.location} already binds chain "${binding.name}".`, [`Bound to: ${current}`]);
      }
      this.setMeta(key, JSON.stringify(binding));
    });
  }

  async chainStates(index: number): Promise<ChainBatchState[]> {
    if (!this.hasChainTables) return [];
    const rows = this.stmt("SELECT * FROM chain_batches WHERE batch_index = ? ORDER BY chain").all(index) as Row[];
    return rows.map(chainStateOf);
  }

  chainLedger(chain: string, firstStoreBatch: number): AnchorLedger {
    const stmt = (sql: string): StatementSync => this.stmt(sql);
    const transaction = <T>(fn: () => T): T => this.transaction(fn);
    const select = `SELECT b.batch_index, b.first_seq, b.last_seq, b.leaf_count, b.root, b.closed_at,
      coalesce(c.state, 'batched') AS state, c.tx_id, c.anchor_tx_hash, c.anchor_block_number, c.anchor_block_hash, c.anchored_at, c.final_at
      FROM batches b LEFT JOIN chain_batches c ON c.chain = ? AND c.batch_index = b.batch_index`;
    const txOf = (row: Row): TxRecord => {
      const id = num(row.tx_id);
      const attempts = (stmt("SELECT * FROM chain_tx_attempts WHERE tx_id = ? ORDER BY created_at, rowid").all(id) as Row[]).map(attemptOf);
      return txRecordOf(row, attempts);
    };
    const getTx = async (txId: number): Promise<TxRecord | undefined> => {
      const row = stmt("SELECT * FROM chain_txs WHERE tx_id = ? AND chain = ?").get(txId, chain) as Row | undefined;
      return row === undefined ? undefined : txOf(row);
    };
    const insertAttempt = (txId: number, attempt: TxAttempt): void => {
      stmt(
        "INSERT INTO chain_tx_attempts (tx_hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, gas, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(toBlob(attempt.hash), txId, toBlob(attempt.raw), attempt.maxFeePerGas.toString(), attempt.maxPriorityFeePerGas.toString(), attempt.gas.toString(), attempt.createdAt);
    };
    /** Checks that batches [first, last] exist, belong to this chain and are `batched` on it. */
    const requireBatched = (first: number, last: number): void => {
      const present = num((stmt("SELECT count(*) AS n FROM batches WHERE batch_index >= ? AND batch_index <= ?").get(first, last) as Row).n);
      const taken = num(
        (stmt("SELECT count(*) AS n FROM chain_batches WHERE chain = ? AND batch_index >= ? AND batch_index <= ? AND state <> 'batched'").get(chain, first, last) as Row).n,
      );
      if (first < firstStoreBatch || present !== last - first + 1 || taken !== 0) {
        throw new InvariantError(`batches ${first}..${last} are not all "batched" on chain ${chain}`);
      }
    };
    const upsertRows = (first: number, last: number, state: BatchState, txId: number, inclusion?: BatchAnchor): void => {
      const up = stmt(
        `INSERT INTO chain_batches (chain, batch_index, state, tx_id, anchor_tx_hash, anchor_block_number, anchor_block_hash, anchored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chain, batch_index) DO UPDATE SET state = excluded.state, tx_id = excluded.tx_id, anchor_tx_hash = excluded.anchor_tx_hash,
         anchor_block_number = excluded.anchor_block_number, anchor_block_hash = excluded.anchor_block_hash, anchored_at = excluded.anchored_at, final_at = NULL`,
      );
      for (let i = first; i <= last; i++) {
        up.run(
          chain,
          i,
          state,
          txId,
          inclusion === undefined ? null : toBlob(inclusion.txHash),
          inclusion?.blockNumber ?? null,
          inclusion === undefined ? null : toBlob(inclusion.blockHash),
          inclusion?.anchoredAt ?? null,
        );
      }
    };
    return {
      async getBatch(index) {
        if (index < firstStoreBatch) return undefined;
        const row = stmt(`${select} WHERE b.batch_index = ?`).get(chain, index) as Row | undefined;
        return row === undefined ? undefined : batchOf(row);
      },
      async batchesInState(state, limit) {
        if (state !== "batched") {
          const rows = stmt(`${select} WHERE c.state = ? ORDER BY b.batch_index LIMIT ?`).all(chain, state, limit) as Row[];
          return rows.map(batchOf);
        }
        // The first batch without a transaction on this chain: a voided one, else the one after the last row.
        const voided = stmt("SELECT min(batch_index) AS i FROM chain_batches WHERE chain = ? AND state = 'batched'").get(chain) as Row;
        const lastRow = stmt("SELECT max(batch_index) AS i FROM chain_batches WHERE chain = ?").get(chain) as Row;
        const from = Math.max(firstStoreBatch, optNum(voided.i) ?? (optNum(lastRow.i) ?? firstStoreBatch - 1) + 1);
        const rows = stmt(`${select} WHERE b.batch_index >= ? AND (c.state IS NULL OR c.state = 'batched') ORDER BY b.batch_index LIMIT ?`).all(chain, from, limit) as Row[];
        return rows.map(batchOf);
      },
      async lastAnchoredBatch() {
        const row = stmt(`${select} WHERE c.state IN ('anchored', 'final') ORDER BY b.batch_index DESC LIMIT 1`).get(chain) as Row | undefined;
        return row === undefined ? undefined : batchOf(row);
      },
      async createTx(tx) {
        const txId = transaction(() => {
          requireBatched(tx.firstBatch, tx.lastBatch);
          const id = num(
            stmt(
              "INSERT INTO chain_txs (chain, nonce, first_batch, last_batch, state, created_at, created_at_block) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            ).run(chain, tx.nonce, tx.firstBatch, tx.lastBatch, tx.attempt.createdAt, tx.createdAtBlock).lastInsertRowid,
          );
          insertAttempt(id, tx.attempt);
          upsertRows(tx.firstBatch, tx.lastBatch, "submitted", id);
          return id;
        });
        return (await getTx(txId))!;
      },
      async addTxAttempt(txId, attempt) {
        transaction(() => {
          const tx = stmt("SELECT state FROM chain_txs WHERE tx_id = ? AND chain = ?").get(txId, chain) as Row | undefined;
          if (tx?.state !== "pending") throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          insertAttempt(txId, attempt);
        });
      },
      async markTxSent(txId, at) {
        stmt("UPDATE chain_txs SET last_sent_at = ? WHERE tx_id = ? AND chain = ?").run(at, txId, chain);
      },
      async markTxIncluded(txId, inclusion) {
        transaction(() => {
          const changed = stmt(
            `UPDATE chain_txs SET state = 'included', included_tx_hash = ?, included_block_number = ?, included_block_hash = ?, included_at = ?
             WHERE tx_id = ? AND chain = ? AND state = 'pending'`,
          ).run(toBlob(inclusion.txHash), inclusion.blockNumber, toBlob(inclusion.blockHash), inclusion.anchoredAt, txId, chain);
          if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          stmt(
            `UPDATE chain_batches SET state = 'anchored', anchor_tx_hash = ?, anchor_block_number = ?, anchor_block_hash = ?, anchored_at = ?
             WHERE chain = ? AND tx_id = ? AND state = 'submitted'`,
          ).run(toBlob(inclusion.txHash), inclusion.blockNumber, toBlob(inclusion.blockHash), inclusion.anchoredAt, chain, txId);
        });
      },
      async markTxFinal(txId, at) {
        transaction(() => {
          const changed = stmt("UPDATE chain_txs SET state = 'final' WHERE tx_id = ? AND chain = ? AND state = 'included'").run(txId, chain);
          if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not included`);
          stmt("UPDATE chain_batches SET state = 'final', final_at = ? WHERE chain = ? AND tx_id = ? AND state = 'anchored'").run(at, chain, txId);
        });
      },
      async markTxReorged(txId) {
        transaction(() => {
          const changed = stmt(
            `UPDATE chain_txs SET state = 'pending', included_tx_hash = NULL, included_block_number = NULL, included_block_hash = NULL,
             included_at = NULL, last_sent_at = 0 WHERE tx_id = ? AND chain = ? AND state = 'included'`,
          ).run(txId, chain);
          if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not included`);
          stmt(
            `UPDATE chain_batches SET state = 'submitted', anchor_tx_hash = NULL, anchor_block_number = NULL, anchor_block_hash = NULL,
             anchored_at = NULL WHERE chain = ? AND tx_id = ? AND state = 'anchored'`,
          ).run(chain, txId);
        });
      },
      async voidTx(txId) {
        transaction(() => {
          const changed = stmt("UPDATE chain_txs SET state = 'void' WHERE tx_id = ? AND chain = ? AND state = 'pending'").run(txId, chain);
          if (num(changed.changes) !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          stmt("UPDATE chain_batches SET state = 'batched', tx_id = NULL WHERE chain = ? AND tx_id = ? AND state = 'submitted'").run(chain, txId);
        });
      },
      async adoptAnchor(tx) {
        const { inclusion } = tx;
        const txId = transaction(() => {
          requireBatched(tx.firstBatch, tx.lastBatch);
          const id = num(
            stmt(
              `INSERT INTO chain_txs (chain, nonce, first_batch, last_batch, state, created_at, created_at_block, last_sent_at,
               included_tx_hash, included_block_number, included_block_hash, included_at) VALUES (?, ?, ?, ?, 'included', ?, ?, ?, ?, ?, ?, ?)`,
            ).run(
              chain,
              tx.nonce,
              tx.firstBatch,
              tx.lastBatch,
              inclusion.anchoredAt,
              tx.createdAtBlock,
              inclusion.anchoredAt,
              toBlob(inclusion.txHash),
              inclusion.blockNumber,
              toBlob(inclusion.blockHash),
              inclusion.anchoredAt,
            ).lastInsertRowid,
          );
          upsertRows(tx.firstBatch, tx.lastBatch, "anchored", id, inclusion);
          return id;
        });
        return (await getTx(txId))!;
      },
      getTx,
      async openTxs() {
        const rows = stmt("SELECT * FROM chain_txs WHERE chain = ? AND state IN ('pending', 'included') ORDER BY nonce, tx_id").all(chain) as Row[];
        return rows.map(txOf);
      },
    };
  }
}
