/**
 * Where captured receipts go.
 *
 * - {@link serviceSink}: the anchoring service in the same process (`AnchoringService.record`,
 *   durable in its store when it resolves).
 * - {@link remoteSink}: a service over HTTP (`POST /v1/receipts`, bearer token), through a
 *   durable local queue (SQLite): `submit` resolves once the receipts are in the queue file; a
 *   delivery loop sends them, keeps them while the service is down or slow, and deletes each one
 *   only after the service acknowledged it. Redelivery is harmless (receipt ids are unique per
 *   store: the service answers 409 `duplicate-receipt-id` for what it already has, which counts
 *   as delivered), so each receipt ends recorded exactly once.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import type { Hex } from "viem";

import { DatabaseSync } from "../nodeSqlite.js";
import { toReceiptJson } from "../receipt/parseReceipt.js";
import type { Receipt } from "../receipt/types.js";
import type { AnchoringService } from "../service/AnchoringService.js";
import { RecordRejectedError } from "../service/errors.js";
import { CaptureConfigError, ReceiptDeliveryError } from "./errors.js";

/** A destination for signed receipts. */
export interface ReceiptSink {
  /** Resolves once the receipts are durably stored (by the service, or in the local queue). */
  submit(receipts: readonly Receipt[]): Promise<void>;
  close?(): Promise<void>;
}

/**
 * The anchoring service in this process. A retried call whose receipts are already stored is
 * harmless (counted as recorded).
 */
export function serviceSink(service: AnchoringService): ReceiptSink {
  return {
    async submit(receipts) {
      try {
        await service.record(receipts);
      } catch (error) {
        if (error instanceof RecordRejectedError && error.reason === "duplicate-receipt-id" && error.duplicates) {
          const stored = new Set(error.duplicates.filter((d) => d.alreadyStored).map((d) => d.receiptId.toLowerCase()));
          const rest = receipts.filter((r) => !stored.has(r.receiptId.toLowerCase()));
          if (rest.length < receipts.length) {
            if (rest.length > 0) await service.record(rest);
            return;
          }
        }
        throw error;
      }
    },
  };
}

/** Options of {@link remoteSink}. */
export interface RemoteSinkOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** Bearer token (from the environment, e.g. SHOWWORK_SERVICE_TOKEN; never a flag). */
  readonly token?: string;
  /** The queue file (SQLite). Default `./.showwork/capture-queue.sqlite`. */
  readonly queuePath?: string;
  /** Receipts per POST (default 500). */
  readonly batchSize?: number;
  /** Abort a POST after this long, ms (default 10,000). */
  readonly requestTimeoutMs?: number;
  /** First retry pause, ms (default 100); doubles up to `maxBackoffMs` (default 5,000). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** The fetch to use (default the global one). */
  readonly fetch?: typeof fetch;
  /** Reports delivery problems (the queue keeps the receipts meanwhile). */
  readonly onDeliveryError?: (error: ReceiptDeliveryError) => void;
}

/** A remote sink with its queue. */
export interface RemoteSink extends ReceiptSink {
  /** Receipts in the queue, not yet acknowledged by the service. */
  queued(): number;
  /** Receipts the service refused for good (malformed), kept aside with the reason. */
  rejected(): { receiptId: Hex; reason: string }[];
  /** Resolves when the queue is empty (everything acknowledged) or `timeoutMs` passed (false then). */
  drain(timeoutMs?: number): Promise<boolean>;
  /** Delivered receipts counted since open. */
  readonly delivered: number;
  /** Stops the delivery loop (what is queued stays in the file for the next start) and closes the queue. */
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY, receipt_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS rejected (receipt_id TEXT PRIMARY KEY, body TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);
`;

/**
 * A remote service through a durable local queue. The delivery loop starts at once (and picks up
 * what a previous process left in the queue).
 * @example
 * const sink = remoteSink({ url: "https://anchor.example", token: process.env.SHOWWORK_SERVICE_TOKEN });
 */
export function remoteSink(options: RemoteSinkOptions): RemoteSink {
  if (!/^https?:\/\//.test(options.url)) throw new CaptureConfigError(`The service URL must start with http:// or https:// (found ${JSON.stringify(options.url)}).`);
  const base = options.url.replace(/\/+$/, "");
  const path = options.queuePath ?? "./.showwork/capture-queue.sqlite";
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  db.exec(SCHEMA);
  const insert = db.prepare("INSERT INTO queue (receipt_id, body) VALUES (?, ?) ON CONFLICT (receipt_id) DO NOTHING");
  const head = db.prepare("SELECT seq, receipt_id, body FROM queue ORDER BY seq LIMIT ?");
  const remove = db.prepare("DELETE FROM queue WHERE receipt_id = ?");
  const bump = db.prepare("UPDATE queue SET attempts = attempts + 1 WHERE receipt_id = ?");
  const reject = db.prepare("INSERT OR REPLACE INTO rejected (receipt_id, body, reason, at) VALUES (?, ?, ?, ?)");
  const count = db.prepare("SELECT count(*) AS n FROM queue");
  const doFetch = options.fetch ?? fetch;
  const batchSize = options.batchSize ?? 500;
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  let closed = false;
  let wake: (() => void) | undefined;
  let delivered = 0;
  const drainWaiters = new Set<() => void>();

  const tx = (fn: () => void): void => {
    db.exec("BEGIN IMMEDIATE");
    try {
      fn();
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };
  const queued = (): number => Number((count.get() as { n: number | bigint }).n);
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  /** Sends one batch; returns true when every row of it is settled (delivered or rejected). */
  const deliver = async (rows: { receipt_id: string; body: string }[]): Promise<boolean> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.requestTimeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await doFetch(`${base}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: `[${rows.map((r) => r.body).join(",")}]`,
        signal: controller.signal,
      });
    } catch (cause) {
      options.onDeliveryError?.(new ReceiptDeliveryError({ message: `The service at ${base} is unreachable; ${rows.length} receipt(s) stay queued.`, cause }));
      return false;
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text().catch(() => "");
    if (response.status === 201) {
      tx(() => rows.forEach((r) => remove.run(r.receipt_id)));
      delivered += rows.length;
      return true;
    }
    let body: { error?: { code?: string; message?: string; receiptIndex?: number; duplicates?: { receiptId: string; alreadyStored: boolean }[] } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: handled by status below
    }
    const code = body.error?.code;
    if (response.status === 409 && code === "duplicate-receipt-id" && body.error?.duplicates) {
      // Already stored (an earlier delivery whose acknowledgement was lost): delivered.
      const stored = body.error.duplicates.filter((d) => d.alreadyStored).map((d) => d.receiptId.toLowerCase());
      tx(() => stored.forEach((id) => remove.run(id)));
      delivered += stored.length;
      return stored.length > 0; // the rest is sent again at once

    }
    if (response.status === 401 || response.status === 403 || response.status === 429 || response.status >= 500 || response.status === 408) {
      options.onDeliveryError?.(
        new ReceiptDeliveryError({
          message: `The service at ${base} answered ${response.status}${code ? ` (${code})` : ""}; ${rows.length} receipt(s) stay queued.`,
          status: response.status,
          ...(code ? { code } : {}),
          metaMessages: response.status === 401 || response.status === 403 ? ["Do: check the service token (SHOWWORK_SERVICE_TOKEN)"] : undefined,
        }),
      );
      return false;
    }
    // Any other 4xx: the service refuses the content. Isolate the offender and keep it aside.
    const index = body.error?.receiptIndex;
    const offender = typeof index === "number" && rows[index] ? [rows[index]] : rows.length === 1 ? rows : undefined;
    if (offender === undefined) {
      // Cannot tell which one: send them one by one.
      let all = true;
      for (const row of rows) all = (await deliver([row])) && all;
      return all;
    }
    tx(() => {
      for (const row of offender) {
        reject.run(row.receipt_id, row.body, `${response.status} ${code ?? ""} ${body.error?.message ?? text.slice(0, 200)}`.trim(), Date.now());
        remove.run(row.receipt_id);
      }
    });
    options.onDeliveryError?.(
      new ReceiptDeliveryError({ message: `The service refused receipt ${offender[0]!.receipt_id} (${response.status} ${code ?? ""}); it is kept in the queue's rejected table.`, status: response.status, ...(code ? { code } : {}) }),
    );
    return false;
  };

  const loop = async (): Promise<void> => {
    let backoff = minBackoff;
    while (!closed) {
      const rows = head.all(batchSize) as { receipt_id: string; body: string }[];
      if (rows.length === 0) {
        for (const resolve of drainWaiters) resolve();
        drainWaiters.clear();
        await sleep(1_000);
        continue;
      }
      for (const r of rows) bump.run(r.receipt_id);
      const ok = await deliver(rows);
      if (ok) backoff = minBackoff;
      else if (queued() > 0) {
        await sleep(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  };
  const running = loop();

  return {
    async submit(receipts) {
      if (closed) throw new CaptureConfigError("The remote sink is closed.");
      tx(() => {
        for (const r of receipts) insert.run(r.receiptId.toLowerCase(), JSON.stringify(toReceiptJson(r)));
      });
      wake?.();
    },
    queued,
    rejected: () => (db.prepare("SELECT receipt_id, reason FROM rejected").all() as { receipt_id: Hex; reason: string }[]).map((r) => ({ receiptId: r.receipt_id, reason: r.reason })),
    get delivered() {
      return delivered;
    },
    drain: (timeoutMs = 30_000) =>
      new Promise<boolean>((resolve) => {
        if (queued() === 0) return resolve(true);
        const timer = setTimeout(() => {
          drainWaiters.delete(done);
          resolve(false);
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        drainWaiters.add(done);
        wake?.();
      }),
    async close() {
      closed = true;
      wake?.();
      await running;
      db.close();
    },
  };
}
