/**
 * Capture at the HTTP level: a `fetch` that forwards to the real one and captures every answer
 * of `POST …/chat/completions` and `POST …/responses`. The `openai` wrapper and the proxy use it.
 *
 * What happens when:
 * - upstream answers an error status, the request fails or times out: the response (or error)
 *   goes back unchanged, and there is no receipt (no answer was delivered);
 * - a plain answer: the receipt id rides back in `x-showwork-receipt-id` (and the state URL in
 *   `x-showwork-receipt-url` when the service URL is known); the body is passed on byte for byte;
 * - a stream: events pass through as they come (nothing is buffered); when it ends the receipt
 *   commits to the reassembled answer. When it breaks off (upstream aborts) or the client stops
 *   reading (cancel, abort), the receipt commits to what was delivered, with finish reason
 *   "aborted": the headers already promised a receipt id, and the client did see that much.
 *
 * @module
 */
import type { Capturer } from "./capturer.js";
import { answerOfJson, apiOfPath, SseParser, StreamAssembler } from "./exchange.js";

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
 * A capturing fetch in front of `upstream` (default: the global fetch).
 * @example
 * const client = new OpenAI({ fetch: captureFetch(capturer) }); // what withReceipts does
 */
export function captureFetch(capturer: Capturer, upstream: FetchLike = fetch): FetchLike {
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
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream")) {
      const raw = await response.text();
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) capturer.complete(ticket, answerOfJson(api, request, parsed as Record<string, unknown>));
      } catch {
        const headers = headersWith(response, "", undefined, true);
        headers.delete(RECEIPT_ID_HEADER); // not an answer we could read: no receipt
        return new Response(raw, { status: response.status, statusText: response.statusText, headers });
      }
      return new Response(raw, { status: response.status, statusText: response.statusText, headers: headersWith(response, ticket.receiptId, stateUrl, true) });
    }
    const parser = new SseParser();
    const assembler = new StreamAssembler(api, request);
    const reader = response.body.getReader();
    let finished = false;
    const finish = (interrupted: boolean): void => {
      if (finished) return;
      finished = true;
      capturer.complete(ticket, assembler.answer(interrupted));
    };
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          finish(true);
          controller.error(error);
          return;
        }
        if (chunk.done) {
          finish(false);
          controller.close();
          return;
        }
        for (const event of parser.push(chunk.value)) assembler.push(event);
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        finish(true);
        await reader.cancel(reason).catch(() => undefined);
      },
    }, { highWaterMark: 0 }); // read upstream only when the client reads: commit what it was given, no more
    return new Response(stream, { status: response.status, statusText: response.statusText, headers: headersWith(response, ticket.receiptId, stateUrl, false) });
  };
}
