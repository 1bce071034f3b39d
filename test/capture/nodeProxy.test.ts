/**
 * The proxy's captured routes on node:http (startCaptureProxy without a custom fetch): the edge
 * cases of fetch.ts's "what happens when", over real HTTP — the model server's faults (an error
 * status, a stream that breaks off, a slow stream the client abandons), upstreams that send what
 * capture cannot read or compress, a body over the limit, an unreachable upstream — and the `openai`
 * package streaming through it.
 */
import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";

import { expect } from "chai";
import OpenAI from "openai";
import type { Hex } from "viem";

import { RECEIPT_ID_HEADER, startCaptureProxy, type RunningProxy } from "../../sdk/capture/index.js";
import { removeTempDirs } from "../service/helpers/service.js";
import { captureRig, MODEL, type CaptureRig } from "./helpers.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
const ask = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("capture: the proxy's node:http path", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let upstream: { url: string; close(): Promise<void> };
  let proxy: RunningProxy;

  before(async () => {
    rig = await captureRig();
    upstream = await rig.server.listen();
    proxy = await startCaptureProxy({ upstream: upstream.url, capturer: rig.capturer, maxBodyBytes: 4096 });
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
    await rig.close();
    removeTempDirs();
  });

  it("plain and streamed answers through the openai client: one receipt each, committed to what the client got; a stream the client abandons is receipted as partial", async () => {
    const client = new OpenAI({ apiKey: "test", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const before = { ...rig.capturer.stats };
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "plain" }] }).withResponse();
    expect(response.headers.get(RECEIPT_ID_HEADER)).to.match(/^0x[0-9a-f]{64}$/);
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "stream" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    await rig.capturer.settled();
    const evidence = await rig.evidence.getEvidence(response.headers.get(RECEIPT_ID_HEADER) as Hex);
    expect(evidence!.output.content).to.include(data.choices[0]!.message.content!);
    const streamed = rig.events.filter((e) => e.type === "captured").at(-1) as { receiptId: Hex; partial: boolean };
    expect(streamed.partial).to.equal(false);
    expect((await rig.evidence.getEvidence(streamed.receiptId))!.output.content).to.include(text.slice(0, 20));

    // A slow stream the client stops reading after the first event: receipted as partial (finish reason aborted).
    const slow = await ask(proxy.url, { model: MODEL, messages: [{ role: "user", content: "slow" }], stream: true }, { "x-mock-fault": "slow" });
    const reader = slow.body!.getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 50 && rig.capturer.stats.captured < before.captured + 3; i++) await new Promise((r) => setTimeout(r, 100));
    await rig.capturer.settled();
    expect(rig.capturer.stats.captured - before.captured).to.equal(3);
    expect(rig.capturer.stats.partial - before.partial).to.equal(1);
  });

  it("an upstream error status comes back unchanged with no receipt; a stream that breaks off is receipted as partial", async () => {
    const before = { ...rig.capturer.stats };
    const failed = await ask(proxy.url, { model: MODEL, messages: [{ role: "user", content: "x" }] }, { "x-mock-fault": "500" });
    expect(failed.status).to.equal(500);
    expect(failed.headers.get(RECEIPT_ID_HEADER)).to.equal(null);
    await failed.text();
    const broken = await ask(proxy.url, { model: MODEL, messages: [{ role: "user", content: "y" }], stream: true }, { "x-mock-fault": "abort" });
    expect(broken.headers.get(RECEIPT_ID_HEADER)).to.match(/^0x/);
    await broken.text().catch(() => "");
    for (let i = 0; i < 50 && rig.capturer.stats.captured < before.captured + 1; i++) await new Promise((r) => setTimeout(r, 100));
    await rig.capturer.settled();
    expect(rig.capturer.stats.captured - before.captured).to.equal(1);
    expect(rig.capturer.stats.partial - before.partial).to.equal(1);
  });

  it("refuses what capture cannot read (502, counted), decodes a compressed answer, strips an upstream's own receipt header", async () => {
    let mode: "html" | "gzip" = "html";
    const odd = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (mode === "html") res.writeHead(200, { "content-type": "text/html", [RECEIPT_ID_HEADER]: `0x${"ee".repeat(32)}` }).end("<html>maintenance</html>");
        else {
          const body = gzipSync(JSON.stringify({ id: "c1", object: "chat.completion", created: 1, model: MODEL, choices: [{ index: 0, message: { role: "assistant", content: "zipped answer" }, finish_reason: "stop" }] }));
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length, [RECEIPT_ID_HEADER]: `0x${"ee".repeat(32)}` }).end(body);
        }
      });
    });
    const oddUrl = await listen(odd);
    const oddProxy = await startCaptureProxy({ upstream: oddUrl, capturer: rig.capturer });
    try {
      const before = { ...rig.capturer.stats };
      const refused = await ask(oddProxy.url, { model: MODEL, messages: [{ role: "user", content: "z" }] });
      expect(refused.status).to.equal(502);
      expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal("upstream_unreadable");
      expect(refused.headers.get(RECEIPT_ID_HEADER)).to.equal(null);
      expect(rig.capturer.stats.refused - before.refused).to.equal(1);
      mode = "gzip";
      const zipped = await ask(oddProxy.url, { model: MODEL, messages: [{ role: "user", content: "z" }] });
      expect(zipped.status).to.equal(200);
      expect(zipped.headers.get("content-encoding")).to.equal(null);
      expect(((await zipped.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).to.equal("zipped answer");
      const id = zipped.headers.get(RECEIPT_ID_HEADER) as Hex;
      expect(id).to.match(/^0x/).and.not.equal(`0x${"ee".repeat(32)}`);
      await rig.capturer.settled();
      expect((await rig.evidence.getEvidence(id))!.output.content).to.include("zipped answer");
    } finally {
      await oddProxy.close();
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  it("a body over the limit is a 413 and is not forwarded; an unreachable upstream is a 502 saying so", async () => {
    const requests = rig.server.requests.length;
    const big = await ask(proxy.url, { model: MODEL, messages: [{ role: "user", content: "x".repeat(8000) }] });
    expect(big.status).to.equal(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).to.equal("request_too_large");
    expect(rig.server.requests.length).to.equal(requests);
    const nowhere = await startCaptureProxy({ upstream: "http://127.0.0.1:9", capturer: rig.capturer });
    try {
      const response = await ask(nowhere.url, { model: MODEL, messages: [{ role: "user", content: "x" }] });
      expect(response.status).to.equal(502);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal("upstream_unreachable");
      expect(body.error.message).to.match(/the upstream http:\/\/127\.0\.0\.1:9 could not be reached/);
    } finally {
      await nowhere.close();
    }
  });
});
