/**
 * Opening a store from one location string, as `--store` takes it: a `postgres://` (or
 * `postgresql://`) URL opens {@link PostgresReceiptStore}, anything else is a SQLite file path.
 *
 * @module
 */
import { PostgresReceiptStore, redactUrl } from "./postgres.js";
import { SqliteReceiptStore } from "./sqlite.js";
import type { ReceiptStore } from "./types.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** "full" (default) or "normal" (see each store's durability notes). */
  readonly durability?: "full" | "normal";
  /** SQLite only: open read-only. */
  readonly readOnly?: boolean;
  /** PostgreSQL only: connections in the pool (default 8). */
  readonly poolSize?: number;
}

/** True for a PostgreSQL URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** `location` as it may be printed: a PostgreSQL URL without its password (`***`), a path as is. */
export function shownLocation(location: string): string {
  return isPostgresUrl(location) ? redactUrl(location) : location;
}

/**
 * Opens the store at `location` (a SQLite path or a PostgreSQL URL), creating or migrating its schema.
 *
 * @example
 * const store = await openStore(process.env.SHOWWORK_STORE ?? "./.showwork/store.sqlite");
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<ReceiptStore> {
  if (isPostgresUrl(location)) {
    return PostgresReceiptStore.open({
      url: location,
      ...(options.durability === undefined ? {} : { durability: options.durability }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    });
  }
  return SqliteReceiptStore.open({
    path: location,
    ...(options.durability === undefined ? {} : { durability: options.durability }),
    ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }),
  });
}
