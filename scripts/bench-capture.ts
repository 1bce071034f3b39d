/**
 * What capture costs an app (`npm run bench -- capture`), issue #26 "Capture costs nothing a user can
 * see": `withReceipts(new OpenAI())` and the AI SDK middleware, set up as a user's app runs them —
 * receipts signed with the serving node's key, evidence in an encrypted SQLite store, delivery through
 * the durable queue (`remoteSink`) over HTTP to an anchoring service in another process — against the
 * deterministic model server (also in that other process, over HTTP on 127.0.0.1):
 *
 *   openai   new OpenAI() → model server             vs  withReceipts(new OpenAI()) → model server
 *   ai-sdk   generateText(model)                      vs  generateText(wrapLanguageModel(model, showworkMiddleware))
 *
 * Per way in, in the same run: the added wall time of a call (p50, p99 over sequential calls) and the
 * CPU the capture costs the caller's thread per answer — `process.threadCpuUsage()` of this (the
 * app's) thread over the calls and until every receipt is delivered, minus the same without capture.
 * The CPU of all this process's threads is printed next to it (work moved to a worker is not free).
 * The service and the model server run in a child process (`--serve`): their CPU is not the app's.
 *
 * SHOWWORK_BENCH_CALLS: calls per measurement (default 400; --quick 150).
 * SHOWWORK_BENCH_CAPTURE=thread|worker|default|all (or a comma-separated list): which capturer to
 * measure (default all): `thread` the in-thread `createCapturer`, `worker` `createWorkerCapturer`,
 * `default` what the README's one line gets — `withReceipts(client)` / `showworkMiddleware()` with no
 * options, the key, service, queue, evidence store and models from a project config (.showwork/).
 *
 * The proxy's targets are measured by scripts/bench-capture-proxy.ts (`showwork proxy` in its own process).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

import { generateText, wrapLanguageModel } from "ai";
import OpenAI from "openai";
import { keccak256, stringToBytes, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { cpuMicros, reportTarget } from "./benchTargets.js";

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), "..");
const MODEL = "bench/chat";
const WEIGHTS: Hex = keccak256(stringToBytes("bench/chat weights v1"));

/** The caller's thread's CPU, µs (user + system of this thread only). */
function threadCpuMicros(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

const percentile = (xs: readonly number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** What the bench needs of a capturer (the in-thread `Capturer` or the worker one). */
interface Session {
  flush(timeoutMs?: number): Promise<{ readonly delivered: boolean; readonly queued: number }>;
  close(): Promise<unknown>;
}

interface Measured {
  readonly p50: number;
  readonly p99: number;
  /** CPU of the caller's thread per call, ms (until every receipt is delivered). */
  readonly threadCpuMs: number;
  /** CPU of every thread of this process per call, ms. */
  readonly processCpuMs: number;
  /** The caller's event-loop delay while the calls ran (p99, max; ms): how long its thread was kept from answering. */
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  /** Garbage-collection pauses of the caller's thread while the calls ran, ms per call. */
  readonly gcMsPerCall: number;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const CALLS = Number(process.env.SHOWWORK_BENCH_CALLS ?? (quick ? 150 : 400));
  const dir = mkdtempSync(path.join(tmpdir(), "showwork-bench-capture-"));

  const child = spawn(process.execPath, ["--import", "tsx", SELF, "--serve", dir], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error("the bench's service process did not start");
  const urls = JSON.parse(first.value as string) as { upstream: string; service: string };

  const capture = await import("../sdk/capture/index.js");
  const { showworkMiddleware } = await import("../sdk/capture/aiSdk.js");
  const { openAICompatibleChatModel } = await import("../sdk/capture/testing/chatModel.js");
  const { SqliteEvidenceStore } = await import("../sdk/evidence/sqlite.js");
  const { privateKeyToReceiptSigner } = await import("../sdk/receipt/signReceipt.js");
  const { CONFIG_FORMAT, writeConfig } = await import("../sdk/config/index.js");
  const defaults = await import("../sdk/capture/defaults.js");
  const createWorkerCapturer = (capture as Record<string, unknown>).createWorkerCapturer as undefined | ((options: Record<string, unknown>) => Promise<unknown>);
  const which = process.env.SHOWWORK_BENCH_CAPTURE ?? "all";
  const kinds = (which === "all" ? ["thread", "worker", "default"] : which === "both" ? ["thread", "worker"] : which.split(",")).filter((k) => k !== "worker" || createWorkerCapturer !== undefined);

  const nodeKey = generatePrivateKey();
  const evidenceKey = `0x${"5a".repeat(32)}`;
  const models = { [MODEL]: { weightsDigest: WEIGHTS } };

  /** A capturer as a user's app gets it: the fast signer, encrypted SQLite evidence, the durable queue to the service over HTTP. */
  async function capturerOf(kind: string, n: number): Promise<{ session: Session; closeAll: () => Promise<void> }> {
    const queuePath = path.join(dir, `${kind}-${n}-queue.sqlite`);
    const evidencePath = path.join(dir, `${kind}-${n}-evidence.sqlite`);
    if (kind === "default") {
      // The README's one line: a project whose config names everything; withReceipts(client) / showworkMiddleware() with no options.
      const project = path.join(dir, `${kind}-${n}`);
      writeConfig(
        project,
        { format: CONFIG_FORMAT, chains: [], service: { url: urls.service }, evidence: { store: evidencePath }, capture: { queue: queuePath, models } },
        { nodeKey, evidenceKey },
      );
      process.env.SHOWWORK_CONFIG = project;
      defaults.resetDefaultCapturer();
      const session = defaults.defaultCapturer() as Session & { runsOn?: string };
      return {
        session,
        closeAll: async () => {
          if (session.runsOn !== "worker") throw new Error(`the default capturer ran on ${session.runsOn ?? "this thread"}, not on its worker`);
          await session.close();
        },
      };
    }
    if (kind === "worker") {
      const session = (await createWorkerCapturer!({ nodeKey, sink: { url: urls.service, queuePath }, evidence: { location: evidencePath, key: evidenceKey }, models })) as Session;
      return { session, closeAll: async () => void (await session.close()) };
    }
    const evidence = SqliteEvidenceStore.open({ path: evidencePath, encryptionKey: evidenceKey });
    const session = capture.createCapturer({ signer: privateKeyToReceiptSigner(nodeKey), sink: capture.remoteSink({ url: urls.service, queuePath }), evidence, models });
    return {
      session,
      closeAll: async () => {
        await session.close();
        await evidence.close();
      },
    };
  }

  /**
   * Without and with capture, interleaved in ROUNDS blocks each (so that the machine's load, which moves, weighs on
   * both alike): sequential calls; per block the wall time of each call, then the CPU of the block until every
   * receipt is delivered (`settle`), of the caller's thread and of the whole process.
   */
  async function measurePair(plain: (i: number) => Promise<unknown>, captured: (i: number) => Promise<unknown>, settle: () => Promise<unknown>): Promise<{ base: Measured; captured: Measured }> {
    const ROUNDS = 5;
    const perBlock = Math.max(1, Math.round(CALLS / ROUNDS));
    for (let i = 0; i < 30; i++) await plain(-i - 1); // warm up
    for (let i = 0; i < 30; i++) await captured(-i - 1);
    await settle();
    const sums = [plain, captured].map(() => ({ times: [] as number[], thread: 0, process: 0, calls: 0, loop: monitorEventLoopDelay({ resolution: 1 }), blocks: [] as [number, number][] }));
    const gcs: { start: number; duration: number }[] = [];
    const gcObserver = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcs.push({ start: e.startTime, duration: e.duration })));
    gcObserver.observe({ entryTypes: ["gc"] });
    let next = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, call] of [plain, captured].entries()) {
        const sum = sums[k]!;
        const thread0 = threadCpuMicros();
        const process0 = cpuMicros();
        const blockStart = performance.now();
        sum.loop.enable();
        for (let j = 0; j < perBlock; j++) {
          const t = performance.now();
          await call(next++);
          sum.times.push(performance.now() - t);
        }
        sum.loop.disable();
        sum.blocks.push([blockStart, performance.now()]);
        await settle();
        sum.thread += threadCpuMicros() - thread0;
        sum.process += cpuMicros() - process0;
        sum.calls += perBlock;
      }
    }
    await new Promise((resolve) => setImmediate(resolve)); // the observer's last entries
    gcObserver.disconnect();
    const of = (sum: (typeof sums)[number]): Measured => ({
      p50: percentile(sum.times, 50),
      p99: percentile(sum.times, 99),
      threadCpuMs: sum.thread / 1000 / sum.calls,
      processCpuMs: sum.process / 1000 / sum.calls,
      loopDelayP99: sum.loop.percentile(99) / 1e6,
      loopDelayMax: sum.loop.max / 1e6,
      gcMsPerCall: gcs.filter((g) => sum.blocks.some(([a, b]) => g.start >= a && g.start < b)).reduce((t, g) => t + g.duration, 0) / sum.calls,
    });
    return { base: of(sums[0]!), captured: of(sums[1]!) };
  }

  const messages = (i: number) => [{ role: "user" as const, content: `Where is order ${i}? Answer briefly.` }];
  const plainClient = new OpenAI({ apiKey: "bench", baseURL: `${urls.upstream}/v1`, maxRetries: 0 });
  const chat = openAICompatibleChatModel(`${urls.upstream}/v1`, MODEL);
  /** Captured calls per way in: the warm-up and ROUNDS blocks. */
  const captureCalls = 30 + Math.max(1, Math.round(CALLS / 5)) * 5;
  const rows: { way: string; kind: string; base: Measured; captured: Measured }[] = [];
  let delivered = 0;
  let n = 0;
  for (const kind of kinds) {
    // openai
    {
      const { session, closeAll } = await capturerOf(kind, n++);
      const wrapped = kind === "default" ? capture.withReceipts(plainClient) : capture.withReceipts(plainClient, { capturer: session as never });
      const { base, captured } = await measurePair(
        (i) => plainClient.chat.completions.create({ model: MODEL, messages: messages(i) }),
        (i) => wrapped.chat.completions.create({ model: MODEL, messages: messages(i) }),
        () => session.flush(60_000),
      );
      const report = await session.flush(60_000);
      if (!report.delivered) throw new Error(`receipts not delivered: ${JSON.stringify(report)}`);
      delivered += captureCalls;
      rows.push({ way: "withReceipts(openai)", kind, base, captured });
      await closeAll();
    }
    // AI SDK
    {
      const { session, closeAll } = await capturerOf(kind, n++);
      const wrappedModel = wrapLanguageModel({ model: chat, middleware: kind === "default" ? showworkMiddleware() : showworkMiddleware({ capturer: session as never }) });
      const { base, captured } = await measurePair(
        (i) => generateText({ model: chat, prompt: `Where is order ${i}?`, maxRetries: 0 }),
        (i) => generateText({ model: wrappedModel, prompt: `Where is order ${i}?`, maxRetries: 0 }),
        () => session.flush(60_000),
      );
      const report = await session.flush(60_000);
      if (!report.delivered) throw new Error(`receipts not delivered: ${JSON.stringify(report)}`);
      delivered += captureCalls;
      rows.push({ way: "showworkMiddleware (ai)", kind, base, captured });
      await closeAll();
    }
  }

  child.stdin!.end();
  const last = await lines.next();
  const stored = last.done ? undefined : (JSON.parse(last.value as string) as { stored: number }).stored;
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });

  const ms = (x: number): string => `${x.toFixed(2)} ms`;
  console.log(`capture as an app runs it (fast signer, encrypted SQLite evidence, remoteSink over HTTP to a service in another process), ${CALLS} sequential calls per figure:`);
  for (const r of rows) {
    console.log(
      `  ${`${r.way} [${r.kind}]`.padEnd(34)} p50 ${ms(r.base.p50)} → ${ms(r.captured.p50)} (+${ms(r.captured.p50 - r.base.p50)}), p99 ${ms(r.base.p99)} → ${ms(r.captured.p99)} (+${ms(r.captured.p99 - r.base.p99)}); ` +
        `CPU per answer: caller's thread ${r.base.threadCpuMs.toFixed(3)} → ${r.captured.threadCpuMs.toFixed(3)} ms, all threads ${r.base.processCpuMs.toFixed(3)} → ${r.captured.processCpuMs.toFixed(3)} ms; ` +
        `caller's event-loop delay p99 ${r.base.loopDelayP99.toFixed(1)} → ${r.captured.loopDelayP99.toFixed(1)} ms (max ${r.base.loopDelayMax.toFixed(1)} → ${r.captured.loopDelayMax.toFixed(1)}), GC ${r.base.gcMsPerCall.toFixed(3)} → ${r.captured.gcMsPerCall.toFixed(3)} ms per call`,
    );
  }
  console.log(`receipts: ${delivered} captured and delivered; the service stored ${stored ?? "?"}`);
  if (stored !== delivered) throw new Error(`the service stored ${stored} receipts, ${delivered} were captured`);
  for (const r of rows) {
    const addedP50 = r.captured.p50 - r.base.p50;
    const addedP99 = r.captured.p99 - r.base.p99;
    const addedCpu = r.captured.threadCpuMs - r.base.threadCpuMs;
    const who = r.way.startsWith("withReceipts") ? "withReceipts" : "AI SDK middleware";
    // p50 and p99 as two lines: the p99 of sequential calls on this shared machine is mostly its scheduling (the caller's
    // event loop stalls without any capture too: the note gives its delay in the same blocks).
    reportTarget({
      target: `${who} adds <= 1 ms p50 to an answer (wall; ${r.kind} capturer)`,
      figure: `+${addedP50.toFixed(2)} ms p50`,
      peer: `without capture ${r.base.p50.toFixed(2)} ms`,
      ratio: `${(r.captured.p50 / r.base.p50).toFixed(2)}x`,
      met: addedP50 <= 1,
      note: "wall time on a shared machine: noisy",
    });
    reportTarget({
      target: `${who} adds <= 5 ms p99 to an answer (wall; ${r.kind} capturer)`,
      figure: `+${addedP99.toFixed(2)} ms p99`,
      peer: `without capture ${r.base.p99.toFixed(2)} ms`,
      ratio: `${(r.captured.p99 / r.base.p99).toFixed(2)}x`,
      met: addedP99 <= 5,
      note: `the caller's event-loop delay p99 without / with capture ${r.base.loopDelayP99.toFixed(1)} / ${r.captured.loopDelayP99.toFixed(1)} ms (max ${r.base.loopDelayMax.toFixed(0)} / ${r.captured.loopDelayMax.toFixed(0)} ms): the machine's scheduling`,
    });
    reportTarget({
      target: `${who} <= 0.3 ms CPU per answer on the caller's thread (${r.kind} capturer)`,
      figure: `+${addedCpu.toFixed(3)} ms`,
      peer: `the call without capture ${r.base.threadCpuMs.toFixed(3)} ms on that thread`,
      ratio: `${(r.captured.threadCpuMs / r.base.threadCpuMs).toFixed(2)}x`,
      met: addedCpu <= 0.3,
      note: `all threads: +${(r.captured.processCpuMs - r.base.processCpuMs).toFixed(3)} ms per answer (build, sign, evidence, queue, delivery)`,
    });
  }
  console.log(JSON.stringify({ bench: "capture", calls: CALLS, rows, delivered, stored }));
}

if (process.argv.includes("--serve")) await serve();
else await main();

async function serve(): Promise<void> {
  // The other process: the model server and the anchoring service (SQLite, no chain, loopback without a token).
  const { createModelServer } = await import("../sdk/capture/testing/modelServer.js");
  const { AnchoringService } = await import("../sdk/service/AnchoringService.js");
  const { startHttpServer } = await import("../sdk/service/http/server.js");
  const { SqliteReceiptStore } = await import("../sdk/service/store/sqlite.js");
  const dir = process.argv[process.argv.indexOf("--serve") + 1]!;
  const upstream = await createModelServer({ models: { [MODEL]: { version: "v1" } } }).listen();
  const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: path.join(dir, "store.sqlite") }), ingestion: { signatures: "valid" } });
  const http = await startHttpServer(service, { port: 0, auth: "none" });
  console.log(JSON.stringify({ upstream: upstream.url, service: http.url }));
  process.stdin.resume();
  process.stdin.on("end", () => {
    void (async () => {
      const total = (await service.metrics()).receipts.total;
      console.log(JSON.stringify({ stored: total }));
      await http.close();
      await service.close();
      await upstream.close();
      process.exit(0);
    })();
  });
}
