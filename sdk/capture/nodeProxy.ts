/**
 * The capture proxy's hot path on `node:http`: `POST …/chat/completions` and `POST …/responses`
 * forwarded with `http.request` on a keep-alive agent and answered on the incoming response
 * directly — no `fetch`, no `Request`/`Response` objects, no web streams per request (those were
 * most of the proxy's CPU per answer). It does exactly what {@link captureFetch} does through the
 * fetch-based app (see fetch.ts for "what happens when"): plain answers must be JSON objects (else a
 * 502 `upstream_unreadable`, counted), streams are parsed with the one SSE parser and the client is
 * given the parsed events re-serialised, nothing after `data: [DONE]`, a broken or abandoned stream
 * is receipted as delivered so far ("aborted"); upstream errors come back unchanged with no
 * receipt; an unreachable upstream is a 502 `upstream_unreachable`; a body over the limit a 413.
 * Everything else (other paths and methods, `/metrics`, `/health`) goes to the Hono app.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestListener, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";

import { answerOfJson, apiOfPath, jsonObjectOf, StreamAssembler } from "./exchange.js";
import { RECEIPT_ID_HEADER, RECEIPT_URL_HEADER } from "./fetch.js";
import type { CaptureSession } from "./session.js";
import { SSE_DONE, SseDecoder, serializeSseItem, type SseItem } from "./sse.js";

/** Request headers not forwarded (hop-by-hop, and the ones the forwarding sets itself). */
const REQUEST_DROP = new Set(["host", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "accept-encoding"]);
/** Response headers not given back as they are (hop-by-hop, framing, and receipt headers only capture may set). */
const RESPONSE_DROP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "trailer", "upgrade", RECEIPT_ID_HEADER, RECEIPT_URL_HEADER]);

interface NodeProxyOptions {
  readonly base: URL;
  readonly capturer: CaptureSession;
  readonly maxBodyBytes: number;
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
};

function responseHeaders(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || RESPONSE_DROP.has(key) || drop.includes(key)) continue;
    out[key] = value;
  }
  return out;
}

/** The upstream's body decoded (an upstream may compress although it was not asked to), or undefined for an unknown coding. */
function decoded(response: IncomingMessage): Readable | undefined {
  const coding = String(response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return response;
  if (coding === "gzip" || coding === "x-gzip") return response.pipe(createGunzip());
  if (coding === "deflate") return response.pipe(createInflate());
  if (coding === "br") return response.pipe(createBrotliDecompress());
  return undefined;
}

/**
 * A request listener for the proxy: the captured routes on node:http, the rest handed to `fallback`
 * (the Hono app's listener).
 */
export function captureRequestListener(options: NodeProxyOptions, fallback: RequestListener): RequestListener {
  const { base, capturer, maxBodyBytes } = options;
  const https = base.protocol === "https:";
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = https ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, "");
  const tooLarge = (res: ServerResponse): void =>
    json(res, 413, { error: { message: `showwork proxy: the request body is larger than ${maxBodyBytes} bytes; it was not forwarded.`, type: "request_too_large", code: "request_too_large" } });
  const unreachable = (res: ServerResponse, error: unknown): void =>
    json(res, 502, { error: { message: `showwork proxy: the upstream ${base.href.replace(/\/+$/, "")} could not be reached (${error instanceof Error ? error.message : String(error)}).`, type: "upstream_unreachable", code: "upstream_unreachable" } });

  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    const api = req.method === "POST" ? apiOfPath(pathname) : undefined;
    if (api === undefined) {
      fallback(req, res);
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      req.resume();
      tooLarge(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        tooLarge(res);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let request: Record<string, unknown> | undefined;
      const requestText = body.toString("utf8");
      try {
        const parsed: unknown = JSON.parse(requestText);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && typeof (parsed as { model?: unknown }).model === "string") request = parsed as Record<string, unknown>;
      } catch {
        // not JSON: forwarded untouched, not captured
      }
      const headers: OutgoingHttpHeaders = {};
      for (const [key, value] of Object.entries(req.headers)) if (value !== undefined && !REQUEST_DROP.has(key)) headers[key] = value;
      headers["content-length"] = body.length;
      const ticket = request === undefined ? undefined : capturer.begin();
      const upstream = send({ protocol: base.protocol, hostname: base.hostname, port: base.port, path: `${prefix}${url}`, method: "POST", headers, agent });
      let clientGone = false;
      res.on("close", () => {
        if (!res.writableFinished) {
          clientGone = true;
          upstream.destroy();
        }
      });
      upstream.on("error", (error) => {
        if (!clientGone && !res.headersSent) unreachable(res, error);
      });
      upstream.on("response", (response) => {
        const status = response.statusCode ?? 502;
        if (ticket === undefined || request === undefined || status < 200 || status >= 300) {
          // Not captured (an error status, or a body capture does not read): given back as it is, no receipt.
          res.writeHead(status, response.statusMessage, responseHeaders(response.headers));
          response.on("aborted", () => res.destroy());
          response.pipe(res);
          return;
        }
        const body = decoded(response);
        const receiptUrl = capturer.receiptUrl(ticket.receiptId);
        const receiptHeaders: OutgoingHttpHeaders = { [RECEIPT_ID_HEADER]: ticket.receiptId, ...(receiptUrl === undefined ? {} : { [RECEIPT_URL_HEADER]: receiptUrl }) };
        if (request.stream !== true) {
          const parts: Buffer[] = [];
          const fail = (): void => {
            if (!res.headersSent) unreachable(res, new Error("the upstream's answer broke off"));
          };
          if (body === undefined) {
            response.resume();
            refuse(res, capturer, api, `(content-encoding ${String(response.headers["content-encoding"])})`, response.headers["content-type"]);
            return;
          }
          body.on("data", (chunk: Buffer) => parts.push(chunk));
          body.on("error", fail);
          response.on("aborted", fail);
          body.on("end", () => {
            const raw = Buffer.concat(parts).toString("utf8");
            const parsed = jsonObjectOf(raw);
            if (parsed === undefined) {
              refuse(res, capturer, api, `${raw.length} characters`, response.headers["content-type"]);
              return;
            }
            // A worker capturer builds the answer from the two texts on its thread; others get it built here.
            if (capturer.completeJson) capturer.completeJson(ticket, api, requestText, raw);
            else capturer.complete(ticket, answerOfJson(api, request, parsed));
            const out = Buffer.from(raw, "utf8"); // the text capture read (the decoded body, as fetch gives it)
            res.writeHead(status, response.statusMessage, {
              ...responseHeaders(response.headers, ["content-encoding", "content-length", "content-type"]),
              "content-type": "application/json",
              "content-length": out.length,
              ...receiptHeaders,
            });
            res.end(out);
          });
          return;
        }
        // A stream: the client is given the parsed events, re-serialised; the receipt commits to what it was given.
        if (body === undefined) {
          response.resume();
          refuse(res, capturer, api, `(content-encoding ${String(response.headers["content-encoding"])})`, response.headers["content-type"]);
          return;
        }
        const decoder = new SseDecoder();
        const assembler = new StreamAssembler(api, request);
        let finished = false;
        const finish = (interrupted: boolean): void => {
          if (finished) return;
          finished = true;
          capturer.complete(ticket, assembler.answer(interrupted));
        };
        res.writeHead(status, response.statusMessage, {
          ...responseHeaders(response.headers, ["content-encoding", "content-length", "content-type"]),
          "content-type": "text/event-stream; charset=utf-8",
          ...receiptHeaders,
        });
        res.flushHeaders();
        res.on("close", () => {
          if (!finished) finish(true); // the client stopped reading: what it was given
        });
        const apply = (items: readonly SseItem[]): boolean => {
          for (const item of items) {
            res.write(serializeSseItem(item));
            if (item.type !== "event") continue;
            assembler.push(item);
            if (item.data === SSE_DONE) return true;
          }
          return false;
        };
        const broke = (): void => {
          if (finished) return;
          finish(true);
          res.destroy();
        };
        body.on("data", (chunk: Buffer) => {
          if (finished) return;
          if (apply(decoder.decode(chunk))) {
            finish(false);
            res.end();
            upstream.destroy(); // nothing after [DONE]
            return;
          }
          if (res.writableNeedDrain) {
            body.pause();
            res.once("drain", () => body.resume());
          }
        });
        body.on("end", () => {
          if (finished) return;
          if (!response.complete) return broke();
          apply(decoder.end());
          finish(false);
          res.end();
        });
        body.on("error", broke);
        response.on("aborted", broke);
      });
      upstream.end(body);
    });
  };
}

function refuse(res: ServerResponse, capturer: CaptureSession, api: string, what: string, contentType: string | undefined): void {
  const message = `showwork capture: the upstream's answer to ${api} is not a JSON object (content-type ${JSON.stringify(contentType ?? "")}, ${what}), so it cannot get a receipt; refused rather than delivered without one.`;
  capturer.refuse(message);
  json(res, 502, { error: { message, type: "upstream_unreadable", code: "upstream_unreadable" } });
}
