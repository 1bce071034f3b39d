/**
 * The capture proxy: an OpenAI-compatible HTTP endpoint in front of an upstream one, for apps in
 * any language (a base-URL change). Every request is forwarded as is (method, path, query, body,
 * headers but hop-by-hop ones; the app's `Authorization` goes to the upstream); every answer of
 * `POST …/chat/completions` and `POST …/responses` is receipted by {@link captureFetch} and comes
 * back with `x-showwork-receipt-id` (and `x-showwork-receipt-url`). Streams pass through as they
 * arrive. Upstream errors come back unchanged (and get no receipt); an unreachable upstream is a
 * 502 with a JSON error saying so.
 *
 * Two paths are the proxy's own (never forwarded): `GET /metrics` (the capture side's Prometheus
 * metrics: answers, queue depth and oldest age, delivered/rejected totals, unknown fingerprints)
 * and `GET /health` (`ok`, or `degraded` when the oldest queued receipt waited longer than
 * `maxQueueAgeMs` or receipts were refused; always 200, the body says which).
 *
 * @module
 */
import type { AddressInfo } from "node:net";

import { createServer } from "node:http";

import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";

import { runningServerOf } from "../service/http/running.js";
import type { CaptureSession } from "./session.js";
import { CaptureConfigError } from "./errors.js";
import { captureFetch } from "./fetch.js";
import { captureRequestListener } from "./nodeProxy.js";
import { captureHealth, captureMetrics } from "./metrics.js";

/** Options of {@link createCaptureProxy}. */
export interface CaptureProxyOptions {
  /** The upstream's base URL (what the app would call without the proxy), e.g. `https://api.openai.com`. */
  readonly upstream: string;
  readonly capturer: CaptureSession;
  /** Largest accepted request body, bytes (default 32 MiB); larger ones get a 413 and are not forwarded. */
  readonly maxBodyBytes?: number;
  /** The fetch used to reach the upstream (default: the global one). */
  readonly fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** `/health` says `degraded` when the oldest queued receipt waited longer than this, ms (default 60,000). */
  readonly maxQueueAgeMs?: number;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const HOP_BY_HOP = new Set(["host", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "accept-encoding"]);

/** The proxy as a Hono app (serve it with {@link startCaptureProxy} or any fetch-based server). */
export function createCaptureProxy(options: CaptureProxyOptions): Hono {
  let upstream: URL;
  try {
    upstream = new URL(options.upstream);
    if (upstream.protocol !== "http:" && upstream.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new CaptureConfigError(`--upstream must be an http:// or https:// URL (found ${JSON.stringify(options.upstream)}).`, ["e.g. showwork proxy --upstream https://api.openai.com"]);
  }
  const base = upstream.href.replace(/\/+$/, "");
  const forward = captureFetch(options.capturer, options.fetch ?? fetch);
  const app = new Hono();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json({ error: { message: `showwork proxy: the request body is larger than ${maxBodyBytes} bytes; it was not forwarded.`, type: "request_too_large", code: "request_too_large" } }, 413),
    }),
  );
  const metrics = captureMetrics(options.capturer);
  app.get("/metrics", async () => new Response(await metrics.scrape(), { headers: { "content-type": metrics.contentType } }));
  app.get("/health", (c) => c.json(captureHealth(options.capturer, options.maxQueueAgeMs === undefined ? {} : { maxQueueAgeMs: options.maxQueueAgeMs })));
  app.all("*", async (c) => {
    const incoming = new URL(c.req.url);
    const target = `${base}${incoming.pathname}${incoming.search}`;
    const headers = new Headers();
    c.req.raw.headers.forEach((value, key) => {
      if (!HOP_BY_HOP.has(key.toLowerCase())) headers.set(key, value);
    });
    const method = c.req.method;
    const body = method === "GET" || method === "HEAD" ? undefined : await c.req.text();
    try {
      const response = await forward(target, { method, headers, ...(body === undefined ? {} : { body }), signal: c.req.raw.signal });
      const out = new Headers(response.headers);
      out.delete("content-encoding"); // fetch decoded the body
      out.delete("content-length");
      out.delete("transfer-encoding");
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers: out });
    } catch (error) {
      if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
      return c.json(
        { error: { message: `showwork proxy: the upstream ${base} could not be reached (${error instanceof Error ? error.message : String(error)}).`, type: "upstream_unreachable", code: "upstream_unreachable" } },
        502,
      );
    }
  });
  return app;
}

/** A running proxy. */
export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the proxy on `host:port` (default 127.0.0.1, port 0: a free port). The captured routes run on
 * `node:http` directly (nodeProxy.ts: the same behaviour, a fraction of the CPU per answer); with a
 * custom `fetch` every route goes through the fetch-based app.
 */
export function startCaptureProxy(options: CaptureProxyOptions & { readonly host?: string; readonly port?: number }): Promise<RunningProxy> {
  const app = createCaptureProxy(options);
  const fallback = getRequestListener(app.fetch);
  const listener =
    options.fetch === undefined
      ? captureRequestListener({ base: new URL(options.upstream), capturer: options.capturer, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }, fallback)
      : fallback;
  const server = createServer(listener);
  server.keepAliveTimeout = 65_000; // longer than common clients' idle pools: fewer reconnects
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve(runningServerOf(server, server.address() as AddressInfo)));
  });
}
