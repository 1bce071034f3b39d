/**
 * Constructors for {@link Check} entries (internal to the verifier).
 *
 * @module
 */
import { printableShort } from "./printable.js";
import { CHECK_INFO, type Check, type CheckId, type CheckStatus } from "./verdict.js";

/** Expected/found values and a machine code for a check entry. */
export interface CheckDetail {
  expected?: unknown;
  found?: unknown;
  code?: string;
}

/**
 * Builds a check entry; `expected` and `found` are rendered as strings. Message, expected and found may carry
 * text from the bundle or the chain: control and bidi characters are escaped here, once for every check.
 */
export function check(id: CheckId, status: CheckStatus, message: string, detail: CheckDetail = {}): Check {
  return {
    id,
    name: CHECK_INFO[id].name,
    status,
    ...(detail.expected === undefined ? {} : { expected: printableShort(render(detail.expected), 600) }),
    ...(detail.found === undefined ? {} : { found: printableShort(render(detail.found), 600) }),
    message: printableShort(message, 1000),
    ...(detail.code === undefined ? {} : { code: detail.code }),
  };
}

export const pass = (id: CheckId, message: string, detail?: CheckDetail): Check => check(id, "pass", message, detail);
export const fail = (id: CheckId, message: string, detail?: CheckDetail): Check => check(id, "fail", message, detail);
export const pending = (id: CheckId, message: string, detail?: CheckDetail): Check => check(id, "pending", message, detail);
export const skipped = (id: CheckId, message: string, code = "not-applicable"): Check =>
  check(id, "skipped", message, { code });
export const errored = (id: CheckId, message: string, detail?: CheckDetail): Check => check(id, "error", message, detail);

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}

export { short } from "../text/display.js";

/** A unix time in seconds as an ISO-8601 UTC string (`2026-11-22T10:00:00Z`). */
export function isoTime(seconds: number | bigint): string {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `${seconds} (unix seconds)`;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** A duration in seconds for people: `42 s`, `5 min 3 s`, `2 h 0 min`, `3 d 4 h`. */
export function duration(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(Math.round(seconds));
  if (s < 60) return `${sign}${s} s`;
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d} d ${h} h`;
  if (h > 0) return `${sign}${h} h ${m} min`;
  return `${sign}${m} min ${s} s`;
}
