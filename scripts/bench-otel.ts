/**
 * OpenTelemetry span processor benchmark (`npm run bench -- otel`): what `ShowworkSpanProcessor` adds
 * per traced call, next to what `withReceipts` adds, in the same run, against the deterministic model
 * server over HTTP on 127.0.0.1.
 *
 *   openai          new OpenAI()                                   (no tracing, no capture)
 *   withReceipts    withReceipts(new OpenAI())                     (capture, no tracing)
 *   traced          new OpenAI() + instrumentation-openai (content on, as log records) + SDK 2 tracer provider
 *   traced+receipts the same + ShowworkSpanProcessor (and its logger provider)
 *
 * Reported: latency p50/p99 over SHOWWORK_BENCH_CALLS sequential calls (default 400; --quick 100), the
 * added latency (withReceipts − openai; traced+receipts − traced), the time each span spends in the
 * processor's hooks (synchronous: what `span.end()` waits for), and the CPU per call (user + system of
 * the process, background capture work included, settled at the end of each phase).
 * Capture is complete in both: signed (fast signer), evidence in SQLite, recorded by an in-process
 * anchoring service (SQLite store, no chain).
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

import { createCapturer, serviceSink, withReceipts } from "../sdk/capture/index.js";
import { createModelServer } from "../sdk/capture/testing/modelServer.js";
import { SqliteEvidenceStore } from "../sdk/evidence/sqlite.js";
import { ShowworkSpanProcessor, type ProcessedSpan } from "../sdk/otel/index.js";
import { privateKeyToReceiptSigner } from "../sdk/receipt/signReceipt.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";

const quick = process.argv.includes("--quick");
const CALLS = Number(process.env.SHOWWORK_BENCH_CALLS ?? (quick ? 100 : 400));
const MODEL = "bench/chat";
const dir = mkdtempSync(path.join(tmpdir(), "showwork-bench-otel-"));

const server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
const upstream = await server.listen();
const store = SqliteReceiptStore.open({ path: path.join(dir, "store.sqlite") });
const service = await AnchoringService.open({ store });
const evidence = SqliteEvidenceStore.open({ path: path.join(dir, "evidence.sqlite"), encryptionKey: null, groupCommitMs: 20 });
const capturer = createCapturer({ signer: privateKeyToReceiptSigner(generatePrivateKey()), sink: serviceSink(service), evidence, models: { [MODEL]: { provider: "bench" } } });

const messages = (i: number) => [{ role: "user" as const, content: `Where is order ${i}? Answer briefly.` }];
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
interface Phase {
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per call (user + system), background work settled. */
  readonly cpu: number;
}
async function phase(call: (i: number) => Promise<unknown>): Promise<Phase> {
  for (let i = 0; i < 20; i++) await call(-i - 1); // warm up
  await capturer.settled();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call(i);
    times.push(performance.now() - t);
  }
  await capturer.settled();
  const cpu = process.cpuUsage(cpu0);
  return { p50: percentile(times, 50), p99: percentile(times, 99), cpu: (cpu.user + cpu.system) / 1000 / CALLS };
}
const ms = (x: number): string => `${x.toFixed(2)} ms`;

const plain = new OpenAI({ apiKey: "bench", baseURL: `${upstream.url}/v1`, maxRetries: 0 });
const wrapped = withReceipts(plain, { capturer });
const call = (client: OpenAI) => (i: number) => client.chat.completions.create({ model: MODEL, messages: messages(i) });

const openaiPhase = await phase(call(plain));
const receiptsPhase = await phase(call(wrapped));

// Tracing: instrumentation-openai 0.21 declares openai <7; its own patch is applied to the loaded module (as in the tests).
const processor = new ShowworkSpanProcessor({ capturer });
const hookTimes: number[] = [];
const timed = {
  onStart: (span: ProcessedSpan) => {
    const t = performance.now();
    processor.onStart(span);
    hookTimes.push(performance.now() - t);
  },
  onEnding: (span: ProcessedSpan) => {
    const t = performance.now();
    processor.onEnding(span);
    hookTimes[hookTimes.length - 1]! += performance.now() - t;
  },
  onEnd: (span: ProcessedSpan) => processor.onEnd(span),
  forceFlush: () => processor.forceFlush(),
  shutdown: () => processor.shutdown(),
};
const tracedOnly = new BasicTracerProvider();
const tracedWithReceipts = new BasicTracerProvider({ spanProcessors: [timed] });
const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
instrumentation.setMeterProvider(metrics.getMeterProvider());
const definition = instrumentation.getModuleDefinitions()[0]!;
definition.patch!(openaiModule);

instrumentation.setTracerProvider(tracedOnly);
instrumentation.setLoggerProvider({ getLogger: () => ({ emit: () => undefined, enabled: () => true }) });
const tracedPhase = await phase(call(plain));

instrumentation.setTracerProvider(tracedWithReceipts);
instrumentation.setLoggerProvider(processor.loggerProvider);
hookTimes.length = 0;
const tracedReceiptsPhase = await phase(call(plain));
const hooks = hookTimes.slice(-CALLS);

definition.unpatch!(openaiModule);
instrumentation.disable();

console.log(`otel span processor vs withReceipts, ${CALLS} sequential calls each, against the model server on 127.0.0.1 (p50 / p99; CPU per call incl. background capture):`);
const rows: [string, Phase][] = [
  ["openai", openaiPhase],
  ["withReceipts(openai)", receiptsPhase],
  ["traced (instrumentation)", tracedPhase],
  ["traced + span processor", tracedReceiptsPhase],
];
for (const [name, r] of rows) console.log(`  ${name.padEnd(26)} ${ms(r.p50)} / ${ms(r.p99)}   CPU ${ms(r.cpu)}`);
console.log(`  added by withReceipts:        ${ms(receiptsPhase.p50 - openaiPhase.p50)} / ${ms(receiptsPhase.p99 - openaiPhase.p99)}   CPU ${ms(receiptsPhase.cpu - openaiPhase.cpu)} per call`);
console.log(`  added by the span processor:  ${ms(tracedReceiptsPhase.p50 - tracedPhase.p50)} / ${ms(tracedReceiptsPhase.p99 - tracedPhase.p99)}   CPU ${ms(tracedReceiptsPhase.cpu - tracedPhase.cpu)} per span`);
console.log(`  in the processor's hooks (span.start + span.end wait): ${ms(percentile(hooks, 50))} / ${ms(percentile(hooks, 99))} per span`);
console.log(`  processor: ${processor.stats.receipts} receipts, content absent ${processor.stats.contentAbsent.input}/${processor.stats.contentAbsent.output}; capturer: ${capturer.stats.captured} captured, ${capturer.stats.failed} failed`);
console.log(
  JSON.stringify({
    bench: "otel",
    calls: CALLS,
    phases: Object.fromEntries(rows),
    added: {
      withReceipts: { p50: receiptsPhase.p50 - openaiPhase.p50, p99: receiptsPhase.p99 - openaiPhase.p99, cpu: receiptsPhase.cpu - openaiPhase.cpu },
      spanProcessor: { p50: tracedReceiptsPhase.p50 - tracedPhase.p50, p99: tracedReceiptsPhase.p99 - tracedPhase.p99, cpu: tracedReceiptsPhase.cpu - tracedPhase.cpu },
    },
    hooks: { p50: percentile(hooks, 50), p99: percentile(hooks, 99) },
  }),
);

await tracedWithReceipts.shutdown();
await tracedOnly.shutdown();
await capturer.close();
await evidence.close();
await service.close();
await upstream.close();
rmSync(dir, { recursive: true, force: true });
