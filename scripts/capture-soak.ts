/**
 * The capture soak, long: the same path and faults as test/capture/soak.test.ts, with more answers
 * and a longer outage, printing its figures (docs/capture.md "Measured: delivery under faults").
 *
 *   npx tsx scripts/capture-soak.ts [--answers N] [--proxy-answers N] [--outage-ms MS] [--json]
 *
 * Exit code 0 when nothing was lost or duplicated and nothing was refused but the intended receipt.
 */
import { parseArgs } from "node:util";

import { removeTempDirs } from "../test/service/helpers/service.js";
import { runSoak } from "../test/capture/support/soak.js";

const { values } = parseArgs({
  options: { answers: { type: "string", default: "60" }, "proxy-answers": { type: "string", default: "30" }, "outage-ms": { type: "string", default: "30000" }, json: { type: "boolean", default: false } },
});
const report = await runSoak({
  appAnswers: Number(values.answers),
  proxyAnswers: Number(values["proxy-answers"]),
  outageMs: Number(values["outage-ms"]),
  onProgress: (line) => process.stderr.write(`${line}\n`),
});
removeTempDirs();
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const faults = Object.entries(report.faults).map(([k, n]) => `${k} ×${n}`).join(", ");
  process.stdout.write(
    [
      `answers received      ${report.answers} (${report.partialAnswers} partial), ${report.noAnswer} requests with no answer (upstream 500 / timeout)`,
      `faults injected       ${faults}`,
      `lost                  ${report.lost}`,
      `duplicated            ${report.extra} (receipts stored beyond the answers; store holds ${report.storeTotal})`,
      `receipt for no answer ${report.receiptsForUnreceived}`,
      `refused               ${report.unintendedRejected} unintended, ${report.intendedRejected} intended`,
      `duplicates resent     ${report.duplicatesResent}, all counted delivered`,
      `longest outage        ${(report.outageMs / 1000).toFixed(1)} s (service SIGKILLed, answers kept coming)`,
      `drain after restart   ${report.queuedAtRestart} receipts in ${(report.drainMs / 1000).toFixed(2)} s = ${report.drainPerSecond} receipts/s`,
      `loud                  token refused: ${report.loud.tokenRefused}, unreachable: ${report.loud.unreachable}, resumed: ${report.loud.resumed}`,
      `total                 ${(report.totalMs / 1000).toFixed(0)} s`,
      "",
    ].join("\n"),
  );
}
process.exitCode = report.lost === 0 && report.extra === 0 && report.receiptsForUnreceived === 0 && report.unintendedRejected === 0 ? 0 : 1;
