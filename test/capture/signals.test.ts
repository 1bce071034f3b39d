/**
 * A capturing process stopped by SIGINT/SIGTERM (issue #21, "a process that exits with receipts
 * queued prints that on stderr"): with no handler of the app's, capture signs and queues what it
 * holds, waits a bounded time for delivery, says what was delivered and what is left, then dies of
 * the signal as it would have; with the app's own handler, capture leaves the decision to the app
 * and only says at exit what is still queued. Each case is a real child process (the real `openai`
 * package against the mock upstream, inside the child), signalled from here.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

import { serve } from "@hono/node-server";
import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { childEnv, ROOT } from "../service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The child: a capturer with a remote sink, answering `answers` questions with the real openai client; then `after` (JS). */
function app(options: { serviceUrl: string; token?: string; queuePath: string; answers: number; after: string; batchDelayMs?: number }): string {
  return [
    'import OpenAI from "openai";',
    'import { createCapturer, remoteSink, withReceipts } from "./sdk/capture/index.js";',
    'import { createModelServer } from "./sdk/capture/testing/modelServer.js";',
    'import { privateKeyToReceiptSigner } from "./sdk/receipt/index.js";',
    'const server = createModelServer({ models: { "acme/chat": { version: "v1" } } });',
    `const sink = remoteSink({ url: ${JSON.stringify(options.serviceUrl)}, ${options.token ? `token: ${JSON.stringify(options.token)}, ` : ""}queuePath: ${JSON.stringify(options.queuePath)}, minBackoffMs: 20, maxBackoffMs: 50, exitWaitMs: 5000, logger: false });`,
    `const capturer = createCapturer({ signer: privateKeyToReceiptSigner(${JSON.stringify(generatePrivateKey())}), sink, models: { "acme/chat": { weightsDigest: "0x${"11".repeat(32)}" } }, batchDelayMs: ${options.batchDelayMs ?? 25}, logger: false });`,
    'const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 }), { capturer });',
    `for (let i = 0; i < ${options.answers}; i++) await client.chat.completions.create({ model: "acme/chat", messages: [{ role: "user", content: "q" + i }] });`,
    options.after,
    "setInterval(() => undefined, 1000);", // an app that would run forever
  ].join("\n");
}

/** Runs `script` in a child; `onLine(line, child)` sees each stdout line. */
function runChild(script: string, onLine: (line: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stdout.on("data", (chunk: Buffer) => {
      const before = stdout.length;
      stdout += chunk.toString();
      for (const line of stdout.slice(before).split("\n").filter(Boolean)) onLine(line, (signal) => child.kill(signal));
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe("capture: a process stopped by SIGINT/SIGTERM", function () {
  this.timeout(180_000);
  after(() => removeTempDirs());

  it("with no handler of the app's: signs and queues what it holds, delivers within the bounded wait, says so, and dies of the signal", async () => {
    const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }) });
    const token = generateAccessToken().token;
    const app0 = createServiceApp(service, { door: { auth: { devToken: token }, allowedHosts: ["127.0.0.1"] } });
    const httpServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app0.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const port = (httpServer.address() as { port: number }).port;
    try {
      // The answers are delivered to the client; their receipts still wait in memory (a long batch delay) when SIGINT comes.
      const script = app({ serviceUrl: `http://127.0.0.1:${port}`, token, queuePath: join(tempDir(), "queue.sqlite"), answers: 3, batchDelayMs: 2_000, after: 'console.log("answered");' });
      const outcome = await runChild(script, (line, kill) => line === "answered" && kill("SIGINT"));
      expect(outcome.signal, outcome.stderr).to.equal("SIGINT");
      expect(outcome.stderr).to.match(/showwork capture: SIGINT: delivered 3 receipt\(s\) before exiting; nothing left queued\./);
      expect((await service.metrics()).receipts.total).to.equal(3);
    } finally {
      await new Promise((resolve) => httpServer.close(resolve));
      await service.close();
    }
  });

  it("with no handler of the app's and the service unreachable: waits the bounded time, says what is left and where, and dies of SIGTERM", async () => {
    const queuePath = join(tempDir(), "queue.sqlite");
    const script = app({ serviceUrl: "http://127.0.0.1:9", queuePath, answers: 2, after: 'await capturer.settled(); console.log("queued");' }).replace("exitWaitMs: 5000", "exitWaitMs: 300");
    const outcome = await runChild(script, (line, kill) => line === "queued" && kill("SIGTERM"));
    expect(outcome.signal, outcome.stderr).to.equal("SIGTERM");
    expect(outcome.stderr).to.match(/showwork capture: SIGTERM: exiting with 2 receipt\(s\) not yet delivered to http:\/\/127\.0\.0\.1:9 \(the oldest queued .* ago; last error: The service at http:\/\/127\.0\.0\.1:9 is unreachable.*\)\. They are kept in .*queue\.sqlite/);
  });

  it("with the app's own handler: leaves the decision to the app, and says at exit what is still queued", async () => {
    const script = app({
      serviceUrl: "http://127.0.0.1:9",
      queuePath: join(tempDir(), "queue.sqlite"),
      answers: 1,
      after: 'process.on("SIGTERM", () => { console.log("app stops"); setTimeout(() => process.exit(0), 50); }); await capturer.settled(); console.log("queued");',
    });
    const outcome = await runChild(script, (line, kill) => line === "queued" && kill("SIGTERM"));
    expect(outcome.signal, outcome.stderr).to.equal(null);
    expect(outcome.code).to.equal(0);
    expect(outcome.stdout).to.include("app stops");
    expect(outcome.stderr).to.not.include("SIGTERM:");
    expect(outcome.stderr).to.match(/showwork capture: exiting with 1 receipt\(s\) not yet delivered to http:\/\/127\.0\.0\.1:9 .*They are kept in .*queue\.sqlite/);
  });
});
