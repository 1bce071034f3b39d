/**
 * `new ShowworkSpanProcessor()` and `new ShowworkCallbackHandler()` with no options take the same
 * capturer as `withReceipts(new OpenAI())`: the project config's shared default (key, service, queue,
 * encrypted evidence, models from .showwork/), its work on a worker thread. The app runs in its own
 * process (real OpenTelemetry SDK, real LangChain `ChatOpenAI` over HTTP to the model server, the
 * anchoring service over HTTP), makes one traced span and one chain call, and simply ends: both
 * receipts must be delivered, with their evidence, before it exits.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";

import { CONFIG_FORMAT, writeConfig } from "../../sdk/config/index.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import { startHttpServer, type RunningServer } from "../../sdk/service/http/server.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { captureRig, MODEL, type CaptureRig } from "../capture/helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const EVIDENCE_KEY = `0x${"7d".repeat(32)}`;

describe("otel + langchain: with no options, the project config's default capturer (as withReceipts(new OpenAI()))", function () {
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

  it("a traced span and a LangChain chat run in a script that just ends: both receipts delivered from the worker, evidence encrypted with the project's key, one shared capturer", async () => {
    const dir = tempDir();
    const nodeKey = generatePrivateKey();
    writeConfig(
      dir,
      {
        format: CONFIG_FORMAT,
        chains: [],
        service: { url: service.url },
        evidence: { store: ".showwork/evidence.sqlite" },
        capture: { queue: ".showwork/queue.sqlite", models: { [MODEL]: { provider: "acme" } } },
      },
      { nodeKey, evidenceKey: EVIDENCE_KEY },
    );
    const span = { "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL, "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "traced question" }] }]), "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "traced answer" }] }]) };
    const script = [
      'import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";',
      'import { ChatOpenAI } from "@langchain/openai";',
      'import { ShowworkSpanProcessor } from "./sdk/otel/index.js";',
      'import { ShowworkCallbackHandler } from "./sdk/langchain/index.js";',
      'import { capturerOf, withReceipts } from "./sdk/capture/index.js";',
      'import OpenAI from "openai";',
      "const processor = new ShowworkSpanProcessor();",
      "const provider = new BasicTracerProvider({ spanProcessors: [processor] });",
      `const span = provider.getTracer("app").startSpan("chat", { attributes: ${JSON.stringify(span)} });`,
      "span.end();",
      "let langchain;",
      "const handler = new ShowworkCallbackHandler({ onReceipt: (r) => { langchain = r.receiptId; } });",
      `const model = new ChatOpenAI({ model: ${JSON.stringify(MODEL)}, apiKey: "t", maxRetries: 0, configuration: { baseURL: ${JSON.stringify(`${upstream.url}/v1`)} } });`,
      'await model.invoke("langchain question", { callbacks: [handler] });',
      "const wrapped = capturerOf(withReceipts(new OpenAI({ apiKey: 't', baseURL: 'http://127.0.0.1:9/v1' })));",
      "const report = { otel: span.attributes['showwork.receipt_id'], langchain, servingNode: processor.capturer.servingNode, shared: processor.capturer === handler.capturer && handler.capturer === wrapped };",
      'process.on("exit", () => console.log(JSON.stringify({ ...report, runsOn: processor.capturer.runsOn })));',
    ].join("\n");
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, timeout: 60_000, env: { ...process.env, SHOWWORK_CONFIG: dir } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    const report = JSON.parse(run.stdout.trim().split("\n").pop()!) as { otel: Hex; langchain: Hex; servingNode: Hex; shared: boolean; runsOn: string };
    expect(report.shared, "the processor, the handler and withReceipts share the one default capturer").to.equal(true);
    expect(report.runsOn).to.equal("worker");
    expect(report.servingNode).to.equal(privateKeyToAddress(nodeKey));
    expect(report.otel).to.match(/^0x[0-9a-f]{64}$/);
    expect(report.langchain).to.match(/^0x[0-9a-f]{64}$/);
    for (const id of [report.otel, report.langchain]) expect((await rig.service.status(id)).receiptId.toLowerCase(), id).to.equal(id.toLowerCase());
    const evidence = SqliteEvidenceStore.open({ path: join(dir, ".showwork/evidence.sqlite"), encryptionKey: EVIDENCE_KEY });
    try {
      expect((await evidence.getEvidence(report.otel))?.input.content).to.include("traced question");
      expect((await evidence.getEvidence(report.langchain))?.input.content).to.include("langchain question");
      expect((await evidence.getEvidence(report.langchain))?.capture?.via).to.equal("langchain");
    } finally {
      await evidence.close();
    }
  });
});
