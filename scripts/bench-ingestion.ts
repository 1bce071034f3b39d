/**
 * The cost of the ingestion checks (docs/service.md, "Measured"): `record()` of signed receipts,
 * 1,000 per call, into a durable store, with the checks off, with signatures checked ("valid"),
 * and against the log's authorised nodes on the in-process chain ("authorised"); plus the cost
 * of one `checkReceiptSignature` (the SDK's recovery) on its own. Prints one JSON line per figure.
 *
 *   npx tsx scripts/bench-ingestion.ts            # 20,000 receipts per mode
 *   SHOWWORK_BENCH_RECEIPTS=100000 npx tsx scripts/bench-ingestion.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { generatePrivateKey } from "viem/accounts";

import { buildReceipt, checkReceiptSignature, privateKeyToReceiptSigner, signReceipt, type Receipt } from "../sdk/receipt/index.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { connectEmbedded } from "../sdk/service/chain/connect.js";
import { setupServiceLog } from "../sdk/service/chain/setupLog.js";
import type { IngestionPolicy } from "../sdk/service/ingestion/checks.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";

const N = Number(process.env.SHOWWORK_BENCH_RECEIPTS ?? 20_000);
const CHUNK = 1_000;
const dir = mkdtempSync(join(tmpdir(), "showwork-bench-ingestion-"));
const nodeKey = generatePrivateKey();
const signer = privateKeyToReceiptSigner(nodeKey);

async function signedReceipts(n: number, now: number): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for (let i = 0; i < n; i++) {
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
    out.push(await signReceipt(signer, receipt));
  }
  return out;
}

const emit = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

try {
  const clients = await connectEmbedded();
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: "bench ingestion", signers: [signer.address] });
  // Issued after the grant (a receipt issued before its node was granted is refused, rightly).
  const chainNow = Number((await clients.publicClient.getBlock()).timestamp);
  const all = await signedReceipts(N * 3, Math.max(chainNow + 1, Math.floor(Date.now() / 1000)));

  // One check on its own (the SDK's recovery, sync fast path).
  const sample = all.slice(0, Math.min(all.length, 20_000));
  for (const r of sample.slice(0, 1_000)) checkReceiptSignature(r); // warm up
  const t0 = performance.now();
  for (const r of sample) if (!checkReceiptSignature(r).valid) throw new Error("a bench receipt does not verify");
  const perCheckUs = ((performance.now() - t0) * 1000) / sample.length;
  emit({ figure: "checkReceiptSignature", receipts: sample.length, microsecondsEach: +perCheckUs.toFixed(1), perSecond: Math.round(1e6 / perCheckUs) });

  const modes: [string, Partial<IngestionPolicy>][] = [
    ["off", { signatures: "off", issuedAtWindow: false }],
    ["valid", { signatures: "valid" }],
    ["authorised", { signatures: "authorised" }],
  ];
  for (const [i, [name, ingestion]] of modes.entries()) {
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(dir, `${name}.sqlite`) }),
      chain: { ...clients, contract, logId },
      ingestion,
    });
    const batch = all.slice(i * N, (i + 1) * N);
    const started = performance.now();
    for (let k = 0; k < batch.length; k += CHUNK) await service.record(batch.slice(k, k + CHUNK));
    const seconds = (performance.now() - started) / 1000;
    emit({ figure: `record() with signatures ${name}`, receipts: batch.length, perSecond: Math.round(batch.length / seconds), seconds: +seconds.toFixed(2) });
    await service.close();
  }
  await clients.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
