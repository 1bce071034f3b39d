/**
 * The HTTP API of the anchoring service (Hono).
 *
 *   POST /v1/receipts            one receipt or an array → 201 { recorded, receipts: [{ receiptId, seq, state }] }
 *   GET  /v1/receipts/:id        the receipt's state (and batch, anchor)
 *   GET  /v1/receipts/:id/bundle its proof bundle (from "anchored" on; 409 before); ?proofs=1: self-contained (v2 with chain proofs)
 *   GET  /v1/batches/:index      a batch (range, root, state, anchor, transaction attempts)
 *   GET  /health                 200 ok/degraded/stopped, 503 halted
 *   GET  /metrics                Prometheus text format (JSON: /v1/metrics, or Accept: application/json); see ./metrics.ts
 *   GET  /v1/logs/:logId/...     the read-only publication of anchored batches (see ./publication.ts), behind
 *                                the door like every read (open or token, per --reads)
 *
 * Every request first passes the door (`door.ts`): Host and Origin checks (CORS preflights from
 * allowed origins answered there), a bearer token for writes, concurrency limits, `application/json`
 * for writes.
 *
 * Errors are JSON `{ error: { code, message, details?, receiptIndex?, field?, duplicates?, state? } }`
 * with a 4xx status for bad input; a rejected submission stores nothing.
 *
 * @module
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";

import { toBundleJson } from "../../bundle/parseBundle.js";
import { ChainProofUnavailableError } from "../../chainproof/prove.js";
import { ShowworkError } from "../../errors.js";
import type { AnchoringService } from "../AnchoringService.js";
import { door, type DoorOptions } from "./door.js";
import { addMetricsRoutes } from "./metrics.js";
import {
  BatchNotFoundError,
  ProofNotAvailableError,
  ReceiptNotFoundError,
  RecordRejectedError,
  type RecordRejectionReason,
} from "../errors.js";
import { publicationRoutes } from "./publication.js";

/** Options of {@link createServiceApp}. */
export interface ServiceAppOptions {
  /** Host/Origin checks and CORS, authentication, concurrency limits (see `door.ts`). Required: there is no open default. */
  readonly door: DoorOptions;
  /** Largest accepted request body, bytes (default 16 MiB: 10,000 receipts of ~1.6 KB). */
  readonly maxBodyBytes?: number;
}

const REJECTION_STATUS: Record<RecordRejectionReason, 400 | 403 | 409 | 413 | 422 | 503> = {
  "malformed-json": 400,
  empty: 400,
  "invalid-receipt": 422,
  "unsupported-format": 422,
  "duplicate-receipt-id": 409,
  "too-many-receipts": 413,
  "receipt-too-large": 413,
  "issued-at-in-future": 422,
  "signature-missing": 422,
  "signature-invalid": 422,
  "signer-not-authorised": 403,
  "signer-compromised": 403,
  "signer-check-unavailable": 503,
};

type ErrorStatus = 400 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503;

function errorBody(code: string, error: unknown, extra: Record<string, unknown> = {}): { error: Record<string, unknown> } {
  const message = error instanceof ShowworkError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  const details = error instanceof ShowworkError ? error.metaMessages : undefined;
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}), ...extra } };
}

function fail(c: Context, status: ErrorStatus, code: string, error: unknown, extra: Record<string, unknown> = {}): Response {
  return c.json(errorBody(code, error, extra), status);
}

/** The Hono app serving `service`. */
export function createServiceApp(service: AnchoringService, options: ServiceAppOptions): Hono {
  const app = new Hono();
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  // Everything passes the door, the publication routes too (issue #22 item 5): the Host check (DNS rebinding), the
  // Origin check and CORS for allowed origins only, a token when reads need one (`--reads token`), and the
  // concurrency limits (a 10,000-receipt batch file is an expensive response).
  app.use("*", door(options.door));
  app.route("/", publicationRoutes(service.store, { cors: "door" }));

  app.post(
    "/v1/receipts",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        fail(c, 413, "body-too-large", new Error(`The request body is larger than ${maxBodyBytes} bytes.`), { maxBodyBytes }),
    }),
    async (c) => {
      // Host, Origin, token, concurrency and content type were checked by the door.
      try {
        const receipts = await service.recordJson(await c.req.text());
        return c.json({ recorded: receipts.length, receipts }, 201);
      } catch (error) {
        if (error instanceof RecordRejectedError) {
          if (error.reason === "signer-check-unavailable") c.header("Retry-After", "2");
          return fail(c, REJECTION_STATUS[error.reason], error.reason, error, {
            ...(error.window === undefined ? {} : { window: error.window }),
            ...(error.receiptIndex === undefined ? {} : { receiptIndex: error.receiptIndex }),
            ...(error.field === undefined ? {} : { field: error.field }),
            ...(error.duplicates === undefined ? {} : { duplicates: error.duplicates }),
          });
        }
        throw error;
      }
    },
  );

  app.get("/v1/receipts/:id", async (c) => {
    const id = c.req.param("id");
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
      return fail(c, 400, "invalid-receipt-id", new Error("A receipt id is 0x followed by 64 hex digits."), { found: id.slice(0, 80) });
    }
    try {
      return c.json(await service.status(id));
    } catch (error) {
      if (error instanceof ReceiptNotFoundError) return fail(c, 404, "receipt-not-found", error);
      throw error;
    }
  });

  app.get("/v1/receipts/:id/bundle", async (c) => {
    const id = c.req.param("id");
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
      return fail(c, 400, "invalid-receipt-id", new Error("A receipt id is 0x followed by 64 hex digits."), { found: id.slice(0, 80) });
    }
    try {
      // ?proofs=1: self-contained (v2 with the chain's proofs), verifiable offline against a checkpoint.
      const proofs = c.req.query("proofs");
      if (proofs === "1" || proofs === "true") return c.json(toBundleJson(await service.selfContainedBundle(id)));
      return c.json(toBundleJson(await service.bundle(id)));
    } catch (error) {
      if (error instanceof ChainProofUnavailableError) return fail(c, 503, "chain-proof-unavailable", error);
      if (error instanceof ReceiptNotFoundError) return fail(c, 404, "receipt-not-found", error);
      if (error instanceof ProofNotAvailableError) return fail(c, 409, "proof-not-available", error, { state: error.state });
      throw error;
    }
  });

  app.get("/v1/batches/:index", async (c) => {
    const text = c.req.param("index");
    if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) {
      return fail(c, 400, "invalid-batch-index", new Error("A batch index is a non-negative integer."), { found: text.slice(0, 80) });
    }
    try {
      return c.json(await service.batch(Number(text)));
    } catch (error) {
      if (error instanceof BatchNotFoundError) return fail(c, 404, "batch-not-found", error);
      throw error;
    }
  });

  app.get("/health", (c) => {
    const health = service.health();
    return c.json(health, health.status === "halted" ? 503 : 200);
  });

  addMetricsRoutes(app, service);

  app.notFound((c) => fail(c, 404, "not-found", new Error(`No route ${c.req.method} ${c.req.path}.`)));
  app.onError((error, c) => {
    process.stderr.write(`[showwork] ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return fail(c, 500, "internal", new Error("Internal error; see the service log."));
  });
  return app;
}
