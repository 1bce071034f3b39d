/**
 * The parts of access tokens both stores share (SQLite in tokens.ts, PostgreSQL in tokensPostgres.ts): the token
 * format, its hash, names, the info shape and the store interface. Kept apart so neither store imports the other.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";

import { ShowworkError } from "../../errors.js";

/** What is known about a token (never the token itself). */
export interface AccessTokenInfo {
  /** 16 hex digits: the token's public name. */
  readonly id: string;
  /** The operator's label (who or what uses it). */
  readonly name: string;
  /** ms since epoch. */
  readonly createdAt: number;
  /** ms since epoch, when revoked. */
  readonly revokedAt: number | undefined;
}

/** A freshly issued token: `token` is shown once and never stored. */
export interface IssuedAccessToken extends AccessTokenInfo {
  readonly token: string;
}

/** Where access tokens live. */
export interface AccessTokenStore {
  /** Issues a token labelled `name` (unique among active tokens). @throws {AccessTokenError} */
  issue(name: string): Promise<IssuedAccessToken>;
  /** Every token, active and revoked, oldest first. */
  list(): Promise<AccessTokenInfo[]>;
  /** Revokes the token with this id (or, when unambiguous, the active token with this name). @throws {AccessTokenError} */
  revoke(idOrName: string): Promise<AccessTokenInfo>;
  /** The token presented by a client: its info when it is known (active or revoked), else undefined. */
  lookup(token: string): Promise<AccessTokenInfo | undefined>;
  /** Number of active (not revoked) tokens. */
  activeCount(): Promise<number>;
  close(): Promise<void>;
}

/** A token operation failed (unknown token, duplicate name, bad name). */
export class AccessTokenError extends ShowworkError {
  override name = "AccessTokenError";
  constructor(message: string, metaMessages?: string[]) {
    super(message, { metaMessages });
  }
}

const TOKEN_PATTERN = /^swt_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;
const NAME_PATTERN = /^[\w.@:/-]{1,64}$/;

/** SHA-256 of a token, hex: what the store keeps. */
export function hashAccessToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random token and its id. */
export function generateAccessToken(): { id: string; token: string } {
  const id = randomBytes(8).toString("hex");
  return { id, token: `swt_${id}_${randomBytes(32).toString("base64url")}` };
}

/** True when `text` has the shape of a showwork access token. */
export function isAccessTokenShape(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/**
 * Checks a token name: 1-64 characters, letters, digits and `_ . @ : / -`.
 * @throws {AccessTokenError} for any other name.
 */
export function checkTokenName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new AccessTokenError(`Invalid token name ${JSON.stringify(name.slice(0, 80))}.`, [
      "Expected: 1-64 characters, letters, digits and _ . @ : / -",
    ]);
  }
}

/** A database row. */
export type Row = Record<string, unknown>;

/** An `access_tokens` row (id, name, created_at, revoked_at) as the token's info; both stores keep the same columns. */
export const tokenInfoOf = (row: Row): AccessTokenInfo => ({
  id: String(row.id),
  name: String(row.name),
  createdAt: Number(row.created_at),
  revokedAt: row.revoked_at === null || row.revoked_at === undefined ? undefined : Number(row.revoked_at),
});

