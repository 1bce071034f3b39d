/**
 * The public, read-only routes that publish a log's anchored batches (the layout of
 * `sdk/publish/layout.ts`):
 *
 *   GET /v1/logs/:logId/index.json         the index of published batches (also /v1/logs/:logId/batches)
 *   GET /v1/logs/:logId/batches/:index     batch `index`'s saved form (showwork/batch@1):
 *                                          Cache-Control immutable, ETag = the root (If-None-Match → 304)
 *
 * Only batches whose root is anchored are published; an unknown log or a batch not (yet) anchored is a 404
 * with a JSON error. Receipts carry commitments only: nothing here is private. The service mounts these routes
 * behind its door (`cors: "door"`): Host check, allowed origins only, a token when reads need one, and the
 * concurrency limits; a static copy (`showwork publish --out`) is what to serve to any origin.
 *
 * @module
 */
import { Hono, type Context } from "hono";

import { batchFileText } from "../../publish/batchFile.js";
import { batchHeaders, INDEX_HEADERS } from "../../publish/layout.js";
import { StorePublication } from "../../publish/storePublication.js";
import type { ReceiptStore } from "../store/types.js";

function notFound(c: Context, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return c.json({ error: { code, message, ...extra } }, 404, { "access-control-allow-origin": "*" });
}

/**
 * The publication routes over `store` (mount with `app.route("/", publicationRoutes(store))`).
 * @example
 * app.route("/", publicationRoutes(service.store));
 */
export function publicationRoutes(store: ReceiptStore, options: { readonly cors?: "open" | "door" } = {}): Hono {
  const app = new Hono();
  if (options.cors === "door") {
    // Behind the door, CORS is the door's (allowed origins only): no `Access-Control-Allow-Origin: *`.
    app.use("*", async (c, next) => {
      await next();
      if (c.res.headers.get("access-control-allow-origin") === "*") {
        const response = new Response(c.res.body, c.res);
        response.headers.delete("access-control-allow-origin");
        c.res = undefined;
        c.res = response;
      }
    });
  }
  const publication = new StorePublication(store);

  const logOf = async (c: Context): Promise<Response | undefined> => {
    const logId = c.req.param("logId") ?? "";
    if (!/^0x[0-9a-fA-F]{64}$/.test(logId)) {
      return c.json({ error: { code: "invalid-log-id", message: "A log id is 0x followed by 64 hex digits.", found: logId.slice(0, 80) } }, 400);
    }
    const binding = await store.getBinding();
    if (binding === undefined || binding.logId.toLowerCase() !== logId.toLowerCase()) {
      return notFound(c, "log-not-found", `This service publishes no log ${logId}.`, binding ? { published: binding.logId } : {});
    }
    return undefined;
  };

  const index = async (c: Context): Promise<Response> => {
    const failed = await logOf(c);
    if (failed) return failed;
    return c.body(`${JSON.stringify(await publication.index(), null, 2)}\n`, 200, INDEX_HEADERS);
  };
  app.get("/v1/logs/:logId/index.json", index);
  app.get("/v1/logs/:logId/batches", index);

  app.get("/v1/logs/:logId/batches/:index", async (c) => {
    const failed = await logOf(c);
    if (failed) return failed;
    const text = c.req.param("index");
    if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) {
      return c.json({ error: { code: "invalid-batch-index", message: "A batch index is a non-negative integer.", found: text.slice(0, 80) } }, 400);
    }
    const batch = await publication.batch(Number(text));
    if (batch === undefined) {
      return notFound(c, "batch-not-published", `Batch ${text} is not published: it is not anchored yet (or not in this store).`);
    }
    const headers = batchHeaders(batch.root);
    const match = c.req.header("if-none-match");
    if (match !== undefined && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === headers.etag)) {
      return c.body(null, 304, { etag: headers.etag!, "cache-control": headers["cache-control"]! });
    }
    return c.body(await batchFileText(store, batch), 200, headers);
  });
  return app;
}
