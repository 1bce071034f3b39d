/**
 * ShowworkSpanProcessor with the real OpenTelemetry SDK (`@opentelemetry/sdk-trace-base` 2.x,
 * `@opentelemetry/api`): spans made by the real `@opentelemetry/instrumentation-openai` around the
 * real `openai` client talking to the deterministic model server, and spans built here exactly as
 * the GenAI conventions define them (attribute form, event forms, flattened OpenLLMetry form).
 * Every receipt anchors, its bundle verifies, its evidence opens its commitments to the content
 * the span carried (= what the client received), and the span carries the receipt id.
 */
import * as openaiModule from "openai";
import OpenAI from "openai";
import { metrics, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import * as sdk3 from "showwork-fixture-otel-sdk3";

import { join } from "node:path";

import { verifyBundleOffline } from "../../sdk/bundle/index.js";
import { createWorkerCapturer, withReceiptContext } from "../../sdk/capture/index.js";
import { checkEvidence, SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import { startHttpServer } from "../../sdk/service/http/server.js";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { replayReceipt } from "../../sdk/disclosure/index.js";
import { Snapshot } from "../../sdk/disclosure/snapshot.js";
import { RECEIPT_URL_ATTRIBUTE, receiptIdOfSpan, ShowworkSpanProcessor } from "../../sdk/otel/index.js";
import { modelIdFromName } from "../../sdk/receipt/index.js";
import { removeTempDirs, roundsUntil, tempDir } from "../service/helpers/service.js";
import { captureRig, expectAnchoredWithEvidence, MODEL, WEIGHTS, type CaptureRig } from "../capture/helpers.js";

const OUTPUT = "Your order ships tomorrow.";
const base = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": MODEL, "gen_ai.request.temperature": 0, "gen_ai.request.seed": 11, "gen_ai.response.model": MODEL, "gen_ai.response.id": "chatcmpl-1", "gen_ai.response.finish_reasons": ["stop"] };
const inputMessages = [
  { role: "user", parts: [{ type: "text", content: "Where is my order?" }] },
  { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "lookup_order", arguments: { order: 42 } }] },
  { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "shipped: no" }] },
];
const outputMessages = [{ role: "assistant", parts: [{ type: "text", content: OUTPUT }], finish_reason: "stop" }];
const expected = { input: { "gen_ai.system_instructions": [{ type: "text", content: "Be kind." }], "gen_ai.input.messages": inputMessages }, output: { "gen_ai.output.messages": outputMessages } };

/** One SDK line under test: its tracer, a processor registered first on it, its last exported span. */
interface SdkLine {
  readonly tracer: Tracer;
  readonly processor: ShowworkSpanProcessor;
  lastSpan(): { readonly attributes: Record<string, unknown>; spanContext(): { readonly traceId: string; readonly spanId: string } };
  shutdown(): Promise<void>;
}

const SEARCH_TOOL = { type: "function" as const, function: { name: "search", description: "Search the docs", parameters: { type: "object", properties: { query: { type: "string" } } } } };

describe("otel: ShowworkSpanProcessor", function () {
  this.timeout(120_000);
  let rig: CaptureRig;
  let processor: ShowworkSpanProcessor;
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  let tracer: Tracer;

  const lastSpan = (): ReadableSpan => exporter.getFinishedSpans().at(-1)!;

  before(async () => {
    rig = await captureRig({ models: { [MODEL]: { weightsDigest: WEIGHTS.v1 } } });
    processor = new ShowworkSpanProcessor({ capturer: rig.capturer });
    exporter = new InMemorySpanExporter();
    // The processor first: the exporting processor then sees showwork.receipt_id.
    provider = new BasicTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(exporter)] });
    tracer = provider.getTracer("test");
  });

  after(async () => {
    await provider.shutdown();
    await rig.close();
    removeTempDirs();
  });

  describe("with the real @opentelemetry/instrumentation-openai around the real openai client", () => {
    let instrumentation: OpenAIInstrumentation;
    let client: OpenAI;
    const patch = () => instrumentation.getModuleDefinitions()[0]!;

    before(() => {
      instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
      instrumentation.setTracerProvider(provider);
      instrumentation.setLoggerProvider(processor.loggerProvider);
      // Its metric instruments are made in the base constructor, then reset by its own class fields:
      // setting a meter provider makes them again (else its error and stream paths throw).
      instrumentation.setMeterProvider(metrics.getMeterProvider());
      // instrumentation-openai 0.21 declares openai >=4.19 <7; the installed openai is 7.x, which its
      // module hook skips: apply its own patch to the loaded module (the code the hook would run).
      patch().patch!(openaiModule);
      client = new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: rig.server.fetch, maxRetries: 0 });
    });

    after(() => {
      patch().unpatch!(openaiModule);
      instrumentation.disable();
    });

    it("receipts a chat completion: content from the instrumentation's log records, id back on the exported span", async () => {
      exporter.reset();
      const messages = [{ role: "system" as const, content: "You are terse." }, { role: "user" as const, content: "Where is my order?" }];
      const answer = await client.chat.completions.create({ model: MODEL, messages, temperature: 0.2, top_p: 0.9, max_tokens: 64, stop: ["END"] });
      const span = lastSpan();
      const receiptId = receiptIdOfSpan(span)!;
      expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
      expect(span.attributes[RECEIPT_URL_ATTRIBUTE]).to.equal(`http://anchor.local/v1/receipts/${receiptId}`);
      const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receiptId);
      expect(bundle.receipt.modelId).to.equal(modelIdFromName(MODEL));
      expect(bundle.receipt.weightsDigest).to.equal(WEIGHTS.v1);
      expect(JSON.parse(evidence.input.content)).to.deep.equal({
        "gen_ai.input.messages": [
          { role: "system", parts: [{ type: "text", content: "You are terse." }] },
          { role: "user", parts: [{ type: "text", content: "Where is my order?" }] },
        ],
      });
      expect(JSON.parse(evidence.output.content)).to.deep.equal({
        "gen_ai.output.messages": [{ role: "assistant", parts: [{ type: "text", content: answer.choices[0]!.message.content }], finish_reason: answer.choices[0]!.finish_reason }],
      });
      expect(evidence.sampling).to.deep.equal({
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.stop_sequences": ["END"],
        "gen_ai.response.model": answer.model,
      });
      expect(evidence.capture).to.deep.equal({ via: "otel", contentFrom: "logs", traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
      // the request rebuilt for replay is the one sent, and replays to the same answer
      expect(evidence.request).to.deep.equal({ model: MODEL, messages: messages.map((m) => ({ ...m })), temperature: 0.2, top_p: 0.9, max_tokens: 64, stop: ["END"] });
      const replay = await replayReceipt({ evidence, endpoint: "http://model.local/v1", fetch: rig.server.fetch });
      expect(replay.replayed.texts).to.deep.equal([answer.choices[0]!.message.content]);
    });

    it("takes the receipt context of the traced call and its tool calls as the receipt's tools", async () => {
      const first = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Find the refund policy" }], tools: [SEARCH_TOOL] });
      const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
      const docs = [{ id: "policy.md", content: "Refunds within 30 days." }, { id: "faq.md", content: "Ask support." }];
      const toolOutput = JSON.stringify({ hits: ["policy.md#refunds"] });
      await withReceiptContext({ template: { id: "support-answer", version: 2 }, retrievalIndex: { entries: docs } }, () =>
        client.chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: "Find the refund policy" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: toolOutput }],
          tools: [SEARCH_TOOL],
        }),
      );
      const receiptId = receiptIdOfSpan(lastSpan())!;
      const { bundle, evidence } = await expectAnchoredWithEvidence(rig, receiptId);
      expect(bundle.receipt.tools.map((t) => t.name)).to.deep.equal(["search"]);
      expect(evidence.tools.map((t) => [t.name, t.input.content, t.output.content])).to.deep.equal([["search", call.function.arguments, toolOutput]]);
      expect(bundle.receipt.retrievalIndexDigest).to.equal(Snapshot.of("retrieval", docs).root);
      expect(bundle.receipt.promptTemplateVersion).to.equal(2);
      expect(bundle.receipt.promptTemplateDigest).to.equal(rig.templates.resolve({ id: "support-answer", version: 2 }).digest);
    });

    it("content not captured (the instrumentation's default): committed as null, said in the evidence and counted, never invented", async () => {
      instrumentation.setConfig({ captureMessageContent: false });
      const before = { ...processor.stats.contentAbsent };
      try {
        await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "secret question" }] });
      } finally {
        instrumentation.setConfig({ captureMessageContent: true });
      }
      const receiptId = receiptIdOfSpan(lastSpan())!;
      const { evidence } = await expectAnchoredWithEvidence(rig, receiptId);
      expect(evidence.input.content).to.equal("null");
      expect(evidence.output.content).to.equal("null");
      expect(evidence.capture?.absent).to.deep.equal(["input", "output"]);
      expect(JSON.stringify(evidence)).to.not.include("secret question");
      expect(processor.stats.contentAbsent).to.deep.equal({ input: before.input + 1, output: before.output + 1 });
    });

    it("a streamed answer gets a receipt with the same output as the plain answer", async () => {
      const request = { model: MODEL, messages: [{ role: "user" as const, content: "Stream me the status" }], seed: 3 };
      const plain = await client.chat.completions.create(request);
      const plainId = receiptIdOfSpan(lastSpan())!;
      const stream = await client.chat.completions.create({ ...request, stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      expect(text).to.equal(plain.choices[0]!.message.content);
      const streamedId = receiptIdOfSpan(lastSpan())!;
      expect(streamedId).to.not.equal(plainId);
      const a = await expectAnchoredWithEvidence(rig, plainId);
      const b = await expectAnchoredWithEvidence(rig, streamedId);
      expect(JSON.parse(b.evidence.output.content)["gen_ai.output.messages"][0].parts).to.deep.equal(JSON.parse(a.evidence.output.content)["gen_ai.output.messages"][0].parts);
    });

    it("an upstream error ends the span with an error status: no receipt, counted", async () => {
      const before = processor.stats.skipped["error-status"];
      const receiptsBefore = processor.stats.receipts;
      rig.server.faults.push("500");
      await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "fail" }] }).then(
        () => expect.fail("expected an error"),
        () => undefined,
      );
      expect(lastSpan().status.code).to.equal(SpanStatusCode.ERROR);
      expect(receiptIdOfSpan(lastSpan())).to.equal(undefined);
      expect(processor.stats.skipped["error-status"]).to.equal(before + 1);
      expect(processor.stats.receipts).to.equal(receiptsBefore);
    });
  });

  /**
   * The same cases under each SDK line: SDK 2 (`@opentelemetry/sdk-trace-base` 2.x, the root's
   * `@opentelemetry/api` 1.9) and SDK 3 (`@opentelemetry/sdk-trace` 3.x with its own `@opentelemetry/api`
   * 1.10, from fixtures/otel-sdk3: the two lines need API versions that cannot share one install).
   */
  const sdkLines: { name: string; setup: () => SdkLine }[] = [
    { name: "SDK 2: @opentelemetry/sdk-trace-base 2.x", setup: () => ({ tracer, processor, lastSpan, shutdown: async () => undefined }) },
    {
      name: "SDK 3: @opentelemetry/sdk-trace 3.x (api 1.10)",
      setup: () => {
        expect(sdk3.versions.sdkTrace, "the fixture runs the SDK 3 line").to.match(/^3\./);
        expect(sdk3.versions.api, "with the API it requires").to.match(/^1\.10\./);
        const own = new ShowworkSpanProcessor({ capturer: rig.capturer });
        const ownExporter = new sdk3.InMemorySpanExporter();
        const p = new sdk3.TracerProvider({ spanProcessors: [own, new sdk3.SimpleSpanProcessor({ exporter: ownExporter })] });
        return { tracer: p.getTracer("test-sdk3") as unknown as Tracer, processor: own, lastSpan: () => ownExporter.getFinishedSpans().at(-1)!, shutdown: () => p.shutdown() };
      },
    },
  ];

  for (const line of sdkLines) {
    describe(`with spans built exactly as the GenAI conventions define them (${line.name})`, () => {
      let sdk: SdkLine;
      before(() => {
        sdk = line.setup();
      });
      after(async () => {
        await sdk.shutdown();
      });
      conventionCases(() => sdk);
    });
  }

  function conventionCases(current: () => SdkLine) {
    async function receiptOf(build: (span: ReturnType<Tracer["startSpan"]>) => void) {
      const span = current().tracer.startSpan(`chat ${MODEL}`, { kind: SpanKind.CLIENT, attributes: base });
      build(span);
      span.end();
      const ended = current().lastSpan();
      const receiptId = receiptIdOfSpan(ended)!;
      expect(receiptId, "receipt id on the exported span").to.match(/^0x[0-9a-f]{64}$/);
      const anchored = await expectAnchoredWithEvidence(rig, receiptId);
      // and the way back: the receipt's evidence names the span
      expect(anchored.evidence.capture).to.include({ via: "otel", traceId: ended.spanContext().traceId, spanId: ended.spanContext().spanId });
      return anchored;
    }

    it("attribute form (semconv >= 1.37): gen_ai.input.messages / output.messages / system_instructions", async () => {
      const { bundle, evidence } = await receiptOf((span) =>
        span.setAttributes({
          "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be kind." }]),
          "gen_ai.input.messages": JSON.stringify(inputMessages),
          "gen_ai.output.messages": JSON.stringify(outputMessages),
        }),
      );
      expect(JSON.parse(evidence.input.content)).to.deep.equal(expected.input);
      expect(JSON.parse(evidence.output.content)).to.deep.equal(expected.output);
      expect(evidence.tools.map((t) => [t.name, t.input.content, t.output.content])).to.deep.equal([["lookup_order", '{"order":42}', "shipped: no"]]);
      expect(bundle.receipt.tools.map((t) => t.name)).to.deep.equal(["lookup_order"]);
      expect(evidence.capture?.contentFrom).to.equal("attributes");
      expect(evidence.sampling).to.deep.equal({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": MODEL, "gen_ai.request.temperature": 0, "gen_ai.request.seed": 11, "gen_ai.response.model": MODEL });
    });

    it("event form (semconv >= 1.37): the gen_ai.client.inference.operation.details event", async () => {
      const { evidence } = await receiptOf((span) =>
        span.addEvent("gen_ai.client.inference.operation.details", {
          "gen_ai.system_instructions": JSON.stringify([{ type: "text", content: "Be kind." }]),
          "gen_ai.input.messages": JSON.stringify(inputMessages),
          "gen_ai.output.messages": JSON.stringify(outputMessages),
        }),
      );
      expect(JSON.parse(evidence.input.content)).to.deep.equal(expected.input);
      expect(JSON.parse(evidence.output.content)).to.deep.equal(expected.output);
      expect(evidence.capture?.contentFrom).to.equal("events");
    });

    it("event form (semconv 1.27-1.36): one span event per message and gen_ai.choice", async () => {
      const { evidence } = await receiptOf((span) => {
        span.addEvent("gen_ai.user.message", { content: "Where is my order?" });
        span.addEvent("gen_ai.assistant.message", { tool_calls: JSON.stringify([{ id: "call_1", type: "function", function: { name: "lookup_order", arguments: '{"order":42}' } }]) });
        span.addEvent("gen_ai.tool.message", { id: "call_1", content: "shipped: no" });
        span.addEvent("gen_ai.choice", { index: 0, finish_reason: "stop", message: JSON.stringify({ role: "assistant", content: OUTPUT }) });
      });
      expect(JSON.parse(evidence.input.content)["gen_ai.input.messages"]).to.deep.equal([
        { role: "user", parts: [{ type: "text", content: "Where is my order?" }] },
        { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "lookup_order", arguments: '{"order":42}' }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "shipped: no" }] },
      ]);
      expect(JSON.parse(evidence.output.content)).to.deep.equal(expected.output);
      expect(evidence.tools.map((t) => [t.name, t.input.content, t.output.content])).to.deep.equal([["lookup_order", '{"order":42}', "shipped: no"]]);
    });

    it("event form (semconv 1.26): gen_ai.content.prompt / gen_ai.content.completion", async () => {
      const { evidence } = await receiptOf((span) => {
        span.addEvent("gen_ai.content.prompt", { "gen_ai.prompt": JSON.stringify([{ role: "user", content: "Where is my order?" }]) });
        span.addEvent("gen_ai.content.completion", { "gen_ai.completion": JSON.stringify([{ role: "assistant", content: OUTPUT, finish_reason: "stop" }]) });
      });
      expect(JSON.parse(evidence.input.content)).to.deep.equal({ "gen_ai.input.messages": [{ role: "user", parts: [{ type: "text", content: "Where is my order?" }] }] });
      expect(JSON.parse(evidence.output.content)).to.deep.equal(expected.output);
    });

    it("flattened attributes (OpenLLMetry): gen_ai.prompt.{i}.* / gen_ai.completion.{i}.*", async () => {
      const { evidence } = await receiptOf((span) =>
        span.setAttributes({
          "gen_ai.prompt.0.role": "user",
          "gen_ai.prompt.0.content": "Where is my order?",
          "gen_ai.prompt.1.role": "assistant",
          "gen_ai.prompt.1.tool_calls.0.id": "call_1",
          "gen_ai.prompt.1.tool_calls.0.name": "lookup_order",
          "gen_ai.prompt.1.tool_calls.0.arguments": '{"order":42}',
          "gen_ai.prompt.2.role": "tool",
          "gen_ai.prompt.2.tool_call_id": "call_1",
          "gen_ai.prompt.2.content": "shipped: no",
          "gen_ai.completion.0.role": "assistant",
          "gen_ai.completion.0.content": OUTPUT,
          "gen_ai.completion.0.finish_reason": "stop",
        }),
      );
      expect(JSON.parse(evidence.output.content)).to.deep.equal(expected.output);
      expect(evidence.tools.map((t) => [t.name, t.input.content, t.output.content])).to.deep.equal([["lookup_order", '{"order":42}', "shipped: no"]]);
      expect(Object.keys(evidence.sampling).some((k) => k.startsWith("gen_ai.prompt") || k.startsWith("gen_ai.completion"))).to.equal(false);
    });

    it("content absent from the span (the conventions' default): committed as null, said in capture.absent and counted, never invented", async () => {
      const { processor: p } = current();
      const before = { ...p.stats.contentAbsent };
      const none = await receiptOf(() => undefined);
      expect(none.evidence.input.content).to.equal("null");
      expect(none.evidence.output.content).to.equal("null");
      expect(none.evidence.capture?.absent).to.deep.equal(["input", "output"]);
      expect(none.evidence.capture).to.not.have.property("contentFrom");
      expect(none.evidence.tools).to.deep.equal([]);
      // only the input captured (e.g. output too large for the exporter): the output alone is absent
      const inputOnly = await receiptOf((span) => span.setAttribute("gen_ai.input.messages", JSON.stringify(inputMessages)));
      expect(JSON.parse(inputOnly.evidence.input.content)).to.deep.equal({ "gen_ai.input.messages": inputMessages });
      expect(inputOnly.evidence.output.content).to.equal("null");
      expect(inputOnly.evidence.capture?.absent).to.deep.equal(["output"]);
      expect(p.stats.contentAbsent).to.deep.equal({ input: before.input + 1, output: before.output + 2 });
    });

    it("ignores spans that are not one inference (embeddings, tools, other spans)", async () => {
      const { tracer: t, processor: p } = current();
      const before = p.stats.spans;
      const spans = [
        t.startSpan("embeddings", { attributes: { "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "e" } }),
        t.startSpan("execute_tool lookup", { attributes: { "gen_ai.operation.name": "execute_tool" } }),
        t.startSpan("GET /"),
      ];
      for (const span of spans) {
        span.end();
        expect(receiptIdOfSpan(current().lastSpan())).to.equal(undefined);
      }
      expect(p.stats.spans).to.equal(before);
    });
  }

  describe("on any capturer, as withReceipts", () => {
    it("a worker capturer (createWorkerCapturer): the span's receipt is signed, kept (encrypted) and queued on the worker, delivered over HTTP and anchored; the span carries its id and URL", async () => {
      const service = await startHttpServer(rig.service, { port: 0, auth: "none" });
      const dir = tempDir();
      const nodeKey = generatePrivateKey();
      const key = `0x${"5e".repeat(32)}`;
      const capturer = await createWorkerCapturer({
        nodeKey,
        sink: { url: service.url, queuePath: join(dir, "queue.sqlite") },
        evidence: { location: join(dir, "evidence.sqlite"), key },
        models: { [MODEL]: { provider: "acme" } },
        serviceUrl: service.url,
        logger: false,
      });
      const own = new ShowworkSpanProcessor({ capturer });
      const ownExporter = new InMemorySpanExporter();
      const p = new BasicTracerProvider({ spanProcessors: [own, new SimpleSpanProcessor(ownExporter)] });
      try {
        const span = p.getTracer("worker").startSpan(`chat ${MODEL}`, { kind: SpanKind.CLIENT, attributes: { ...base, "gen_ai.input.messages": JSON.stringify(inputMessages), "gen_ai.output.messages": JSON.stringify(outputMessages) } });
        span.end();
        const ended = ownExporter.getFinishedSpans()[0]!;
        const receiptId = receiptIdOfSpan(ended)!;
        expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
        expect(ended.attributes[RECEIPT_URL_ATTRIBUTE]).to.equal(`${service.url}/v1/receipts/${receiptId}`);
        expect(await capturer.flush(30_000)).to.include({ delivered: true, queued: 0, rejected: 0 });
        rig.service.flush();
        await roundsUntil(rig.service, async () => ["anchored", "final"].includes((await rig.service.status(receiptId)).state));
        const bundle = await rig.service.bundle(receiptId);
        await verifyBundleOffline(bundle, { requireSignature: true });
        expect(bundle.receipt.servingNode).to.equal(privateKeyToAddress(nodeKey));
        await p.shutdown(); // the processor does not own the capturer it was given: it waits, it does not close
        expect(capturer.runsOn).to.equal("worker");
        await capturer.close();
        const evidence = SqliteEvidenceStore.open({ path: join(dir, "evidence.sqlite"), encryptionKey: key });
        try {
          const record = (await evidence.getEvidence(receiptId))!;
          expect(checkEvidence(bundle.receipt, record).mismatches).to.deep.equal([]);
          expect(JSON.parse(record.input.content)).to.deep.equal({ "gen_ai.input.messages": inputMessages });
          expect(record.capture).to.include({ via: "otel", traceId: ended.spanContext().traceId, spanId: ended.spanContext().spanId });
        } finally {
          await evidence.close();
        }
      } finally {
        await service.close();
      }
    });
  });

  describe("an SDK without onEnding", () => {
    it("an SDK without onEnding: the receipt is made, the id that could not go on the span is counted", async () => {
      const bare = new ShowworkSpanProcessor({ capturer: rig.capturer });
      const sdk1 = { onStart: bare.onStart.bind(bare), onEnd: bare.onEnd.bind(bare), forceFlush: () => bare.forceFlush(), shutdown: () => bare.shutdown() };
      const own = new InMemorySpanExporter();
      const p = new BasicTracerProvider({ spanProcessors: [sdk1, new SimpleSpanProcessor(own)] });
      const span = p.getTracer("sdk1").startSpan(`chat ${MODEL}`, { attributes: { ...base, "gen_ai.input.messages": JSON.stringify(inputMessages), "gen_ai.output.messages": JSON.stringify(outputMessages) } });
      span.end();
      expect(bare.stats.receipts).to.equal(1);
      expect(bare.stats.receiptIdNotOnSpan).to.equal(1);
      expect(receiptIdOfSpan(own.getFinishedSpans()[0]!)).to.equal(undefined);
      await bare.forceFlush();
      await p.shutdown();
    });
  });
});
