/**
 * Capture benchmarks (`npm run bench -- capture`): the latency each way in adds to a call, and the
 * proxy's throughput, against the deterministic model server over HTTP on 127.0.0.1.
 *
 *   openai      new OpenAI() → model server           vs  withReceipts(new OpenAI()) → model server
 *   ai-sdk      generateText(model)                    vs  generateText(wrapLanguageModel(model, showworkMiddleware))
 *   proxy       new OpenAI() → model server            vs  new OpenAI() → showwork proxy → model server
 *   throughput  32 clients in flight through the proxy vs straight to the model server (answers/s)
 *
 * Calls are sequential for latency (p50, p99 over SHOWWORK_BENCH_CALLS calls, default 400; --quick 100).
 * Capture is complete: receipts are built, signed (fast signer), their evidence stored (SQLite) and
 * recorded by an in-process anchoring service (SQLite store, no chain) — in the background, in the
 * same process, so its CPU is counted in what the caller waits for whenever it competes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { generateText, wrapLanguageModel } from "ai";
import OpenAI from "openai";
import { generatePrivateKey } from "viem/accounts";

import { showworkMiddleware } from "../sdk/capture/aiSdk.js";
import { createCapturer, serviceSink, startCaptureProxy, withReceipts } from "../sdk/capture/index.js";
import { openAICompatibleChatModel } from "../sdk/capture/testing/chatModel.js";
import { createModelServer } from "../sdk/capture/testing/modelServer.js";
import { SqliteEvidenceStore } from "../sdk/evidence/sqlite.js";
import { privateKeyToReceiptSigner } from "../sdk/receipt/signReceipt.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";

const quick = process.argv.includes("--quick");
const CALLS = Number(process.env.SHOWWORK_BENCH_CALLS ?? (quick ? 100 : 400));
const MODEL = "bench/chat";
const dir = mkdtempSync(path.join(tmpdir(), "showwork-bench-capture-"));

const server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
const upstream = await server.listen();
// SHOWWORK_BENCH_DURABILITY=normal: both stores with synchronous=NORMAL (no fsync per commit), to see what the fsyncs cost.
const durability = process.env.SHOWWORK_BENCH_DURABILITY === "normal" ? "normal" : "full";
const store = SqliteReceiptStore.open({ path: path.join(dir, "store.sqlite"), durability });
const service = await AnchoringService.open({ store });
const evidence = SqliteEvidenceStore.open({ path: path.join(dir, "evidence.sqlite"), encryptionKey: null, groupCommitMs: 20, durability });
const capturer = createCapturer({ signer: privateKeyToReceiptSigner(generatePrivateKey()), sink: serviceSink(service), evidence, models: { [MODEL]: { provider: "bench" } } });

const messages = (i: number) => [{ role: "user" as const, content: `Where is order ${i}? Answer briefly.` }];
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
async function latencies(call: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await call(-i - 1); // warm up
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call(i);
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const rows: { way: string; base: { p50: number; p99: number }; captured: { p50: number; p99: number } }[] = [];

// openai
const plain = new OpenAI({ apiKey: "bench", baseURL: `${upstream.url}/v1`, maxRetries: 0 });
const wrapped = withReceipts(plain, { capturer });
const baseOpenai = await latencies((i) => plain.chat.completions.create({ model: MODEL, messages: messages(i) }));
const capOpenai = await latencies((i) => wrapped.chat.completions.create({ model: MODEL, messages: messages(i) }));
rows.push({ way: "withReceipts(openai)", base: baseOpenai, captured: capOpenai });

// AI SDK
const chat = openAICompatibleChatModel(`${upstream.url}/v1`, MODEL);
const wrappedModel = wrapLanguageModel({ model: chat, middleware: showworkMiddleware({ capturer }) });
const baseAi = await latencies((i) => generateText({ model: chat, prompt: `Where is order ${i}?`, maxRetries: 0 }));
const capAi = await latencies((i) => generateText({ model: wrappedModel, prompt: `Where is order ${i}?`, maxRetries: 0 }));
rows.push({ way: "showworkMiddleware (ai)", base: baseAi, captured: capAi });

// proxy
const proxy = await startCaptureProxy({ upstream: upstream.url, capturer });
const viaProxy = new OpenAI({ apiKey: "bench", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
const capProxy = await latencies((i) => viaProxy.chat.completions.create({ model: MODEL, messages: messages(i) }));
rows.push({ way: "showwork proxy", base: baseOpenai, captured: capProxy });

// throughput
async function throughput(client: OpenAI, total: number, inFlight: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        await client.chat.completions.create({ model: MODEL, messages: messages(i) });
      }
    }),
  );
  return total / ((performance.now() - t) / 1000);
}
const total = quick ? 500 : 2_000;
const directRate = await throughput(plain, total, 32);
const proxyRate = await throughput(viaProxy, total, 32);
await capturer.settled();

console.log(`capture latency (stores: synchronous=${durability.toUpperCase()}), ${CALLS} sequential calls each, against the model server on 127.0.0.1 (p50 / p99):`);
for (const r of rows) {
  console.log(
    `  ${r.way.padEnd(26)} without ${ms(r.base.p50)} / ${ms(r.base.p99)}   with ${ms(r.captured.p50)} / ${ms(r.captured.p99)}   added ${ms(r.captured.p50 - r.base.p50)} / ${ms(r.captured.p99 - r.base.p99)}`,
  );
}
console.log(`proxy throughput, ${total} answers, 32 in flight: direct ${directRate.toFixed(0)} answers/s, through the proxy ${proxyRate.toFixed(0)} answers/s (${((proxyRate / directRate) * 100).toFixed(0)}%)`);
console.log(`receipts: ${capturer.stats.captured} captured, ${capturer.stats.queued} queued, ${capturer.stats.delivered} delivered, ${capturer.stats.failed} failed`);
console.log(JSON.stringify({ bench: "capture", calls: CALLS, latency: rows, throughput: { total, inFlight: 32, direct: directRate, proxy: proxyRate }, stats: capturer.stats }));

await proxy.close();
await capturer.close();
await evidence.close();
await service.close();
await upstream.close();
rmSync(dir, { recursive: true, force: true });
