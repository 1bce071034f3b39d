/**
 * Benchmarks of the anchoring service (`npm run bench -- service`). Each scenario runs in its
 * own process (clean memory figures) and prints one JSON line; this script prints a summary.
 *
 *   ingest     record() in-process, 1,000 receipts per call, into a durable store (synchronous=FULL)
 *   ingest-normal   the same with synchronous=NORMAL (survives a killed process, not a power loss)
 *   ingest-parts    where record()'s time goes: validation (the SDK's parseReceipt) vs serializing and storing
 *   http       POST /v1/receipts with 1,000 receipts per request, from another process, 2 requests in flight
 *   pipeline   record() while batches close and anchor on the in-process chain: ingestion rate,
 *              time until all final, batch close → anchored latency
 *   big-batch  one batch of all the receipts of the `ingest` store (10^6): close (tree), anchor, proofs; peak memory
 *
 * Sizes: SHOWWORK_BENCH_RECEIPTS (default 1,000,000) for ingest/http/big-batch; pipeline uses a fifth of it.
 * `--only=ingest,http` runs a subset. Target (issue #26): POST /v1/receipts ≥ 30,000 per server CPU-second,
 * against record() in-process on the same receipts (the `ingest` scenario) as the peer.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { computeToolsDigest, modelIdFromName, type ReceiptJson } from "../sdk/index.js";
import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { connectEmbedded } from "../sdk/service/chain/connect.js";
import { setupServiceLog } from "../sdk/service/chain/setupLog.js";
import { startHttpServer } from "../sdk/service/http/server.js";
import { generateAccessToken } from "../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";
import { perSecond, reportTarget } from "./benchTargets.js";

/** The benchmark's receipts are unsigned, with fixed past issuedAt (the signature-check cost is its own scenario). */
const UNCHECKED = { issuedAtWindow: false, signatures: "off" } as const;

const SELF = fileURLToPath(import.meta.url);
const N = Number(process.env.SHOWWORK_BENCH_RECEIPTS ?? 1_000_000);
const CHUNK = 1_000;
/** Requests of {@link CHUNK} sent before the HTTP scenario measures (JIT, page cache). */
const WARM_UP = 10;

// ------------------------------------------------------------------ receipts (fast, realistic shape)

const EMPTY_TOOLS = computeToolsDigest([]);
const MODEL = modelIdFromName("bench-model");
const WEIGHTS = `0x${"5a".repeat(32)}`;
const NODE = "0x00000000000000000000000000000000000000b1";
const T0 = 1_790_000_000;
let sequence = 0;

/** `n` valid receipts with random digests (one random buffer per chunk). */
function receipts(n: number): ReceiptJson[] {
  const random = randomBytes(n * 32 * 8).toString("hex");
  const out = new Array<ReceiptJson>(n);
  for (let i = 0; i < n; i++) {
    const d = (k: number): string => `0x${random.slice((i * 8 + k) * 64, (i * 8 + k + 1) * 64)}`;
    out[i] = {
      format: "showwork/receipt@1",
      receiptId: d(0),
      modelId: MODEL,
      weightsDigest: WEIGHTS,
      promptTemplateDigest: d(1),
      promptTemplateVersion: 3,
      retrievalIndexDigest: d(2),
      memoryDigest: d(3),
      tools: [],
      toolsDigest: EMPTY_TOOLS,
      inputDigest: d(4),
      outputDigest: d(5),
      samplingDigest: d(6),
      servingNode: NODE,
      issuedAt: T0 + Math.floor(sequence / 1000),
      sequence: sequence++,
    };
  }
  return out;
}

// ------------------------------------------------------------------ measuring

/** Peak resident memory of this process (VmHWM; ru_maxrss would include the forking parent's). */
function peakRssMiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Math.round((kib === undefined ? process.resourceUsage().maxRSS : Number(kib)) / 1024);
}

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function ingest(store: string, durability: "full" | "normal", n: number): Promise<void> {
  const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: store, durability }), ingestion: UNCHECKED });
  for (let i = 0; i < WARM_UP; i++) await service.record(receipts(CHUNK)); // as the HTTP scenario: not counted
  let wall = 0;
  let cpu = 0;
  const windows: number[] = [];
  let windowStart = 0;
  let windowMs = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const chunk = receipts(Math.min(CHUNK, n - done));
    const c0 = cpuMs();
    const t0 = performance.now();
    await service.record(chunk);
    const dt = performance.now() - t0;
    wall += dt;
    windowMs += dt;
    cpu += cpuMs() - c0;
    if (done + CHUNK - windowStart >= 100_000) {
      windows.push(Math.round(((done + CHUNK - windowStart) / windowMs) * 1000));
      windowStart = done + CHUNK;
      windowMs = 0;
    }
  }
  await service.close();
  emit({
    scenario: `ingest (${durability})`,
    receipts: n,
    perSecond: Math.round((n / wall) * 1000),
    perCpuSecond: Math.round((n / cpu) * 1000),
    per100kWindows: windows,
    seconds: +(wall / 1000).toFixed(1),
    storeMiB: Math.round(statSync(store).size / 2 ** 20),
    peakRssMiB: peakRssMiB(),
  });
}

/** Where the time of record() goes: the SDK's validation (parseReceipt) vs the service's own work (serialize + store). */
async function ingestParts(store: string, n: number): Promise<void> {
  const { validateSubmission } = await import("../sdk/service/validateSubmission.js");
  const db = SqliteReceiptStore.open({ path: store });
  await db.acquireWriter("bench");
  let validateMs = 0;
  let storeMs = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const chunk = receipts(CHUNK);
    const t0 = performance.now();
    const valid = validateSubmission(chunk);
    const t1 = performance.now();
    await db.appendReceipts(
      valid.map((v) => v.stored),
      Date.now(),
    );
    await db.maintain();
    storeMs += performance.now() - t1;
    validateMs += t1 - t0;
  }
  await db.close();
  emit({
    scenario: "record() split",
    receipts: n,
    validatePerSecond: Math.round((n / validateMs) * 1000),
    storePerSecond: Math.round((n / storeMs) * 1000),
  });
}

async function serveOnly(store: string): Promise<void> {
  const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: store }), ingestion: UNCHECKED });
  const devToken = generateAccessToken().token;
  const server = await startHttpServer(service, { host: "127.0.0.1", port: 0, auth: { devToken } });
  // SIGUSR2: the client starts measuring (after its warm-up); the server's CPU from here to SIGTERM is what serving cost.
  let markMs = cpuMs();
  process.on("SIGUSR2", () => {
    markMs = cpuMs();
    process.stdout.write("MARKED\n");
  });
  process.stdout.write(`URL ${server.url} TOKEN ${devToken}\n`);
  await new Promise<void>((resolve) => process.once("SIGTERM", resolve));
  const servingCpuMs = cpuMs() - markMs;
  await server.close();
  await service.close();
  process.stdout.write(`SERVER ${JSON.stringify({ peakRssMiB: peakRssMiB(), cpuSeconds: +(cpuMs() / 1000).toFixed(1), servingCpuMs: Math.round(servingCpuMs) })}\n`);
}

async function http(store: string, n: number): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF, "--scenario", "serve", store], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  while (!/URL (\S+) TOKEN (\S+)/.test(output)) await new Promise((resolve) => setTimeout(resolve, 50));
  const [, url, token] = /URL (\S+) TOKEN (\S+)/.exec(output)!;
  const post = async (size: number): Promise<void> => {
    const body = JSON.stringify(receipts(size));
    const response = await fetch(`${url}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
    if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  // Warm-up (JIT, SQLite page cache), then the server marks its CPU: start-up and warm-up are not counted.
  for (let i = 0; i < WARM_UP; i++) await post(CHUNK);
  child.kill("SIGUSR2");
  while (!output.includes("MARKED\n")) await new Promise((resolve) => setTimeout(resolve, 5));
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const size = Math.min(CHUNK, n - next);
      next += size;
      await post(size);
    }
  };
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - started) / 1000;
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const server = JSON.parse(/SERVER (\{.*\})/.exec(output)?.[1] ?? "{}") as { peakRssMiB?: number; cpuSeconds?: number; servingCpuMs?: number };
  emit({
    scenario: "http (1,000 per request)",
    receipts: n,
    perSecond: Math.round(n / seconds),
    perServerCpuSecond: server.servingCpuMs === undefined ? undefined : Math.round((n / server.servingCpuMs) * 1000),
    seconds: +seconds.toFixed(1),
    serverPeakRssMiB: server.peakRssMiB,
    serverCpuSeconds: server.cpuSeconds,
    storeMiB: Math.round(statSync(store).size / 2 ** 20),
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
};

async function pipeline(store: string, n: number): Promise<void> {
  const clients = await connectEmbedded();
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient);
  const closedAt = new Map<number, number>();
  const latencies: number[] = [];
  const service = await AnchoringService.open({
    store: SqliteReceiptStore.open({ path: store }),
    chain: { ...clients, contract, logId },
    ingestion: UNCHECKED,
    batching: { maxReceipts: 10_000, maxDelayMs: 1_000 },
    pollIntervalMs: 50,
    onEvent: (event) => {
      if (event.type === "batch-closed") closedAt.set(event.batchIndex, performance.now());
      if (event.type === "anchored") {
        for (let i = event.firstBatch; i <= event.lastBatch; i++) latencies.push(performance.now() - (closedAt.get(i) ?? performance.now()));
      }
    },
  });
  service.start();
  const started = performance.now();
  let recordMs = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const chunk = receipts(CHUNK);
    const t0 = performance.now();
    await service.record(chunk);
    recordMs += performance.now() - t0;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const recorded = performance.now();
  service.flush();
  while ((await service.metrics()).receipts.final < n) await new Promise((resolve) => setTimeout(resolve, 20));
  const finished = performance.now();
  await service.close();
  await clients.close();
  emit({
    scenario: "pipeline (in-process chain, batches of 10,000)",
    receipts: n,
    recordPerSecond: Math.round((n / recordMs) * 1000),
    endToEndPerSecond: Math.round((n / (finished - started)) * 1000),
    lastFinalAfterLastRecordMs: Math.round(finished - recorded),
    batches: latencies.length,
    closeToAnchoredMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: percentile(latencies, 100) },
    peakRssMiB: peakRssMiB(),
  });
}

async function bigBatch(store: string): Promise<void> {
  const rssBefore = Math.round(process.memoryUsage().rss / 2 ** 20);
  const clients = await connectEmbedded();
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient);
  let closed = 0;
  let anchored = 0;
  const service = await AnchoringService.open({
    store: SqliteReceiptStore.open({ path: store }),
    chain: { ...clients, contract, logId },
    ingestion: UNCHECKED,
    batching: { maxReceipts: 1_000_000, maxDelayMs: 60_000 },
    pollIntervalMs: 20,
    onEvent: (event) => {
      if (event.type === "batch-closed") closed = performance.now();
      if (event.type === "anchored") anchored = performance.now();
    },
  });
  const total = (await service.metrics()).receipts.total;
  const rssChain = Math.round(process.memoryUsage().rss / 2 ** 20);
  let sampled = 0;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 20);
  const started = performance.now();
  service.flush();
  service.start();
  while ((await service.metrics()).receipts.final < total) await new Promise((resolve) => setTimeout(resolve, 20));
  const status = await service.batch(0);
  const ids = (await service.store.listReceipts({ limit: 1, afterSeq: status.lastSeq - 1 })).map((r) => r.receiptId);
  const first = (await service.store.listReceipts({ limit: 1 }))[0]!.receiptId;
  let t = performance.now();
  await service.bundle(first);
  const warmBundleMs = performance.now() - t;
  await service.close();
  // A reader process opening the store cold: rebuilds the tree from the stored leaves.
  const { readBundle } = await import("../sdk/service/bundles.js");
  const { BatchTreeCache } = await import("../sdk/service/batchTree.js");
  const reader = SqliteReceiptStore.open({ path: store });
  const trees = new BatchTreeCache();
  t = performance.now();
  await readBundle(reader, ids[0]!, { trees });
  const coldBundleMs = performance.now() - t;
  t = performance.now();
  await readBundle(reader, first, { trees });
  const coldSecondMs = performance.now() - t;
  await reader.close();
  clearInterval(sampler);
  await clients.close();
  emit({
    scenario: "one batch of all receipts",
    receipts: status.leafCount,
    closeSeconds: +((closed - started) / 1000).toFixed(1),
    closeToAnchoredMs: Math.round(anchored - closed),
    warmBundleMs: +warmBundleMs.toFixed(1),
    coldBundleMs: Math.round(coldBundleMs),
    nextBundleSameReaderMs: +coldSecondMs.toFixed(1),
    rssBeforeMiB: rssBefore,
    rssWithChainMiB: rssChain,
    peakRssMiB: Math.max(Math.round(sampled / 2 ** 20), peakRssMiB()),
  });
}

// ------------------------------------------------------------------ driver

async function runScenario(args: string[]): Promise<Record<string, unknown> | undefined> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF, "--scenario", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = /RESULT (\{.*\})/.exec(output)?.[1];
  if (code !== 0 || line === undefined) {
    console.log(`  ${args[0]}: failed (exit ${code})`);
    return undefined;
  }
  return JSON.parse(line) as Record<string, unknown>;
}

if (process.argv[2] === "--scenario") {
  const [, , , scenario, store] = process.argv;
  if (scenario === "ingest") await ingest(store!, "full", N);
  else if (scenario === "ingest-normal") await ingest(store!, "normal", Math.min(N, 200_000));
  else if (scenario === "ingest-parts") await ingestParts(store!, Math.min(N, 200_000));
  else if (scenario === "serve") await serveOnly(store!);
  else if (scenario === "http") await http(store!, N);
  else if (scenario === "pipeline") await pipeline(store!, Math.max(CHUNK, Math.round(N / 5 / CHUNK) * CHUNK));
  else if (scenario === "big-batch") await bigBatch(store!);
  process.exit(0);
} else {
  const dir = mkdtempSync(join(tmpdir(), "showwork-bench-"));
  const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
  console.log(`anchoring service, ${N.toLocaleString("en-US")} receipts (node ${process.version}, load average ${load} on ${(await import("node:os")).cpus().length} cores)`);
  try {
    // `--only=ingest,http`: a subset (big-batch needs ingest's store).
    const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
    const scenario = async (name: string, file: string): Promise<Record<string, unknown> | undefined> =>
      only === undefined || only.includes(name) ? runScenario([name, join(dir, file)]) : undefined;
    const results: (Record<string, unknown> | undefined)[] = [];
    results.push(await scenario("ingest", "ingest.sqlite"));
    results.push(await scenario("ingest-normal", "normal.sqlite"));
    results.push(await scenario("ingest-parts", "parts.sqlite"));
    results.push(await scenario("http", "http.sqlite"));
    results.push(await scenario("pipeline", "pipeline.sqlite"));
    results.push(await scenario("big-batch", "ingest.sqlite"));
    for (const r of results) if (r !== undefined) console.log(`  ${JSON.stringify(r)}`);
    const [ingested, , , served] = results as ({ perCpuSecond?: number; perServerCpuSecond?: number } | undefined)[];
    if (served?.perServerCpuSecond !== undefined && ingested?.perCpuSecond !== undefined) {
      reportTarget({
        target: "POST /v1/receipts >= 30,000 receipts per server CPU-second",
        figure: `${perSecond(served.perServerCpuSecond)}/server CPU-s`,
        peer: `record() in-process, same receipts and calls, ${perSecond(ingested.perCpuSecond)}/CPU-s`,
        ratio: `${(served.perServerCpuSecond / ingested.perCpuSecond).toFixed(2)}x`,
        met: served.perServerCpuSecond >= 30_000,
        note: `${N.toLocaleString("en-US")} receipts as JSON, 1,000 per request, 2 in flight from another process, signatures off, SQLite synchronous=FULL; server CPU after ${WARM_UP} warm-up requests`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
