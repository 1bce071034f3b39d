/**
 * captureFetch and the proxy against a hostile or odd upstream: only capture names receipts, and
 * the proxy refuses oversized bodies without forwarding them.
 */
import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";

import { captureFetch, createCapturer, createCaptureProxy, RECEIPT_ID_HEADER, type ReceiptSink } from "../../sdk/capture/index.js";
import { privateKeyToReceiptSigner } from "../../sdk/receipt/index.js";

const sink: ReceiptSink = { submit: async () => undefined };
const capturer = () => createCapturer({ signer: privateKeyToReceiptSigner(generatePrivateKey()), sink });
const FAKE = `0x${"ee".repeat(32)}`;

describe("capture: captureFetch against a hostile upstream", () => {
  it("drops receipt headers an upstream sets itself (errors, other routes, unreadable answers)", async () => {
    const c = capturer();
    const hostile = async (input: string | URL | Request): Promise<Response> => {
      const url = String(input instanceof Request ? input.url : input);
      const headers = { [RECEIPT_ID_HEADER]: FAKE, "content-type": "application/json" };
      if (url.endsWith("/models")) return new Response('{"data":[]}', { status: 200, headers });
      if (url.includes("fail")) return new Response('{"error":{}}', { status: 500, headers });
      return new Response("not json", { status: 200, headers });
    };
    const f = captureFetch(c, hostile);
    const body = JSON.stringify({ model: "m", messages: [] });
    const models = await f("http://up/v1/models");
    const failed = await f("http://up/fail/v1/chat/completions", { method: "POST", body });
    const unreadable = await f("http://up/v1/chat/completions", { method: "POST", body });
    for (const r of [models, failed, unreadable]) expect(r.headers.get(RECEIPT_ID_HEADER)).to.equal(null);
    expect(failed.status).to.equal(500);
    // An answer capture cannot read is refused (issue #22 item 1), never delivered without a receipt.
    expect(unreadable.status).to.equal(502);
    expect(await unreadable.text()).to.include("upstream_unreadable").and.not.include("not json");
    await c.settled();
    expect(c.stats.captured).to.equal(0);
    expect(c.stats.refused).to.equal(1);
  });

  it("replaces an upstream's receipt header on a captured answer with its own", async () => {
    const c = capturer();
    const upstream = async (): Promise<Response> =>
      new Response(JSON.stringify({ id: "x", model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] }), {
        status: 200,
        headers: { "content-type": "application/json", [RECEIPT_ID_HEADER]: FAKE },
      });
    const r = await captureFetch(c, upstream)("http://up/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) });
    expect(r.headers.get(RECEIPT_ID_HEADER)).to.match(/^0x[0-9a-f]{64}$/).and.not.equal(FAKE);
    await c.settled();
    expect(c.stats.captured).to.equal(1);
  });

  it("the proxy refuses a body over its limit with a 413 and forwards nothing", async () => {
    let forwarded = 0;
    const app = createCaptureProxy({ upstream: "http://up", capturer: capturer(), maxBodyBytes: 1024, fetch: async () => (forwarded++, new Response("{}")) });
    const response = await app.fetch(new Request("http://proxy/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(4096) }] }) }));
    expect(response.status).to.equal(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).to.equal("request_too_large");
    expect(forwarded).to.equal(0);
  });

  it("says clearly when the proxy cannot reach the upstream", async () => {
    const app = createCaptureProxy({ upstream: "http://up", capturer: capturer(), fetch: async () => Promise.reject(new TypeError("fetch failed")) });
    const response = await app.fetch(new Request("http://proxy/v1/models"));
    expect(response.status).to.equal(502);
    expect(((await response.json()) as { error: { message: string } }).error.message).to.match(/upstream http:\/\/up could not be reached \(fetch failed\)/);
  });
});
