/**
 * `npm run bench`: runs every scripts/bench-*.ts in turn (each prints its own results). Benchmarks never run in
 * `npm test`. Pass a name fragment to run a subset: `npm run bench -- gas`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? "";
const benches = readdirSync(dir)
  .filter((f) => /^bench-.*\.ts$/.test(f) && f.includes(filter))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  // --expose-gc: benchmarks may collect garbage between runs (bench-tree does).
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(dir, file)], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
if (benches.length === 0) console.log(`no scripts/bench-*.ts matches "${filter}"`);
process.exit(failed === 0 ? 0 : 1);
