/**
 * `npm run demo` (`./run demo`): the main job end to end on the embedded default.
 *
 *   npm run demo -- [--answers N] [--batch-size N] [--out DIR] [--seed N] [--json]
 *
 * Progress goes to stderr; the summary to stdout (`--json`: the report as JSON).
 */
import { Command, InvalidArgumentError } from "commander";

import { ProgressBar } from "../sdk/cli/progress.js";
import { isoTime } from "../sdk/verify/check.js";
import { runDemo, type DemoReport } from "./demo/story.js";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, found "${value}"`);
  return n;
}

const program = new Command("demo")
  .description("The rollback story, end to end, on Hardhat's in-process chain and an embedded store")
  .option("--answers <n>", "answers in all (40% under v1, 30% under v2, 30% after the rollback)", positiveInt, 300)
  .option("--batch-size <n>", "receipts per batch (default: answers/12, at least 10, at most 10,000)", positiveInt)
  .option("--out <dir>", "output folder (emptied first)", "out/demo")
  .option("--seed <n>", "seed of the agent's answers", positiveInt, 7)
  .option("--json", "print the report as JSON on stdout")
  .parse();

const opts = program.opts<{ answers: number; batchSize?: number; out: string; seed: number; json?: boolean }>();
const batchSize = opts.batchSize ?? Math.min(10_000, Math.max(10, Math.ceil(opts.answers / 12)));
const bar = new ProgressBar(process.stderr);

const report = await runDemo(
  { answers: opts.answers, batchSize, out: opts.out, seed: opts.seed },
  {
    step: (text) => process.stderr.write(`\n${text}\n`),
    note: (text) => bar.note(text),
    progress: (label, done, total, detail) => bar.update({ label: `   ${label}`, done, total, detail }),
    done: () => bar.finish(),
  },
);

if (opts.json) {
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
} else {
  process.stdout.write(summary(report));
}

function summary(r: DemoReport): string {
  const n = (x: number | string | bigint) => BigInt(x).toLocaleString("en-US");
  const lines = [
    "",
    "Summary",
    `  answers        ${n(r.receipts.recorded)} (${n(r.receipts.byVersion.v1)} under v1, ${n(r.receipts.byVersion.v2)} under v2), ${n(r.receipts.anchored)} anchored`,
    `  batches        ${n(r.batches.count)} in ${n(r.batches.anchorTransactions)} anchoring transaction(s), ${n(r.batches.retries)} retries`,
    `  timeline       ${r.timeline.map((a) => `${a.kind} ${a.label} at ${isoTime(a.at)}${a.reason ? ` ("${a.reason}")` : ""}`).join("; ")}`,
    `  payment        escrow #${r.payment.escrowId}: ${r.payment.answer}`,
    `                 released against receipt ${r.payment.receiptId} (batch ${r.payment.batchIndex}), tx ${r.payment.releaseTx}`,
    `  verification   ${r.verification.status.toUpperCase()}: receipt ${r.verification.receiptId} claims v2; active then: ${r.verification.activeVersionAtReceipt === r.model.v2 ? "v2" : (r.verification.activeVersionAtReceipt ?? "unknown")}`,
    `  audit          v2 active ${isoTime(r.audit.from)} → ${isoTime(r.audit.to)}: ${n(r.audit.receipts)} answers (${n(r.audit.anchored)} anchored), ${r.audit.paymentsDependingOnThem.length} payment(s) depended on one`,
    `  disclosure     ${r.disclosure.verdict.toUpperCase()}: ${r.disclosure.pieces.filter((p) => p.status === "pass").length} of ${r.disclosure.pieces.length} disclosed pieces of the paid answer open its receipt (${r.disclosure.pieces.map((p) => p.field).join(", ")}); not shown: ${r.disclosure.notShown.join(", ") || "nothing"}`,
    `  replay         under v2 ${r.disclosure.replay.v2.identical ? "identical" : "DIFFERENT"}; under v1 ${r.disclosure.replay.v1.identical ? "identical" : "different"}: "${r.disclosure.replay.v1.answer}"`,
    `  monitor        from published/ + the RPC URL only: ${r.monitor.status.toUpperCase()}: ${Object.entries(r.monitor.findingCounts).map(([kind, count]) => `${count} ${kind}`).join(", ") || "nothing found"} (stale node ${r.monitor.staleNode.address}: ${r.monitor.staleNode.answers} v2 answers after the rollback, ${r.monitor.staleNode.lost.length} never recorded)`,
    `  gas            ${n(r.gasSpent)} in all (anchoring ${n(r.batches.anchorGas)}, escrow deposit ${n(r.payment.gas.deposit)} + release ${n(r.payment.gas.release)})`,
    `  time           ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  output         ${r.output.folder}/: ${outputFiles(r.output.files)}`,
    "",
  ];
  return lines.join("\n");
}

/** "bundles/ (26 proof bundles), timeline.svg, ..." */
function outputFiles(files: readonly string[]): string {
  const bundles = files.filter((f) => f.startsWith("bundles/"));
  const rest = files.filter((f) => !f.startsWith("bundles/"));
  return [`bundles/ (${bundles.length} proof bundles: the paid answer's and v2's first answers)`, ...rest].join(", ");
}
