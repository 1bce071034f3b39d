/**
 * A disclosure report as readable text: one line per disclosed piece (PASS/FAIL, field, what it
 * shows), then what was not shown.
 *
 * @module
 */
import { printable } from "../text/display.js";
import type { DisclosureReport } from "./checkDisclosure.js";

/** Options of {@link formatDisclosureReport}. */
export interface FormatDisclosureOptions {
  readonly colour?: boolean;
  /** Characters of each piece's content to show (default 160; 0: none). */
  readonly preview?: number;
}

/** Text from a disclosure (or a replayed answer) made safe for a terminal: the one rule, sdk/text/display.ts. */
export { printable } from "../text/display.js";

/** Renders a {@link DisclosureReport}. Every text that came from the disclosure goes through {@link printable}. */
export function formatDisclosureReport(report: DisclosureReport, options: FormatDisclosureOptions = {}): string {
  const paint = (ok: boolean, text: string) => (options.colour ? `${ok ? "\u001b[32m" : "\u001b[31m"}${text}\u001b[0m` : text);
  const preview = options.preview ?? 160;
  const lines = [`Disclosure (receipt ${report.receiptId})`];
  const width = Math.max(8, ...report.pieces.map((piece) => piece.field.length));
  for (const piece of report.pieces) {
    lines.push(`${paint(piece.status === "pass", piece.status === "pass" ? "PASS" : "FAIL")}  ${printable(piece.field).padEnd(width)}  ${printable(piece.message)}`);
    if (piece.status === "fail") {
      if (piece.expected !== undefined) lines.push(`${" ".repeat(width + 8)}expected: ${printable(piece.expected)}`);
      if (piece.found !== undefined) lines.push(`${" ".repeat(width + 8)}found:    ${printable(piece.found)}`);
    }
    if (preview > 0 && piece.shown !== undefined) {
      const text = printable(piece.shown.replace(/\s+/g, " "));
      lines.push(`${" ".repeat(width + 8)}shows:    ${text.length > preview ? `${text.slice(0, preview - 1)}…` : text}`);
    }
  }
  if (report.evidenceDeleted) lines.push(`Evidence deleted${report.evidenceDeleted.at === undefined ? "" : ` at ${new Date(report.evidenceDeleted.at * 1000).toISOString().replace(".000Z", "Z")}`}.`);
  lines.push(`Not shown: ${report.notShown.length > 0 ? report.notShown.join(", ") : "nothing (every commitment was opened)"}`);
  lines.push(printable(report.summary));
  return lines.join("\n");
}
