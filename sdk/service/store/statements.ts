/**
 * Prepared statements kept per SQL text, for the stores on `node:sqlite` (receipt store and
 * evidence store).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The statement for `sql` from `cache`, prepared on `db` (and kept) the first time. */
export function cachedStatement(db: DatabaseSync, cache: Map<string, StatementSync>, sql: string): StatementSync {
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
