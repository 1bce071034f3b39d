/**
 * The evidence store on PostgreSQL (`pg`): the same contract, layout and encryption at rest as
 * {@link SqliteEvidenceStore} (AES-256-GCM, see `encryption.ts`), for several service instances
 * sharing one database. Versioned migrations (`evidence_schema_migrations`) run on open under an
 * advisory lock. Each write is one statement or one transaction; concurrent writers need no queue.
 *
 * @module
 */
import canonicalize from "canonicalize";
import pg from "pg";
import type { Hex } from "viem";

import { isHexOfLength } from "../bytes/hex.js";
import { InvariantError } from "../errors.js";
import { redactUrl } from "../service/store/postgres.js";
import { hexToBuffer } from "../service/store/rows.js";
import type { EvidenceCipher } from "./encryption.js";
import { EvidenceConflictError, EvidenceStoreClosedError, InvalidEvidenceError } from "./errors.js";
import type { Artifact, EvidenceStore, ReceiptEvidence } from "./types.js";
import { checkArtifact, checkStoreKey, evidenceCipherOf, openArtifact, openEvidence, sealArtifact, type Row } from "./rows.js";
import { assertEvidence } from "./validate.js";

/** Options of {@link PostgresEvidenceStore.open}. */
export interface PostgresEvidenceStoreOptions {
  /** `postgres://user[:password]@host:port/database`. */
  readonly url: string;
  /** Schema (default `public`); may be the receipt store's (table names do not clash). */
  readonly schema?: string;
  /** 32-byte AES-256-GCM key (bytes, hex or base64). Default: SHOWWORK_EVIDENCE_KEY when set. `null`: no encryption. */
  readonly encryptionKey?: Uint8Array | string | null;
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
}

/** The evidence schema as versioned migrations (append only). */
export const EVIDENCE_MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly sql: string }[] = [
  {
    version: 1,
    description: "evidence, artifacts, deletions",
    sql: `
CREATE TABLE evidence_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- key: the digest (plain store) or HMAC-SHA256(key, digest) (encrypted store).
CREATE TABLE evidence_artifacts (key BYTEA PRIMARY KEY, media_type TEXT NOT NULL, bytes BYTEA NOT NULL);
-- body: the record's JSON (plain) or nonce || AES-256-GCM(JSON) || tag, bound to receipt_id.
CREATE TABLE evidence (receipt_id BYTEA PRIMARY KEY, issued_at BIGINT NOT NULL, body BYTEA NOT NULL);
CREATE INDEX evidence_by_issued_at ON evidence (issued_at);
CREATE TABLE evidence_deletions (receipt_id BYTEA PRIMARY KEY, deleted_at BIGINT NOT NULL);
`,
  },
];
const EVIDENCE_SCHEMA_VERSION = EVIDENCE_MIGRATIONS[EVIDENCE_MIGRATIONS.length - 1]!.version;
/** Advisory lock key of evidence migrations ("evidence" in ASCII). */
const MIGRATION_LOCK = 0x65766964656e6365n;

const utf8 = new TextEncoder();

function asBytes(value: unknown): Buffer {
  if (!(value instanceof Uint8Array)) throw new InvariantError(`expected bytes in the evidence store, found ${typeof value}`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** The PostgreSQL evidence store. Create with {@link PostgresEvidenceStore.open}. */
export class PostgresEvidenceStore implements EvidenceStore {
  readonly location: string;
  readonly encrypted: boolean;
  private readonly pool: pg.Pool;
  private readonly cipher: EvidenceCipher | undefined;
  private closed = false;

  private constructor(pool: pg.Pool, location: string, cipher: EvidenceCipher | undefined) {
    this.pool = pool;
    this.location = location;
    this.cipher = cipher;
    this.encrypted = cipher !== undefined;
  }

  /**
   * Connects, creates or migrates the schema, and checks the key against the store's.
   * @throws {EvidenceKeyError} (missing, unexpected, wrong-key, malformed), {@link InvalidEvidenceError} for a newer schema.
   */
  static async open(options: PostgresEvidenceStoreOptions): Promise<PostgresEvidenceStore> {
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new InvariantError(`schema must be a lowercase SQL identifier, found ${JSON.stringify(schema)}`);
    const cipher = evidenceCipherOf(options.encryptionKey);
    const location = `${redactUrl(options.url)}${schema === "public" ? "" : `#${schema}`}`;
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4, options: `-c search_path=${schema}`, connectionTimeoutMillis: 10_000 });
    pool.on("error", () => undefined);
    const client = await pool.connect().catch(async (error: unknown) => {
      await pool.end();
      throw error;
    });
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.toString()]);
      if (schema !== "public") await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS evidence_schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      );
      const applied = Number((await client.query("SELECT coalesce(max(version), 0) AS v FROM evidence_schema_migrations")).rows[0].v);
      if (applied > EVIDENCE_SCHEMA_VERSION) {
        throw new InvalidEvidenceError({ field: "(store schema)", expected: `evidence store schema version ${EVIDENCE_SCHEMA_VERSION}`, found: applied });
      }
      for (const migration of EVIDENCE_MIGRATIONS) {
        if (migration.version <= applied) continue;
        await client.query(migration.sql);
        await client.query("INSERT INTO evidence_schema_migrations (version, description) VALUES ($1, $2)", [migration.version, migration.description]);
        await client.query("INSERT INTO evidence_meta (key, value) VALUES ('encryption', $1)", [cipher ? "aes-256-gcm" : "none"]);
        if (cipher) await client.query("INSERT INTO evidence_meta (key, value) VALUES ('keyId', $1)", [cipher.keyId]);
      }
      const meta = new Map(((await client.query("SELECT key, value FROM evidence_meta")).rows as Row[]).map((r) => [String(r.key), String(r.value)]));
      checkStoreKey(meta, cipher, location);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release();
      await pool.end();
      throw error;
    }
    client.release();
    return new PostgresEvidenceStore(pool, location, cipher);
  }

  private async query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    if (this.closed) throw new EvidenceStoreClosedError(this.location);
    return this.pool.query(sql, params);
  }

  private artifactKey(digest: Hex): Buffer {
    const bytes = hexToBuffer(digest.toLowerCase());
    return this.cipher ? this.cipher.lookupKey(bytes) : bytes;
  }

  async putArtifacts(items: readonly Artifact[]): Promise<void> {
    const rows = items.map((item, i) => {
      checkArtifact(item, i);
      const key = this.artifactKey(item.digest);
      if (!this.cipher) return { key, mediaType: item.mediaType, bytes: Buffer.from(item.bytes) };
      return { key, mediaType: "", bytes: sealArtifact(this.cipher, key, item) };
    });
    if (rows.length === 0) return;
    await this.query(
      `INSERT INTO evidence_artifacts (key, media_type, bytes) SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[]) ON CONFLICT (key) DO NOTHING`,
      [rows.map((r) => r.key), rows.map((r) => r.mediaType), rows.map((r) => r.bytes)],
    );
  }

  async getArtifact(digest: Hex): Promise<{ mediaType: string; bytes: Uint8Array } | undefined> {
    if (!isHexOfLength(digest, 32)) return undefined;
    const key = this.artifactKey(digest);
    const row = (await this.query("SELECT media_type, bytes FROM evidence_artifacts WHERE key = $1", [key])).rows[0] as Row | undefined;
    if (row === undefined) return undefined;
    return openArtifact(row.media_type, asBytes(row.bytes), key, this.cipher, this.location);
  }

  async deleteArtifacts(digests: readonly Hex[]): Promise<number> {
    const keys = digests.filter((d) => isHexOfLength(d, 32)).map((d) => this.artifactKey(d));
    if (keys.length === 0) return 0;
    return (await this.query("DELETE FROM evidence_artifacts WHERE key = ANY($1::bytea[])", [keys])).rowCount ?? 0;
  }

  async putEvidence(evidence: ReceiptEvidence): Promise<void> {
    assertEvidence(evidence);
    const id = hexToBuffer(evidence.receiptId.toLowerCase());
    const json = JSON.stringify({ ...evidence, receiptId: evidence.receiptId.toLowerCase() });
    const body = this.cipher ? this.cipher.seal(utf8.encode(json), id) : Buffer.from(utf8.encode(json));
    const inserted = await this.query("INSERT INTO evidence (receipt_id, issued_at, body) VALUES ($1, $2, $3) ON CONFLICT (receipt_id) DO NOTHING", [
      id,
      evidence.issuedAt,
      body,
    ]);
    if (inserted.rowCount === 1) return;
    const existing = await this.readEvidence(id);
    if (existing === undefined || canonicalize(existing) !== canonicalize(JSON.parse(json))) throw new EvidenceConflictError(evidence.receiptId);
  }

  private async readEvidence(id: Buffer): Promise<ReceiptEvidence | undefined> {
    const row = (await this.query("SELECT body FROM evidence WHERE receipt_id = $1", [id])).rows[0] as Row | undefined;
    if (row === undefined) return undefined;
    return openEvidence(asBytes(row.body), id, this.cipher, this.location);
  }

  async getEvidence(receiptId: Hex): Promise<ReceiptEvidence | undefined> {
    if (!isHexOfLength(receiptId, 32)) return undefined;
    return this.readEvidence(hexToBuffer(receiptId.toLowerCase()));
  }

  async deleteEvidence(receiptId: Hex): Promise<boolean> {
    if (!isHexOfLength(receiptId, 32)) return false;
    const id = hexToBuffer(receiptId.toLowerCase());
    const result = await this.query(
      `WITH gone AS (DELETE FROM evidence WHERE receipt_id = $1 RETURNING receipt_id)
       INSERT INTO evidence_deletions (receipt_id, deleted_at) SELECT receipt_id, $2 FROM gone
       ON CONFLICT (receipt_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at`,
      [id, Math.floor(Date.now() / 1000)],
    );
    return result.rowCount === 1;
  }

  /** When a receipt's evidence was deleted (unix seconds), or undefined when it was not (or never stored). */
  async getDeletion(receiptId: Hex): Promise<{ deletedAt: number } | undefined> {
    if (!isHexOfLength(receiptId, 32)) return undefined;
    const row = (await this.query("SELECT deleted_at FROM evidence_deletions WHERE receipt_id = $1", [hexToBuffer(receiptId.toLowerCase())])).rows[0] as Row | undefined;
    return row === undefined ? undefined : { deletedAt: Number(row.deleted_at) };
  }

  async deleteEvidenceBefore(issuedAt: number): Promise<number> {
    if (!Number.isFinite(issuedAt)) throw new InvalidEvidenceError({ field: "issuedAt", expected: "unix seconds (a finite number)", found: issuedAt });
    const result = await this.query(
      `WITH gone AS (DELETE FROM evidence WHERE issued_at < $1 RETURNING receipt_id)
       INSERT INTO evidence_deletions (receipt_id, deleted_at) SELECT receipt_id, $2 FROM gone
       ON CONFLICT (receipt_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at`,
      [Math.floor(issuedAt), Math.floor(Date.now() / 1000)],
    );
    return result.rowCount ?? 0;
  }

  /** How many evidence records the store holds. */
  async countEvidence(): Promise<number> {
    return Number((await this.query("SELECT count(*) AS n FROM evidence")).rows[0].n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
