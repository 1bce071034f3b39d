/**
 * Node's built-in SQLite (`node:sqlite`), loaded without its one-time ExperimentalWarning.
 *
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature…" the first time any code
 * loads `node:sqlite`: on every `showwork` command and in every app that captures receipts into a
 * queue or an evidence store. showwork relies on it knowingly (the embedded default store), so the
 * modules that use it load it through here: `process.getBuiltinModule` loads it synchronously while
 * that single warning is filtered out; every other warning (including other ExperimentalWarnings)
 * still reaches `process.emitWarning`'s listeners.
 *
 * NOTE: a value import of `node:sqlite` anywhere else (`import { DatabaseSync } from "node:sqlite"`)
 * would load it before this module runs and bring the warning back; import types only from there.
 *
 * Node only.
 *
 * @module
 */
import type * as NodeSqlite from "node:sqlite";

/** Whether `warning` is node:sqlite's "experimental feature" warning (and nothing else). */
export function isSqliteExperimentalWarning(warning: string | Error, type?: unknown): boolean {
  const text = typeof warning === "string" ? warning : warning.message;
  const kind = typeof warning === "string" ? (typeof type === "string" ? type : (type as { type?: unknown } | undefined)?.type) : warning.name;
  return kind === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(text);
}

function loadSqlite(): typeof NodeSqlite {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}

const sqlite = loadSqlite();

/** `node:sqlite`'s `DatabaseSync` (a synchronous SQLite connection). */
export const DatabaseSync: typeof NodeSqlite.DatabaseSync = sqlite.DatabaseSync;
/** A `DatabaseSync` connection. */
export type DatabaseSync = NodeSqlite.DatabaseSync;
/** A prepared statement of a `DatabaseSync`. */
export type StatementSync = NodeSqlite.StatementSync;
