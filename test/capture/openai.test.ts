/**
 * withReceipts(openaiClient) with the real `openai` package against the deterministic model
 * server: every answer the client sees ends anchored, its bundle verifies, and its evidence
 * opens the receipt's commitments to exactly what the client saw.
 */
import { expect } from "chai";
import OpenAI, { APIConnectionTimeoutError, InternalServerError } from "openai";
import { zeroHash, type Hex } from "viem";

import { receiptIdOf, receiptUrlOf, withReceiptContext, withReceipts, type ReceiptSink } from "../../sdk/capture/index.js";
import { Snapshot } from "../../sdk/disclosure/snapshot.js";
import { modelIdFromName } from "../../sdk/receipt/index.js";
import { removeTempDirs } from "../service/helpers/service.js";
import { captureRig, expectAnchoredWithEvidence, MODEL, WEIGHTS, type CaptureRig } from "./helpers.js";

const question = (text: string) => [{ role: "user" as const, content: text }];
const SEARCH_TOOL = { type: "function" as const, function: { name: "search", description: "Search the docs", parameters: { type: "object", properties: { query: { type: "string" } } } } };

describe("capture: withReceipts(openai)", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let client: OpenAI;
  let http: { url: string; close(): Promise<void> };
  let httpClient: OpenAI;

  before(async () => {
    rig = await captureRig();
    client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: rig.server.fetch, maxRetries: 0 }), { capturer: rig.capturer });
    http = await rig.server.listen();
    httpClient = withReceipts(new OpenAI({ apiKey: "test", baseURL: `${http.url}/v1`, maxRetries: 0 }), { capturer: rig.capturer });
  });

  after(async () => {
    await http.close();
    await rig.close();
    removeTempDirs();
  });

  it("receipts a plain chat completion: same client type, receipt id with the answer, every parameter committed", async () => {
    expect(client).to.be.instanceOf(OpenAI);
    const request = { model: MODEL, messages: question("Where is my order?"), temperature: 0.2, top_p: 0.9, seed: 7, max_tokens: 64, n: 1, stop: "END", presence_penalty: 0.1, frequency_penalty: 0.2, logit_bias: { "42": -1 }, response_format: { type: "text" as const }, user: "u-1" };
    const answer = await client.chat.completions.create(request);
    const receiptId = receiptIdOf(answer)!;
    expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
    expect(Object.keys(answer)).to.not.include("_receipt_id");
    expect(receiptUrlOf(answer)).to.equal(`http://anchor.local/v1/receipts/${receiptId}`);
    const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receiptId);
    expect(bundle.receipt.modelId).to.equal(modelIdFromName(MODEL));
    expect(bundle.receipt.weightsDigest).to.equal(WEIGHTS.v1);
    expect(JSON.parse(evidence.output.content)).to.deep.equal({
      choices: answer.choices.map((c) => ({ index: c.index, message: { role: c.message.role, content: c.message.content }, finish_reason: c.finish_reason })),
    });
    expect(JSON.parse(evidence.input.content)).to.deep.equal({ messages: request.messages });
    expect(evidence.request).to.deep.equal(JSON.parse(JSON.stringify(request)));
    expect(evidence.sampling).to.deep.equal({
      "gen_ai.request.model": MODEL,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.seed": 7,
      "gen_ai.request.max_tokens": 64,
      "gen_ai.request.choice.count": 1,
      "gen_ai.request.stop_sequences": ["END"],
      "gen_ai.request.presence_penalty": 0.1,
      "gen_ai.request.frequency_penalty": 0.2,
      "openai.request.logit_bias": { "42": -1 },
      "openai.request.response_format": { type: "text" },
      "gen_ai.response.model": MODEL,
      "openai.response.system_fingerprint": answer.system_fingerprint!,
    });
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: question("again") }).withResponse();
    expect(response.headers.get("x-showwork-receipt-id")).to.equal(receiptIdOf(data));
  });

  it("receipts a streamed answer with the same output as the plain answer to the same request", async () => {
    const request = { model: MODEL, messages: question("Stream me the status"), seed: 3 };
    const plain = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).to.equal(plain.choices[0]!.message.content);
    const streamed = await expectAnchoredWithEvidence(rig, receiptIdOf(stream)!);
    const unstreamed = await expectAnchoredWithEvidence(rig, receiptIdOf(plain)!);
    expect(streamed.evidence.output.content).to.equal(unstreamed.evidence.output.content);
    expect(streamed.bundle.receipt.outputDigest).to.not.equal(unstreamed.bundle.receipt.outputDigest); // fresh salts
    expect(streamed.bundle.receipt.samplingDigest).to.equal(unstreamed.bundle.receipt.samplingDigest); // stream options are transport
  });

  it("captures tool calls: the call in the output, then the tool's input and output as the receipt's tools", async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = question("Find the refund policy");
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: [SEARCH_TOOL], tool_choice: "auto" });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).to.equal("tool_calls");
    const one = await expectAnchoredWithEvidence(rig, receiptIdOf(first)!);
    expect(JSON.parse(one.evidence.output.content).choices[0].message.tool_calls).to.deep.equal(first.choices[0]!.message.tool_calls);
    expect(one.evidence.sampling["openai.request.tools"]).to.deep.equal([SEARCH_TOOL]);
    expect(one.evidence.sampling["openai.request.tool_choice"]).to.equal("auto");
    const toolOutput = JSON.stringify({ hits: ["policy.md#refunds"] });
    const second = await client.chat.completions.create({
      model: MODEL,
      messages: [...messages, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: toolOutput }],
      tools: [SEARCH_TOOL],
    });
    const two = await expectAnchoredWithEvidence(rig, receiptIdOf(second)!);
    expect(two.bundle.receipt.tools.map((t) => t.name)).to.deep.equal(["search"]);
    expect(two.evidence.tools).to.have.length(1);
    expect(two.evidence.tools[0]!.input.content).to.equal(call.function.arguments);
    expect(two.evidence.tools[0]!.output.content).to.equal(toolOutput);
  });

  it("receipts the Responses API, plain and streaming, function calls included", async () => {
    const plain = await client.responses.create({ model: MODEL, input: "Summarise the ticket", instructions: "Be brief", temperature: 0.5 });
    const a = await expectAnchoredWithEvidence(rig, receiptIdOf(plain)!);
    expect(JSON.parse(a.evidence.output.content)).to.deep.equal({ status: plain.status, output: JSON.parse(JSON.stringify(plain.output)) });
    expect(JSON.parse(a.evidence.input.content)).to.deep.equal({ instructions: "Be brief", input: "Summarise the ticket" });
    expect(a.evidence.sampling["gen_ai.request.temperature"]).to.equal(0.5);
    const stream = await client.responses.create({ model: MODEL, input: "Summarise the ticket", instructions: "Be brief", temperature: 0.5, stream: true });
    for await (const event of stream) void event;
    const b = await expectAnchoredWithEvidence(rig, receiptIdOf(stream)!);
    expect(b.evidence.output.content).to.equal(a.evidence.output.content);
    const tools = [{ type: "function" as const, name: "lookup", parameters: { type: "object", properties: {} }, strict: false }];
    const called = await client.responses.create({ model: MODEL, input: [{ role: "user", content: "Look it up" }], tools });
    const fc = called.output.find((o) => o.type === "function_call")!;
    const after = await client.responses.create({
      model: MODEL,
      input: [{ role: "user", content: "Look it up" }, fc, { type: "function_call_output", call_id: fc.call_id, output: "found: 3 items" }],
      tools,
    });
    const c = await expectAnchoredWithEvidence(rig, receiptIdOf(after)!);
    expect(c.evidence.tools.map((t) => [t.name, t.input.content, t.output.content])).to.deep.equal([["lookup", fc.arguments, "found: 3 items"]]);
  });

  it("receipts concurrent calls, each once, with distinct sequence numbers", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        if (i % 2 === 0) return receiptIdOf(await client.chat.completions.create({ model: MODEL, messages: question(`question ${i}`) }))!;
        const stream = await httpClient.chat.completions.create({ model: MODEL, messages: question(`question ${i}`), stream: true });
        for await (const chunk of stream) void chunk;
        return receiptIdOf(stream)!;
      }),
    );
    expect(new Set(answers).size).to.equal(40);
    const sequences = new Set<bigint>();
    for (const id of answers) sequences.add((await expectAnchoredWithEvidence(rig, id)).bundle.receipt.sequence);
    expect(sequences.size).to.equal(40);
  });

  it("gives no receipt for an answer never delivered: upstream 500, timeout", async () => {
    await rig.capturer.settled();
    const before = rig.capturer.stats.captured;
    const error = await client.chat.completions.create({ model: MODEL, messages: question("x") }, { headers: { "x-mock-fault": "500" } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InternalServerError);
    const timeout = await httpClient.chat.completions.create({ model: MODEL, messages: question("x") }, { headers: { "x-mock-fault": "timeout" }, timeout: 300 }).catch((e: unknown) => e);
    expect(timeout).to.be.instanceOf(APIConnectionTimeoutError);
    await rig.capturer.settled();
    expect(rig.capturer.stats.captured).to.equal(before);
  });

  it("receipts what was delivered of a stream that broke off, marked aborted", async () => {
    const stream = await httpClient.chat.completions.create({ model: MODEL, messages: question("break please"), stream: true }, { headers: { "x-mock-fault": "abort" } });
    let seen = "";
    const error = await (async () => {
      for await (const chunk of stream) seen += chunk.choices[0]?.delta?.content ?? "";
    })().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    const { evidence } = await expectAnchoredWithEvidence(rig, receiptIdOf(stream)!);
    const output = JSON.parse(evidence.output.content);
    expect(output.choices[0].finish_reason).to.equal("aborted");
    expect(output.choices[0].message.content ?? "").to.equal(seen);
  });

  it("receipts what was delivered when the client stops reading a stream", async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: question("long answer"), stream: true });
    let seen = "";
    let chunks = 0;
    for await (const chunk of stream) {
      seen += chunk.choices[0]?.delta?.content ?? "";
      if (++chunks === 3) break;
    }
    const { evidence } = await expectAnchoredWithEvidence(rig, receiptIdOf(stream)!);
    const output = JSON.parse(evidence.output.content);
    expect(output.choices[0].finish_reason).to.equal("aborted");
    expect(output.choices[0].message.content).to.equal(seen);
    expect(rig.capturer.stats.partial).to.be.at.least(2);
  });

  it("commits the template, retrieval index and memory of withReceiptContext; their content is in the evidence store", async () => {
    const documents = [
      { id: "policy.md", content: "Refunds within 30 days." },
      { id: "faq.md", content: "Shipping takes 3-5 days." },
    ];
    const memory = { entries: [{ id: "user:42/preferences", content: "prefers email" }] };
    const answer = await withReceiptContext({ template: "support-answer", retrievalIndex: { entries: documents }, memory }, () =>
      client.chat.completions.create({ model: MODEL, messages: question("Refund?") }),
    );
    const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receiptIdOf(answer)!);
    const template = rig.templates.resolve("support-answer");
    expect(template.version).to.equal(2);
    expect(bundle.receipt.promptTemplateDigest).to.equal(template.digest);
    expect(bundle.receipt.promptTemplateVersion).to.equal(2);
    expect(bundle.receipt.retrievalIndexDigest).to.equal(Snapshot.of("retrieval", documents).root);
    expect(bundle.receipt.memoryDigest).to.equal(Snapshot.of("memory", memory.entries).root);
    const stored = await rig.evidence.getArtifact(evidence.retrieval!.documents.find((d) => d.id === "faq.md")!.artifact);
    expect(new TextDecoder().decode(stored!.bytes)).to.equal("Shipping takes 3-5 days.");
    expect(new TextDecoder().decode((await rig.evidence.getArtifact(evidence.template!.artifact!))!.bytes)).to.equal(template.text);
    const outside = await client.chat.completions.create({ model: MODEL, messages: question("no context") });
    const plain = await expectAnchoredWithEvidence(rig, receiptIdOf(outside)!);
    expect([plain.bundle.receipt.promptTemplateDigest, plain.bundle.receipt.retrievalIndexDigest, plain.bundle.receipt.memoryDigest]).to.deep.equal([zeroHash, zeroHash, zeroHash]);
  });

  it("names the version that answered: a deployment of v2 shows in the next receipts", async () => {
    rig.server.models[MODEL]!.version = "v2";
    try {
      const answer = await client.chat.completions.create({ model: MODEL, messages: question("which version?") });
      expect((await expectAnchoredWithEvidence(rig, receiptIdOf(answer)!)).bundle.receipt.weightsDigest).to.equal(WEIGHTS.v2);
    } finally {
      rig.server.models[MODEL]!.version = "v1";
    }
  });

  it("never fails or delays the answer when recording fails; reports it", async () => {
    const failing: ReceiptSink = { submit: () => Promise.reject(new Error("service down")) };
    const { createCapturer } = await import("../../sdk/capture/index.js");
    const { privateKeyToAccount, generatePrivateKey } = await import("viem/accounts");
    const errors: unknown[] = [];
    const capturer = createCapturer({ signer: privateKeyToAccount(generatePrivateKey()), sink: failing, onEvent: (e) => e.type === "error" && errors.push(e) });
    const wrapped = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: rig.server.fetch, maxRetries: 0 }), { capturer });
    const answer = await wrapped.chat.completions.create({ model: MODEL, messages: question("still answered?") });
    expect(answer.choices[0]!.message.content).to.be.a("string");
    await capturer.settled();
    expect(errors).to.have.length(1);
    expect(capturer.stats.failed).to.equal(1);
    const id: Hex | undefined = receiptIdOf(answer);
    expect(id).to.match(/^0x/);
  });
});
