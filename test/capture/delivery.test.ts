/**
 * Delivery of captured receipts (issue #21): what the stats and events say (queued, delivered,
 * rejected), loud delivery trouble by default (first failure, periodic summary, recovery), nothing
 * set aside silently (the rejected set with its reason, a warn line, a metric, `showwork capture
 * queue list|retry`), waiting means delivered (`flush()`, `close()` report what is left and why; a
 * process exiting with receipts queued says so on stderr), the proxy's `/metrics` and `/health`,
 * and the partial-stream counter (a fully read stream is not partial).
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import OpenAI from "openai";
import { keccak256, stringToBytes, zeroHash } from "viem";
import { generatePrivateKey } from "viem/accounts";

import {
  CaptureQueue,
  createCapturer,
  remoteSink,
  startCaptureProxy,
  withReceipts,
  type CaptureEvent,
  type DeliveryLogger,
  type ReceiptSink,
} from "../../sdk/capture/index.js";
import { createModelServer, type ModelServer } from "../../sdk/capture/testing/modelServer.js";
import { buildReceipt, privateKeyToReceiptSigner, signReceipt, toReceiptJson, type Receipt } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { ROOT, showwork } from "../service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

const MODEL = "acme/chat";
const WEIGHTS = keccak256(stringToBytes("acme/chat weights v1"));
const nodeKey = generatePrivateKey();
const signer = privateKeyToReceiptSigner(nodeKey);
let sequence = 0n;
async function receiptAt(issuedAt: number): Promise<Receipt> {
  const { receipt } = buildReceipt({
    model: { name: MODEL, weightsDigest: WEIGHTS },
    promptTemplate: { digest: zeroHash, version: 0 },
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    input: `q${sequence}`,
    output: `a${sequence}`,
    sampling: {},
    servingNode: signer.address,
    sequence: sequence++,
    issuedAt,
  });
  return signReceipt(signer, receipt);
}

/** A logger that keeps its lines. */
function recordingLogger(): DeliveryLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(`warn ${m}`), info: (m) => lines.push(`info ${m}`) };
}

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("capture: delivery (queued, delivered, rejected; loud by default)", function () {
  this.timeout(120_000);
  let server: ModelServer;
  let service: AnchoringService;
  /** The token the service accepts (changed by tests: a wrong token, then fixed). */
  let serviceToken: string;
  let app: ReturnType<typeof createServiceApp>;
  let down = false;
  const appFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (down) throw new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1");
    return app.fetch(new Request(input, init));
  }) as typeof fetch;
  const useToken = (token: string): void => {
    serviceToken = token;
    app = createServiceApp(service, { door: { auth: { devToken: serviceToken }, allowedHosts: ["anchor.test"] } });
  };

  beforeEach(async () => {
    server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
    service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }), ingestion: { signatures: "valid" } });
    useToken(generateAccessToken().token);
    down = false;
  });
  afterEach(async () => {
    await service.close();
  });
  after(() => removeTempDirs());

  it("counts a fully read stream as complete, not partial (stats and the captured event); a stream cut off is partial", async () => {
    const events: CaptureEvent[] = [];
    const sink: ReceiptSink = { direct: true, submit: async () => undefined };
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { weightsDigest: WEIGHTS } }, onEvent: (e) => events.push(e), logger: false });
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 }), { capturer });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hello" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).to.match(/^\[v1\] /);
    await capturer.settled();
    expect(capturer.stats).to.include({ captured: 1, partial: 0, queued: 1, delivered: 1 });
    expect(events.filter((e) => e.type === "captured").map((e) => (e as { partial: boolean }).partial)).to.deep.equal([false]);
    server.faults.push("abort");
    const broken = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "a long answer" }], stream: true });
    await (async () => {
      for await (const _ of broken) void _;
    })().catch(() => undefined);
    await capturer.settled();
    expect(capturer.stats).to.include({ captured: 2, partial: 1 });
    await capturer.close();
  });

  it("says queued, then delivered; a wrong token is loud at once, summarised while it lasts, and the queue is delivered once the token is fixed", async () => {
    const wrong = generateAccessToken().token;
    const logger = recordingLogger();
    const events: CaptureEvent[] = [];
    const sink = remoteSink({ url: "http://anchor.test", token: wrong, queuePath: join(tempDir(), "queue.sqlite"), fetch: appFetch, minBackoffMs: 10, maxBackoffMs: 40, summaryEveryMs: 150, logger });
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { weightsDigest: WEIGHTS } }, onEvent: (e) => events.push(e), logger: false });
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 }), { capturer });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `q${i}` }] });
    await capturer.settled();
    expect(capturer.stats).to.include({ captured: 3, queued: 3, delivered: 0, rejected: 0 });
    await until(() => logger.lines.some((l) => l.includes("still failing")));
    expect(logger.lines[0]).to.match(/^warn delivery to http:\/\/anchor\.test failing: .*answered 401 \(invalid-token\): the token was refused.*Do: the service does not know this token/);
    expect(logger.lines[0]).to.match(/3 receipt\(s\) queued in .*queue\.sqlite, the oldest for/);
    expect(capturer.deliveryStatus()).to.deep.include({ queued: 3, delivered: 0 });
    expect(capturer.deliveryStatus()!.failing).to.include({ status: 401, code: "invalid-token" });
    const short = await capturer.flush(100);
    expect(short).to.include({ delivered: false, queued: 3 });
    expect(short.reason).to.match(/answered 401/);
    // The operator fixes the token (here: the service accepts the one the sink has).
    useToken(wrong);
    const report = await capturer.flush(10_000);
    expect(report).to.deep.equal({ delivered: true, queued: 0, reason: undefined, rejected: 0 });
    expect(capturer.stats).to.include({ queued: 3, delivered: 3, rejected: 0 });
    expect(events.map((e) => e.type).filter((t) => t !== "captured")).to.include.members(["queued", "delivered"]);
    expect(logger.lines.at(-1)).to.match(/^info delivery to http:\/\/anchor\.test resumed after .* of failures/);
    expect((await service.metrics()).receipts.total).to.equal(3);
    await capturer.close();
  });

  it("keeps a refused receipt with its reason (warn line, event, metric), lists it, and retries it once the cause is fixed — CLI included", async () => {
    const queuePath = join(tempDir(), "queue.sqlite");
    const logger = recordingLogger();
    const events: CaptureEvent[] = [];
    const sink = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath, fetch: appFetch, minBackoffMs: 10, logger, idlePollMs: 50 });
    const capturer = createCapturer({ signer, sink, onEvent: (e) => events.push(e), logger: false });
    const ahead = await receiptAt(Math.floor(Date.now() / 1000) + 3_600); // a node clock an hour ahead
    const good = await receiptAt(Math.floor(Date.now() / 1000));
    await sink.submit([good, ahead]);
    const report = await capturer.flush(10_000);
    expect(report).to.include({ delivered: true, queued: 0, rejected: 1 });
    const [rejected] = sink.rejected();
    expect(rejected).to.include({ receiptId: ahead.receiptId.toLowerCase(), status: 422, code: "issued-at-in-future" });
    expect(rejected!.reason).to.match(/^422 issued-at-in-future Receipt #\d+: issuedAt \d+ .* in the future/);
    expect(logger.lines.find((l) => l.includes(ahead.receiptId.toLowerCase()))).to.match(/^warn the service refused receipt 0x[0-9a-f]{64} for good: 422 issued-at-in-future .*showwork capture queue retry/).and.not.include(".. It is kept");
    expect(events).to.deep.include({ type: "rejected", receiptId: ahead.receiptId.toLowerCase(), reason: rejected!.reason });
    expect(capturer.stats.rejected).to.equal(1);
    expect(await (await import("../../sdk/capture/metrics.js")).captureMetrics(capturer).scrape()).to.match(/showwork_capture_receipts_rejected_total 1\n/).and.match(/showwork_capture_queue_rejected 1\n/);
    await capturer.close();

    const listed = await showwork(["capture", "queue", "list", "--queue", queuePath, "--json"]);
    expect(listed.code, listed.stderr).to.equal(3);
    const json = JSON.parse(listed.stdout) as { queued: number; rejected: { receiptId: string; code: string; reason: string }[] };
    expect(json.queued).to.equal(0);
    expect(json.rejected.map((r) => [r.receiptId, r.code])).to.deep.equal([[ahead.receiptId.toLowerCase(), "issued-at-in-future"]]);
    const retried = await showwork(["capture", "queue", "retry", "--queue", queuePath, "--json"]);
    expect(retried.code, retried.stderr).to.equal(0);
    expect(JSON.parse(retried.stdout)).to.include({ moved: 1, queued: 1, rejected: 0 });
    const queue = CaptureQueue.open(queuePath);
    expect(queue.counts()).to.include({ queued: 1, rejected: 0 });
    queue.close();
  });

  it("advises by what the service refused: a node not authorised (or compromised) is set aside with the grant-signer advice, not a token problem; 401 is the token", async () => {
    // The service's answers as its HTTP API sends them (test/service/door.test.ts checks the service side on a chain).
    const refusal = (status: number, code: string, message: string, details: string[]) => new Response(JSON.stringify({ error: { code, message, details, receiptIndex: 0, field: "servingNode" } }), { status, headers: { "content-type": "application/json" } });
    for (const [code, advice] of [
      // A grant counts from its block on: receipts signed before it stay refused, so "grant, then retry" would be refused again.
      [
        "signer-not-authorised",
        new RegExp(
          `Do: \\(not a token problem: the token was accepted\\) the serving node ${signer.address} may not sign for the log at these receipts' issuedAt \\(Its authorisation: never granted for this log\\)\\. ` +
            `If it was never granted, grant it now so its next answers are accepted \\(as the log's operator: showwork log grant-signer ${signer.address}\\); a grant counts from its block on, so the receipts it signed before stay refused, set aside here\\. ` +
            "Only if it was granted before they were issued \\(the service had not seen the grant yet\\) send them again: showwork capture queue retry\\.",
        ),
      ],
      ["signer-compromised", new RegExp(`Do: the serving node ${signer.address}'s key was reported compromised: .*a retry cannot change that.*showwork log grant-signer NEW_ADDRESS`)],
    ] as const) {
      const logger = recordingLogger();
      const errors: string[] = [];
      const refusing = (async () => refusal(403, code, `Receipt #0: serving node ${signer.address} is refused.`, ["Its authorisation: never granted for this log", "Do: the log's admin grants the node (`showwork log grant-signer`)."])) as unknown as typeof fetch;
      const sink = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath: join(tempDir(), "queue.sqlite"), fetch: refusing, logger, onDeliveryError: (e) => errors.push(e.message) });
      await sink.submit([await receiptAt(Math.floor(Date.now() / 1000))]);
      expect(await sink.flush(10_000)).to.include({ delivered: true, queued: 0, rejected: 1 });
      const line = logger.lines.find((l) => l.includes("refused receipt"))!;
      expect(line).to.match(new RegExp(`^warn the service refused receipt 0x[0-9a-f]{64} for good: 403 ${code} `)).and.match(advice);
      expect(line).to.not.include("SHOWWORK_SERVICE_TOKEN");
      expect(errors.join("\n")).to.match(advice).and.not.include("service token");
      expect(line).to.not.match(/grant-signer[^.]*, then send it again/);
      await sink.close();
    }
    // A refused token (401) stays queued with the token advice; another 403 (an Origin the service does not allow) stays queued with the service's advice.
    for (const [status, code, advice] of [
      [401, "invalid-token", /answered 401 \(invalid-token\): the token was refused.*Do: the service does not know this token .*check SHOWWORK_SERVICE_TOKEN, or serviceToken in \.showwork\/secrets\.json .*showwork token issue --name NAME.*then start the process again: the receipts wait in .*queue\.sqlite/s],
      [401, "unauthenticated", /answered 401 \(unauthenticated\).*Do: give capture the service's access token \(SHOWWORK_SERVICE_TOKEN, .*none was sent/s],
      [401, "token-revoked", /answered 401 \(token-revoked\).*Do: this token was revoked at the service: issue one/s],
      [403, "origin-not-allowed", /answered 403 \(origin-not-allowed\): access refused.*Do: send no Origin header/s],
    ] as const) {
      const errors: string[] = [];
      const refusing = (async () => refusal(status, code, "refused", ["Do: send no Origin header from a server."])) as unknown as typeof fetch;
      const sink = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath: join(tempDir(), "queue.sqlite"), fetch: refusing, logger: false, minBackoffMs: 10, onDeliveryError: (e) => errors.push(e.message) });
      await sink.submit([await receiptAt(Math.floor(Date.now() / 1000))]);
      expect(await sink.flush(200)).to.include({ delivered: false, queued: 1, rejected: 0 });
      expect(errors[0]).to.match(advice);
      await sink.close();
    }
  });

  it("close() waits for the acknowledgement or its timeout, then says how many are left and why; an exiting process says so on stderr", async () => {
    down = true;
    const logger = recordingLogger();
    const queuePath = join(tempDir(), "queue.sqlite");
    const sink = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath, fetch: appFetch, minBackoffMs: 10, maxBackoffMs: 20, logger });
    const capturer = createCapturer({ signer, sink, logger });
    await sink.submit([await receiptAt(Math.floor(Date.now() / 1000)), await receiptAt(Math.floor(Date.now() / 1000))]);
    const report = await capturer.close({ timeoutMs: 300 });
    expect(report).to.include({ delivered: false, queued: 2 });
    expect(report.reason).to.match(/unreachable/);
    expect(logger.lines.at(-1)).to.match(/^warn closing with 2 receipt\(s\) not yet delivered \(.*unreachable.*\); they are kept in .*queue\.sqlite and delivered by the next process on it\./);
    // The next process on the file delivers them.
    down = false;
    const next = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath, fetch: appFetch, logger: false });
    expect(await next.flush(10_000)).to.include({ delivered: true, queued: 0 });
    expect(next.status()).to.include({ delivered: 2, duplicates: 0 });
    await next.close();

    // A process that exits with receipts queued (service unreachable) prints it on stderr.
    const receiptFile = join(tempDir(), "receipt.json");
    writeFileSync(receiptFile, JSON.stringify(toReceiptJson(await receiptAt(Math.floor(Date.now() / 1000)))));
    const script = [
      'import { readFileSync } from "node:fs";',
      'import { remoteSink } from "./sdk/capture/sinks.js";',
      'import { parseReceipt } from "./sdk/receipt/index.js";',
      `const sink = remoteSink({ url: "http://127.0.0.1:9", queuePath: ${JSON.stringify(join(tempDir(), "exit.sqlite"))}, minBackoffMs: 10, logger: false });`,
      `await sink.submit([parseReceipt(JSON.parse(readFileSync(${JSON.stringify(receiptFile)}, "utf8")))]);`,
      "setTimeout(() => process.exit(0), 200);",
    ].join("\n");
    const stderr = await new Promise<string>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, timeout: 60_000 }, (_error, _stdout, err) => resolve(err));
    });
    expect(stderr).to.match(/showwork capture: exiting with 1 receipt\(s\) not yet delivered to http:\/\/127\.0\.0\.1:9 .*They are kept in .*exit\.sqlite/);
  });

  it("the proxy serves /metrics (queue depth, oldest age, delivered/rejected) and /health, degraded when the queue is too old", async () => {
    down = true;
    const upstream = await server.listen();
    const sink = remoteSink({ url: "http://anchor.test", token: serviceToken, queuePath: join(tempDir(), "queue.sqlite"), fetch: appFetch, minBackoffMs: 10, maxBackoffMs: 20, logger: false });
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { weightsDigest: WEIGHTS } }, logger: false });
    const proxy = await startCaptureProxy({ upstream: upstream.url, capturer, maxQueueAgeMs: 200 });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
      await capturer.settled();
      expect(((await (await fetch(`${proxy.url}/health`)).json()) as { status: string }).status).to.equal("ok");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const health = (await (await fetch(`${proxy.url}/health`)).json()) as { status: string; queued: number; warnings: string[]; delivering: { lastError: string } };
      expect(health).to.include({ status: "degraded", queued: 1 });
      expect(health.warnings[0]).to.match(/1 receipt\(s\) queued, the oldest for \d+ s \(threshold 0 s\): .*unreachable/);
      const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
      expect(metrics).to.match(/showwork_capture_queue_depth 1\n/).and.match(/showwork_capture_delivery_failing 1\n/).and.match(/showwork_capture_answers_total\{partial="false"\} 1\n/);
      expect(Number(/showwork_capture_queue_oldest_age_seconds ([\d.]+)/.exec(metrics)![1])).to.be.greaterThan(0.2);
      down = false;
      await capturer.flush(10_000);
      const after = await (await fetch(`${proxy.url}/metrics`)).text();
      expect(after).to.match(/showwork_capture_queue_depth 0\n/).and.match(/showwork_capture_receipts_delivered_total 1\n/);
      expect(((await (await fetch(`${proxy.url}/health`)).json()) as { status: string }).status).to.equal("ok");
    } finally {
      await proxy.close();
      await capturer.close();
      await upstream.close();
    }
  });

  it("warns once per unknown provider fingerprint (log, event, metric) and not for a published one", async () => {
    const logger = recordingLogger();
    const sink: ReceiptSink = { direct: true, submit: async () => undefined };
    const fingerprint = (await (await server.fetch("http://model.local/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, messages: [] }) })).json()) as { system_fingerprint: string };
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { provider: "acme", published: [fingerprint.system_fingerprint] } }, logger });
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 }), { capturer });
    await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "a" }] });
    await capturer.settled();
    expect(logger.lines).to.deep.equal([]);
    server.models[MODEL]!.version = "v2"; // the provider rotates its fingerprint
    for (const q of ["b", "c"]) await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: q }] });
    await capturer.settled();
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]).to.match(/^warn hosted model "acme\/chat" answered as a provider version not yet published \(provider acme, system_fingerprint "fp_[0-9a-f]+".*showwork model publish "acme\/chat" --weights 0x[0-9a-f]{64} --hosted acme:fp_/);
    expect(capturer.stats.unknownFingerprints).to.equal(2);
    const metrics = await (await import("../../sdk/capture/metrics.js")).captureMetrics(capturer).scrape();
    expect(metrics).to.match(/showwork_capture_unknown_fingerprint_answers_total 2\n/);
    expect(metrics).to.match(/showwork_capture_model_versions_seen\{model="acme\/chat",fingerprint="fp_[0-9a-f]+",digest="0x[0-9a-f]{64}",published="false",provider="acme",response_model="acme\/chat"\} 2\n/);
    await capturer.close();
  });
});

