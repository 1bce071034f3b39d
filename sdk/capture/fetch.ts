/**
 * Capture at the HTTP level: a `fetch` that forwards to the real one and captures every answer
 * of `POST …/chat/completions` and `POST …/responses`. The `openai` wrapper and the proxy use it.
 *
 * What happens when:
 * - upstream answers an error status, the request fails or times out: the response (or error)
 *   goes back unchanged, and there is no receipt (no answer was delivered);
 * - a plain answer (the request's `stream` is not true): the body must be a JSON object, whatever the
 *   upstream's `content-type` says; it is passed on byte for byte, as `application/json`, with the receipt id in
 *   `x-showwork-receipt-id` (and the state URL in `x-showwork-receipt-url` when the service URL is known). A body
 *   that is not a JSON object is refused: the client gets a 502 (`upstream_unreadable`), never an answer without a
 *   receipt, and the refusal is counted (`stats.refused`) and reported (a `warning` event);
 * - a stream (the request's `stream` is true: the client decodes the body as events whatever the `content-type`):
 *   the upstream's bytes are parsed with the one SSE parser (`sse.ts`) and the client is given the parsed events
 *   re-serialised, so it sees exactly what the receipt commits to; nothing after `data: [DONE]` is forwarded (the
 *   upstream is cancelled there). When the stream ends the receipt commits to the reassembled answer. When it
 *   breaks off (upstream aborts) or the client stops reading (cancel, abort), the receipt commits to what was
 *   delivered, with finish reason "aborted": the headers already promised a receipt id, and the client did see
 *   that much.
 *
 * @module
 */
import type { CaptureSession } from "./session.js";
import { answerOfJson, apiOfPath, jsonObjectOf, StreamAssembler } from "./exchange.js";
import { SSE_DONE, SseDecoder, serializeSseItem, type SseItem } from "./sse.js";

/** Response header carrying the receipt id of the answer. */
export const RECEIPT_ID_HEADER = "x-showwork-receipt-id";
/** Response header carrying the receipt's state URL at the anchoring service. */
export const RECEIPT_URL_HEADER = "x-showwork-receipt-url";

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The upstream's response without any `x-showwork-receipt-*` header of its own: only capture says
 * which receipt an answer has (a hostile upstream must not hand the client a receipt id).
 */
function withoutUpstreamReceiptHeaders(response: Response): Response {
  if (!response.headers.has(RECEIPT_ID_HEADER) && !response.headers.has(RECEIPT_URL_HEADER)) return response;
  const headers = new Headers(response.headers);
  headers.delete(RECEIPT_ID_HEADER);
  headers.delete(RECEIPT_URL_HEADER);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function bodyText(input: string | URL | Request, init: RequestInit | undefined): Promise<string | undefined> {
  const body = init?.body;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  if (body instanceof ArrayBuffer) return new TextDecoder().decode(new Uint8Array(body));
  if (body === undefined && input instanceof Request) return input.clone().text();
  return undefined;
}

function headersWith(response: Response, receiptId: string, url: string | undefined, decoded: boolean): Headers {
  const headers = new Headers(response.headers);
  if (decoded) {
    // The body given on is the decoded text: its original encoding and length no longer apply.
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  headers.set(RECEIPT_ID_HEADER, receiptId);
  if (url !== undefined) headers.set(RECEIPT_URL_HEADER, url);
  return headers;
}

/**
 * The answer to a plain request whose upstream body is not a JSON object: a 502 the client's SDK reports as an
 * error (never an answer without a receipt), counted and reported by the capturer.
 */
function refuseUnreadable(capturer: CaptureSession, api: string, raw: string, contentType: string | null): Response {
  const message = `showwork capture: the upstream's answer to ${api} is not a JSON object (content-type ${JSON.stringify(contentType ?? "")}, ${raw.length} characters), so it cannot get a receipt; refused rather than delivered without one.`;
  capturer.refuse(message);
  return new Response(JSON.stringify({ error: { message, type: "upstream_unreadable", code: "upstream_unreadable" } }), {
    status: 502,
    headers: { "content-type": "application/json" },
  });
}

/**
 * A capturing fetch in front of `upstream` (default: the global fetch).
 * @example
 * const client = new OpenAI({ fetch: captureFetch(capturer) }); // what withReceipts does
 */
export function captureFetch(capturer: CaptureSession, upstream: FetchLike = fetch): FetchLike {
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const api = method === "POST" ? apiOfPath(url.pathname) : undefined;
    if (api === undefined) return withoutUpstreamReceiptHeaders(await upstream(input, init));
    const text = await bodyText(input, init);
    let request: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && typeof (parsed as { model?: unknown }).model === "string") {
        request = parsed as Record<string, unknown>;
      }
    } catch {
      // not JSON: forwarded untouched, not captured
    }
    if (request === undefined) return withoutUpstreamReceiptHeaders(await upstream(input, init));
    const ticket = capturer.begin();
    const response = await upstream(input, init);
    if (!response.ok || response.body === null) return withoutUpstreamReceiptHeaders(response);
    const stateUrl = capturer.receiptUrl(ticket.receiptId);
    if (request.stream !== true) {
      const raw = await response.text();
      const parsed = jsonObjectOf(raw);
      if (parsed === undefined) return refuseUnreadable(capturer, api, raw, response.headers.get("content-type"));
      capturer.complete(ticket, answerOfJson(api, request, parsed));
      const headers = headersWith(response, ticket.receiptId, stateUrl, true);
      headers.set("content-type", "application/json"); // the client reads what capture read: a JSON object
      return new Response(raw, { status: response.status, statusText: response.statusText, headers });
    }
    const decoder = new SseDecoder();
    const assembler = new StreamAssembler(api, request);
    const reader = response.body.getReader();
    let finished = false;
    const finish = (interrupted: boolean): void => {
      if (finished) return;
      finished = true;
      capturer.complete(ticket, assembler.answer(interrupted));
    };
    /** Applies parsed items; returns the bytes to forward and whether `[DONE]` ended the stream. */
    const apply = (items: readonly SseItem[]): { bytes: Uint8Array[]; done: boolean } => {
      const bytes: Uint8Array[] = [];
      for (const item of items) {
        bytes.push(serializeSseItem(item));
        if (item.type !== "event") continue;
        assembler.push(item);
        if (item.data === SSE_DONE) return { bytes, done: true };
      }
      return { bytes, done: false };
    };
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Loop until something can be given to the client: a chunk may complete no event.
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            finish(true);
            controller.error(error);
            return;
          }
          const { bytes, done } = apply(chunk.done ? decoder.end() : decoder.decode(chunk.value));
          for (const b of bytes) controller.enqueue(b);
          if (done || chunk.done) {
            finish(false);
            controller.close();
            if (!chunk.done) await reader.cancel().catch(() => undefined); // nothing after [DONE]
            return;
          }
          if (bytes.length > 0) return;
        }
      },
      async cancel(reason) {
        finish(true);
        await reader.cancel(reason).catch(() => undefined);
      },
    }, { highWaterMark: 0 }); // read upstream only when the client reads: commit what it was given, no more
    const headers = headersWith(response, ticket.receiptId, stateUrl, true);
    headers.set("content-type", "text/event-stream; charset=utf-8");
    return new Response(stream, { status: response.status, statusText: response.statusText, headers });
  };
}
