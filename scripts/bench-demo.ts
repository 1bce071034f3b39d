/**
 * The main job at scale (`npm run bench -- demo`): `./run demo -- --answers N` (scripts/demo/story.ts:
 * in-process chain, capture through the real `openai` client and `withReceipts`, the anchoring service,
 * the evidence store, publishing, the monitor, disclosure) run in a child process per size, with
 * its CPU time (user + system, every thread), peak RSS, and CPU and RSS at the start of every step of
 * the story. Targets (issue #26): at 10^5 answers ≤ 40 s CPU and ≤ 600 MB peak RSS, memory flat as
 * answers grow.
 *
 * Peer in the same run: the **floor** — the same planned questions answered by the same model server
 * through the same `openai` client with no receipts at all (no capture, service, chain or evidence):
 * what any agent loop costs before showwork adds anything.
 *
 * Sizes: 10^4 and 10^5 (`SHOWWORK_BENCH_DEMO_SIZES=10000,100000,300000` to choose); `--quick`: 10^4 and
 * 2·10^4, and the 10^5 figures are extrapolated from them (said so in the line: never MET by extrapolation).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { cpuMicros, perSecond, reportTarget } from "./benchTargets.js";

const SELF = fileURLToPath(import.meta.url);
const quick = process.argv.includes("--quick");

interface Step {
  readonly text: string;
  readonly cpuS: number;
  readonly rssMiB: number;
}

interface DemoRun {
  readonly answers: number;
  readonly cpuS: number;
  readonly peakRssMiB: number;
  readonly wallS: number;
  readonly steps: readonly Step[];
}

const rssMiB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Child: the demo itself, with a reporter that notes CPU and RSS at every step. */
async function demoScenario(answers: number, out: string): Promise<void> {
  const { runDemo } = await import("./demo/story.js");
  const steps: Step[] = [];
  const t0 = performance.now();
  const batchSize = Math.min(10_000, Math.max(10, Math.ceil(answers / 12)));
  const report = await runDemo(
    { answers, batchSize, out, seed: 7 },
    {
      step: (text) => void steps.push({ text: text.split("\n")[0]!.slice(0, 60), cpuS: cpuMicros() / 1e6, rssMiB: rssMiB() }),
      note: () => undefined,
      progress: () => undefined,
      done: () => undefined,
    },
  );
  if (report.receipts.recorded < answers) throw new Error(`the demo recorded ${report.receipts.recorded} of ${answers} answers`);
  steps.push({ text: "end", cpuS: cpuMicros() / 1e6, rssMiB: rssMiB() });
  const run: DemoRun = { answers, cpuS: cpuMicros() / 1e6, peakRssMiB: peakRssMiB(), wallS: (performance.now() - t0) / 1000, steps };
  process.stdout.write(`RESULT ${JSON.stringify(run)}\n`);
}

/** Child: the floor — the same questions, model server and `openai` client, no receipts. */
async function floorScenario(answers: number): Promise<void> {
  const { default: OpenAI } = await import("openai");
  const { createModelServer } = await import("../sdk/capture/testing/modelServer.js");
  const { chatRequest, planQuestion, procurementModel, seededRandom } = await import("./demo/agent.js");
  const MODEL = "acme/procurement-assistant";
  const server = createModelServer({ models: { [MODEL]: { version: "v1", respond: procurementModel } } });
  const openai = new OpenAI({ apiKey: "demo", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 });
  const rnd = seededRandom(7);
  const c0 = cpuMicros();
  let calls: Promise<unknown>[] = [];
  for (let n = 0; n < answers; n++) {
    calls.push(openai.chat.completions.create(chatRequest(MODEL, planQuestion(n, rnd, false), n)));
    if (calls.length >= 16) {
      await Promise.all(calls);
      calls = [];
    }
  }
  await Promise.all(calls);
  process.stdout.write(`RESULT ${JSON.stringify({ answers, cpuS: (cpuMicros() - c0) / 1e6, peakRssMiB: peakRssMiB() })}\n`);
}

async function child<T>(args: string[]): Promise<T> {
  const proc = spawn(process.execPath, ["--import", "tsx", SELF, "--scenario", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
  const line = /RESULT (\{.*\})/.exec(output)?.[1];
  if (code !== 0 || line === undefined) throw new Error(`bench-demo ${args.join(" ")}: exit ${code}`);
  return JSON.parse(line) as T;
}

if (process.argv[2] === "--scenario") {
  const [, , , scenario, answers, out] = process.argv;
  if (scenario === "demo") await demoScenario(Number(answers), out!);
  else await floorScenario(Number(answers));
  process.exit(0);
} else {
  const sizes = (process.env.SHOWWORK_BENCH_DEMO_SIZES ?? (quick ? "10000,20000" : "10000,100000")).split(",").map(Number);
  if (sizes.length < 2 || sizes.some((n) => !Number.isSafeInteger(n) || n < 100) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) {
    throw new Error(`SHOWWORK_BENCH_DEMO_SIZES: expected two or more increasing sizes of at least 100 answers (per-answer cost and memory growth come from two sizes), found "${process.env.SHOWWORK_BENCH_DEMO_SIZES}"`);
  }
  const dir = mkdtempSync(join(tmpdir(), "showwork-bench-demo-"));
  const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
  console.log(`the main job (./run demo -- --answers N), one child process per size; load average ${load} on ${(await import("node:os")).cpus().length} cores`);
  try {
    const runs: DemoRun[] = [];
    for (const n of sizes) {
      const run = await child<DemoRun>(["demo", String(n), join(dir, `demo-${n}`)]);
      runs.push(run);
      rmSync(join(dir, `demo-${n}`), { recursive: true, force: true });
      console.log(`  ${n.toLocaleString("en-US")} answers: ${run.cpuS.toFixed(1)} s CPU, ${run.wallS.toFixed(0)} s wall, peak RSS ${run.peakRssMiB} MB`);
      let previous: Step | undefined;
      for (const step of run.steps) {
        if (previous) console.log(`    ${previous.text.padEnd(62)} ${(step.cpuS - previous.cpuS).toFixed(1).padStart(6)} s CPU   RSS ${previous.rssMiB} → ${step.rssMiB} MB`);
        previous = step;
      }
    }
    const floorN = Math.min(sizes[sizes.length - 1]!, 20_000);
    const floor = await child<{ answers: number; cpuS: number; peakRssMiB: number }>(["floor", String(floorN)]);
    const floorUs = (floor.cpuS / floor.answers) * 1e6;
    console.log(`  floor (same questions, model server and openai client, no receipts), ${floorN.toLocaleString("en-US")} answers: ${floorUs.toFixed(0)} µs CPU per answer, peak RSS ${floor.peakRssMiB} MB`);

    // Per-answer cost and fixed cost from the two largest sizes (the story's fixed steps: chain, contracts, disclosure).
    const [a, b] = runs.slice(-2) as [DemoRun, DemoRun];
    const perAnswerUs = ((b.cpuS - a.cpuS) / (b.answers - a.answers)) * 1e6;
    const at = runs.find((r) => r.answers === 100_000);
    const cpuAt = at?.cpuS ?? b.cpuS + (perAnswerUs * (100_000 - b.answers)) / 1e6;
    const extrapolated = at === undefined ? ` (EXTRAPOLATED from ${a.answers.toLocaleString("en-US")} and ${b.answers.toLocaleString("en-US")}: run without --quick to measure)` : "";
    reportTarget({
      target: "the main job at 10^5 answers <= 40 s CPU",
      figure: `${cpuAt.toFixed(1)} s CPU; ${perAnswerUs.toFixed(0)} µs per answer`,
      peer: `floor: the same answers with no receipts ${floorUs.toFixed(0)} µs per answer (${((floorUs * 100_000) / 1e6).toFixed(1)} s at 10^5)`,
      ratio: `${(perAnswerUs / floorUs).toFixed(2)}x the floor per answer`,
      met: at !== undefined && at.cpuS <= 40,
      note: `user + system CPU of the whole process, every thread${extrapolated}`,
    });
    const rssAt = at?.peakRssMiB;
    const growth = (b.peakRssMiB - a.peakRssMiB) / (b.answers - a.answers); // MiB per answer, from the two largest sizes
    const rss100k = rssAt ?? Math.round(b.peakRssMiB + growth * (100_000 - b.answers));
    reportTarget({
      target: "the main job at 10^5 answers <= 600 MB peak RSS",
      figure: `${rss100k} MB${at === undefined ? " (extrapolated)" : ""}`,
      peer: `the floor's process ${floor.peakRssMiB} MB`,
      ratio: `${(rss100k / floor.peakRssMiB).toFixed(1)}x`,
      met: rssAt !== undefined && rssAt <= 600,
      note: `peak RSS by size: ${runs.map((r) => `${r.answers.toLocaleString("en-US")}: ${r.peakRssMiB} MB`).join(", ")}`,
    });
    const first = runs[0]!;
    const last = runs[runs.length - 1]!;
    const kbPerAnswer = ((last.peakRssMiB - first.peakRssMiB) * 1024) / (last.answers - first.answers);
    reportTarget({
      target: "memory flat as answers grow (peak RSS grows <= 1 KB per answer, i.e. <= 100 MB per 10^5)",
      figure: `${kbPerAnswer.toFixed(2)} KB per answer (${last.peakRssMiB} MB at ${last.answers.toLocaleString("en-US")})`,
      peer: `${first.peakRssMiB} MB at ${first.answers.toLocaleString("en-US")}`,
      ratio: `${(last.peakRssMiB / first.peakRssMiB).toFixed(2)}x for ${(last.answers / first.answers).toFixed(0)}x the answers`,
      met: kbPerAnswer <= 1,
      note: `answers per CPU-second at the largest size: ${perSecond(last.answers / last.cpuS)}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
