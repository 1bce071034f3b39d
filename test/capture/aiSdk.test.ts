/**
 * showworkMiddleware() with the real `ai` package (wrapLanguageModel, generateText, streamText,
 * a tool loop) against the deterministic model server over HTTP on 127.0.0.1.
 */
import { expect } from "chai";
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel, type LanguageModel } from "ai";
import type { Hex } from "viem";

import { showworkMiddleware } from "../../sdk/capture/aiSdk.js";
import { modelIdFromName } from "../../sdk/receipt/index.js";
import { removeTempDirs } from "../service/helpers/service.js";
import { captureRig, expectAnchoredWithEvidence, MODEL, WEIGHTS, type CaptureRig } from "./helpers.js";
import { openAICompatibleChatModel } from "../../sdk/capture/testing/chatModel.js";

const receiptOf = (metadata: unknown): Hex | undefined => (metadata as { showwork?: { receiptId?: Hex } } | undefined)?.showwork?.receiptId;

describe("capture: showworkMiddleware (Vercel AI SDK)", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let http: { url: string; close(): Promise<void> };
  let model: LanguageModel;

  before(async () => {
    rig = await captureRig({ models: undefined });
    http = await rig.server.listen();
    model = wrapLanguageModel({ model: openAICompatibleChatModel(`${http.url}/v1`, MODEL), middleware: showworkMiddleware({ capturer: rig.capturer }) });
  });

  after(async () => {
    await http.close();
    await rig.close();
    removeTempDirs();
  });

  it("receipts generateText; the receipt id rides in providerMetadata; the evidence is what the caller saw", async () => {
    const result = await generateText({ model, prompt: "Where is my order?", temperature: 0.3, seed: 11, maxOutputTokens: 200, maxRetries: 0 });
    const receiptId = receiptOf(result.providerMetadata)!;
    expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
    const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receiptId);
    expect(bundle.receipt.modelId).to.equal(modelIdFromName(MODEL));
    expect(bundle.receipt.weightsDigest).to.not.equal(WEIGHTS.v1); // not in this capturer's manifest: derived from the provider's answer
    const output = JSON.parse(evidence.output.content);
    expect(output.content).to.deep.equal([{ type: "text", text: result.text }]);
    expect(output.finishReason).to.deep.equal({ unified: "stop", raw: "stop" });
    expect(evidence.sampling).to.include({
      "gen_ai.provider.name": "openai-compatible.chat",
      "gen_ai.request.model": MODEL,
      "gen_ai.request.temperature": 0.3,
      "gen_ai.request.seed": 11,
      "gen_ai.request.max_tokens": 200,
      "gen_ai.response.model": MODEL,
    });
    expect(JSON.parse(evidence.input.content).prompt[0]).to.deep.equal({ role: "user", content: [{ type: "text", text: "Where is my order?" }] });
    expect(rig.events.some((e) => e.type === "warning" && e.message.includes("not in the manifest"))).to.equal(true);
  });

  it("receipts streamText with the same output as generateText for the same call", async () => {
    const plain = await generateText({ model, prompt: "Stream the status", seed: 5, maxRetries: 0 });
    const streamed = streamText({ model, prompt: "Stream the status", seed: 5, maxRetries: 0 });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).to.equal(plain.text);
    const a = await expectAnchoredWithEvidence(rig, receiptOf(plain.providerMetadata)!);
    const b = await expectAnchoredWithEvidence(rig, receiptOf(await streamed.providerMetadata)!);
    expect(b.evidence.output.content).to.equal(a.evidence.output.content);
    expect(b.bundle.receipt.samplingDigest).to.equal(a.bundle.receipt.samplingDigest);
  });

  it("captures a tool loop: the call in the first answer, the tool's input and output in the second", async () => {
    const search = tool({
      description: "Search the docs",
      inputSchema: jsonSchema<{ query: string }>({ type: "object", properties: { query: { type: "string" } }, required: ["query"] }),
      execute: async ({ query }) => ({ hits: [`docs/${query.length}.md`] }),
    });
    const result = await generateText({ model, prompt: "Find the refund policy", tools: { search }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(result.steps).to.have.length(2);
    const first = await expectAnchoredWithEvidence(rig, receiptOf(result.steps[0]!.providerMetadata)!);
    const second = await expectAnchoredWithEvidence(rig, receiptOf(result.steps[1]!.providerMetadata)!);
    const call = JSON.parse(first.evidence.output.content).content[0];
    expect(call).to.include({ type: "tool-call", toolName: "search" });
    expect(first.bundle.receipt.tools).to.deep.equal([]);
    expect(second.bundle.receipt.tools.map((t) => t.name)).to.deep.equal(["search"]);
    expect(second.evidence.tools[0]!.input.content).to.equal(call.input);
    expect(JSON.parse(second.evidence.tools[0]!.output.content)).to.deep.equal({ hits: [`docs/${"Find the refund policy".length}.md`] });
    expect(JSON.parse(second.evidence.output.content).content).to.deep.equal([{ type: "text", text: result.text }]);
  });

  it("gives no receipt when the upstream fails; receipts what was delivered of a broken stream, marked aborted", async () => {
    await rig.capturer.settled();
    const before = rig.capturer.stats.captured;
    const failed = await generateText({ model, prompt: "x", maxRetries: 0, headers: { "x-mock-fault": "500" } }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(Error);
    await rig.capturer.settled();
    expect(rig.capturer.stats.captured).to.equal(before);
    const events = rig.events.length;
    let text = "";
    const broken = streamText({ model, prompt: "break", maxRetries: 0, headers: { "x-mock-fault": "abort" }, onError: () => undefined });
    const error = await (async () => {
      for await (const delta of broken.textStream) text += delta;
    })().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error); // the caller sees the break
    await rig.capturer.settled();
    const captured = rig.events.slice(events).find((e) => e.type === "captured");
    expect(captured).to.deep.include({ type: "captured", partial: true });
    const { evidence } = await expectAnchoredWithEvidence(rig, (captured as { receiptId: Hex }).receiptId);
    const output = JSON.parse(evidence.output.content);
    expect(output.finishReason).to.equal("aborted");
    expect((output.content as { text: string }[]).map((p) => p.text).join("")).to.equal(text);
  });
});
