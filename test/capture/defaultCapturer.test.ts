/**
 * The README's one line — `withReceipts(new OpenAI())`, and `showworkMiddleware()` for the AI SDK,
 * with no options: the config (.showwork/config.json + secrets) names the key, the service, the
 * queue, the evidence store and the models, and the work (build, sign, evidence, queue, delivery)
 * runs on a worker thread, not on the thread that answers. Each case is an app in its own process
 * (real `openai` / `ai` packages, the model server and the anchoring service over HTTP on
 * 127.0.0.1): it makes its calls and simply ends — no close(), no flush() — and the receipts must be
 * delivered before it exits, as in-thread capture did.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";

import { CONFIG_FORMAT, writeConfig } from "../../sdk/config/index.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import { startHttpServer, type RunningServer } from "../../sdk/service/http/server.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { captureRig, MODEL, type CaptureRig } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const EVIDENCE_KEY = `0x${"3c".repeat(32)}`;

interface AppRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: { openai: Hex; ai: Hex; runsOn: string; servingNode: Hex; sameDefault: boolean };
}

describe("capture: the default capturer (withReceipts(client) / showworkMiddleware() with no options)", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let upstream: { url: string; close(): Promise<void> };
  let service: RunningServer;

  before(async () => {
    rig = await captureRig();
    upstream = await rig.server.listen();
    service = await startHttpServer(rig.service, { port: 0, auth: "none" });
  });
  after(async () => {
    await service.close();
    await upstream.close();
    await rig.close();
    removeTempDirs();
  });

  /** A project folder whose config names the service, a queue, an encrypted evidence store and the model. */
  function project(serviceUrl: string): { dir: string; nodeKey: Hex } {
    const dir = tempDir();
    const nodeKey = generatePrivateKey();
    writeConfig(
      dir,
      {
        format: CONFIG_FORMAT,
        chains: [],
        service: { url: serviceUrl },
        evidence: { store: ".showwork/evidence.sqlite" },
        capture: { queue: ".showwork/queue.sqlite", models: { [MODEL]: { provider: "acme" } } },
      },
      { nodeKey, evidenceKey: EVIDENCE_KEY },
    );
    return { dir, nodeKey };
  }

  /** The app: one openai call and one AI SDK call through the one-liners, then it ends by itself. */
  function runApp(dir: string, env: Record<string, string> = {}, flags: string[] = []): Promise<AppRun> {
    const script = [
      'import OpenAI from "openai";',
      'import { generateText, wrapLanguageModel } from "ai";',
      'import { capturerOf, receiptIdOf, showworkMiddleware, withReceipts } from "./sdk/capture/index.js";',
      'import { openAICompatibleChatModel } from "./sdk/capture/testing/chatModel.js";',
      `const openai = withReceipts(new OpenAI({ apiKey: "t", baseURL: ${JSON.stringify(`${upstream.url}/v1`)}, maxRetries: 0 }));`,
      `const answer = await openai.chat.completions.create({ model: ${JSON.stringify(MODEL)}, messages: [{ role: "user", content: "where is order 1?" }] });`,
      `const model = wrapLanguageModel({ model: openAICompatibleChatModel(${JSON.stringify(`${upstream.url}/v1`)}, ${JSON.stringify(MODEL)}), middleware: showworkMiddleware() });`,
      'const result = await generateText({ model, prompt: "where is order 2?", maxRetries: 0 });',
      "const capturer = capturerOf(openai);",
      "const other = withReceipts(new OpenAI({ apiKey: 't', baseURL: 'http://127.0.0.1:9/v1' }));",
      "const ids = { openai: receiptIdOf(answer), ai: result.providerMetadata?.showwork?.receiptId, servingNode: capturer.servingNode, sameDefault: capturerOf(other) === capturer };",
      "// The app ends here. Where the work ran, said as the process exits (the worker may still have been starting during the calls):",
      'process.on("exit", () => console.log(JSON.stringify({ ...ids, runsOn: capturer.runsOn })));',
    ].join("\n");
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [...flags, "--import", "tsx", "--input-type=module", "-e", script],
        { cwd: ROOT, timeout: 60_000, env: { ...process.env, SHOWWORK_CONFIG: dir, ...env } },
        (error, stdout, stderr) => {
          const line = stdout.trim().split("\n").pop() ?? "";
          let report = {} as AppRun["report"];
          try {
            report = JSON.parse(line) as AppRun["report"];
          } catch {
            // asserted below with the output
          }
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, report });
        },
      );
    });
  }

  async function expectDelivered(dir: string, ids: readonly Hex[]): Promise<void> {
    for (const id of ids) {
      const status = await rig.service.status(id);
      expect(status.receiptId.toLowerCase(), id).to.equal(id.toLowerCase());
    }
    // Nothing left in the queue file; the evidence of both answers, encrypted with the project's key.
    const db = new DatabaseSync(join(dir, ".showwork/queue.sqlite"), { readOnly: true });
    expect((db.prepare("SELECT count(*) AS n FROM queue").get() as { n: number }).n).to.equal(0);
    db.close();
    const evidence = SqliteEvidenceStore.open({ path: join(dir, ".showwork/evidence.sqlite"), encryptionKey: EVIDENCE_KEY });
    try {
      expect((await evidence.getEvidence(ids[0]!))?.input.content).to.include("where is order 1?");
      expect((await evidence.getEvidence(ids[1]!))?.input.content).to.include("where is order 2?");
    } finally {
      await evidence.close();
    }
  }

  it("runs the work on a worker thread; a script that makes its calls and ends delivers every receipt before it exits (last-receipt.json, encrypted evidence)", async () => {
    const { dir, nodeKey } = project(service.url);
    const run = await runApp(dir);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.report.runsOn, run.stdout).to.equal("worker");
    expect(run.report.sameDefault, "every client wrapped without options shares the default capturer").to.equal(true);
    expect(run.report.servingNode).to.equal(privateKeyToAddress(nodeKey));
    expect(run.stderr).to.not.match(/capture runs on the app's thread/);
    await expectDelivered(dir, [run.report.openai, run.report.ai]);
    const last = JSON.parse(readFileSync(join(dir, ".showwork/last-receipt.json"), "utf8")) as { receiptId: Hex };
    expect(last.receiptId).to.equal(run.report.ai);
  });

  it("SHOWWORK_CAPTURE_THREAD=main keeps the work on the app's thread (said nowhere: it was asked for); the receipts are delivered the same", async () => {
    const { dir } = project(service.url);
    const run = await runApp(dir, { SHOWWORK_CAPTURE_THREAD: "main" });
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.report.runsOn, run.stdout).to.equal("main");
    expect(run.stderr).to.not.match(/capture runs on the app's thread/);
    await expectDelivered(dir, [run.report.openai, run.report.ai]);
  });

  it("when the worker cannot start (an app preload that throws off the main thread), capture falls back to the app's thread, says why once, and loses no answer", async () => {
    const { dir } = project(service.url);
    const preload = join(dir, "main-only.mjs");
    writeFileSync(preload, 'import { isMainThread } from "node:worker_threads";\nif (!isMainThread) throw new Error("this preload runs on the main thread only");\n');
    const run = await runApp(dir, {}, ["--import", preload]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.report.runsOn, run.stdout).to.equal("main");
    const said = run.stderr.split("\n").filter((l) => l.includes("capture runs on the app's thread"));
    expect(said, run.stderr).to.have.length(1);
    expect(said[0]).to.include("the capture worker could not start: this preload runs on the main thread only");
    await expectDelivered(dir, [run.report.openai, run.report.ai]);
  });

  it("with the service unreachable, the script still ends (after the bounded 10 s of trying), says once what it left and where, and the receipts wait in the queue file", async () => {
    const { dir } = project("http://127.0.0.1:9");
    const run = await runApp(dir);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.report.runsOn, run.stdout).to.equal("worker");
    const left = run.stderr.split("\n").filter((l) => /not yet (taken|delivered)/.test(l));
    expect(left, run.stderr).to.have.length(1);
    expect(left[0]).to.match(/2 receipt\(s\) not yet taken by the anchoring service at http:\/\/127\.0\.0\.1:9: kept in .*queue\.sqlite; the next process that captures sends them/);
    const db = new DatabaseSync(join(dir, ".showwork/queue.sqlite"), { readOnly: true });
    const rows = db.prepare("SELECT receipt_id FROM queue ORDER BY seq").all() as { receipt_id: string }[];
    db.close();
    expect(rows.map((r) => r.receipt_id)).to.deep.equal([run.report.openai.toLowerCase(), run.report.ai.toLowerCase()]);
  });

  it("after close() of the default capturer, the next answer starts a new one: both receipts delivered, the script ends by itself", async () => {
    const { dir } = project(service.url);
    const script = [
      'import OpenAI from "openai";',
      'import { capturerOf, receiptIdOf, withReceipts } from "./sdk/capture/index.js";',
      `const openai = withReceipts(new OpenAI({ apiKey: "t", baseURL: ${JSON.stringify(`${upstream.url}/v1`)}, maxRetries: 0 }));`,
      `const ask = async (q) => receiptIdOf(await openai.chat.completions.create({ model: ${JSON.stringify(MODEL)}, messages: [{ role: "user", content: q }] }));`,
      'const first = await ask("where is order 1?");',
      "const closed = await capturerOf(openai).close();",
      'const second = await ask("where is order 2?");',
      'process.on("exit", () => console.log(JSON.stringify({ first, second, closed, runsOn: capturerOf(openai).runsOn })));',
    ].join("\n");
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, timeout: 60_000, env: { ...process.env, SHOWWORK_CONFIG: dir } }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(out.code, `${out.stdout}\n${out.stderr}`).to.equal(0);
    const report = JSON.parse(out.stdout.trim().split("\n").pop()!) as { first: Hex; second: Hex; closed: { delivered: boolean }; runsOn: string };
    expect(report.closed.delivered).to.equal(true);
    expect(report.runsOn).to.equal("worker");
    await expectDelivered(dir, [report.first, report.second]);
  });

  it("a bad SHOWWORK_CAPTURE_THREAD is refused with the values it takes", async () => {
    const { dir } = project(service.url);
    const run = await runApp(dir, { SHOWWORK_CAPTURE_THREAD: "gpu" });
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.include('SHOWWORK_CAPTURE_THREAD must be "worker" or "main" (found "gpu")');
    expect(existsSync(join(dir, ".showwork/last-receipt.json"))).to.equal(false);
  });
});
