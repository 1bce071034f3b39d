/**
 * Capture on a worker thread (`createWorkerCapturer`, what `showwork proxy` runs): the real `openai`
 * client wrapped by `withReceipts` against the model server over HTTP, the worker signing, keeping the
 * evidence (encrypted) and queuing, then delivering to the anchoring service over HTTP. The promises
 * hold as in-process: settled() = in the queue file, flush()/close() = acknowledged, with counts; a bad
 * configuration is refused at start with the reason; a process exiting with receipts queued says so.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";
import OpenAI from "openai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";

import { answerOfJson } from "../../sdk/capture/exchange.js";
import { CaptureConfigError, createWorkerCapturer, RECEIPT_ID_HEADER, receiptIdOf, startCaptureProxy, withReceipts, type CaptureEvent } from "../../sdk/capture/index.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import { startHttpServer, type RunningServer } from "../../sdk/service/http/server.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { captureRig, MODEL, type CaptureRig } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const KEY = `0x${"42".repeat(32)}`;

describe("capture: createWorkerCapturer (capture on a worker thread)", function () {
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

  it("receipts every answer on the worker: settled() = all in the queue file, flush() = all acknowledged by the service, evidence encrypted, one record per answer", async () => {
    const dir = tempDir();
    const nodeKey = generatePrivateKey();
    const events: CaptureEvent[] = [];
    const capturer = await createWorkerCapturer({
      nodeKey,
      sink: { url: service.url, queuePath: join(dir, "queue.sqlite") },
      evidence: { location: join(dir, "evidence.sqlite"), key: KEY },
      models: { [MODEL]: { provider: "acme" } },
      serviceUrl: service.url,
      logger: false,
      onEvent: (e) => events.push(e),
    });
    expect(capturer.servingNode).to.equal(privateKeyToAddress(nodeKey));
    expect(capturer.evidence).to.deep.equal({ location: join(dir, "evidence.sqlite"), encrypted: true });
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: `${upstream.url}/v1`, maxRetries: 0 }), { capturer });
    const ids: Hex[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `question ${i}` }] });
      ids.push(receiptIdOf(answer)!);
    }
    const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `concurrent ${i}` }] })));
    ids.push(...concurrent.map((a) => receiptIdOf(a)!));
    expect(new Set(ids).size).to.equal(25);
    expect(capturer.stats.captured).to.equal(25);

    await capturer.settled();
    expect(capturer.stats).to.include({ captured: 25, pending: 0, queued: 25, failed: 0 });
    const report = await capturer.flush(30_000);
    expect(report).to.include({ delivered: true, queued: 0, rejected: 0 });
    expect(capturer.stats.delivered).to.equal(25);
    expect(capturer.deliveryStatus()).to.include({ queued: 0, delivered: 25, rejected: 0 });
    for (const id of ids) expect((await rig.service.status(id)).receiptId.toLowerCase()).to.equal(id.toLowerCase());
    expect(events.filter((e) => e.type === "queued").reduce((n, e) => n + (e as { count: number }).count, 0)).to.equal(25);
    expect([...capturer.versionsSeen.values()].map((v) => v.answers)).to.deep.equal([25]);

    const closed = await capturer.close();
    expect(closed).to.include({ delivered: true, queued: 0 });
    // The evidence the worker wrote: encrypted, one record per receipt, with the answer's question.
    const evidence = SqliteEvidenceStore.open({ path: join(dir, "evidence.sqlite"), encryptionKey: KEY });
    for (const [i, id] of ids.entries()) {
      const record = await evidence.getEvidence(id);
      expect(record?.receiptId, id).to.equal(id);
      expect(record!.input.content).to.include(i < 5 ? `question ${i}` : `concurrent ${i - 5}`);
    }
    await evidence.close();
  });

  it("through the proxy's node:http path the worker builds the answer from the request and response texts: what it commits to is exactly what the client sent and got", async () => {
    const dir = tempDir();
    const capturer = await createWorkerCapturer({
      nodeKey: generatePrivateKey(),
      sink: { url: service.url, queuePath: join(dir, "queue.sqlite") },
      evidence: { location: join(dir, "evidence.sqlite"), key: KEY },
      models: { [MODEL]: { provider: "acme" } },
      logger: false,
    });
    const proxy = await startCaptureProxy({ upstream: upstream.url, capturer });
    try {
      const sent = { model: MODEL, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "where is order 7?" }], temperature: 0.7, seed: 42, max_tokens: 64 };
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sent) });
      const got = (await response.json()) as Record<string, unknown>;
      const id = response.headers.get(RECEIPT_ID_HEADER) as Hex;
      expect(id).to.match(/^0x[0-9a-f]{64}$/);
      expect(await capturer.flush(30_000)).to.include({ delivered: true, queued: 0 });
      expect(capturer.stats).to.include({ captured: 1, delivered: 1, failed: 0 });
      await capturer.close();
      const expected = answerOfJson("openai.chat.completions", sent, got);
      const evidence = SqliteEvidenceStore.open({ path: join(dir, "evidence.sqlite"), encryptionKey: KEY });
      try {
        const record = (await evidence.getEvidence(id))!;
        expect(record.request).to.deep.equal(sent);
        expect(record.sampling).to.deep.equal(expected.sampling);
        expect(JSON.parse(record.input.content as string)).to.deep.equal(expected.input);
        expect(JSON.parse(record.output.content as string)).to.deep.equal(expected.output);
      } finally {
        await evidence.close();
      }
      expect((await rig.service.status(id)).receiptId.toLowerCase()).to.equal(id.toLowerCase());
    } finally {
      await proxy.close();
      await capturer.close();
    }
  });

  it("refuses a bad configuration at start, with the reason", async () => {
    let error: unknown;
    try {
      await createWorkerCapturer({ nodeKey: generatePrivateKey(), sink: { url: "ftp://anchor.example", queuePath: join(tempDir(), "q.sqlite") }, logger: false });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(CaptureConfigError);
    expect((error as Error).message).to.match(/service URL must start with http:\/\/ or https:\/\/ \(found "ftp:\/\/anchor\.example"\)/);
    let keyError: unknown;
    try {
      await createWorkerCapturer({ nodeKey: generatePrivateKey(), sink: { url: service.url, queuePath: join(tempDir(), "q.sqlite") }, evidence: { location: join(tempDir(), "e.sqlite"), key: "not-a-key" }, logger: false });
    } catch (e) {
      keyError = e;
    }
    expect((keyError as Error).message).to.match(/key/i);
  });

  it("a process that exits with receipts queued (service unreachable) says how many and where on stderr (started under V8 flags)", async () => {
    const dir = tempDir();
    const upstreamUrl = upstream.url;
    const script = [
      'import OpenAI from "openai";',
      'import { createWorkerCapturer, withReceipts } from "./sdk/capture/index.js";',
      `const capturer = await createWorkerCapturer({ nodeKey: ${JSON.stringify(generatePrivateKey())}, sink: { url: "http://127.0.0.1:9", queuePath: ${JSON.stringify(join(dir, "exit.sqlite"))}, minBackoffMs: 10, quiet: true }, logger: false });`,
      `const client = withReceipts(new OpenAI({ apiKey: "t", baseURL: ${JSON.stringify(`${upstreamUrl}/v1`)}, maxRetries: 0 }), { capturer });`,
      `for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: ${JSON.stringify(MODEL)}, messages: [{ role: "user", content: "q" + i }] });`,
      "await capturer.settled();",
      "process.exit(0);",
    ].join("\n");
    const stderr = await new Promise<string>((resolve) => {
      // Under V8 flags too (npm run bench passes --expose-gc): given to the worker explicitly, they made it throw.
      const flags = ["--expose-gc", "--max-old-space-size=1024", "--import", "tsx", "--input-type=module"];
      execFile(process.execPath, [...flags, "-e", script], { cwd: ROOT, timeout: 60_000 }, (_error, _stdout, err) => resolve(err));
    });
    expect(stderr).to.match(/showwork capture: exiting with 3 receipt\(s\) not yet delivered to http:\/\/127\.0\.0\.1:9 .*They are kept in .*exit\.sqlite/);
    const db = new DatabaseSync(join(dir, "exit.sqlite"), { readOnly: true });
    expect((db.prepare("SELECT count(*) AS n FROM queue").get() as { n: number }).n).to.equal(3);
    db.close();
  });
});
