/**
 * The capture soak, long: the same path and faults as test/capture/soak.test.ts, with more answers
 * and a longer outage, printing its figures (docs/capture.md "Measured: delivery under faults").
 *
 *   npx tsx scripts/capture-soak.ts [--answers N] [--proxy-answers N] [--outage-ms MS] [--drain N] [--worker] [--json]
 *
 * `--worker`: the app captures on a worker thread (`createWorkerCapturer`) instead of its own thread.
 *
 * `--drain N` (default 5,000) also measures the queue's replay after an outage on its own: N signed
 * receipts queued while the service is unreachable, then the service (HTTP, SQLite store,
 * signatures checked) comes up and the time until the queue is empty is taken.
 *
 * Exit code 0 when nothing was lost or duplicated and nothing was refused but the intended receipt.
 */
import { parseArgs } from "node:util";

import { join } from "node:path";

import { keccak256, stringToBytes, zeroHash } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { remoteSink } from "../sdk/capture/sinks.js";
import { buildReceipt, privateKeyToReceiptSigner, signReceipt, type Receipt } from "../sdk/receipt/index.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { startHttpServer } from "../sdk/service/http/server.js";
import { generateAccessToken } from "../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";
import { freePort } from "../test/service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../test/service/helpers/service.js";
import { runSoak } from "../test/capture/support/soak.js";

const { values } = parseArgs({
  options: { answers: { type: "string", default: "60" }, "proxy-answers": { type: "string", default: "30" }, "outage-ms": { type: "string", default: "30000" }, drain: { type: "string", default: "5000" }, json: { type: "boolean", default: false }, worker: { type: "boolean", default: false } },
});
const report = await runSoak({
  appAnswers: Number(values.answers),
  proxyAnswers: Number(values["proxy-answers"]),
  outageMs: Number(values["outage-ms"]),
  appCapturer: values.worker ? "worker" : "thread",
  onProgress: (line) => process.stderr.write(`${line}\n`),
});

/** N receipts queued while the service is unreachable; the time to drain them once it is up. */
async function measureDrain(n: number): Promise<{ receipts: number; ms: number; perSecond: number }> {
  const dir = tempDir();
  const signer = privateKeyToReceiptSigner(generatePrivateKey());
  const receipts: Receipt[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) {
    const { receipt } = buildReceipt({
      model: { name: "acme/chat", weightsDigest: keccak256(stringToBytes("w")) }, promptTemplate: { digest: zeroHash, version: 0 }, retrievalIndexDigest: zeroHash, memoryDigest: zeroHash,
      input: `q${i}`, output: `a${i}`, sampling: { seed: i }, servingNode: signer.address, sequence: BigInt(i + 1), issuedAt: now,
    });
    receipts.push(await signReceipt(signer, receipt));
  }
  const port = await freePort();
  const token = generateAccessToken().token;
  const sink = remoteSink({ url: `http://127.0.0.1:${port}`, token, queuePath: join(dir, "queue.sqlite"), logger: false, minBackoffMs: 50, maxBackoffMs: 200 });
  for (let i = 0; i < n; i += 1_000) await sink.submit(receipts.slice(i, i + 1_000));
  const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: join(dir, "store.sqlite") }), ingestion: { signatures: "valid" } });
  const server = await startHttpServer(service, { port, auth: { devToken: token } });
  const started = Date.now();
  const report = await sink.flush(600_000);
  const ms = Date.now() - started;
  if (!report.delivered || (await service.metrics()).receipts.total !== n) throw new Error(`drain incomplete: ${JSON.stringify(report)}`);
  await sink.close();
  await server.close();
  await service.close();
  return { receipts: n, ms, perSecond: Math.round((n / ms) * 1000) };
}
const drain = Number(values.drain) > 0 ? await measureDrain(Number(values.drain)) : undefined;
removeTempDirs();
if (values.json) process.stdout.write(`${JSON.stringify({ ...report, drain })}\n`);
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
      ...(drain ? [`queue replay          ${drain.receipts} receipts queued during an outage drained in ${(drain.ms / 1000).toFixed(2)} s = ${drain.perSecond} receipts/s (HTTP, signatures checked, SQLite store)`] : []),
      `loud                  token refused: ${report.loud.tokenRefused}, unreachable: ${report.loud.unreachable}, resumed: ${report.loud.resumed}`,
      `app restarted         ${report.appRestartsToDeliver} time(s) only to deliver what it left queued${report.appRestartsToDeliver > 0 ? ` (it said so at exit: ${report.appExitSaid})` : ""}`,
      `total                 ${(report.totalMs / 1000).toFixed(0)} s`,
      "",
    ].join("\n"),
  );
}
process.exitCode = report.lost === 0 && report.extra === 0 && report.receiptsForUnreceived === 0 && report.unintendedRejected === 0 ? 0 : 1;
