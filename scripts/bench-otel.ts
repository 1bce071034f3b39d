/**
 * OpenTelemetry span processor benchmark (`npm run bench -- otel`): what `ShowworkSpanProcessor` adds
 * per traced call, next to what `withReceipts` adds, in the same run, against the deterministic model
 * server over HTTP on 127.0.0.1 — with capture on the app's thread (`createCapturer`) and on a worker
 * thread (`createWorkerCapturer`, what `withReceipts(new OpenAI())` and `new ShowworkSpanProcessor()`
 * get from the project config):
 *
 *   openai                   new OpenAI()                                 (no tracing, no capture)
 *   withReceipts             withReceipts(new OpenAI(), { capturer })     (capture, no tracing)
 *   traced                   new OpenAI() + instrumentation-openai (content on, as log records) + SDK 2 tracer provider
 *   traced + processor       the same + ShowworkSpanProcessor({ capturer }) (and its logger provider)
 *
 * The phases run interleaved: ROUNDS rounds, each running every phase for CALLS/ROUNDS sequential calls,
 * in an order rotated every round (so that warm-up and the machine's moving load weigh on all alike).
 * Reported per phase: latency p50/p99 over all its calls; CPU per call of the whole process and of the
 * app's thread (`process.threadCpuUsage()`), background capture work included (settled at the end of each
 * block); per processor, the time spent in its hooks (what `span.start` / `span.end` wait for). Added =
 * withReceipts − openai, traced + processor − traced; and the processor's added figures as a ratio of
 * withReceipts' (same capturer, same run).
 *
 * Capture is complete in every phase: signed (fast signer), evidence encrypted in SQLite, delivered to an
 * anchoring service in this process (SQLite store, no chain): in-process for the app-thread capturer,
 * over HTTP from the worker's durable queue for the worker capturer.
 * SHOWWORK_BENCH_CALLS (default 400; --quick 100) calls per phase; SHOWWORK_BENCH_ROUNDS (default 4).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import * as openaiModule from "openai";
import OpenAI from "openai";
import { metrics } from "@opentelemetry/api";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { generatePrivateKey } from "viem/accounts";

import { createCapturer, createWorkerCapturer, serviceSink, withReceipts, type CaptureSession } from "../sdk/capture/index.js";
import { createModelServer } from "../sdk/capture/testing/modelServer.js";
import { SqliteEvidenceStore } from "../sdk/evidence/sqlite.js";
import { ShowworkSpanProcessor, type ProcessedSpan } from "../sdk/otel/index.js";
import { privateKeyToReceiptSigner } from "../sdk/receipt/signReceipt.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { startHttpServer } from "../sdk/service/http/server.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";
import { cpuMicros } from "./benchTargets.js";

const quick = process.argv.includes("--quick");
const CALLS = Number(process.env.SHOWWORK_BENCH_CALLS ?? (quick ? 100 : 400));
const ROUNDS = Number(process.env.SHOWWORK_BENCH_ROUNDS ?? 4);
const PER_BLOCK = Math.max(1, Math.round(CALLS / ROUNDS));
const MODEL = "bench/chat";
const KEY = `0x${"b3".repeat(32)}`;
const dir = mkdtempSync(path.join(tmpdir(), "showwork-bench-otel-"));

const server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
const upstream = await server.listen();
const store = SqliteReceiptStore.open({ path: path.join(dir, "store.sqlite") });
const service = await AnchoringService.open({ store });
const http = await startHttpServer(service, { port: 0, auth: "none" });
const models = { [MODEL]: { provider: "bench" } };
const evidence = SqliteEvidenceStore.open({ path: path.join(dir, "evidence.sqlite"), encryptionKey: KEY, groupCommitMs: 20 });
const onThread = createCapturer({ signer: privateKeyToReceiptSigner(generatePrivateKey()), sink: serviceSink(service), evidence, models, logger: false });
const onWorker = await createWorkerCapturer({
  nodeKey: generatePrivateKey(),
  sink: { url: http.url, queuePath: path.join(dir, "queue.sqlite") },
  evidence: { location: path.join(dir, "worker-evidence.sqlite"), key: KEY },
  models,
  logger: false,
});
const capturers: Record<"thread" | "worker", CaptureSession> = { thread: onThread, worker: onWorker };

const percentile = (xs: readonly number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const threadCpuMicros = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};
const messages = (i: number) => [{ role: "user" as const, content: `Where is order ${i}? Answer briefly.` }];
const ms = (x: number): string => `${x.toFixed(2)} ms`;

// Tracing: instrumentation-openai 0.21 declares openai <7; its own patch is applied to the loaded module (as in the
// tests), and taken off again for the phases without tracing.
const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
instrumentation.setMeterProvider(metrics.getMeterProvider());
const definition = instrumentation.getModuleDefinitions()[0]!;
let patched = false;
const tracing = (on: boolean) => {
  if (on && !patched) definition.patch!(openaiModule);
  if (!on && patched) definition.unpatch!(openaiModule);
  patched = on;
};
const noLogs = { getLogger: () => ({ emit: () => undefined, enabled: () => true }) };

/** A processor on a capturer, with the time each span spends in its hooks. */
function timedProcessor(capturer: CaptureSession) {
  const processor = new ShowworkSpanProcessor({ capturer });
  const hookTimes: number[] = [];
  const starts = new Map<string, number>();
  const provider = new BasicTracerProvider({
    spanProcessors: [
      {
        onStart: (span: ProcessedSpan) => {
          const t = performance.now();
          processor.onStart(span);
          starts.set(span.spanContext().spanId, performance.now() - t);
        },
        onEnding: (span: ProcessedSpan) => {
          const t = performance.now();
          processor.onEnding(span);
          const id = span.spanContext().spanId;
          hookTimes.push((starts.get(id) ?? 0) + performance.now() - t);
          starts.delete(id);
        },
        onEnd: (span: ProcessedSpan) => processor.onEnd(span),
        forceFlush: () => processor.forceFlush(),
        shutdown: () => processor.shutdown(),
      },
    ],
  });
  return { processor, provider, hookTimes };
}

const plain = new OpenAI({ apiKey: "bench", baseURL: `${upstream.url}/v1`, maxRetries: 0 });
const call = (client: OpenAI) => (i: number) => client.chat.completions.create({ model: MODEL, messages: messages(i) });
const tracedOnly = new BasicTracerProvider();
const processors = { thread: timedProcessor(onThread), worker: timedProcessor(onWorker) };

interface Phase {
  readonly name: string;
  readonly setup: () => void;
  readonly call: (i: number) => Promise<unknown>;
  readonly settle: () => Promise<unknown>;
}
const nothing = async () => undefined;
const phases: Phase[] = [
  { name: "openai", setup: () => tracing(false), call: call(plain), settle: nothing },
  { name: "traced", setup: () => (tracing(true), instrumentation.setTracerProvider(tracedOnly), instrumentation.setLoggerProvider(noLogs)), call: call(plain), settle: nothing },
];
for (const kind of ["thread", "worker"] as const) {
  const wrapped = withReceipts(plain, { capturer: capturers[kind] });
  const { processor, provider } = processors[kind];
  phases.push({ name: `withReceipts (${kind})`, setup: () => tracing(false), call: call(wrapped), settle: () => capturers[kind].settled() });
  phases.push({
    name: `traced + processor (${kind})`,
    setup: () => (tracing(true), instrumentation.setTracerProvider(provider), instrumentation.setLoggerProvider(processor.loggerProvider)),
    call: call(plain),
    settle: () => capturers[kind].settled(),
  });
}

const results = new Map(phases.map((p) => [p.name, { times: [] as number[], process: 0, thread: 0, calls: 0 }]));
// warm up every phase
for (const p of phases) {
  p.setup();
  for (let i = 0; i < 20; i++) await p.call(-i - 1);
  await p.settle();
}
for (const { hookTimes } of Object.values(processors)) hookTimes.length = 0;
let next = 0;
for (let round = 0; round < ROUNDS; round++) {
  const order = phases.map((_, k) => phases[(k + round) % phases.length]!);
  for (const p of order) {
    const r = results.get(p.name)!;
    p.setup();
    const process0 = cpuMicros();
    const thread0 = threadCpuMicros();
    for (let j = 0; j < PER_BLOCK; j++) {
      const t = performance.now();
      await p.call(next++);
      r.times.push(performance.now() - t);
    }
    await p.settle();
    r.process += cpuMicros() - process0;
    r.thread += threadCpuMicros() - thread0;
    r.calls += PER_BLOCK;
  }
}
tracing(false);
instrumentation.disable();

const stat = (name: string) => {
  const r = results.get(name)!;
  return { p50: percentile(r.times, 50), p99: percentile(r.times, 99), cpu: r.process / 1000 / r.calls, threadCpu: r.thread / 1000 / r.calls };
};
type Stat = ReturnType<typeof stat>;
const minus = (a: Stat, b: Stat): Stat => ({ p50: a.p50 - b.p50, p99: a.p99 - b.p99, cpu: a.cpu - b.cpu, threadCpu: a.threadCpu - b.threadCpu });
const line = (label: string, s: Stat) => `  ${label.padEnd(32)} ${ms(s.p50).padStart(9)} / ${ms(s.p99).padStart(9)}   CPU ${ms(s.cpu)} (app thread ${ms(s.threadCpu)})`;

console.log(`otel span processor vs withReceipts: ${ROUNDS} interleaved rounds × ${PER_BLOCK} sequential calls per phase, model server on 127.0.0.1 (p50 / p99; CPU per call incl. background capture):`);
for (const p of phases) console.log(line(p.name, stat(p.name)));
const added: Record<string, Stat> = {};
for (const kind of ["thread", "worker"] as const) {
  added[`withReceipts (${kind})`] = minus(stat(`withReceipts (${kind})`), stat("openai"));
  added[`processor (${kind})`] = minus(stat(`traced + processor (${kind})`), stat("traced"));
}
console.log("added:");
for (const [name, s] of Object.entries(added)) console.log(line(name, s));
const hooks: Record<string, { p50: number; p99: number }> = {};
for (const kind of ["thread", "worker"] as const) {
  const { hookTimes, processor } = processors[kind];
  hooks[kind] = { p50: percentile(hookTimes, 50), p99: percentile(hookTimes, 99) };
  console.log(`  in the processor's hooks (${kind}): ${ms(hooks[kind].p50)} / ${ms(hooks[kind].p99)} per span; ${processor.stats.receipts} receipts, content absent ${processor.stats.contentAbsent.input}/${processor.stats.contentAbsent.output}`);
  const a = added[`processor (${kind})`]!;
  const w = added[`withReceipts (${kind})`]!;
  console.log(`  processor / withReceipts (${kind}): p50 ${(a.p50 / w.p50).toFixed(2)}×, CPU ${(a.cpu / w.cpu).toFixed(2)}×, app-thread CPU ${(a.threadCpu / w.threadCpu).toFixed(2)}×`);
}
console.log(`  capturers: thread ${onThread.stats.captured} captured / ${onThread.stats.failed} failed; worker ${onWorker.stats.captured} captured / ${onWorker.stats.failed} failed`);
console.log(JSON.stringify({ bench: "otel", calls: CALLS, rounds: ROUNDS, phases: Object.fromEntries(phases.map((p) => [p.name, stat(p.name)])), added, hooks }));

await processors.thread.provider.shutdown();
await processors.worker.provider.shutdown();
await tracedOnly.shutdown();
await onThread.close();
await onWorker.close();
await evidence.close();
await http.close();
await service.close();
await upstream.close();
rmSync(dir, { recursive: true, force: true });
