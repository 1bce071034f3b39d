/**
 * `npm run bench`: runs every scripts/bench-*.ts in turn (each prints its own results). Benchmarks never run in
 * `npm test`. Pass a name fragment to run a subset: `npm run bench -- gas`. `--quick` runs every bench at a
 * small size (seconds each: receipts, tree at 10^4 only, service at 2·10^4 receipts unless
 * SHOWWORK_BENCH_RECEIPTS is set) for a shared machine.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const filter = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "";
const benches = readdirSync(dir)
  .filter((f) => /^bench-.*\.ts$/.test(f) && f.includes(filter))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  // --expose-gc: benchmarks may collect garbage between runs (bench-tree does).
  const env = quick ? { ...process.env, SHOWWORK_BENCH_RECEIPTS: process.env.SHOWWORK_BENCH_RECEIPTS ?? "20000" } : process.env;
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(dir, file), ...(quick ? ["--quick"] : [])], { stdio: "inherit", env });
  if (run.status !== 0) failed++;
}
if (benches.length === 0) console.log(`no scripts/bench-*.ts matches "${filter}"`);
process.exit(failed === 0 ? 0 : 1);
