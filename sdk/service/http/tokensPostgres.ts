/**
 * Access tokens in a PostgreSQL store (the table `access_tokens` of the service's database),
 * for services that run on `--store postgres://…`. Same contract as the SQLite tokens: only
 * SHA-256 of a token is stored; several instances see one set of tokens and revocations.
 *
 * @module
 */
import pg from "pg";

import {
  AccessTokenError,
  checkTokenName,
  generateAccessToken,
  hashAccessToken,
  tokenInfoOf,
  isAccessTokenShape,
  type AccessTokenInfo,
  type AccessTokenStore,
  type IssuedAccessToken,
} from "./tokenCore.js";

type Row = { id: string; name: string; created_at: string | number; revoked_at: string | number | null };

/** Access tokens in PostgreSQL. */
export class PostgresAccessTokenStore implements AccessTokenStore {
  readonly location: string;
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool, location: string) {
    this.pool = pool;
    this.location = location;
  }

  /** Connects and creates the table when needed. */
  static async open(url: string): Promise<PostgresAccessTokenStore> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS access_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`);
      await pool.query("CREATE UNIQUE INDEX IF NOT EXISTS access_tokens_active_name ON access_tokens (name) WHERE revoked_at IS NULL");
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresAccessTokenStore(pool, url.replace(/\/\/[^@/]*@/, "//…@"));
  }

  async issue(name: string): Promise<IssuedAccessToken> {
    checkTokenName(name);
    const { id, token } = generateAccessToken();
    const createdAt = Date.now();
    try {
      await this.pool.query("INSERT INTO access_tokens (id, name, token_sha256, created_at) VALUES ($1, $2, $3, $4)", [id, name, hashAccessToken(token), createdAt]);
    } catch (error) {
      if ((error as { code?: string }).code === "23505") {
        throw new AccessTokenError(`An active token is already named ${JSON.stringify(name)}.`, [
          "Do: choose another name, or revoke that token first (`showwork token revoke ID`).",
        ]);
      }
      throw error;
    }
    return { id, name, createdAt, revokedAt: undefined, token };
  }

  async list(): Promise<AccessTokenInfo[]> {
    return (await this.pool.query<Row>("SELECT id, name, created_at, revoked_at FROM access_tokens ORDER BY created_at, id")).rows.map(tokenInfoOf);
  }

  async revoke(idOrName: string): Promise<AccessTokenInfo> {
    const now = Date.now();
    const updated = await this.pool.query<Row>(
      `UPDATE access_tokens SET revoked_at = coalesce(revoked_at, $2)
        WHERE id = $1 OR (name = $1 AND revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM access_tokens WHERE id = $1))
        RETURNING id, name, created_at, revoked_at`,
      [idOrName, now],
    );
    const row = updated.rows[0];
    if (row === undefined) {
      throw new AccessTokenError(`No token with id or active name ${JSON.stringify(idOrName.slice(0, 80))}.`, ["Do: `showwork token list` shows every token's id and name."]);
    }
    return tokenInfoOf(row);
  }

  async lookup(token: string): Promise<AccessTokenInfo | undefined> {
    if (!isAccessTokenShape(token)) return undefined;
    const row = (await this.pool.query<Row>("SELECT id, name, created_at, revoked_at FROM access_tokens WHERE token_sha256 = $1", [hashAccessToken(token)])).rows[0];
    return row === undefined ? undefined : tokenInfoOf(row);
  }

  async activeCount(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM access_tokens WHERE revoked_at IS NULL")).rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
