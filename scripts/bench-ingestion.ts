/**
 * Ingestion (`npm run bench -- ingestion`): `record()` of signed receipts into a durable SQLite
 * store (synchronous=FULL), in CPU time of this process per receipt:
 *
 * - group commit: many small `record()` calls in flight at once (what a busy service sees:
 *   one call per HTTP request or per captured answer) against the same calls one at a time
 *   (one transaction and one fsync each): the peer in the same run;
 * - large calls (1,000 receipts each), for reference;
 * - receipts from outside (JSON values, as `POST /v1/receipts` or a queue hands them over:
 *   validated in full) against receipts built and signed in this process (the trusted path:
 *   validated once by `buildReceipt`, frozen, not parsed again — sdk/receipt/validated.ts);
 * - every signature checked (`signatures: "valid"`), and against the log's authorised nodes on
 *   the in-process chain (`"authorised"`), on receipts from outside (a receipt signed in this
 *   process is known to verify and is not recovered again: that figure is shown too).
 *
 * Reports the targets of issue #26 (scripts/benchTargets.ts).
 *
 *   npm run bench -- ingestion            # 100,000 receipts in the grouped scenarios (SHOWWORK_BENCH_RECEIPTS)
 *   npm run bench -- ingestion --quick    # 20,000
 *
 * At 20,000 receipts the timed window is ~0.2 s, and the code that the 2,000 warm-up receipts did not yet
 * optimize weighs on it (same machine, minutes apart: 11.7 µs per receipt at 2·10^4, 9.5 µs at 10^5): the
 * target is a steady rate, so the full run times 10^5.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { generatePrivateKey } from "viem/accounts";

import { buildReceipt, checkReceiptSignature, privateKeyToReceiptSigner, signatureBackend, toReceiptJson, type Receipt, type ReceiptJson } from "../sdk/receipt/index.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { connectEmbedded } from "../sdk/service/chain/connect.js";
import { setupServiceLog } from "../sdk/service/chain/setupLog.js";
import type { IngestionPolicy } from "../sdk/service/ingestion/checks.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";
import { cpuMicros, perSecond, reportTarget } from "./benchTargets.js";

const N = Number(process.env.SHOWWORK_BENCH_RECEIPTS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "showwork-bench-ingestion-"));
const signer = privateKeyToReceiptSigner(generatePrivateKey());

function signedReceipts(n: number, now: number, from: number): Receipt[] {
  const out: Receipt[] = [];
  for (let i = from; i < from + n; i++) {
    const { receipt } = buildReceipt({
      model: { name: "bench-model", weightsDigest: `0x${"ab".repeat(32)}` },
      promptTemplate: { digest: `0x${"22".repeat(32)}`, version: 1 },
      retrievalIndexDigest: `0x${"33".repeat(32)}`,
      memoryDigest: `0x${"44".repeat(32)}`,
      input: `question ${i}`,
      output: `answer ${i}`,
      sampling: { temperature: 0.2, seed: BigInt(i) },
      servingNode: signer.address,
      sequence: BigInt(i),
      issuedAt: now,
    });
    out.push(signer.signReceiptSync(receipt));
  }
  return out;
}

const lines: string[] = [];
const emit = (line: string): void => {
  lines.push(line);
  console.log(`  ${line}`);
};

/** Records `receipts` in calls of `perCall`, `inFlight` calls at a time; CPU µs per receipt (and wall s). */
async function run(service: AnchoringService, receipts: readonly (Receipt | ReceiptJson)[], perCall: number, inFlight: number): Promise<{ cpuUs: number; seconds: number; perTransaction: number }> {
  const calls: (Receipt | ReceiptJson)[][] = [];
  for (let k = 0; k < receipts.length; k += perCall) calls.push(receipts.slice(k, k + perCall));
  let next = 0;
  // The receipts were built just before: collect that garbage now (npm run bench passes --expose-gc), so
  // the window holds only record()'s own work and the collections its own allocations cause.
  (globalThis as { gc?: () => void }).gc?.();
  // Store transactions in the window (how many calls each group commit gathered).
  const store = service.store;
  const append = store.appendReceipts.bind(store);
  let transactions = 0;
  store.appendReceipts = (rows, recordedAt) => {
    transactions++;
    return append(rows, recordedAt);
  };
  const c = cpuMicros();
  const t = performance.now();
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < calls.length) await service.record(calls[next++]!);
      }),
    );
  } finally {
    store.appendReceipts = append;
  }
  return { cpuUs: (cpuMicros() - c) / receipts.length, seconds: (performance.now() - t) / 1000, perTransaction: receipts.length / Math.max(1, transactions) };
}

try {
  const clients = await connectEmbedded();
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: "bench ingestion", signers: [signer.address] });
  // Issued after the grant (a receipt issued before its node was granted is refused, rightly).
  const chainNow = Number((await clients.publicClient.getBlock()).timestamp);
  const now = Math.max(chainNow + 1, Math.floor(Date.now() / 1000));
  let made = 0;
  const fresh = (n: number): Receipt[] => {
    const out = signedReceipts(n, now, made);
    made += n;
    return out;
  };
  /** The same receipts as they arrive from outside the process: plain JSON values, validated in full. */
  const external = (n: number): ReceiptJson[] => fresh(n).map((r) => JSON.parse(JSON.stringify(toReceiptJson(r))) as ReceiptJson);
  console.log(`ingestion: ${N.toLocaleString("en-US")} receipts per scenario, SQLite synchronous=FULL, secp256k1 back end ${signatureBackend().name}`);

  // checkReceiptSignature alone, for reference.
  const sample = fresh(Math.min(N, 5_000));
  const c0 = cpuMicros();
  for (const r of sample) if (!checkReceiptSignature(r).valid) throw new Error("a bench receipt does not verify");
  const checkUs = (cpuMicros() - c0) / sample.length;
  emit(`checkReceiptSignature alone: ${checkUs.toFixed(1)} µs CPU (${perSecond(1e6 / checkUs)}/CPU-s)`);

  let store = 0;
  const open = async (ingestion: Partial<IngestionPolicy>, withChain = false): Promise<AnchoringService> =>
    AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(dir, `store-${store++}.sqlite`) }),
      ...(withChain ? { chain: { ...clients, contract, logId } } : {}),
      ingestion,
    });
  const off = { signatures: "off", issuedAtWindow: false } as const;

  // Group commit against one call at a time: calls of 10 receipts.
  const PER_CALL = 10;
  let service = await open(off);
  await run(service, fresh(2_000), PER_CALL, 64); // warm up
  const grouped = await run(service, fresh(N), PER_CALL, 64);
  await service.close();
  service = await open(off);
  await run(service, fresh(1_000), PER_CALL, 1);
  const oneAtATime = await run(service, fresh(Math.min(N, 5_000)), PER_CALL, 1);
  await service.close();
  emit(`record(), calls of ${PER_CALL}, 64 in flight (group commit): ${grouped.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / grouped.cpuUs)}/CPU-s, ${perSecond(N / grouped.seconds)}/s wall, ${grouped.perTransaction.toFixed(0)} receipts per transaction)`);
  emit(`record(), calls of ${PER_CALL}, one at a time (a transaction each): ${oneAtATime.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / oneAtATime.cpuUs)}/CPU-s)`);

  // The same calls with receipts from outside (JSON values: parsed and validated in full).
  service = await open(off);
  await run(service, external(2_000), PER_CALL, 64);
  const groupedJson = await run(service, external(N), PER_CALL, 64);
  await service.close();
  emit(`record(), calls of ${PER_CALL}, 64 in flight, receipts as JSON values (from outside: validated in full): ${groupedJson.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / groupedJson.cpuUs)}/CPU-s)`);

  // Single receipts, 256 in flight (one captured answer per call).
  service = await open(off);
  await run(service, fresh(1_000), 1, 256);
  const singles = await run(service, fresh(Math.min(N, 10_000)), 1, 256);
  await service.close();
  emit(`record(), one receipt per call, 256 in flight: ${singles.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / singles.cpuUs)}/CPU-s)`);

  // Large calls.
  service = await open(off);
  await run(service, fresh(2_000), 1_000, 1);
  const large = await run(service, fresh(N), 1_000, 1);
  await service.close();
  emit(`record(), calls of 1,000, one at a time: ${large.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / large.cpuUs)}/CPU-s)`);

  // Every signature checked: receipts from outside (JSON values), each signature recovered.
  service = await open({ signatures: "valid" });
  await run(service, external(1_000), PER_CALL, 64);
  const valid = await run(service, external(Math.min(N, 10_000)), PER_CALL, 64);
  await service.close();
  emit(`record() with every signature checked ("valid"), receipts from outside, calls of ${PER_CALL}, 64 in flight: ${valid.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / valid.cpuUs)}/CPU-s)`);
  service = await open({ signatures: "authorised" }, true);
  await run(service, external(1_000), PER_CALL, 64);
  const authorised = await run(service, external(Math.min(N, 10_000)), PER_CALL, 64);
  await service.close();
  emit(`record() with signatures "authorised" (in-process chain), same calls: ${authorised.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / authorised.cpuUs)}/CPU-s)`);
  service = await open({ signatures: "authorised" }, true);
  await run(service, fresh(1_000), PER_CALL, 64);
  const authorisedHere = await run(service, fresh(Math.min(N, 10_000)), PER_CALL, 64);
  await service.close();
  emit(`record() with signatures "authorised", receipts signed in this process (not recovered again; authorisation checked): ${authorisedHere.cpuUs.toFixed(2)} µs CPU per receipt (${perSecond(1e6 / authorisedHere.cpuUs)}/CPU-s)`);

  reportTarget({
    target: "record() >= 100,000 receipts per CPU-second, no signature checks (group commit of concurrent calls)",
    figure: `${perSecond(1e6 / grouped.cpuUs)}/CPU-s`,
    peer: `the same calls one at a time ${perSecond(1e6 / oneAtATime.cpuUs)}/CPU-s`,
    ratio: `${(oneAtATime.cpuUs / grouped.cpuUs).toFixed(1)}x`,
    met: 1e6 / grouped.cpuUs >= 100_000,
    note: `receipts built and signed in this process (trusted path), calls of ${PER_CALL}, 64 in flight, SQLite synchronous=FULL; the same receipts as JSON values from outside: ${perSecond(1e6 / groupedJson.cpuUs)}/CPU-s`,
  });
  reportTarget({
    target: "record() >= 10,000 receipts per CPU-second with every signature checked",
    figure: `${perSecond(1e6 / valid.cpuUs)}/CPU-s`,
    peer: `checkReceiptSignature alone ${perSecond(1e6 / checkUs)}/CPU-s`,
    ratio: `${(checkUs / valid.cpuUs).toFixed(2)}x`,
    met: 1e6 / valid.cpuUs >= 10_000,
    note: `receipts from outside (JSON values), signatures "valid", ${signatureBackend().name} back end; "authorised": ${perSecond(1e6 / authorised.cpuUs)}/CPU-s; signed in this process, "authorised": ${perSecond(1e6 / authorisedHere.cpuUs)}/CPU-s`,
  });
  await clients.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
