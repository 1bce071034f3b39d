/**
 * A verdict as readable text: one line per check, then the summary.
 *
 * @module
 */
import { isoTime } from "./check.js";
import type { CheckStatus, Verdict } from "./verdict.js";

const MARK: Record<CheckStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  pending: "WAIT",
  skipped: "SKIP",
  error: "N/A ",
};

const COLOUR: Record<CheckStatus, string> = {
  pass: "\u001b[32m",
  fail: "\u001b[31m",
  pending: "\u001b[33m",
  skipped: "\u001b[90m",
  error: "\u001b[35m",
};

/** Options of {@link formatVerdict}. */
export interface FormatVerdictOptions {
  /** ANSI colours (default false). */
  readonly colour?: boolean;
  /** Add expected/found lines under checks that did not pass (default true). */
  readonly details?: boolean;
}

/**
 * Renders a verdict: one line per check (`PASS`, `FAIL`, `WAIT` pending, `SKIP`, `N/A ` could not
 * check), expected/found under the ones that did not pass, the key facts and a summary line.
 */
export function formatVerdict(verdict: Verdict, options: FormatVerdictOptions = {}): string {
  const paint = (status: CheckStatus, text: string): string => (options.colour ? `${COLOUR[status]}${text}\u001b[0m` : text);
  const width = Math.max(...verdict.checks.map((check) => check.name.length));
  const lines: string[] = [];
  for (const check of verdict.checks) {
    lines.push(`${paint(check.status, MARK[check.status])}  ${check.name.padEnd(width)}  ${check.message}`);
    if ((options.details ?? true) && (check.status === "fail" || check.status === "pending")) {
      if (check.expected !== undefined) lines.push(`${" ".repeat(width + 8)}expected: ${check.expected}`);
      if (check.found !== undefined) lines.push(`${" ".repeat(width + 8)}found:    ${check.found}`);
    }
  }
  const f = verdict.facts;
  const facts: string[] = [];
  if (f.receiptId) facts.push(`receipt ${f.receiptId}`);
  if (f.issuedAt !== undefined) facts.push(`issued ${isoTime(f.issuedAt)}`);
  if (f.anchoredAt !== undefined) facts.push(`anchored ${isoTime(f.anchoredAt)}`);
  if (f.confirmations) facts.push(`${f.confirmations} confirmations`);
  if (facts.length > 0) lines.push("", facts.join(" · "));
  const overall: CheckStatus = verdict.status === "verified" ? "pass" : verdict.status === "failed" ? "fail" : "pending";
  lines.push(paint(overall, verdict.summary));
  return lines.join("\n");
}
