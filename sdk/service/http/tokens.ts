/**
 * Access tokens for the service's HTTP API: bearer tokens that authorise writes
 * (`POST /v1/receipts`), and reads when the service is configured so.
 *
 * A token is `swt_<id>_<secret>`: `id` is 8 random bytes (hex, the token's public name in
 * `showwork token list` and logs), `secret` 32 random bytes (base64url, 256 bits). Only
 * SHA-256 of the whole token is stored; the token itself is shown once, when it is issued.
 * A request's token is hashed and looked up by that hash (no secret comparison happens in
 * JavaScript, so no timing side channel on the secret). Revocation takes effect at the next
 * request: every request reads the table (a primary-key lookup).
 *
 * The SQLite implementation keeps its table (`access_tokens`) in the service's store file,
 * on a connection of its own, so `showwork token issue|revoke` work while `showwork serve`
 * runs on the same store.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import { DatabaseSync } from "../../nodeSqlite.js";
import {
  AccessTokenError,
  checkTokenName,
  generateAccessToken,
  hashAccessToken,
  isAccessTokenShape,
  tokenInfoOf,
  type AccessTokenInfo,
  type AccessTokenStore,
  type IssuedAccessToken,
  type Row,
} from "./tokenCore.js";

export {
  AccessTokenError,
  checkTokenName,
  generateAccessToken,
  hashAccessToken,
  isAccessTokenShape,
  tokenInfoOf,
  type AccessTokenInfo,
  type AccessTokenStore,
  type IssuedAccessToken,
} from "./tokenCore.js";

/** Access tokens in a SQLite file (by default the service's store file). */
export class SqliteAccessTokenStore implements AccessTokenStore {
  readonly location: string;
  private readonly db: DatabaseSync;
  private closed = false;

  private constructor(db: DatabaseSync, location: string) {
    this.db = db;
    this.location = location;
  }

  /** Opens (creating the table when needed) the tokens of the store at `path`. */
  static open(path: string): SqliteAccessTokenStore {
    if (path === ":memory:") throw new AccessTokenError("Access tokens need a store file, not :memory:.");
    mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA busy_timeout = 10000;
CREATE TABLE IF NOT EXISTS access_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);`);
    return new SqliteAccessTokenStore(db, path);
  }

  async issue(name: string): Promise<IssuedAccessToken> {
    checkTokenName(name);
    const { id, token } = generateAccessToken();
    const createdAt = Date.now();
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const clash = this.db.prepare("SELECT id FROM access_tokens WHERE name = ? AND revoked_at IS NULL").get(name) as Row | undefined;
      if (clash !== undefined) {
        throw new AccessTokenError(`An active token is already named ${JSON.stringify(name)} (id ${String(clash.id)}).`, [
          "Do: choose another name, or revoke that token first (`showwork token revoke ID`).",
        ]);
      }
      this.db.prepare("INSERT INTO access_tokens (id, name, token_sha256, created_at) VALUES (?, ?, ?, ?)").run(id, name, hashAccessToken(token), createdAt);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
    return { id, name, createdAt, revokedAt: undefined, token };
  }

  async list(): Promise<AccessTokenInfo[]> {
    return (this.db.prepare("SELECT id, name, created_at, revoked_at FROM access_tokens ORDER BY created_at, id").all() as Row[]).map(tokenInfoOf);
  }

  async revoke(idOrName: string): Promise<AccessTokenInfo> {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      let rows = this.db.prepare("SELECT id, name, created_at, revoked_at FROM access_tokens WHERE id = ?").all(idOrName) as Row[];
      if (rows.length === 0) {
        rows = this.db.prepare("SELECT id, name, created_at, revoked_at FROM access_tokens WHERE name = ? AND revoked_at IS NULL").all(idOrName) as Row[];
      }
      if (rows.length === 0) {
        throw new AccessTokenError(`No token with id or active name ${JSON.stringify(idOrName.slice(0, 80))}.`, [
          "Do: `showwork token list` shows every token's id and name.",
        ]);
      }
      const info = tokenInfoOf(rows[0]!);
      if (info.revokedAt !== undefined) {
        this.db.exec("COMMIT");
        return info;
      }
      const revokedAt = Date.now();
      this.db.prepare("UPDATE access_tokens SET revoked_at = ? WHERE id = ?").run(revokedAt, info.id);
      this.db.exec("COMMIT");
      return { ...info, revokedAt };
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  async lookup(token: string): Promise<AccessTokenInfo | undefined> {
    if (!isAccessTokenShape(token)) return undefined;
    const row = this.db.prepare("SELECT id, name, created_at, revoked_at FROM access_tokens WHERE token_sha256 = ?").get(hashAccessToken(token)) as
      | Row
      | undefined;
    return row === undefined ? undefined : tokenInfoOf(row);
  }

  async activeCount(): Promise<number> {
    return Number((this.db.prepare("SELECT count(*) AS n FROM access_tokens WHERE revoked_at IS NULL").get() as Row).n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/**
 * Opens the access tokens of the store at `location`, as `--store` takes it: a `postgres://`
 * URL (the table in that database) or a SQLite file path (the table in that file).
 */
export async function openAccessTokenStore(location: string): Promise<AccessTokenStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const { PostgresAccessTokenStore } = await import("./tokensPostgres.js");
    return PostgresAccessTokenStore.open(location);
  }
  return SqliteAccessTokenStore.open(location);
}
