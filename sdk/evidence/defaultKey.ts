/**
 * Evidence encrypted at rest by default: the key of a new evidence store.
 *
 * Prompts and answers are the evidence behind every receipt; kept in plain text, anyone who can
 * read the file reads them. So when capture opens an evidence store that does not exist yet, with
 * no key given (`SHOWWORK_EVIDENCE_KEY`, `evidenceKey` in `.showwork/secrets.json`) but inside a
 * showwork project (a secrets file beside `.showwork/config.json`), a fresh 32-byte key is
 * generated into that secrets file (mode 0600, ignored by `.showwork/.gitignore`) and the store is
 * created encrypted. An existing store keeps what it is (a plain one is warned about at every
 * start by the capturer); a PostgreSQL store or a store outside a project is never keyed behind
 * the operator's back: it is warned about instead. Key rotation and loss: docs/capture.md.
 *
 * Node only.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

import { EvidenceKeyError } from "./errors.js";

/** What {@link evidenceKeyForStore} decided. */
export interface EvidenceKeyChoice {
  /** The key to open the store with (undefined: a plain store). */
  readonly key: string | undefined;
  /** True when a key was generated into `secretsFile` just now. */
  readonly generated: boolean;
  /** Where the generated key was written. */
  readonly secretsFile?: string;
}

/**
 * The key to open the evidence store `store` with: `key` when given; else, for a SQLite store
 * that does not exist yet inside a project (`secretsFile` known), a fresh key written into the
 * secrets file; else none.
 * @throws {EvidenceKeyError} when the secrets file cannot be read or written.
 */
export function evidenceKeyForStore(args: { readonly store: string; readonly key: string | undefined; readonly secretsFile: string | undefined }): EvidenceKeyChoice {
  if (args.key !== undefined && args.key !== "") return { key: args.key, generated: false };
  if (args.secretsFile === undefined || /^postgres(ql)?:\/\//.test(args.store) || args.store === ":memory:" || existsSync(args.store)) return { key: undefined, generated: false };
  const key = `0x${randomBytes(32).toString("hex")}`;
  let current: Record<string, unknown> = {};
  try {
    if (existsSync(args.secretsFile)) current = JSON.parse(readFileSync(args.secretsFile, "utf8")) as Record<string, unknown>;
    if (typeof current !== "object" || current === null || Array.isArray(current)) throw new Error("not a JSON object");
    if (typeof current.evidenceKey === "string" && current.evidenceKey !== "") return { key: current.evidenceKey, generated: false };
    const temp = `${args.secretsFile}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ ...current, evidenceKey: key }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, args.secretsFile);
  } catch (cause) {
    throw new EvidenceKeyError({ problem: "malformed", location: args.secretsFile, details: `cannot add a generated evidenceKey: ${cause instanceof Error ? cause.message : String(cause)}` });
  }
  return { key, generated: true, secretsFile: args.secretsFile };
}
