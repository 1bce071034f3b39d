/**
 * ShowworkCallbackHandler with the real LangChain.js (`@langchain/core` 1, `@langchain/openai` 1):
 * ChatOpenAI pointed at the deterministic model server; a chain with a retriever and a tool. Every
 * model run's receipt anchors, its bundle verifies, its evidence opens every commitment, and a
 * disclosure of it (input, output, the tool, the retrieved document, the memory) checks.
 */
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnableLambda, type RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeLLM } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { expect } from "chai";
import OpenAI from "openai";

import { receiptIdOf, withReceiptContext, withReceipts } from "../../sdk/capture/index.js";
import { buildDisclosure, checkDisclosure, replayReceipt } from "../../sdk/disclosure/index.js";
import { Snapshot } from "../../sdk/disclosure/snapshot.js";
import { ShowworkCallbackHandler } from "../../sdk/langchain/index.js";
import { modelIdFromName } from "../../sdk/receipt/index.js";
import { removeTempDirs } from "../service/helpers/service.js";
import { captureRig, expectAnchoredWithEvidence, MODEL, WEIGHTS, type CaptureRig } from "../capture/helpers.js";

const DOCS = [
  new Document({ id: "policy.md", pageContent: "Refunds are accepted within 30 days of delivery.", metadata: { source: "kb/policy.md" } }),
  new Document({ id: "shipping.md", pageContent: "Orders ship within two business days.", metadata: { source: "kb/shipping.md" } }),
];

class KnowledgeBase extends BaseRetriever {
  override lc_namespace = ["showwork", "test"];
  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    return query.toLowerCase().includes("refund") ? DOCS : DOCS.slice(1);
  }
}

describe("langchain: ShowworkCallbackHandler", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let handler: ShowworkCallbackHandler;
  let model: ChatOpenAI;
  const searchCalls: string[] = [];
  const search = tool(
    async (args: { query: string }) => {
      searchCalls.push(args.query);
      return JSON.stringify({ hits: ["kb/policy.md#refunds"], query: args.query });
    },
    { name: "search_orders", description: "Search the order system", schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } },
  );

  /** retriever → system prompt with the documents → model (with the tool) → tool → model. */
  const chain = RunnableLambda.from(async (input: { question: string; history?: BaseMessage[] }, config?: RunnableConfig) => {
    const docs = await new KnowledgeBase().invoke(input.question, config);
    const messages: BaseMessage[] = [
      new SystemMessage(`Answer from these documents:\n${docs.map((d) => d.pageContent).join("\n")}`),
      ...(input.history ?? []),
      new HumanMessage(input.question),
    ];
    const withTools = model.bindTools([search]);
    const first = await withTools.invoke(messages, config);
    const call = first.tool_calls![0]!;
    const toolMessage = (await (search.invoke as (input: unknown, config?: RunnableConfig) => Promise<BaseMessage>)(call, config));
    const second = await withTools.invoke([...messages, first, toolMessage], config);
    return { first, second, docs };
  });

  before(async () => {
    rig = await captureRig();
    handler = new ShowworkCallbackHandler({ capturer: rig.capturer });
    model = new ChatOpenAI({ model: MODEL, apiKey: "test", temperature: 0.2, maxRetries: 0, configuration: { baseURL: "http://model.local/v1", fetch: rig.server.fetch } });
  });

  after(async () => {
    await rig.close();
    removeTempDirs();
  });

  it("a chain with a retriever and a tool: one receipt per model run, the tool as the receipt's tool, the documents as the retrieval snapshot; anchored, verified, disclosed", async () => {
    const receipts: { runId: string; receiptId: string }[] = [];
    const local = new ShowworkCallbackHandler({ capturer: rig.capturer, onReceipt: (r) => receipts.push(r) });
    const question = "Can I get a refund for order 42?";
    const { first, second, docs } = await withReceiptContext({ template: "support-answer" }, () => chain.invoke({ question }, { callbacks: [local] }));
    expect(receipts).to.have.length(2);
    expect(local.stats).to.deep.equal({ runs: 2, receipts: 2, skipped: { error: 0, failed: 0 } });
    expect(searchCalls).to.have.length(1);

    const one = await expectAnchoredWithEvidence(rig, receipts[0]!.receiptId as `0x${string}`);
    const two = await expectAnchoredWithEvidence(rig, receipts[1]!.receiptId as `0x${string}`);
    expect(local.receiptIdOf(receipts[1]!.runId)).to.equal(receipts[1]!.receiptId);
    for (const { bundle, evidence } of [one, two]) {
      expect(bundle.receipt.modelId).to.equal(modelIdFromName(MODEL));
      expect(bundle.receipt.weightsDigest).to.equal(WEIGHTS.v1); // from the response's system_fingerprint
      expect(bundle.receipt.retrievalIndexDigest).to.equal(Snapshot.of("retrieval", docs.map((d) => ({ id: d.id!, content: d.pageContent }))).root);
      expect(bundle.receipt.promptTemplateVersion).to.equal(2);
      expect(evidence.capture?.via).to.equal("langchain");
      expect(evidence.sampling).to.include({ "gen_ai.request.model": MODEL, "gen_ai.request.temperature": 0.2, "gen_ai.response.model": MODEL });
      expect(evidence.sampling["openai.request.tools"]).to.be.an("array").with.length(1);
      expect(evidence.retrieval?.documents.map((d) => d.id)).to.deep.equal(["policy.md", "shipping.md"]);
    }
    // the first answer is the tool call; the second receipt carries the tool's input and output
    const call = (first.additional_kwargs.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[])[0]!;
    expect(JSON.parse(one.evidence.output.content).choices[0].message.tool_calls).to.deep.equal(first.additional_kwargs.tool_calls);
    expect(one.bundle.receipt.tools).to.deep.equal([]);
    expect(two.bundle.receipt.tools.map((t) => t.name)).to.deep.equal(["search_orders"]);
    expect(two.evidence.tools.map((t) => [t.name, t.input.content])).to.deep.equal([["search_orders", call.function.arguments]]);
    expect(JSON.parse(two.evidence.tools[0]!.output.content)).to.deep.equal({ hits: ["kb/policy.md#refunds"], query: searchCalls[0] });
    expect(JSON.parse(two.evidence.output.content)).to.deep.equal({ choices: [{ index: 0, message: { role: "assistant", content: second.content }, finish_reason: "stop" }] });

    // disclosed: input, output, the tool call, the template, the sampling and one retrieved document
    const disclosure = await buildDisclosure({
      bundle: two.bundle,
      evidence: two.evidence,
      artifacts: rig.evidence,
      fields: ["input", "output", "tools[0]", "template", "sampling", "retrieval:policy.md"],
    });
    const report = checkDisclosure(disclosure);
    expect(report.status).to.equal("pass");
    expect(report.pieces.map((p) => p.field)).to.include.members(["input", "output", "tools[0].input", "tools[0].output", "template", "sampling", "retrieval:policy.md"]);
  });

  it("commits to the same input as withReceipts(openai) for the same request, and the request is replayable", async () => {
    const messages = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: "Where is my order?" }];
    const direct = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: rig.server.fetch, maxRetries: 0 }), { capturer: rig.capturer });
    const viaOpenAI = await direct.chat.completions.create({ model: MODEL, messages, temperature: 0.2 });
    const receipts: string[] = [];
    const local = new ShowworkCallbackHandler({ capturer: rig.capturer, onReceipt: (r) => receipts.push(r.receiptId) });
    const viaLangChain = await model.invoke([new SystemMessage("Be brief."), new HumanMessage("Where is my order?")], { callbacks: [local] });
    expect(viaLangChain.content).to.equal(viaOpenAI.choices[0]!.message.content);
    const a = await expectAnchoredWithEvidence(rig, receiptIdOf(viaOpenAI)!);
    const b = await expectAnchoredWithEvidence(rig, receipts[0]! as `0x${string}`);
    expect(b.evidence.input.content).to.equal(a.evidence.input.content);
    expect(b.evidence.output.content).to.equal(a.evidence.output.content);
    expect(b.evidence.request).to.deep.include({ model: MODEL, messages, temperature: 0.2 });
    expect(b.evidence.sampling).to.deep.equal(a.evidence.sampling);
    const replay = await replayReceipt({ evidence: b.evidence, endpoint: "http://model.local/v1", fetch: rig.server.fetch });
    expect(replay.identical).to.equal(true);
  });

  it("a streamed chat run (model.stream) gets a receipt committing to the same input, output and sampling as the plain run", async () => {
    const receipts: string[] = [];
    const local = new ShowworkCallbackHandler({ capturer: rig.capturer, onReceipt: (r) => receipts.push(r.receiptId) });
    const messages = [new SystemMessage("Be brief."), new HumanMessage("Stream me the status of order 7")];
    const plain = await model.invoke(messages, { callbacks: [local] });
    let text = "";
    for await (const chunk of await model.stream(messages, { callbacks: [local] })) text += String(chunk.content);
    expect(text).to.equal(plain.content);
    expect(receipts).to.have.length(2);
    const a = await expectAnchoredWithEvidence(rig, receipts[0]! as `0x${string}`);
    const b = await expectAnchoredWithEvidence(rig, receipts[1]! as `0x${string}`);
    expect(b.evidence.input.content).to.equal(a.evidence.input.content);
    expect(JSON.parse(b.evidence.output.content)).to.deep.equal(JSON.parse(a.evidence.output.content));
    expect(b.evidence.sampling).to.deep.equal(a.evidence.sampling);
    expect(b.bundle.receipt.outputDigest).to.not.equal(a.bundle.receipt.outputDigest); // salted: the same content, two commitments
  });

  it("memory: the chat history a chain receives becomes the memory snapshot", async () => {
    const receipts: string[] = [];
    const local = new ShowworkCallbackHandler({ capturer: rig.capturer, onReceipt: (r) => receipts.push(r.receiptId) });
    const history = [new HumanMessage("My name is Ada."), new AIMessage("Hello Ada.")];
    await chain.invoke({ question: "Where is my order 42?", history }, { callbacks: [local] });
    expect(receipts).to.have.length(2);
    const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receipts[0]! as `0x${string}`);
    const records = [
      { id: "message:0", content: JSON.stringify({ content: "My name is Ada.", role: "user" }) },
      { id: "message:1", content: JSON.stringify({ content: "Hello Ada.", role: "assistant" }) },
    ];
    expect(bundle.receipt.memoryDigest).to.equal(Snapshot.of("memory", records).root);
    expect(evidence.memory?.records.map((r) => r.id)).to.deep.equal(["message:0", "message:1"]);
    const disclosure = await buildDisclosure({ bundle, evidence, artifacts: rig.evidence, fields: ["memory:message:0"] });
    expect(checkDisclosure(disclosure).status).to.equal("pass");
    // a retriever that found only the shipping document: the snapshot is what this trace retrieved
    expect(evidence.retrieval?.documents.map((d) => d.id)).to.deep.equal(["shipping.md"]);
  });

  it("a text LLM run (handleLLMStart): input { prompt }, output the generations' text", async () => {
    const receipts: string[] = [];
    const local = new ShowworkCallbackHandler({ capturer: rig.capturer, onReceipt: (r) => receipts.push(r.receiptId) });
    const llm = new FakeLLM({ response: "Orders ship within two days." });
    const text = await llm.invoke("When does my order ship?", { callbacks: [local] });
    expect(receipts).to.have.length(1);
    const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receipts[0]! as `0x${string}`);
    expect(JSON.parse(evidence.input.content)).to.deep.equal({ prompt: "When does my order ship?" });
    expect(JSON.parse(evidence.output.content)).to.deep.equal({ choices: [{ index: 0, text, finish_reason: null }] });
    expect(evidence.model.name).to.equal("FakeLLM"); // no model in its invocation params: the class name
    expect(bundle.receipt.modelId).to.equal(modelIdFromName("FakeLLM"));
  });

  it("a failed model run gets no receipt and is counted; the handler shared across calls keeps traces apart", async () => {
    rig.server.faults.push("500");
    await model.invoke([new HumanMessage("fail please")], { callbacks: [handler] }).then(
      () => expect.fail("expected an error"),
      () => undefined,
    );
    expect(handler.stats.skipped.error).to.equal(1);
    expect(handler.stats.receipts).to.equal(0);
    await Promise.all([chain.invoke({ question: "refund?" }, { callbacks: [handler] }), chain.invoke({ question: "shipping?" }, { callbacks: [handler] })]);
    expect(handler.stats.receipts).to.equal(4);
    await handler.flush();
  });
});
