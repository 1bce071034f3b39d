/**
 * Issue #22 item 1: capture commits to exactly the answer the client is shown.
 *
 * - the SSE parser follows the standard (CR, LF, CRLF, BOM, comments, `event:`, chunk boundaries anywhere);
 * - differential tests against the `openai` package's own decoder (`Stream.fromSSEResponse`) on fuzzed streams
 *   (fast-check): on well-formed streams both decode the same events; on hostile ones (bare CRs, `[DONE]` then a
 *   decoy, events without data, no final blank line, broken JSON) what the real client yields from the stream capture
 *   forwards is exactly what the receipt commits to;
 * - the attack of the review, end to end over HTTP with the real `openai` client: the answer the client shows and the
 *   one the receipt commits to are the same;
 * - "stream or not" follows the request's `stream` flag, not the upstream's `content-type`; a plain answer that is not
 *   JSON is refused (502), counted and reported, never delivered without a receipt.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import fc from "fast-check";
import OpenAI from "openai";
import { Stream } from "openai/streaming";
import { generatePrivateKey } from "viem/accounts";

import { captureFetch, createCapturer, RECEIPT_ID_HEADER, type Capturer, type ReceiptSink } from "../../sdk/capture/index.js";
import type { CapturedAnswer } from "../../sdk/capture/exchange.js";
import { SseDecoder, serializeSseItem, type SseItem } from "../../sdk/capture/sse.js";
import { privateKeyToReceiptSigner } from "../../sdk/receipt/index.js";

const sink: ReceiptSink = { submit: async () => undefined };
const encoder = new TextEncoder();

/** A capturer whose committed answers are recorded (what the receipt commits to). */
function recordingCapturer(): { capturer: Capturer; answers: CapturedAnswer[]; warnings: string[] } {
  const answers: CapturedAnswer[] = [];
  const warnings: string[] = [];
  const capturer = createCapturer({
    signer: privateKeyToReceiptSigner(generatePrivateKey()),
    sink,
    onEvent: (event) => {
      if (event.type === "warning") warnings.push(event.message);
    },
  });
  const complete = capturer.complete.bind(capturer);
  capturer.complete = (ticket, answer) => {
    answers.push(answer);
    complete(ticket, answer);
  };
  return { capturer, answers, warnings };
}

/** All events of `bytes` split into `cuts` chunks, through our decoder. */
function decodeAll(bytes: Uint8Array, cuts: readonly number[] = []): SseItem[] {
  const decoder = new SseDecoder();
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const items: SseItem[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    items.push(...decoder.decode(bytes.subarray(from, point)));
    from = point;
  }
  items.push(...decoder.end());
  return items;
}

/** A body delivered in the given chunks. */
function chunked(bytes: Uint8Array, cuts: readonly number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  return new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

/** What the `openai` package yields from an SSE body (and whether it threw). */
async function openaiDecode(body: ReadableStream<Uint8Array> | Uint8Array): Promise<{ items: unknown[]; threw: boolean }> {
  const response = new Response(body as BodyInit, { headers: { "content-type": "text/event-stream" } });
  const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
  const stream = Stream.fromSSEResponse(response, new AbortController(), { logger: quiet, logLevel: "off" } as never);
  const items: unknown[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, threw: false };
  } catch {
    return { items, threw: true };
  }
}

const chunk = (content: string, extra: Record<string, unknown> = {}) => ({
  id: "c1",
  object: "chat.completion.chunk",
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
  ...extra,
});
const last = { id: "c1", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };

/** The text a client shows from the chunks it was given. */
function shownText(items: readonly unknown[]): string {
  return items
    .map((item) => {
      const choices = (item as { choices?: { delta?: { content?: unknown } }[] }).choices;
      const content = choices?.[0]?.delta?.content;
      return typeof content === "string" ? content : "";
    })
    .join("");
}

/** The text a captured chat answer commits to. */
function committedText(answer: CapturedAnswer): string {
  const output = answer.output as { choices: { message: { content: string | null } }[] };
  return output.choices[0]?.message.content ?? "";
}

/** One capturing exchange: the upstream body (in chunks) through captureFetch; the client decodes with openai. */
async function throughCapture(body: Uint8Array, cuts: readonly number[]): Promise<{ client: { items: unknown[]; threw: boolean }; answer: CapturedAnswer }> {
  const { capturer, answers } = recordingCapturer();
  const upstream = async (): Promise<Response> => new Response(chunked(body, cuts), { status: 200, headers: { "content-type": "text/event-stream" } });
  const response = await captureFetch(capturer, upstream)("http://up/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "pay?" }] }),
  });
  const client = await openaiDecode(response.body!);
  await capturer.settled();
  expect(answers).to.have.length(1);
  return { client, answer: answers[0]! };
}

describe("capture: the SSE parser (issue #22 item 1)", () => {
  it("ends lines at CR, LF and CRLF, also when CR and LF fall in different chunks", () => {
    const text = "data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r\n\r\n";
    const expected = ["a", "b", "c", "d"];
    const bytes = encoder.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events = decodeAll(bytes, [cut]).filter((i) => i.type === "event");
      expect(events.map((e) => (e.type === "event" ? e.data : "")), `cut at ${cut}`).to.deep.equal(expected);
    }
  });

  it("ignores one leading BOM, keeps comments apart, reads event types, joins data lines, drops an unfinished event at the end", () => {
    const items = decodeAll(encoder.encode("\uFEFF: keep-alive\nevent: delta\ndata: one\ndata:two\nid: 7\nretry: 10\nnonsense\n\ndata\n\nevent: lonely\n\ndata: unfinished"));
    expect(items).to.deep.equal([
      { type: "comment", text: " keep-alive" },
      { type: "event", event: "delta", data: "one\ntwo" },
      { type: "event", data: "" },
    ]);
  });

  it("serialises every item so that our decoder and the openai package's decoder read it back unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ event: fc.option(fc.constantFrom("delta", "message", "response.output_text.delta"), { nil: undefined }), value: fc.string({ unit: "grapheme", maxLength: 40 }) }), { maxLength: 8 }),
        async (specs) => {
          const events: SseItem[] = specs.map(({ event, value }) => ({ type: "event", ...(event !== undefined ? { event } : {}), data: JSON.stringify({ value }) }));
          const bytes = concat(events.map(serializeSseItem));
          expect(decodeAll(bytes)).to.deep.equal(events);
          const { items, threw } = await openaiDecode(bytes);
          expect(threw).to.equal(false);
          expect(items).to.deep.equal(specs.map(({ value }) => ({ value })));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("decodes well-formed streams exactly as the openai package does, whatever the line ends, BOM, comments and chunking (differential, fuzzed)", async () => {
    const lineEnd = fc.constantFrom("\n", "\r", "\r\n");
    const event = fc.record({
      value: fc.string({ unit: "grapheme", maxLength: 30 }),
      split: fc.boolean(), // data over two lines
      type: fc.option(fc.constantFrom("delta", "x"), { nil: undefined }),
      comment: fc.boolean(),
      ends: fc.array(lineEnd, { minLength: 5, maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 6 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), async (events, bom, cuts) => {
        let text = bom ? "\uFEFF" : "";
        for (const e of events) {
          const json = JSON.stringify({ value: e.value });
          const [a, b] = e.split ? [json.slice(0, json.indexOf(":") + 1), json.slice(json.indexOf(":") + 1)] : [json, undefined];
          if (e.comment) text += `: ping${e.ends[0]}`;
          if (e.type !== undefined) text += `event: ${e.type}${e.ends[1]}`;
          text += `data: ${a}${e.ends[2]}`;
          if (b !== undefined) text += `data:${b}${e.ends[3]}`;
          // The empty line: after a bare CR, an LF would only complete that CR's line end (CRLF), so use CRLF.
          const previous = b !== undefined ? e.ends[3] : e.ends[2];
          text += previous === "\r" && e.ends[4] === "\n" ? "\r\n" : e.ends[4];
        }
        text += "data: [DONE]\n\n";
        const bytes = encoder.encode(text);
        const ours = decodeAll(bytes, cuts)
          .filter((i): i is Extract<SseItem, { type: "event" }> => i.type === "event")
          .map((i) => i.data)
          .filter((data) => data !== "[DONE]")
          .map((data) => JSON.parse(data) as unknown);
        const theirs = await openaiDecode(chunked(bytes, cuts));
        expect(theirs.threw).to.equal(false);
        expect(ours).to.deep.equal(theirs.items);
        expect(ours).to.deep.equal(events.map((e) => ({ value: e.value })));
      }),
      { numRuns: 150 },
    );
  });

  it("on hostile streams the client is shown exactly what the receipt commits to (differential through captureFetch, fuzzed)", async () => {
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "Z", " ", "é"), maxLength: 8 }).map((s) => `data: ${JSON.stringify(chunk(s))}`),
      fc.constant("data: [DONE]"),
      fc.constant("data: not json"),
      fc.constant(`data: ${JSON.stringify({ error: { message: "boom" } })}`),
      fc.constant("event: error"),
      fc.constant("event: delta"),
      fc.constant(": comment"),
      fc.constant(`data: ${JSON.stringify(last)}`),
      fc.constant("\uFEFF"),
      fc.constant(""),
    );
    const end = fc.constantFrom("\n", "\r", "\r\n", "\n\n", "\r\r", "\r\n\r\n", "");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(piece, end), { maxLength: 14 }), fc.array(fc.nat(), { maxLength: 5 }), async (parts, cuts) => {
        const bytes = encoder.encode(parts.map(([p, e]) => p + e).join(""));
        const { client, answer } = await throughCapture(bytes, cuts);
        expect(committedText(answer), "committed vs shown").to.equal(shownText(client.items));
        if (client.threw) expect(answer.partial, "a stream the client could not finish is committed as partial").to.equal(true);
      }),
      { numRuns: 150 },
    );
  });

  it("forwards nothing after [DONE] (a decoy after it is neither shown nor committed)", async () => {
    const body = encoder.encode(`data: ${JSON.stringify(chunk("REJECT"))}\n\ndata: [DONE]\n\ndata: ${JSON.stringify(chunk(" APPROVE"))}\n\n`);
    const { capturer, answers } = recordingCapturer();
    const response = await captureFetch(capturer, async () => new Response(body, { headers: { "content-type": "text/event-stream" } }))("http://up/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    });
    const forwarded = await response.text();
    expect(forwarded).not.to.include("APPROVE");
    expect(forwarded.endsWith("data: [DONE]\n\n")).to.equal(true);
    await capturer.settled();
    expect(committedText(answers[0]!)).to.equal("REJECT");
  });
});

describe("capture: the review's attack, end to end over HTTP with the real openai client", function () {
  this.timeout(30_000);
  let server: Server;
  let base: string;
  let mode: "attack" | "json-typed-stream" | "not-json" = "attack";

  const reject = "REJECT: the invoice total is 100x the purchase order";
  const approve = "APPROVE: pay the invoice in full";

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (mode === "not-json") {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(approve);
          return;
        }
        const events = [chunk(""), chunk(reject), last].map((c) => `data: ${JSON.stringify(c)}`);
        if (mode === "json-typed-stream") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(`${events.join("\n\n")}\n\ndata: [DONE]\n\n`);
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream" });
        // The real answer as CR-delimited events (the old parser never saw them), [DONE], then a decoy.
        res.write(events.map((e) => `${e}\r\r`).join(""));
        res.write("data: [DONE]\n\n");
        res.end(`data: ${JSON.stringify(chunk(approve))}\n\ndata: ${JSON.stringify(last)}\n\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function ask(capturer: Capturer, stream: boolean): Promise<{ text: string; receiptId: string | undefined }> {
    const client = new OpenAI({ apiKey: "test", baseURL: base, fetch: captureFetch(capturer), maxRetries: 0 });
    if (!stream) {
      const answer = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "pay?" }] });
      return { text: answer.choices[0]?.message.content ?? "", receiptId: undefined };
    }
    const { data, response } = await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "pay?" }] }).withResponse();
    let text = "";
    for await (const part of data) text += part.choices[0]?.delta?.content ?? "";
    return { text, receiptId: response.headers.get(RECEIPT_ID_HEADER) ?? undefined };
  }

  it("CR-delimited answer, [DONE], decoy: the receipt commits to the REJECT the client shows", async () => {
    mode = "attack";
    const { capturer, answers } = recordingCapturer();
    const { text, receiptId } = await ask(capturer, true);
    await capturer.settled();
    expect(text).to.equal(reject);
    expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
    expect(answers).to.have.length(1);
    expect(committedText(answers[0]!)).to.equal(reject);
    expect(answers[0]!.partial).to.equal(false);
  });

  it("decides 'stream' by the request's flag: an event stream labelled application/json still gets its receipt", async () => {
    mode = "json-typed-stream";
    const { capturer, answers } = recordingCapturer();
    const { text, receiptId } = await ask(capturer, true);
    await capturer.settled();
    expect(text).to.equal(reject);
    expect(receiptId).to.match(/^0x[0-9a-f]{64}$/);
    expect(committedText(answers[0]!)).to.equal(reject);
  });

  it("refuses a plain answer that is not JSON (502), counts it and warns: never an answer without a receipt", async () => {
    mode = "not-json";
    const { capturer, answers, warnings } = recordingCapturer();
    const error = await ask(capturer, false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).to.equal(502);
    expect(String((error as Error).message)).to.include("is not a JSON object");
    await capturer.settled();
    expect(answers).to.have.length(0);
    expect(capturer.stats.refused).to.equal(1);
    expect(warnings.join(" ")).to.include("cannot get a receipt");
  });
});

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
