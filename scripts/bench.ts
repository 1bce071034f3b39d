/**
 * `npm run bench`: runs every scripts/bench-*.ts in turn (each prints its own results). Benchmarks never run in
 * `npm test`. Pass a name fragment to run a subset: `npm run bench -- gas`. `--quick` runs every bench at a
 * small size (seconds each: receipts, tree at 10^4 only, service at 2·10^4 receipts unless
 * SHOWWORK_BENCH_RECEIPTS is set) for a shared machine.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const filter = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "";
const benches = readdirSync(dir)
  .filter((f) => /^bench-.*\.ts$/.test(f) && f.includes(filter))
  .sort();
let failed = 0;
// Every bench reports its targets (scripts/benchTargets.ts) into this file; the summary is printed at the end.
const targetsDir = mkdtempSync(path.join(tmpdir(), "showwork-bench-targets-"));
const targetsFile = path.join(targetsDir, "targets.jsonl");
for (const file of benches) {
  console.log(`\n== ${file}`);
  // --expose-gc: benchmarks may collect garbage between runs (bench-tree does).
  const base = { ...process.env, SHOWWORK_BENCH_TARGETS: targetsFile };
  const env = quick ? { ...base, SHOWWORK_BENCH_RECEIPTS: process.env.SHOWWORK_BENCH_RECEIPTS ?? "20000" } : base;
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(dir, file), ...(quick ? ["--quick"] : [])], { stdio: "inherit", env });
  if (run.status !== 0) failed++;
}
if (benches.length === 0) console.log(`no scripts/bench-*.ts matches "${filter}"`);
let targets: { target: string; figure: string; peer?: string; ratio?: string; met: boolean; note?: string }[] = [];
try {
  targets = readFileSync(targetsFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // no bench reported a target
}
rmSync(targetsDir, { recursive: true, force: true });
if (targets.length > 0) {
  console.log(`\n== targets (${targets.filter((t) => t.met).length} of ${targets.length} met)`);
  console.log("| target | figure | peer (same run) | ratio | |\n| --- | ---: | --- | ---: | --- |");
  for (const t of targets) console.log(`| ${t.target} | ${t.figure} | ${t.peer ?? "—"} | ${t.ratio ?? "—"} | ${t.met ? "MET" : "**NOT MET**"} |`);
}
process.exit(failed === 0 ? 0 : 1);
