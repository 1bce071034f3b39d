/**
 * Replay against capture's deterministic local model server (over HTTP on 127.0.0.1): answers captured
 * with the real `openai` client through withReceipts, their evidence in a real evidence store; replayed
 * with replayReceipt and with `showwork replay` (child process).
 */

import { expect } from "chai";
import OpenAI from "openai";
import type { Hex } from "viem";

import { receiptIdOf, withReceipts } from "../../sdk/capture/index.js";
import { replayReceipt, ReplayError, lineDiff } from "../../sdk/disclosure/index.js";
import type { ReceiptEvidence } from "../../sdk/evidence/types.js";
import { captureRig, expectAnchoredWithEvidence, MODEL, type CaptureRig } from "../capture/helpers.js";
import { removeTempDirs } from "../service/helpers/service.js";
import { spawnShowwork, type CliRun } from "../verify/support/cli.js";

/** The CLI without our SHOWWORK_EVIDENCE_KEY (the evidence store here is plain). */
const showwork = (args: readonly string[]): Promise<CliRun> => spawnShowwork(args, {}, { evidenceKey: false });

describe("replay against the deterministic local model server", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let http: { url: string; close(): Promise<void> };
  let plain: ReceiptEvidence;
  let withTool: ReceiptEvidence;
  let streamed: ReceiptEvidence;

  before(async () => {
    rig = await captureRig();
    http = await rig.server.listen();
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: `${http.url}/v1`, maxRetries: 0 }), { capturer: rig.capturer });
    const capture = async (id: Hex | undefined) => (await expectAnchoredWithEvidence(rig, id!)).evidence;
    plain = await capture(receiptIdOf(await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Is invoice INV-20311 within contract?" }], temperature: 0.2, seed: 11 })));
    withTool = await capture(
      receiptIdOf(
        await client.chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: "Look up invoice INV-20311" }],
          tools: [{ type: "function", function: { name: "erp_lookup_invoice", parameters: { type: "object", properties: { query: { type: "string" } } } } }],
          seed: 3,
        }),
      ),
    );
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Stream me an answer" }], stream: true, seed: 5 });
    for await (const _chunk of stream) void _chunk;
    streamed = await capture(receiptIdOf(stream));
  });

  after(async () => {
    rig.server.models[MODEL]!.version = "v1";
    await http?.close();
    await rig?.close();
    removeTempDirs();
  });

  const endpoint = () => `${http.url}/v1`;

  it("identical under the same version: the replayed output is the committed one byte for byte", async () => {
    const result = await replayReceipt({ evidence: plain, endpoint: endpoint() });
    expect(result.identical, result.summary).to.equal(true);
    expect(result.replayed.output).to.equal(plain.output.content);
    expect(result.diff).to.deep.equal({ output: [], toolCalls: [] });
    expect(result.api).to.equal("openai.chat.completions");
    expect(result.summary).to.match(/^identical: acme\/chat at http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
  });

  it("identical for an answer with a tool call, and for a streamed answer (replayed without streaming)", async () => {
    const tool = await replayReceipt({ evidence: withTool, endpoint: endpoint() });
    expect(tool.identical, tool.summary).to.equal(true);
    expect(tool.stored.toolCalls).to.have.length(1);
    expect(tool.stored.toolCalls[0]).to.match(/^erp_lookup_invoice\(/);
    const stream = await replayReceipt({ evidence: streamed, endpoint: endpoint() });
    expect(stream.streamed).to.equal(true);
    expect(stream.identical, stream.summary).to.equal(true);
  });

  it("different under another version: says so, with a readable line diff of the text", async () => {
    rig.server.models[MODEL]!.version = "v2";
    try {
      const result = await replayReceipt({ evidence: plain, endpoint: endpoint() });
      expect(result.identical).to.equal(false);
      expect(result.summary).to.match(/^different: .*the text differs/);
      expect(result.diff.output).to.deep.equal([`- ${result.stored.texts[0]}`, `+ ${result.replayed.texts[0]}`]);
      expect(result.replayed.systemFingerprint).to.not.equal(JSON.parse(JSON.stringify(plain.sampling))["openai.response.system_fingerprint"]);
    } finally {
      rig.server.models[MODEL]!.version = "v1";
    }
  });

  it("showwork replay: exit 0 identical, 1 different (with the diff), 2 when the endpoint is down; --json gives one object", async () => {
    const evidence = rig.evidence.location;
    const same = await showwork(["replay", plain.receiptId, "--endpoint", endpoint(), "--evidence", evidence]);
    expect(same.code, same.stderr).to.equal(0);
    expect(same.stdout).to.include("IDENTICAL");
    rig.server.models[MODEL]!.version = "v2";
    try {
      const other = await showwork(["replay", plain.receiptId, "--endpoint", endpoint(), "--evidence", evidence]);
      expect(other.code, other.stderr).to.equal(1);
      expect(other.stdout).to.include("DIFFERENT");
      expect(other.stdout).to.match(/output \(- committed, \+ replayed\):\n {2}- .+\n {2}\+ .+/);
      const json = await showwork(["replay", plain.receiptId, "--endpoint", endpoint(), "--evidence", evidence, "--json"]);
      expect(JSON.parse(json.stdout)).to.include({ identical: false, receiptId: plain.receiptId });
    } finally {
      rig.server.models[MODEL]!.version = "v1";
    }
    const down = await showwork(["replay", plain.receiptId, "--endpoint", "http://127.0.0.1:9/v1", "--evidence", evidence, "--timeout", "3000"]);
    expect(down.code).to.equal(2);
    expect(down.stderr).to.include("did not answer");
    const unknown = await showwork(["replay", `0x${"ee".repeat(32)}`, "--endpoint", endpoint(), "--evidence", evidence]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include("No evidence for receipt");
  });

  it("says what is wrong with an endpoint that is not OpenAI-compatible, and with evidence holding no request", async () => {
    const notOpenAi = async () => new Response(JSON.stringify({ hello: "world" }), { status: 200 });
    await replayReceipt({ evidence: plain, endpoint: "http://model.local/v1", fetch: notOpenAi }).then(
      () => expect.fail("replayed"),
      (error: unknown) => expect(error).to.be.instanceOf(ReplayError).with.property("reason", "bad-response"),
    );
    const failing = async () => new Response("overloaded", { status: 503 });
    await replayReceipt({ evidence: plain, endpoint: "http://model.local/v1", fetch: failing }).then(
      () => expect.fail("replayed"),
      (error: unknown) => expect(error).to.be.instanceOf(ReplayError).with.property("reason", "http-status"),
    );
    await replayReceipt({ evidence: { ...plain, request: { prompt: "x" } }, endpoint: endpoint() }).then(
      () => expect.fail("replayed"),
      (error: unknown) => expect(error).to.be.instanceOf(ReplayError).with.property("reason", "no-request"),
    );
  });

  it("lineDiff: keeps common lines, marks removed and added ones", () => {
    expect(lineDiff(["a", "b", "c"], ["a", "x", "c", "d"])).to.deep.equal(["  a", "- b", "+ x", "  c", "+ d"]);
    expect(lineDiff([], [])).to.deep.equal([]);
  });
});
