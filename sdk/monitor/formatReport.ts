/**
 * The human form of a monitor report: what was checked, then every finding by kind, what is still
 * open, and what could not be checked.
 *
 * @module
 */
import { printable } from "../text/display.js";
import { FINDING_KINDS, type MonitorReport } from "./types.js";

const TITLES: Record<(typeof FINDING_KINDS)[number], string> = {
  "withheld-batch": "batches anchored but not published (withheld)",
  "unreadable-batch": "published files that are not valid batches",
  "root-mismatch": "published batches that are not what was anchored (altered after anchoring)",
  "leaf-count-mismatch": "published batches with another receipt count than anchored",
  "head-mismatch": "the log's head does not recompute from its events",
  "unsigned-receipt": "receipts without a signature",
  "bad-signature": "receipts whose signature is not their serving node's",
  "unauthorised-node": "receipts from nodes not authorised at their time",
  "compromised-signer": "receipts signed by a key reported compromised, anchored after the compromise",
  "sequence-gap": "answers left out (gaps in a node's sequence numbers)",
  "duplicate-sequence": "sequence numbers used twice",
  "time-order": "receipts older than the node's previous one",
  "issued-after-anchor": "receipts dated after their anchoring",
  "late-anchor": "receipts anchored later than the declared maximum delay",
  "inactive-version": "receipts claiming a model version not active at their time",
  "unknown-model": "receipts naming a model the timeline does not know",
  "chain-disagreement": "batches with DIFFERENT ROOTS ON DIFFERENT CHAINS (the chains disagree)",
  "missing-on-chain": "batches anchored on one chain but not on another (withheld on a chain)",
};

/** Formats a report for a terminal. */
export function formatMonitorReport(report: MonitorReport, options: { maxPerKind?: number } = {}): string {
  const max = options.maxPerKind ?? 20;
  const c = report.checked;
  const lines = [
    `log ${report.logId} (ReceiptLogs ${report.contract}, chain ${report.chainId}) at block ${report.block}: ${report.head.size} batches anchored; head ${report.head.recomputed ? "recomputed from the events" : "does NOT recompute"}`,
    `source ${printable(report.source)}: checked ${c.batches} batches, ${c.receipts.toLocaleString("en-US")} receipts, ${c.bytes.toLocaleString("en-US")} bytes in ${(c.elapsedMs / 1000).toFixed(2)} s (${c.receiptsPerSecond.toLocaleString("en-US")} receipts/s)`,
    `timeline ${report.timeline ?? "none"}; nodes: ${report.nodes.map((n) => `${n.servingNode} (${n.receipts} receipts, sequence ${n.first}..${n.last}${n.openGaps ? `, ${n.openGaps} gap${n.openGaps === 1 ? "" : "s"}` : ""})`).join("; ") || "none yet"}`,
  ];
  for (const kind of FINDING_KINDS) {
    const count = report.findingCounts[kind];
    if (!count) continue;
    lines.push("", `FOUND ${count} ${TITLES[kind]} [${kind}]`);
    const listed = report.findings.filter((f) => f.kind === kind);
    for (const f of listed.slice(0, max)) lines.push(`  - ${printable(f.message)}`);
    if (count > Math.min(max, listed.length)) lines.push(`  … and ${count - Math.min(max, listed.length)} more (see --json)`);
  }
  if (report.unchecked.length > 0) {
    lines.push("", "NOT CHECKED");
    for (const u of report.unchecked) lines.push(`  - ${u.check}${u.batchIndex === undefined ? "" : ` (batch ${u.batchIndex})`}: ${printable(u.reason)}`);
  }
  lines.push(
    "",
    report.status === "clean"
      ? "result: CLEAN — every anchored batch is published and matches its root; nothing found"
      : report.status === "findings"
        ? `result: FOUND ${Object.values(report.findingCounts).reduce((a, b) => a + (b ?? 0), 0)} problem(s)` +
          (report.open.withheldBatches.length ? `; still withheld: batches ${report.open.withheldBatches.join(", ")}` : "")
        : "result: INCOMPLETE — nothing found, but not everything could be checked",
  );
  return lines.join("\n");
}

/** The exit code of a report: 0 clean, 1 findings, 2 incomplete. */
export function monitorExitCode(report: MonitorReport): 0 | 1 | 2 {
  return report.status === "clean" ? 0 : report.status === "findings" ? 1 : 2;
}
