/**
 * `showwork proxy` as deployed (`npm run bench -- capture-proxy`): the real CLI in its own process
 * (`bin/showwork.mjs proxy`: encrypted SQLite evidence, durable SQLite queue, delivery over HTTP to
 * an anchoring service), in front of an upstream that takes 50 ms per answer. A non-JS client
 * (plain `node:http`, keep-alive) sends chat completions straight to the upstream and through the
 * proxy, in the same run:
 *
 *   latency     1 in flight: p50 direct vs through the proxy (the target: adds <= 2 ms)
 *   throughput  32 and 256 in flight: answers/s direct vs through the proxy (the target: >= 90%)
 *
 * The client and the upstream share this process; the proxy has its own, as `showwork proxy` does, and the
 * anchoring service (SQLite, no chain) another. Its CPU per answer is read from
 * /proc (user + system of all its threads). Every answer through the proxy must carry a receipt
 * id, and every receipt must reach the service (checked at the end).
 *
 * A second peer in the same run: a bare forwarding hop (node:http, keep-alive agent, no capture) in its own
 * process — what any proxy process costs on this machine by itself — so that the proxy's ratio can be read
 * against what a hop with no work at all keeps.
 *
 * SHOWWORK_BENCH_PROXY_SECONDS: seconds per throughput run (default 6; --quick 3).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { generatePrivateKey } from "viem/accounts";

import { AnchoringService } from "../sdk/service/AnchoringService.js";
import { startHttpServer } from "../sdk/service/http/server.js";
import { SqliteReceiptStore } from "../sdk/service/store/sqlite.js";
import { reportTarget } from "./benchTargets.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The anchoring service the proxy delivers to (loopback, no token), in a process of its own: its SQLite commits must
// not stop this process's client and upstream (they would slow the run through the proxy only).
if (process.argv.includes("--serve")) {
  const store = SqliteReceiptStore.open({ path: path.join(process.argv[process.argv.indexOf("--serve") + 1]!, "store.sqlite") });
  const service = await AnchoringService.open({ store });
  const http = await startHttpServer(service, { port: 0, auth: "none" });
  process.stdout.write(`${http.url}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void (async () => {
    process.stdout.write(`${(await service.metrics()).receipts.total}\n`);
    await http.close();
    await service.close();
    process.exit(0);
  })());
  await new Promise(() => undefined);
}
// The bare hop: forwards POSTs to the upstream on a keep-alive agent and pipes the answer back, nothing else.
if (process.argv.includes("--hop")) {
  const target = new URL(process.argv[process.argv.indexOf("--hop") + 1]!);
  const agent = new Agent({ keepAlive: true });
  const hop = createServer((req, res) => {
    const out = request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.writeHead(502).end());
    req.pipe(out);
  });
  hop.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => hop.listen(0, "127.0.0.1", resolve));
  process.stdout.write(`http://127.0.0.1:${(hop.address() as { port: number }).port}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
  await new Promise(() => undefined);
}
const quick = process.argv.includes("--quick");
const SECONDS = Number(process.env.SHOWWORK_BENCH_PROXY_SECONDS ?? (quick ? 3 : 6));
const LATENCY_CALLS = quick ? 100 : 300;
const MODEL = "bench/chat";
const UPSTREAM_MS = 50;
const dir = mkdtempSync(path.join(tmpdir(), "showwork-bench-proxy-"));

// The upstream: a fixed chat completion after 50 ms.
const answer = JSON.stringify({
  id: "chatcmpl-slow",
  object: "chat.completion",
  created: 1_700_000_000,
  model: MODEL,
  system_fingerprint: "fp_bench",
  choices: [{ index: 0, message: { role: "assistant", content: "Your order ships tomorrow." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
});
const upstream = createServer((req, res) => {
  req.resume();
  req.on("end", () => setTimeout(() => res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) }).end(answer), UPSTREAM_MS));
});
upstream.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

const hopChild = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--hop", upstreamUrl], { stdio: ["pipe", "pipe", "inherit"] });
const hopUrl = (await createInterface({ input: hopChild.stdout })[Symbol.asyncIterator]().next()).value as string;

const serviceChild = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve", dir], { stdio: ["pipe", "pipe", "inherit"] });
const serviceLines = createInterface({ input: serviceChild.stdout })[Symbol.asyncIterator]();
const http = { url: (await serviceLines.next()).value as string };

// `showwork proxy`, the CLI, in its own process.
const manifest = path.join(dir, "models.json");
await import("node:fs").then((fs) => fs.writeFileSync(manifest, JSON.stringify({ [MODEL]: { provider: "bench" } })));
const child = spawn(
  process.execPath,
  [...(process.env.SHOWWORK_BENCH_PROXY_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SHOWWORK_BENCH_PROXY_PROF}`] : []), path.join(ROOT, "bin/showwork.mjs"), "proxy", "--upstream", upstreamUrl, "--service", http.url, "--port", "0", "--queue", path.join(dir, "queue.sqlite"), "--evidence", path.join(dir, "evidence.sqlite"), "--models", manifest, "--json"],
  { cwd: dir, env: { ...process.env, SHOWWORK_NODE_KEY: generatePrivateKey(), SHOWWORK_EVIDENCE_KEY: `0x${"42".repeat(32)}` }, stdio: ["ignore", "pipe", "pipe"] },
);
const stderr: string[] = [];
child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const first = await lines.next();
if (first.done) throw new Error(`showwork proxy did not start:\n${stderr.join("")}`);
const proxyUrl = (JSON.parse(first.value as string) as { url: string }).url;
void (async () => {
  for await (const _ of lines); // drain its stdout
})();

/** CPU time (user + system, ms) of each thread of a process that used any, by thread name, from /proc. */
function threadCpuMsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      if (ms > 0) out.set(`${name}#${tid === String(pid) ? "main" : tid}`, ms);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** CPU time (user + system, ms) of a process, all threads, from /proc. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const body = (i: number): string => JSON.stringify({ model: MODEL, messages: [{ role: "user", content: `Where is order ${i}? Answer briefly.` }] });
let receipted = 0;
let failures = 0;
/** One chat completion over a keep-alive agent; resolves with the status (and counts receipt ids). */
function ask(base: string, agent: Agent, i: number): Promise<void> {
  return new Promise((resolve) => {
    const payload = body(i);
    const req = request(`${base}/v1/chat/completions`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), authorization: "Bearer bench" } }, (res) => {
      if (res.headers["x-showwork-receipt-id"] !== undefined) receipted++;
      if (res.statusCode !== 200) failures++;
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", () => {
      failures++;
      resolve();
    });
    req.end(payload);
  });
}

/** `inFlight` clients asking for `seconds` (after a one-second warm-up): answers per second. */
async function throughput(base: string, inFlight: number, seconds: number): Promise<{ rate: number; answers: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  let counting = false;
  let answers = 0;
  let stop = false;
  let i = 0;
  const workers = Array.from({ length: inFlight }, async () => {
    while (!stop) {
      await ask(base, agent, i++);
      if (counting) answers++;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  counting = true;
  const t = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const elapsed = (performance.now() - t) / 1000;
  counting = false;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  return { rate: answers / elapsed, answers };
}

async function p50(base: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 10; i++) await ask(base, agent, i);
  const times: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const t = performance.now();
    await ask(base, agent, i);
    times.push(performance.now() - t);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const directP50 = await p50(upstreamUrl);
const hopP50 = await p50(hopUrl);
const proxyP50 = await p50(proxyUrl);
const rows: { inFlight: number; direct: number; hop: number; proxy: number; proxyCpuMsPerAnswer: number; hopCpuMsPerAnswer: number }[] = [];
for (const inFlight of [32, 256]) {
  const direct = await throughput(upstreamUrl, inFlight, SECONDS);
  const hopCpu0 = cpuMsOf(hopChild.pid!);
  const hopped = await throughput(hopUrl, inFlight, SECONDS);
  const hopCpu = cpuMsOf(hopChild.pid!) - hopCpu0;
  const cpu0 = cpuMsOf(child.pid!);
  const threads0 = threadCpuMsOf(child.pid!);
  const proxied = await throughput(proxyUrl, inFlight, SECONDS);
  const cpu = cpuMsOf(child.pid!) - cpu0;
  const perThread = [...threadCpuMsOf(child.pid!)].map(([name, ms]) => [name, ms - (threads0.get(name) ?? 0)] as const).filter(([, ms]) => ms >= 10);
  const perAnswer = (ms: number): string => `${((ms / (proxied.rate * (SECONDS + 1))) * 1000).toFixed(0)} µs`;
  console.log(`  (proxy's threads at ${inFlight} in flight, CPU per answer: ${perThread.map(([name, ms]) => `${name} ${perAnswer(ms)}`).join(", ")})`);
  // CPU of the whole run incl. warm-up: per answer sent through it in that time (approximately rate × (seconds + 1)).
  rows.push({
    inFlight,
    direct: direct.rate,
    hop: hopped.rate,
    proxy: proxied.rate,
    proxyCpuMsPerAnswer: cpu / (proxied.rate * (SECONDS + 1)),
    hopCpuMsPerAnswer: hopCpu / (hopped.rate * (SECONDS + 1)),
  });
}
hopChild.stdin.end();

// Every receipt reaches the service: stop the proxy (it delivers what is queued, up to 5 s) and count.
child.kill("SIGTERM");
const stopped = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
serviceChild.stdin.end();
const stored = Number((await serviceLines.next()).value);
serviceChild.unref();
if (stopped !== 0) console.log(`showwork proxy exited with ${stopped}:\n${stderr.join("").slice(-2000)}`);
console.log(`showwork proxy (own process) in front of a ${UPSTREAM_MS} ms upstream; client: node:http keep-alive, ${SECONDS} s per run`);
console.log(
  `  latency, 1 in flight, ${LATENCY_CALLS} calls: direct p50 ${directP50.toFixed(2)} ms, through the proxy ${proxyP50.toFixed(2)} ms (added ${(proxyP50 - directP50).toFixed(2)} ms); a bare hop ${hopP50.toFixed(2)} ms (added ${(hopP50 - directP50).toFixed(2)} ms)`,
);
for (const r of rows) {
  console.log(
    `  ${String(r.inFlight).padStart(3)} in flight: direct ${r.direct.toFixed(0)} answers/s, through the proxy ${r.proxy.toFixed(0)} answers/s (${((r.proxy / r.direct) * 100).toFixed(0)}%); proxy CPU ${r.proxyCpuMsPerAnswer.toFixed(3)} ms per answer; ` +
      `a bare hop ${r.hop.toFixed(0)} answers/s (${((r.hop / r.direct) * 100).toFixed(0)}%), ${r.hopCpuMsPerAnswer.toFixed(3)} ms CPU per answer`,
  );
}
console.log(`  answers with a receipt id: ${receipted}; failed requests: ${failures}; receipts stored by the service: ${stored}; proxy exit ${stopped}`);
reportTarget({
  target: "showwork proxy adds <= 2 ms p50 (50 ms upstream, own process, wall)",
  figure: `+${(proxyP50 - directP50).toFixed(2)} ms p50`,
  peer: `direct ${directP50.toFixed(2)} ms p50`,
  ratio: `${(proxyP50 / directP50).toFixed(3)}x`,
  met: proxyP50 - directP50 <= 2,
  note: `a bare node:http hop in its own process, same run: +${(hopP50 - directP50).toFixed(2)} ms`,
});
for (const r of rows) {
  reportTarget({
    target: `showwork proxy keeps >= 90% of direct throughput, 50 ms upstream, ${r.inFlight} in flight (own process)`,
    figure: `${r.proxy.toFixed(0)} answers/s`,
    peer: `direct ${r.direct.toFixed(0)} answers/s`,
    ratio: `${((r.proxy / r.direct) * 100).toFixed(0)}%`,
    met: r.proxy / r.direct >= 0.9,
    note: `proxy ${r.proxyCpuMsPerAnswer.toFixed(3)} ms CPU per answer; a bare node:http hop in its own process, same run: ${((r.hop / r.direct) * 100).toFixed(0)}% (${r.hopCpuMsPerAnswer.toFixed(3)} ms CPU per answer)`,
  });
}
console.log(JSON.stringify({ bench: "capture-proxy", upstreamMs: UPSTREAM_MS, seconds: SECONDS, latency: { direct: directP50, hop: hopP50, proxy: proxyP50 }, throughput: rows, receipted, failures, stored }));

await new Promise<void>((resolve) => upstream.close(() => resolve()));
rmSync(dir, { recursive: true, force: true });
