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
import { createServer } from "node:http";
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
import { cpuMicros, reportTarget } from "./benchTargets.js";

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
/** CPU ms of this process per call of `call` (sequential, after a warm-up), including capture's deferred work until settled. */
async function cpuPerCall(call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await call(-i - 1);
  await capturer.settled();
  const c = cpuMicros();
  for (let i = 0; i < CALLS; i++) await call(i);
  await capturer.settled();
  return (cpuMicros() - c) / 1000 / CALLS;
}

// openai
const plain = new OpenAI({ apiKey: "bench", baseURL: `${upstream.url}/v1`, maxRetries: 0 });
const wrapped = withReceipts(plain, { capturer });
const baseOpenai = await latencies((i) => plain.chat.completions.create({ model: MODEL, messages: messages(i) }));
const capOpenai = await latencies((i) => wrapped.chat.completions.create({ model: MODEL, messages: messages(i) }));
rows.push({ way: "withReceipts(openai)", base: baseOpenai, captured: capOpenai });
const cpuPlain = await cpuPerCall((i) => plain.chat.completions.create({ model: MODEL, messages: messages(i) }));
const cpuWrapped = await cpuPerCall((i) => wrapped.chat.completions.create({ model: MODEL, messages: messages(i) }));

// AI SDK
const chat = openAICompatibleChatModel(`${upstream.url}/v1`, MODEL);
const wrappedModel = wrapLanguageModel({ model: chat, middleware: showworkMiddleware({ capturer }) });
const baseAi = await latencies((i) => generateText({ model: chat, prompt: `Where is order ${i}?`, maxRetries: 0 }));
const capAi = await latencies((i) => generateText({ model: wrappedModel, prompt: `Where is order ${i}?`, maxRetries: 0 }));
rows.push({ way: "showworkMiddleware (ai)", base: baseAi, captured: capAi });
const cpuAiPlain = await cpuPerCall((i) => generateText({ model: chat, prompt: `Where is order ${i}?`, maxRetries: 0 }));
const cpuAiWrapped = await cpuPerCall((i) => generateText({ model: wrappedModel, prompt: `Where is order ${i}?`, maxRetries: 0 }));

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

// An upstream that takes 50 ms per answer (a fixed chat completion), direct vs through the proxy, 32 and 256 in flight.
const slow = createServer((req, res) => {
  req.resume();
  req.on("end", () =>
    setTimeout(() => {
      const body = JSON.stringify({
        id: "chatcmpl-slow",
        object: "chat.completion",
        created: 1_700_000_000,
        model: MODEL,
        choices: [{ index: 0, message: { role: "assistant", content: "Your order ships tomorrow." }, finish_reason: "stop" }],
        usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    }, 50),
  );
});
await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
const slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
const slowProxy = await startCaptureProxy({ upstream: slowUrl, capturer });
const slowDirect = new OpenAI({ apiKey: "bench", baseURL: `${slowUrl}/v1`, maxRetries: 0 });
const slowVia = new OpenAI({ apiKey: "bench", baseURL: `${slowProxy.url}/v1`, maxRetries: 0 });
const slowRates: { inFlight: number; direct: number; proxy: number }[] = [];
for (const inFlight of [32, 256]) {
  const n = quick ? inFlight * 4 : inFlight * 10;
  await throughput(slowDirect, inFlight, inFlight); // warm up
  const direct = await throughput(slowDirect, n, inFlight);
  const proxied = await throughput(slowVia, n, inFlight);
  slowRates.push({ inFlight, direct, proxy: proxied });
}
const slowBase = await latencies((i) => slowDirect.chat.completions.create({ model: MODEL, messages: messages(i) }));
const slowCap = await latencies((i) => slowVia.chat.completions.create({ model: MODEL, messages: messages(i) }));
await capturer.settled();
await slowProxy.close();
await new Promise<void>((resolve) => slow.close(() => resolve()));

console.log(`capture latency (stores: synchronous=${durability.toUpperCase()}), ${CALLS} sequential calls each, against the model server on 127.0.0.1 (p50 / p99):`);
for (const r of rows) {
  console.log(
    `  ${r.way.padEnd(26)} without ${ms(r.base.p50)} / ${ms(r.base.p99)}   with ${ms(r.captured.p50)} / ${ms(r.captured.p99)}   added ${ms(r.captured.p50 - r.base.p50)} / ${ms(r.captured.p99 - r.base.p99)}`,
  );
}
console.log(`proxy throughput, ${total} answers, 32 in flight: direct ${directRate.toFixed(0)} answers/s, through the proxy ${proxyRate.toFixed(0)} answers/s (${((proxyRate / directRate) * 100).toFixed(0)}%)`);
for (const r of slowRates) {
  console.log(`proxy throughput against a 50 ms upstream, ${r.inFlight} in flight: direct ${r.direct.toFixed(0)} answers/s, through the proxy ${r.proxy.toFixed(0)} answers/s (${((r.proxy / r.direct) * 100).toFixed(0)}%)`);
}
console.log(`capture CPU per answer (this process: client, model server, capture, stores; sequential calls, deferred work included): withReceipts ${cpuWrapped.toFixed(3)} ms vs ${cpuPlain.toFixed(3)} ms without; middleware ${cpuAiWrapped.toFixed(3)} ms vs ${cpuAiPlain.toFixed(3)} ms`);
const addedP50 = capOpenai.p50 - baseOpenai.p50;
const addedP99 = capOpenai.p99 - baseOpenai.p99;
const aiAddedP50 = capAi.p50 - baseAi.p50;
const aiAddedP99 = capAi.p99 - baseAi.p99;
reportTarget({
  target: "withReceipts adds <= 1 ms p50 and <= 5 ms p99 to an answer (wall)",
  figure: `+${addedP50.toFixed(2)} ms p50, +${addedP99.toFixed(2)} ms p99`,
  peer: `the plain openai client ${baseOpenai.p50.toFixed(2)} / ${baseOpenai.p99.toFixed(2)} ms`,
  ratio: `${(capOpenai.p50 / baseOpenai.p50).toFixed(2)}x p50`,
  met: addedP50 <= 1 && addedP99 <= 5,
  note: "wall time on a shared machine: noisy",
});
reportTarget({
  target: "AI SDK middleware adds <= 1 ms p50 and <= 5 ms p99 to an answer (wall)",
  figure: `+${aiAddedP50.toFixed(2)} ms p50, +${aiAddedP99.toFixed(2)} ms p99`,
  peer: `generateText without it ${baseAi.p50.toFixed(2)} / ${baseAi.p99.toFixed(2)} ms`,
  ratio: `${(capAi.p50 / baseAi.p50).toFixed(2)}x p50`,
  met: aiAddedP50 <= 1 && aiAddedP99 <= 5,
});
reportTarget({
  target: "capture <= 0.3 ms CPU per answer on the caller's thread (withReceipts)",
  figure: `${(cpuWrapped - cpuPlain).toFixed(3)} ms CPU per answer`,
  peer: `the whole call without capture ${cpuPlain.toFixed(3)} ms CPU`,
  ratio: `${(cpuWrapped / cpuPlain).toFixed(2)}x`,
  met: cpuWrapped - cpuPlain <= 0.3,
  note: "build, sign, evidence, sink, all on the calling thread after the answer is delivered",
});
reportTarget({
  target: "capture <= 0.3 ms CPU per answer on the caller's thread (AI SDK middleware)",
  figure: `${(cpuAiWrapped - cpuAiPlain).toFixed(3)} ms CPU per answer`,
  peer: `the whole call without capture ${cpuAiPlain.toFixed(3)} ms CPU`,
  ratio: `${(cpuAiWrapped / cpuAiPlain).toFixed(2)}x`,
  met: cpuAiWrapped - cpuAiPlain <= 0.3,
});
reportTarget({
  target: "showwork proxy adds <= 2 ms p50 (50 ms upstream, wall)",
  figure: `+${(slowCap.p50 - slowBase.p50).toFixed(2)} ms p50`,
  peer: `direct ${slowBase.p50.toFixed(2)} ms p50`,
  ratio: `${(slowCap.p50 / slowBase.p50).toFixed(3)}x`,
  met: slowCap.p50 - slowBase.p50 <= 2,
});
for (const r of slowRates) {
  reportTarget({
    target: `showwork proxy keeps >= 90% of direct throughput, 50 ms upstream, ${r.inFlight} in flight`,
    figure: `${r.proxy.toFixed(0)} answers/s`,
    peer: `direct ${r.direct.toFixed(0)} answers/s`,
    ratio: `${((r.proxy / r.direct) * 100).toFixed(0)}%`,
    met: r.proxy / r.direct >= 0.9,
  });
}
console.log(`receipts: ${capturer.stats.captured} captured, ${capturer.stats.queued} queued, ${capturer.stats.delivered} delivered, ${capturer.stats.failed} failed`);
console.log(JSON.stringify({ bench: "capture", calls: CALLS, latency: rows, throughput: { total, inFlight: 32, direct: directRate, proxy: proxyRate }, stats: capturer.stats }));

await proxy.close();
await capturer.close();
await evidence.close();
await service.close();
await upstream.close();
rmSync(dir, { recursive: true, force: true });
