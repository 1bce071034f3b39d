/**
 * The long crash-safety run: `showwork serve` SIGKILLed 300 times (default; `npx tsx
 * scripts/crash-soak.ts 1000` for more) at random times and at its crash points, against a
 * `hardhat node` on 127.0.0.1, then every guarantee checked (see
 * test/service/reliability/crashHarness.ts). Prints the figures; exits 1 on any violation.
 *
 * `npx tsx scripts/crash-soak.ts 100 --store postgres [--instances 3]`: three instances on one
 * PostgreSQL database (a private cluster, see test/support/postgres.ts), each kill hitting a random
 * instance (the anchoring one included) while load arrives at all of them.
 */
import { killAll } from "../test/service/helpers/processes.js";
import { removeTempDirs } from "../test/service/helpers/service.js";
import { runCrashHarness } from "../test/service/reliability/crashHarness.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const kills = Number(args.find((a) => /^\d+$/.test(a)) ?? 300);
const store = flag("--store") === "postgres" ? "postgres" : "sqlite";
try {
  const report = await runCrashHarness({
    kills,
    store,
    instances: Number(flag("--instances") ?? 3),
    onProgress: (line) => {
      if (/^kill (\d+)\//.test(line) && Number(/^kill (\d+)/.exec(line)![1]) % 10 === 0) console.log(line);
    },
  });
  console.log(`\ncrash soak (${store}, ${report.instances} instance(s)): ${report.kills} SIGKILLs in ${(report.totalMs / 60_000).toFixed(1)} min`);
  if (store === "postgres") console.log(`  kills of the anchoring instance ${report.anchoringKills}`);
  for (const [by, n] of Object.entries(report.killsBy).sort()) console.log(`  ${String(n).padStart(4)}  ${by}`);
  console.log(`  acknowledged receipts        ${report.acknowledged}`);
  console.log(`  stored (incl. unacknowledged) ${report.stored} (${report.unacknowledgedStored} stored but never acknowledged: killed before the reply)`);
  console.log(`  batches / transactions       ${report.batches} / ${report.transactions}`);
  console.log(`  bundles verified on chain    ${report.bundlesVerified}`);
  console.log(`  mean restart (to listening)  ${report.meanRestartMs} ms`);
  console.log(`  last life: all final after   ${report.finalizeMs} ms`);
  console.log(report.violations.length === 0 ? "  guarantees: all held" : `  VIOLATIONS:\n    ${report.violations.join("\n    ")}`);
  process.exitCode = report.violations.length === 0 ? 0 : 1;
} finally {
  await killAll();
  removeTempDirs();
}
