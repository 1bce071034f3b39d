/**
 * A verdict as readable text: one line per check, then the summary.
 *
 * @module
 */
import { isoTime } from "./check.js";
import { printable } from "./printable.js";
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
  const overallStatus: CheckStatus = verdict.status === "verified" ? "pass" : verdict.status === "failed" ? "fail" : "pending";
  // What was proven comes first (for a verified bundle); then the checks; then what stays uncertain.
  const lines: string[] = [paint(overallStatus, verdict.status === "verified" ? `VERIFIED: ${verdict.headline}` : verdict.summary), ""];
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
  if (f.confirmations) facts.push(`${f.confirmations} confirmation${f.confirmations === "1" ? "" : "s"}`);
  if (facts.length > 0) lines.push("", facts.join(" · "));
  if (verdict.endpoints && verdict.endpoints.length > 0) {
    lines.push("", "RPC endpoints:");
    for (const e of verdict.endpoints) {
      lines.push(`  ${printable(e.url)}: ${e.answered} answered, ${e.failed} failed${e.head ? `, head ${e.head}` : ""}${e.lastError ? ` (${printable(e.lastError)})` : ""}`);
    }
  }
  if (verdict.uncertain.length > 0) {
    lines.push("", "Uncertain:");
    for (const item of verdict.uncertain) lines.push(`  - ${printable(item)}`);
  }
  lines.push("", paint(overallStatus, verdict.summary));
  return lines.join("\n");
}
