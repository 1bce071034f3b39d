/**
 * The store on PostgreSQL (`pg`): several service instances on one database.
 *
 * Same interface and guarantees as the SQLite store (see `types.ts`), plus:
 *
 * - Gapless seqs with several writers: every `appendReceipts` locks the one `counters` row
 *   (`SELECT ... FOR UPDATE`), checks for stored ids, inserts its receipts with the next seqs
 *   and commits — all in one statement, the `append_receipts` function (one round trip while
 *   the row is locked). Appends therefore commit in seq order, so whoever reads `counters.max_seq`
 *   sees every receipt up to it, and a batch never skips a receipt another instance is still
 *   writing. Duplicates are caught by the unique index on `receipt_id` as well.
 * - One anchorer at a time: the `anchor_lease` row names the holder, an expiry (database
 *   clock) and a fencing epoch that grows at each change of holder. Every anchoring write
 *   locks that row (`FOR SHARE`) and checks holder and epoch in the same transaction, so an
 *   instance that lost the role (paused past its lease) cannot write once another took it.
 * - Versioned schema migrations (`schema_migrations`), applied on open under an advisory lock,
 *   so instances starting together migrate once. A database of a newer schema is refused.
 *
 * Durability: `"full"` (default) commits with `synchronous_commit = on`; `"normal"` sets it to
 * `off` for this client's sessions: an acknowledged receipt survives a killed service instance
 * either way (the server has it), but with `off` the last ~0.6 s may be lost if the database
 * server itself crashes.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import pg from "pg";
import type { Hex } from "viem";

import { InvariantError } from "../../errors.js";
import { receiptJsonText } from "../../receipt/parseReceipt.js";
import type { Receipt } from "../../receipt/types.js";
import { AnchorLeaseLostError, StoreBindingError, StoreSchemaError } from "../errors.js";
import { batchStateOf, type BatchState } from "../states.js";
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

/** Options of {@link PostgresReceiptStore.open}. */
export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host:port/database` (libpq URL; `?sslmode=...` accepted). */
  readonly url: string;
  /** "full" (default): synchronous_commit on. "normal": off (see the module comment). */
  readonly durability?: "full" | "normal";
  /** Connections in the pool (default 8). */
  readonly poolSize?: number;
  /** Schema (default `public`): several stores can share a database in different schemas. */
  readonly schema?: string;
}

/** The schema, as versioned migrations (append only; never edit a released one). */
export const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly sql: string }[] = [
  {
    version: 1,
    description: "receipts, batches, transactions, the anchoring lease",
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The last seq handed out; appends lock this row, so they commit in seq order (no gaps visible).
CREATE TABLE counters (id INTEGER PRIMARY KEY CHECK (id = 1), max_seq BIGINT NOT NULL);
INSERT INTO counters (id, max_seq) VALUES (1, 0);
CREATE TABLE versions (
  version_id SERIAL PRIMARY KEY,
  model_id TEXT NOT NULL,
  weights_digest TEXT NOT NULL,
  UNIQUE (model_id, weights_digest)
);
CREATE TABLE receipts (
  seq BIGINT PRIMARY KEY,
  receipt_id BYTEA NOT NULL UNIQUE,
  recorded_at BIGINT NOT NULL,
  version_id INTEGER NOT NULL REFERENCES versions (version_id),
  issued_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX receipts_by_version ON receipts (version_id, issued_at);
CREATE TABLE batches (
  batch_index BIGINT PRIMARY KEY,
  first_seq BIGINT NOT NULL UNIQUE,
  last_seq BIGINT NOT NULL UNIQUE,
  leaf_count INTEGER NOT NULL,
  root BYTEA NOT NULL,
  state TEXT NOT NULL,
  closed_at BIGINT NOT NULL,
  tx_id BIGINT,
  anchor_tx_hash BYTEA,
  anchor_block_number BIGINT,
  anchor_block_hash BYTEA,
  anchored_at BIGINT,
  final_at BIGINT
);
CREATE INDEX batches_by_state ON batches (state, batch_index);
CREATE TABLE batch_leaves (batch_index BIGINT PRIMARY KEY, leaves BYTEA NOT NULL);
CREATE TABLE txs (
  tx_id BIGSERIAL PRIMARY KEY,
  nonce BIGINT NOT NULL,
  first_batch BIGINT NOT NULL,
  last_batch BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_at_block BIGINT NOT NULL,
  last_sent_at BIGINT NOT NULL DEFAULT 0,
  included_tx_hash BYTEA,
  included_block_number BIGINT,
  included_block_hash BYTEA,
  included_at BIGINT
);
CREATE INDEX txs_by_state ON txs (state, nonce);
CREATE TABLE tx_attempts (
  attempt_id BIGSERIAL PRIMARY KEY,
  tx_hash BYTEA NOT NULL UNIQUE,
  tx_id BIGINT NOT NULL REFERENCES txs (tx_id),
  raw BYTEA NOT NULL,
  max_fee_per_gas NUMERIC NOT NULL,
  max_priority_fee_per_gas NUMERIC NOT NULL,
  gas NUMERIC NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX tx_attempts_by_tx ON tx_attempts (tx_id, created_at, attempt_id);
-- The anchoring role: one row. epoch grows at every change of holder (the fencing token).
CREATE TABLE anchor_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder TEXT,
  epoch BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  acquired_at TIMESTAMPTZ
);
INSERT INTO anchor_lease (id, holder, epoch, expires_at) VALUES (1, NULL, 0, '-infinity');
`,
  },
  {
    version: 2,
    description: "extra anchoring chains: per-chain batch states, transactions and attempts",
    sql: `
CREATE TABLE chain_batches (
  chain TEXT NOT NULL,
  batch_index BIGINT NOT NULL,
  state TEXT NOT NULL,
  tx_id BIGINT,
  anchor_tx_hash BYTEA,
  anchor_block_number BIGINT,
  anchor_block_hash BYTEA,
  anchored_at BIGINT,
  final_at BIGINT,
  PRIMARY KEY (chain, batch_index)
);
CREATE INDEX chain_batches_by_state ON chain_batches (chain, state, batch_index);
CREATE TABLE chain_txs (
  tx_id BIGSERIAL PRIMARY KEY,
  chain TEXT NOT NULL,
  nonce BIGINT NOT NULL,
  first_batch BIGINT NOT NULL,
  last_batch BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_at_block BIGINT NOT NULL,
  last_sent_at BIGINT NOT NULL DEFAULT 0,
  included_tx_hash BYTEA,
  included_block_number BIGINT,
  included_block_hash BYTEA,
  included_at BIGINT
);
CREATE INDEX chain_txs_by_state ON chain_txs (chain, state, nonce);
CREATE TABLE chain_tx_attempts (
  attempt_id BIGSERIAL PRIMARY KEY,
  tx_hash BYTEA NOT NULL UNIQUE,
  tx_id BIGINT NOT NULL REFERENCES chain_txs (tx_id),
  raw BYTEA NOT NULL,
  max_fee_per_gas NUMERIC NOT NULL,
  max_priority_fee_per_gas NUMERIC NOT NULL,
  gas NUMERIC NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX chain_tx_attempts_by_tx ON chain_tx_attempts (tx_id, created_at, attempt_id);
`,
  },
  {
    version: 3,
    description: "append_receipts(): an append in one statement (one round trip while the counters row is locked)",
    // In READ COMMITTED each statement of a (volatile) function takes a new snapshot: after the lock, the
    // duplicate check sees every earlier append, as the same statements sent one by one did.
    sql: `
CREATE FUNCTION append_receipts(p_ids BYTEA[], p_versions INTEGER[], p_issued BIGINT[], p_bodies TEXT[], p_recorded_at BIGINT)
RETURNS TABLE (first_seq BIGINT, duplicates BYTEA[]) LANGUAGE plpgsql AS $$
DECLARE
  v_max BIGINT;
  v_duplicates BYTEA[];
BEGIN
  SELECT c.max_seq INTO v_max FROM counters c WHERE c.id = 1 FOR UPDATE;
  SELECT array_agg(r.receipt_id) INTO v_duplicates FROM receipts r WHERE r.receipt_id = ANY(p_ids);
  IF v_duplicates IS NOT NULL THEN
    RETURN QUERY SELECT NULL::BIGINT, v_duplicates;
    RETURN;
  END IF;
  INSERT INTO receipts (seq, receipt_id, recorded_at, version_id, issued_at, body)
    SELECT v_max + t.n, t.id, p_recorded_at, t.v, t.i, t.b FROM unnest(p_ids, p_versions, p_issued, p_bodies) WITH ORDINALITY AS t (id, v, i, b, n);
  UPDATE counters SET max_seq = v_max + cardinality(p_ids) WHERE id = 1;
  RETURN QUERY SELECT v_max + 1, NULL::BYTEA[];
END $$;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
/** Advisory lock key of migrations ("showwork" in ASCII, as a number). */
const MIGRATION_LOCK = 0x73686f77776f726bn;

const toHex = (bytes: unknown): Hex => bytesToHex(bytes, "bytes");
const toBytea = hexToBuffer;
const num = (value: unknown): number => {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  if (typeof value === "bigint") return Number(value);
  throw new InvariantError(`expected a number in the store, found ${typeof value}`);
};
const { optNum, batchOf, chainStateOf, attemptOf, txOf: txRecordOf, storedOf: storedReceiptOf } = rowMappers({ num, hex: toHex });

/** int8 as a JS number (seqs, indices, ms timestamps are far below 2^53); NUMERIC stays text. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** A URL without its password (for messages and `location`). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

const isIdentifier = (name: string): boolean => /^[a-z_][a-z0-9_]{0,62}$/.test(name);

/** The PostgreSQL store. Create with {@link PostgresReceiptStore.open}. */
export class PostgresReceiptStore implements ReceiptStore {
  readonly location: string;
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly versions = new Map<string, number>();
  /** This instance's name in the lease (set by acquireWriter). */
  private instance: string | undefined;
  /** The epoch this instance holds, while it holds the role. */
  private heldEpoch: number | undefined;
  private closed = false;

  private constructor(pool: pg.Pool, location: string) {
    this.pool = pool;
    this.location = location;
  }

  /**
   * Connects, and creates or migrates the schema.
   * @throws {StoreSchemaError} when the database has a newer schema than this showwork knows.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresReceiptStore> {
    const schema = options.schema ?? "public";
    if (!isIdentifier(schema)) throw new InvariantError(`schema must be a lowercase SQL identifier, found ${JSON.stringify(schema)}`);
    const settings = [`-c search_path=${schema}`, ...(options.durability === "normal" ? ["-c synchronous_commit=off"] : [])];
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 8,
      options: settings.join(" "),
      types,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client that loses its connection emits 'error' on the pool: the next query reconnects.
    pool.on("error", () => undefined);
    const store = new PostgresReceiptStore(pool, `${redactUrl(options.url)}${schema === "public" ? "" : `#${schema}`}`);
    try {
      await store.migrate(schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  private async migrate(schema: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.toString()]);
      if (schema !== "public") await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      );
      const applied = num((await client.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")).rows[0].v);
      if (applied > SCHEMA_VERSION) throw new StoreSchemaError(this.location, applied, SCHEMA_VERSION);
      for (const migration of MIGRATIONS) {
        if (migration.version <= applied) continue;
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)", [migration.version, migration.description]);
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The applied schema version. */
  async schemaVersion(): Promise<number> {
    return num((await this.pool.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")).rows[0].v);
  }

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  /** Runs `fn` in one transaction; with `fence`, first checks that this instance holds the anchoring role. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, fence?: string): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      if (fence !== undefined) await this.checkFence(client, fence);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async checkFence(client: pg.PoolClient, operation: string): Promise<void> {
    const row = (await client.query("SELECT holder, epoch FROM anchor_lease WHERE id = 1 FOR SHARE")).rows[0] as Row;
    const holder = row.holder === null ? undefined : String(row.holder);
    const epoch = num(row.epoch);
    if (this.heldEpoch === undefined || holder !== this.instance || epoch !== this.heldEpoch) {
      const heldEpoch = this.heldEpoch ?? 0;
      this.heldEpoch = undefined;
      throw new AnchorLeaseLostError({ operation, heldEpoch, currentEpoch: epoch, currentHolder: holder });
    }
  }

  // ------------------------------------------------------------------ roles

  async acquireWriter(owner: string): Promise<void> {
    this.instance = `${owner} (pid ${process.pid} on ${hostname()}, ${randomBytes(3).toString("hex")})`;
    for (const row of await this.query("SELECT version_id, model_id, weights_digest FROM versions")) {
      this.versions.set(`${String(row.model_id)}:${String(row.weights_digest)}`, num(row.version_id));
    }
  }

  async releaseWriter(): Promise<void> {
    if (this.instance === undefined || this.closed) return;
    await this.releaseAnchoring();
    this.instance = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.releaseWriter();
    } finally {
      this.closed = true;
      await this.pool.end();
    }
  }

  private requireInstance(): string {
    if (this.instance === undefined) throw new InvariantError("this store was not opened as a writer (call acquireWriter first)");
    return this.instance;
  }

  async claimAnchoring(ttlMs: number): Promise<AnchorLease> {
    const me = this.requireInstance();
    if (!Number.isInteger(ttlMs) || ttlMs < 100) throw new InvariantError(`lease ttl must be an integer >= 100 ms, found ${ttlMs}`);
    const mine = this.heldEpoch ?? -1;
    const rows = await this.query(
      `UPDATE anchor_lease SET
         epoch = CASE WHEN holder = $1 AND epoch = $2 THEN epoch ELSE epoch + 1 END,
         acquired_at = CASE WHEN holder = $1 AND epoch = $2 THEN acquired_at ELSE clock_timestamp() END,
         holder = $1,
         expires_at = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE id = 1 AND ((holder = $1 AND epoch = $2) OR expires_at <= clock_timestamp())
       RETURNING holder, epoch, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms`,
      [me, mine, ttlMs],
    );
    if (rows.length === 1) {
      this.heldEpoch = num(rows[0]!.epoch);
      return { held: true, epoch: this.heldEpoch, holder: me, expiresAt: num(rows[0]!.expires_ms) };
    }
    this.heldEpoch = undefined;
    const [row] = await this.query(
      "SELECT holder, epoch, CASE WHEN expires_at = '-infinity' THEN NULL ELSE (extract(epoch FROM expires_at) * 1000)::bigint END AS expires_ms FROM anchor_lease WHERE id = 1",
    );
    return {
      held: false,
      epoch: num(row!.epoch),
      holder: row!.holder === null ? undefined : String(row!.holder),
      expiresAt: optNum(row!.expires_ms),
    };
  }

  async releaseAnchoring(): Promise<void> {
    if (this.instance === undefined || this.heldEpoch === undefined || this.closed) return;
    const epoch = this.heldEpoch;
    this.heldEpoch = undefined;
    await this.query("UPDATE anchor_lease SET holder = NULL, expires_at = '-infinity' WHERE id = 1 AND holder = $1 AND epoch = $2", [
      this.instance,
      epoch,
    ]);
  }

  // ------------------------------------------------------------------ binding

  async getBinding(): Promise<StoreBinding | undefined> {
    const [row] = await this.query("SELECT value FROM meta WHERE key = 'binding'");
    return row === undefined ? undefined : (JSON.parse(String(row.value)) as StoreBinding);
  }

  async setBinding(binding: StoreBinding): Promise<void> {
    const text = JSON.stringify(binding);
    await this.query("INSERT INTO meta (key, value) VALUES ('binding', $1) ON CONFLICT (key) DO NOTHING", [text]);
    const current = await this.getBinding();
    if (current === undefined || JSON.stringify(current) !== text) {
      throw new StoreBindingError(`The store ${this.location} is already bound.`, [`Bound to: ${JSON.stringify(current)}`]);
    }
  }

  async getChainBindings(): Promise<ChainBinding[]> {
    const rows = await this.query("SELECT value FROM meta WHERE key LIKE 'chain:%'");
    return rows.map((r) => JSON.parse(String(r.value)) as ChainBinding).sort((a, b) => a.firstStoreBatch - b.firstStoreBatch || a.name.localeCompare(b.name));
  }

  async setChainBinding(binding: ChainBinding): Promise<void> {
    const key = `chain:${binding.name}`;
    const text = JSON.stringify(binding);
    await this.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, text]);
    const [row] = await this.query("SELECT value FROM meta WHERE key = $1", [key]);
    if (row === undefined || String(row.value) !== text) {
      throw new StoreBindingError(`The store ${this.location} already binds chain "${binding.name}".`, [`Bound to: ${row === undefined ? "?" : String(row.value)}`]);
    }
  }

  async chainStates(index: number): Promise<ChainBatchState[]> {
    const rows = await this.query("SELECT * FROM chain_batches WHERE batch_index = $1 ORDER BY chain", [index]);
    return rows.map(chainStateOf);
  }

  chainLedger(chain: string, firstStoreBatch: number): AnchorLedger {
    const query = (sql: string, params: unknown[] = []): Promise<Row[]> => this.query(sql, params);
    const transaction = <T>(fn: (client: pg.PoolClient) => Promise<T>, fence: string): Promise<T> => this.transaction(fn, fence);
    const select = `SELECT b.batch_index, b.first_seq, b.last_seq, b.leaf_count, b.root, b.closed_at,
      coalesce(c.state, 'batched') AS state, c.tx_id, c.anchor_tx_hash, c.anchor_block_number, c.anchor_block_hash, c.anchored_at, c.final_at
      FROM batches b LEFT JOIN chain_batches c ON c.chain = $1 AND c.batch_index = b.batch_index`;
    const txsOf = async (rows: Row[]): Promise<TxRecord[]> => {
      if (rows.length === 0) return [];
      const attempts = await query("SELECT * FROM chain_tx_attempts WHERE tx_id = ANY($1::bigint[]) ORDER BY tx_id, created_at, attempt_id", [
        rows.map((r) => num(r.tx_id)),
      ]);
      return rows.map((row) => txRecordOf(row, attempts.filter((a) => num(a.tx_id) === num(row.tx_id)).map(attemptOf)));
    };
    const getTx = async (txId: number): Promise<TxRecord | undefined> =>
      (await txsOf(await query("SELECT * FROM chain_txs WHERE tx_id = $1 AND chain = $2", [txId, chain])))[0];
    const insertChainAttempt = async (client: pg.PoolClient, txId: number, attempt: TxAttempt): Promise<void> => {
      await client.query(
        "INSERT INTO chain_tx_attempts (tx_hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, gas, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [toBytea(attempt.hash), txId, toBytea(attempt.raw), attempt.maxFeePerGas.toString(), attempt.maxPriorityFeePerGas.toString(), attempt.gas.toString(), attempt.createdAt],
      );
    };
    const requireBatched = async (client: pg.PoolClient, first: number, last: number): Promise<void> => {
      const present = num((await client.query("SELECT count(*) AS n FROM batches WHERE batch_index >= $1 AND batch_index <= $2", [first, last])).rows[0].n);
      const taken = num(
        (await client.query("SELECT count(*) AS n FROM chain_batches WHERE chain = $1 AND batch_index >= $2 AND batch_index <= $3 AND state <> 'batched'", [chain, first, last]))
          .rows[0].n,
      );
      if (first < firstStoreBatch || present !== last - first + 1 || taken !== 0) {
        throw new InvariantError(`batches ${first}..${last} are not all "batched" on chain ${chain}`);
      }
    };
    const upsertRows = async (client: pg.PoolClient, first: number, last: number, state: BatchState, txId: number, inclusion?: BatchAnchor): Promise<void> => {
      await client.query(
        `INSERT INTO chain_batches (chain, batch_index, state, tx_id, anchor_tx_hash, anchor_block_number, anchor_block_hash, anchored_at)
         SELECT $1, i, $2, $3, $4, $5, $6, $7 FROM generate_series($8::bigint, $9::bigint) AS i
         ON CONFLICT (chain, batch_index) DO UPDATE SET state = excluded.state, tx_id = excluded.tx_id, anchor_tx_hash = excluded.anchor_tx_hash,
         anchor_block_number = excluded.anchor_block_number, anchor_block_hash = excluded.anchor_block_hash, anchored_at = excluded.anchored_at, final_at = NULL`,
        [
          chain,
          state,
          txId,
          inclusion === undefined ? null : toBytea(inclusion.txHash),
          inclusion?.blockNumber ?? null,
          inclusion === undefined ? null : toBytea(inclusion.blockHash),
          inclusion?.anchoredAt ?? null,
          first,
          last,
        ],
      );
    };
    const what = (text: string): string => `${text} on chain ${chain}`;
    return {
      async getBatch(index) {
        if (index < firstStoreBatch) return undefined;
        const [row] = await query(`${select} WHERE b.batch_index = $2`, [chain, index]);
        return row === undefined ? undefined : batchOf(row);
      },
      async batchesInState(state, limit) {
        if (state !== "batched") {
          return (await query(`${select} WHERE c.state = $2 ORDER BY b.batch_index LIMIT $3`, [chain, state, limit])).map(batchOf);
        }
        const [bounds] = await query(
          "SELECT min(batch_index) FILTER (WHERE state = 'batched') AS voided, max(batch_index) AS last FROM chain_batches WHERE chain = $1",
          [chain],
        );
        const from = Math.max(firstStoreBatch, optNum(bounds?.voided) ?? (optNum(bounds?.last) ?? firstStoreBatch - 1) + 1);
        return (
          await query(`${select} WHERE b.batch_index >= $2 AND (c.state IS NULL OR c.state = 'batched') ORDER BY b.batch_index LIMIT $3`, [chain, from, limit])
        ).map(batchOf);
      },
      async lastAnchoredBatch() {
        const [row] = await query(`${select} WHERE c.state IN ('anchored', 'final') ORDER BY b.batch_index DESC LIMIT 1`, [chain]);
        return row === undefined ? undefined : batchOf(row);
      },
      async createTx(tx) {
        const txId = await transaction(async (client) => {
          await requireBatched(client, tx.firstBatch, tx.lastBatch);
          const id = num(
            (
              await client.query(
                "INSERT INTO chain_txs (chain, nonce, first_batch, last_batch, state, created_at, created_at_block) VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING tx_id",
                [chain, tx.nonce, tx.firstBatch, tx.lastBatch, tx.attempt.createdAt, tx.createdAtBlock],
              )
            ).rows[0].tx_id,
          );
          await insertChainAttempt(client, id, tx.attempt);
          await upsertRows(client, tx.firstBatch, tx.lastBatch, "submitted", id);
          return id;
        }, what(`the transaction for batches ${tx.firstBatch}..${tx.lastBatch}`));
        return (await getTx(txId))!;
      },
      async addTxAttempt(txId, attempt) {
        await transaction(async (client) => {
          const [row] = (await client.query("SELECT state FROM chain_txs WHERE tx_id = $1 AND chain = $2 FOR UPDATE", [txId, chain])).rows as Row[];
          if (row?.state !== "pending") throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          await insertChainAttempt(client, txId, attempt);
        }, what(`a new attempt for tx ${txId}`));
      },
      async markTxSent(txId, at) {
        await transaction(async (client) => {
          await client.query("UPDATE chain_txs SET last_sent_at = $1 WHERE tx_id = $2 AND chain = $3", [at, txId, chain]);
        }, what(`tx ${txId} sent`));
      },
      async markTxIncluded(txId, inclusion) {
        await transaction(async (client) => {
          const changed = await client.query(
            `UPDATE chain_txs SET state = 'included', included_tx_hash = $1, included_block_number = $2, included_block_hash = $3, included_at = $4
             WHERE tx_id = $5 AND chain = $6 AND state = 'pending'`,
            [toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash), inclusion.anchoredAt, txId, chain],
          );
          if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          await client.query(
            `UPDATE chain_batches SET state = 'anchored', anchor_tx_hash = $1, anchor_block_number = $2, anchor_block_hash = $3, anchored_at = $4
             WHERE chain = $5 AND tx_id = $6 AND state = 'submitted'`,
            [toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash), inclusion.anchoredAt, chain, txId],
          );
        }, what(`tx ${txId} included`));
      },
      async markTxFinal(txId, at) {
        await transaction(async (client) => {
          const changed = await client.query("UPDATE chain_txs SET state = 'final' WHERE tx_id = $1 AND chain = $2 AND state = 'included'", [txId, chain]);
          if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not included`);
          await client.query("UPDATE chain_batches SET state = 'final', final_at = $1 WHERE chain = $2 AND tx_id = $3 AND state = 'anchored'", [at, chain, txId]);
        }, what(`tx ${txId} final`));
      },
      async markTxReorged(txId) {
        await transaction(async (client) => {
          const changed = await client.query(
            `UPDATE chain_txs SET state = 'pending', included_tx_hash = NULL, included_block_number = NULL, included_block_hash = NULL,
             included_at = NULL, last_sent_at = 0 WHERE tx_id = $1 AND chain = $2 AND state = 'included'`,
            [txId, chain],
          );
          if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not included`);
          await client.query(
            `UPDATE chain_batches SET state = 'submitted', anchor_tx_hash = NULL, anchor_block_number = NULL, anchor_block_hash = NULL,
             anchored_at = NULL WHERE chain = $1 AND tx_id = $2 AND state = 'anchored'`,
            [chain, txId],
          );
        }, what(`tx ${txId} reorged`));
      },
      async voidTx(txId) {
        await transaction(async (client) => {
          const changed = await client.query("UPDATE chain_txs SET state = 'void' WHERE tx_id = $1 AND chain = $2 AND state = 'pending'", [txId, chain]);
          if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} of chain ${chain} is not pending`);
          await client.query("UPDATE chain_batches SET state = 'batched', tx_id = NULL WHERE chain = $1 AND tx_id = $2 AND state = 'submitted'", [chain, txId]);
        }, what(`tx ${txId} void`));
      },
      async adoptAnchor(tx) {
        const { inclusion } = tx;
        const txId = await transaction(async (client) => {
          await requireBatched(client, tx.firstBatch, tx.lastBatch);
          const id = num(
            (
              await client.query(
                `INSERT INTO chain_txs (chain, nonce, first_batch, last_batch, state, created_at, created_at_block, last_sent_at,
                 included_tx_hash, included_block_number, included_block_hash, included_at)
                 VALUES ($1, $2, $3, $4, 'included', $5, $6, $5, $7, $8, $9, $5) RETURNING tx_id`,
                [chain, tx.nonce, tx.firstBatch, tx.lastBatch, inclusion.anchoredAt, tx.createdAtBlock, toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash)],
              )
            ).rows[0].tx_id,
          );
          await upsertRows(client, tx.firstBatch, tx.lastBatch, "anchored", id, inclusion);
          return id;
        }, what(`adopting batches ${tx.firstBatch}..${tx.lastBatch}`));
        return (await getTx(txId))!;
      },
      getTx,
      async openTxs() {
        return txsOf(await query("SELECT * FROM chain_txs WHERE chain = $1 AND state IN ('pending', 'included') ORDER BY nonce, tx_id", [chain]));
      },
    };
  }

  // ------------------------------------------------------------------ receipts

  async appendReceipts(receipts: readonly NewReceipt[], recordedAt: number): Promise<AppendResult> {
    this.requireInstance();
    if (receipts.length === 0) {
      const maxSeq = num((await this.query("SELECT max_seq FROM counters WHERE id = 1"))[0]!.max_seq);
      return { ok: true, firstSeq: maxSeq + 1, lastSeq: maxSeq };
    }
    const ids = receipts.map((r) => toBytea(r.receiptId));
    const versionIds = new Array<number>(receipts.length);
    for (let i = 0; i < receipts.length; i++) {
      const r = receipts[i]!;
      const previous = receipts[i - 1];
      versionIds[i] =
        previous !== undefined && previous.modelId === r.modelId && previous.weightsDigest === r.weightsDigest ? versionIds[i - 1]! : await this.versionId(r.modelId, r.weightsDigest);
    }
    // One statement, so one round trip while the counters row is locked (append_receipts, migration 3):
    // lock, duplicate check, insert with the next seqs, counter update, commit. Under load each round trip
    // costs milliseconds of scheduling, and every instance's appends wait on that lock.
    let row: Row;
    try {
      row = (
        await this.query("SELECT first_seq, duplicates FROM append_receipts($1::bytea[], $2::int[], $3::bigint[], $4::text[], $5)", [
          ids,
          versionIds,
          receipts.map((r) => r.issuedAt),
          receipts.map((r) => receiptJsonText(r.receipt)),
          recordedAt,
        ])
      )[0]!;
    } catch (error) {
      // The same id twice in one call (the unique index): report the repeats; nothing was stored.
      if ((error as { code?: string }).code !== "23505") throw error;
      const seen = new Set<string>();
      const duplicates: { receiptIndex: number; receiptId: Hex }[] = [];
      receipts.forEach((r, receiptIndex) => {
        const id = r.receiptId.toLowerCase();
        if (seen.has(id)) duplicates.push({ receiptIndex, receiptId: r.receiptId });
        seen.add(id);
      });
      if (duplicates.length === 0) throw error;
      return { ok: false, duplicates };
    }
    if (row.duplicates !== null) {
      const stored = new Set((row.duplicates as unknown[]).map((id) => toHex(id)));
      const duplicates = receipts.map((r, receiptIndex) => ({ receiptIndex, receiptId: r.receiptId })).filter((d) => stored.has(d.receiptId.toLowerCase() as Hex));
      return { ok: false, duplicates };
    }
    const firstSeq = num(row.first_seq);
    return { ok: true, firstSeq, lastSeq: firstSeq + receipts.length - 1 };
  }

  /**
   * The id of a model version, interned in its own (committed) statement before the append: a version
   * row without receipts is harmless, and an id in the cache is always committed.
   */
  private async versionId(modelId: string, weightsDigest: string): Promise<number> {
    const key = `${modelId}:${weightsDigest}`;
    let id = this.versions.get(key);
    if (id === undefined) {
      const row = (
        await this.query(
          `INSERT INTO versions (model_id, weights_digest) VALUES ($1, $2)
           ON CONFLICT (model_id, weights_digest) DO UPDATE SET model_id = EXCLUDED.model_id RETURNING version_id`,
          [modelId, weightsDigest],
        )
      )[0] as Row;
      id = num(row.version_id);
      this.versions.set(key, id);
    }
    return id;
  }

  async maintain(): Promise<void> {
    // Nothing to do: PostgreSQL maintains its indexes (and autovacuum the tables).
  }

  private static readonly WITH_BATCH = `
    SELECT r.seq, r.receipt_id, r.recorded_at, r.body, b.*
    FROM receipts r
    LEFT JOIN LATERAL (SELECT * FROM batches bb WHERE bb.last_seq >= r.seq ORDER BY bb.last_seq LIMIT 1) b ON b.first_seq <= r.seq`;

  private storedOf(row: Row): StoredReceipt {
    const batch = row.batch_index === null || row.batch_index === undefined ? undefined : batchOf(row);
    return storedReceiptOf(toHex(row.receipt_id), row, batch);
  }

  async getReceipt(receiptId: Hex): Promise<StoredReceipt | undefined> {
    const [row] = await this.query(`${PostgresReceiptStore.WITH_BATCH} WHERE r.receipt_id = $1`, [toBytea(receiptId.toLowerCase())]);
    return row === undefined ? undefined : this.storedOf(row);
  }

  async *readBodies(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<string[]> {
    for (let start = firstSeq; start <= lastSeq; start += chunkSize) {
      const end = Math.min(lastSeq, start + chunkSize - 1);
      const rows = await this.query("SELECT body FROM receipts WHERE seq >= $1 AND seq <= $2 ORDER BY seq", [start, end]);
      if (rows.length !== end - start + 1) throw new InvariantError(`receipts ${start}..${end} are not all in the store`);
      yield rows.map((r) => String(r.body));
    }
  }

  async *readReceipts(firstSeq: number, lastSeq: number, chunkSize: number): AsyncIterable<Receipt[]> {
    for await (const bodies of this.readBodies(firstSeq, lastSeq, chunkSize)) yield bodies.map(receiptOfJsonBody);
  }

  async listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]> {
    const rows = await this.query(
      `${PostgresReceiptStore.WITH_BATCH}
       WHERE r.seq > $1 AND r.issued_at >= $2 AND r.issued_at <= $3
         AND ($4::text IS NULL AND $5::text IS NULL OR r.version_id IN (
           SELECT version_id FROM versions WHERE ($4::text IS NULL OR model_id = $4) AND ($5::text IS NULL OR weights_digest = $5)))
       ORDER BY r.seq LIMIT $6`,
      [
        filter.afterSeq ?? 0,
        filter.issuedFrom ?? 0,
        filter.issuedTo ?? Number.MAX_SAFE_INTEGER,
        filter.modelId?.toLowerCase() ?? null,
        filter.weightsDigest?.toLowerCase() ?? null,
        filter.limit ?? 1000,
      ],
    );
    return rows.map((row) => this.storedOf(row));
  }

  async unbatched(): Promise<UnbatchedSummary> {
    const [row] = await this.query(
      `SELECT c.max_seq, coalesce((SELECT last_seq FROM batches ORDER BY batch_index DESC LIMIT 1), 0) AS last_seq,
              (SELECT recorded_at FROM receipts WHERE seq = coalesce((SELECT last_seq FROM batches ORDER BY batch_index DESC LIMIT 1), 0) + 1) AS oldest
       FROM counters c WHERE c.id = 1`,
    );
    const firstSeq = num(row!.last_seq) + 1;
    const count = Math.max(0, num(row!.max_seq) - firstSeq + 1);
    return { count, firstSeq, oldestRecordedAt: count > 0 ? optNum(row!.oldest) : undefined };
  }

  async recordedAt(seq: number): Promise<number | undefined> {
    const [row] = await this.query("SELECT recorded_at FROM receipts WHERE seq = $1", [seq]);
    return row === undefined ? undefined : num(row.recorded_at);
  }

  async stateCounts(): Promise<StateCounts> {
    const { count: recorded, firstSeq } = await this.unbatched();
    const counts: StateCounts = { recorded, batched: 0, submitted: 0, anchored: 0, final: 0 };
    const rows = await this.query("SELECT state, sum(leaf_count)::bigint AS n FROM batches WHERE state <> 'final' GROUP BY state");
    let notFinal = 0;
    for (const row of rows) {
      const state = batchStateOf(row.state);
      if (state === "final") continue;
      counts[state] = num(row.n);
      notFinal += counts[state];
    }
    counts.final = firstSeq - 1 - notFinal;
    return counts;
  }

  // ------------------------------------------------------------------ batches

  async closeBatch(batch: NewBatch): Promise<BatchRecord> {
    assertBatchLeaves(batch);
    const leafCount = batch.lastSeq - batch.firstSeq + 1;
    await this.transaction(async (client) => {
      const [last] = (await client.query("SELECT batch_index, last_seq FROM batches ORDER BY batch_index DESC LIMIT 1")).rows as Row[];
      const expectedFirst = last === undefined ? 1 : num(last.last_seq) + 1;
      if (batch.firstSeq !== expectedFirst || (last !== undefined && batch.index !== num(last.batch_index) + 1)) {
        throw new InvariantError(`batch ${batch.index} (seqs ${batch.firstSeq}..) does not follow the last batch`);
      }
      const maxSeq = num((await client.query("SELECT max_seq FROM counters WHERE id = 1")).rows[0].max_seq);
      if (batch.lastSeq > maxSeq) throw new InvariantError(`batch ${batch.index} ends after the last receipt`);
      await client.query(
        "INSERT INTO batches (batch_index, first_seq, last_seq, leaf_count, root, state, closed_at) VALUES ($1, $2, $3, $4, $5, 'batched', $6)",
        [batch.index, batch.firstSeq, batch.lastSeq, leafCount, toBytea(batch.root), batch.closedAt],
      );
      await client.query("INSERT INTO batch_leaves (batch_index, leaves) VALUES ($1, $2)", [batch.index, Buffer.from(batch.leaves)]);
    }, `closing batch ${batch.index}`);
    return (await this.getBatch(batch.index))!;
  }

  async getBatch(index: number): Promise<BatchRecord | undefined> {
    const [row] = await this.query("SELECT * FROM batches WHERE batch_index = $1", [index]);
    return row === undefined ? undefined : batchOf(row);
  }

  async lastBatch(): Promise<BatchRecord | undefined> {
    const [row] = await this.query("SELECT * FROM batches ORDER BY batch_index DESC LIMIT 1");
    return row === undefined ? undefined : batchOf(row);
  }

  async getBatchLeaves(index: number): Promise<Uint8Array> {
    const [row] = await this.query("SELECT leaves FROM batch_leaves WHERE batch_index = $1", [index]);
    if (row === undefined || !(row.leaves instanceof Uint8Array)) throw new InvariantError(`no leaves stored for batch ${index}`);
    return new Uint8Array(row.leaves.buffer, row.leaves.byteOffset, row.leaves.byteLength);
  }

  async batchesInState(state: BatchState, limit: number): Promise<BatchRecord[]> {
    return (await this.query("SELECT * FROM batches WHERE state = $1 ORDER BY batch_index LIMIT $2", [state, limit])).map(batchOf);
  }

  async lastAnchoredBatch(): Promise<BatchRecord | undefined> {
    const [row] = await this.query("SELECT * FROM batches WHERE state IN ('anchored', 'final') ORDER BY batch_index DESC LIMIT 1");
    return row === undefined ? undefined : batchOf(row);
  }

  // ------------------------------------------------------------------ transactions

  async createTx(tx: { nonce: number; firstBatch: number; lastBatch: number; createdAtBlock: number; attempt: TxAttempt }): Promise<TxRecord> {
    const txId = await this.transaction(async (client) => {
      const id = num(
        (
          await client.query(
            "INSERT INTO txs (nonce, first_batch, last_batch, state, created_at, created_at_block) VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING tx_id",
            [tx.nonce, tx.firstBatch, tx.lastBatch, tx.attempt.createdAt, tx.createdAtBlock],
          )
        ).rows[0].tx_id,
      );
      await insertAttempt(client, id, tx.attempt);
      const moved = await client.query(
        "UPDATE batches SET state = 'submitted', tx_id = $1 WHERE batch_index >= $2 AND batch_index <= $3 AND state = 'batched'",
        [id, tx.firstBatch, tx.lastBatch],
      );
      if (moved.rowCount !== tx.lastBatch - tx.firstBatch + 1) throw new InvariantError(`batches ${tx.firstBatch}..${tx.lastBatch} are not all "batched"`);
      return id;
    }, `the transaction for batches ${tx.firstBatch}..${tx.lastBatch}`);
    return (await this.getTx(txId))!;
  }

  async addTxAttempt(txId: number, attempt: TxAttempt): Promise<void> {
    await this.transaction(async (client) => {
      const [row] = (await client.query("SELECT state FROM txs WHERE tx_id = $1 FOR UPDATE", [txId])).rows as Row[];
      if (row?.state !== "pending") throw new InvariantError(`tx ${txId} is not pending`);
      await insertAttempt(client, txId, attempt);
    }, `a new attempt for tx ${txId}`);
  }

  async markTxSent(txId: number, at: number): Promise<void> {
    await this.transaction(async (client) => {
      await client.query("UPDATE txs SET last_sent_at = $1 WHERE tx_id = $2", [at, txId]);
    }, `tx ${txId} sent`);
  }

  async markTxIncluded(txId: number, inclusion: BatchAnchor): Promise<void> {
    await this.transaction(async (client) => {
      const changed = await client.query(
        `UPDATE txs SET state = 'included', included_tx_hash = $1, included_block_number = $2, included_block_hash = $3, included_at = $4
         WHERE tx_id = $5 AND state = 'pending'`,
        [toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash), inclusion.anchoredAt, txId],
      );
      if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} is not pending`);
      await client.query(
        `UPDATE batches SET state = 'anchored', anchor_tx_hash = $1, anchor_block_number = $2, anchor_block_hash = $3, anchored_at = $4
         WHERE tx_id = $5 AND state = 'submitted'`,
        [toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash), inclusion.anchoredAt, txId],
      );
    }, `tx ${txId} included`);
  }

  async markTxFinal(txId: number, at: number): Promise<void> {
    await this.transaction(async (client) => {
      const changed = await client.query("UPDATE txs SET state = 'final' WHERE tx_id = $1 AND state = 'included'", [txId]);
      if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} is not included`);
      await client.query("UPDATE batches SET state = 'final', final_at = $1 WHERE tx_id = $2 AND state = 'anchored'", [at, txId]);
    }, `tx ${txId} final`);
  }

  async markTxReorged(txId: number): Promise<void> {
    await this.transaction(async (client) => {
      const changed = await client.query(
        `UPDATE txs SET state = 'pending', included_tx_hash = NULL, included_block_number = NULL, included_block_hash = NULL,
         included_at = NULL, last_sent_at = 0 WHERE tx_id = $1 AND state = 'included'`,
        [txId],
      );
      if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} is not included`);
      await client.query(
        `UPDATE batches SET state = 'submitted', anchor_tx_hash = NULL, anchor_block_number = NULL, anchor_block_hash = NULL,
         anchored_at = NULL WHERE tx_id = $1 AND state = 'anchored'`,
        [txId],
      );
    }, `tx ${txId} reorged`);
  }

  async voidTx(txId: number): Promise<void> {
    await this.transaction(async (client) => {
      const changed = await client.query("UPDATE txs SET state = 'void' WHERE tx_id = $1 AND state = 'pending'", [txId]);
      if (changed.rowCount !== 1) throw new InvariantError(`tx ${txId} is not pending`);
      await client.query("UPDATE batches SET state = 'batched', tx_id = NULL WHERE tx_id = $1 AND state = 'submitted'", [txId]);
    }, `tx ${txId} void`);
  }

  async adoptAnchor(tx: { nonce: number; firstBatch: number; lastBatch: number; createdAtBlock: number; inclusion: BatchAnchor }): Promise<TxRecord> {
    const { inclusion } = tx;
    const txId = await this.transaction(async (client) => {
      const id = num(
        (
          await client.query(
            `INSERT INTO txs (nonce, first_batch, last_batch, state, created_at, created_at_block, last_sent_at,
             included_tx_hash, included_block_number, included_block_hash, included_at)
             VALUES ($1, $2, $3, 'included', $4, $5, $4, $6, $7, $8, $4) RETURNING tx_id`,
            [tx.nonce, tx.firstBatch, tx.lastBatch, inclusion.anchoredAt, tx.createdAtBlock, toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash)],
          )
        ).rows[0].tx_id,
      );
      const moved = await client.query(
        `UPDATE batches SET state = 'anchored', tx_id = $1, anchor_tx_hash = $2, anchor_block_number = $3, anchor_block_hash = $4, anchored_at = $5
         WHERE batch_index >= $6 AND batch_index <= $7 AND state = 'batched'`,
        [id, toBytea(inclusion.txHash), inclusion.blockNumber, toBytea(inclusion.blockHash), inclusion.anchoredAt, tx.firstBatch, tx.lastBatch],
      );
      if (moved.rowCount !== tx.lastBatch - tx.firstBatch + 1) throw new InvariantError(`batches ${tx.firstBatch}..${tx.lastBatch} are not all "batched"`);
      return id;
    }, `adopting batches ${tx.firstBatch}..${tx.lastBatch}`);
    return (await this.getTx(txId))!;
  }

  async getTx(txId: number): Promise<TxRecord | undefined> {
    const rows = await this.query("SELECT * FROM txs WHERE tx_id = $1", [txId]);
    return (await this.txsOf(rows))[0];
  }

  async openTxs(): Promise<TxRecord[]> {
    return this.txsOf(await this.query("SELECT * FROM txs WHERE state IN ('pending', 'included') ORDER BY nonce, tx_id"));
  }

  private async txsOf(rows: Row[]): Promise<TxRecord[]> {
    if (rows.length === 0) return [];
    const attempts = await this.query("SELECT * FROM tx_attempts WHERE tx_id = ANY($1::bigint[]) ORDER BY tx_id, created_at, attempt_id", [
      rows.map((r) => num(r.tx_id)),
    ]);
    return rows.map((row): TxRecord => {
      const id = num(row.tx_id);
      return txRecordOf(row, attempts.filter((a) => num(a.tx_id) === id).map(attemptOf));
    });
  }
}

async function insertAttempt(client: pg.PoolClient, txId: number, attempt: TxAttempt): Promise<void> {
  await client.query(
    "INSERT INTO tx_attempts (tx_hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, gas, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [
      toBytea(attempt.hash),
      txId,
      toBytea(attempt.raw),
      attempt.maxFeePerGas.toString(),
      attempt.maxPriorityFeePerGas.toString(),
      attempt.gas.toString(),
      attempt.createdAt,
    ],
  );
}
