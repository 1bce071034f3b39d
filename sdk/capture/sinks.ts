/**
 * Where captured receipts go.
 *
 * - {@link serviceSink}: the anchoring service in the same process (`AnchoringService.record`,
 *   durable in its store when it resolves: delivered at once).
 * - {@link remoteSink}: a service over HTTP (`POST /v1/receipts`, bearer token), through a
 *   durable local queue (SQLite, see `queue.ts`): `submit` resolves once the receipts are in the
 *   queue file (**queued**); a delivery loop sends them, keeps them while the service is down,
 *   slow or refusing the token, and deletes each one only after the service acknowledged it
 *   (**delivered**). A receipt the service already holds (whatever its state: recorded … final)
 *   is answered 409 `duplicate-receipt-id` with `alreadyStored`: delivered. A receipt the service
 *   refuses for good is kept in the queue's `rejected` set with the reason (**rejected**), logged
 *   at warn level and counted; `showwork capture queue retry` sends it again once the cause is fixed.
 *
 * Loud by default: the first delivery failure is logged at once (token refused, service
 * unreachable, …), then a summary every `summaryEveryMs` while it lasts (how many queued, the
 * oldest's age, the last error), and a line when delivery resumes. A process that exits with
 * receipts still queued says so on stderr.
 *
 * @module
 */
import type { DatabaseSync } from "../nodeSqlite.js";

import type { Hex } from "viem";

import { toReceiptJson } from "../receipt/parseReceipt.js";
import type { Receipt } from "../receipt/types.js";
import type { AnchoringService } from "../service/AnchoringService.js";
import { RecordRejectedError } from "../service/errors.js";
import { CaptureConfigError, ReceiptDeliveryError } from "./errors.js";
import { drainOnSignal } from "./exit.js";
import { DEFAULT_QUEUE_PATH, openQueueDatabase, rejectedRows, UPSERT_VERSION_SQL, versionRowArgs, type RejectedReceipt, type SeenVersion } from "./queue.js";

/** What a sink reports as receipts reach the service (or are refused by it). */
export type SinkEvent =
  | { readonly type: "delivered"; readonly count: number; readonly duplicates: number }
  | { readonly type: "rejected"; readonly receiptId: Hex; readonly reason: string; readonly code: string | undefined };

/** Where a sink's delivery stands. */
export interface DeliveryStatus {
  /** Receipts waiting for the service's acknowledgement. */
  readonly queued: number;
  /** Age of the oldest waiting receipt, ms (0: none waiting). */
  readonly oldestQueuedAgeMs: number;
  /** Receipts acknowledged by the service since this sink opened (duplicates included). */
  readonly delivered: number;
  /** Of those, answered "already stored" (a retry after a lost acknowledgement). */
  readonly duplicates: number;
  /** Receipts the service refused for good, kept aside (all of the queue file's, not only this run's). */
  readonly rejected: number;
  /** The last delivery failure, while delivery is failing (null once a delivery succeeded). */
  readonly failing: { readonly since: number; readonly message: string; readonly status?: number; readonly code?: string } | null;
}

/** The outcome of waiting for delivery ({@link RemoteSink.flush}, `Capturer.flush`). */
export interface DeliveryReport {
  /** True when nothing is left waiting. */
  readonly delivered: boolean;
  /** Receipts still waiting, and why (the last failure), when some are. */
  readonly queued: number;
  readonly reason: string | undefined;
  /** Receipts refused for good, kept aside with their reasons. */
  readonly rejected: number;
}

/** What a capturer hands to a sink along with receipts. */
export interface SubmitContext {
  /**
   * The model versions of these answers since the last hand-over (answers counted), for a sink
   * that keeps them (the remote sink: its queue file's `versions` table, read by `showwork doctor`).
   */
  readonly versions?: readonly SeenVersion[];
}

/** A destination for signed receipts. */
export interface ReceiptSink {
  /** Resolves once the receipts are durably stored (by the service, or in the local queue). */
  submit(receipts: readonly Receipt[], context?: SubmitContext): Promise<void>;
  /**
   * True when a resolved `submit` means the service has the receipts (in-process); false or absent:
   * they are queued and the sink reports their delivery through `subscribe`.
   */
  readonly direct?: boolean;
  /** Listens to deliveries and refusals (queued sinks). Returns the unsubscribe function. */
  subscribe?(listener: (event: SinkEvent) => void): () => void;
  /** Waits until everything queued is acknowledged, or `timeoutMs` passed. */
  flush?(timeoutMs?: number): Promise<DeliveryReport>;
  /** Where delivery stands. */
  status?(): DeliveryStatus;
  close?(): Promise<void>;
}

/**
 * The anchoring service in this process. A retried call whose receipts are already stored is
 * harmless (counted as delivered).
 */
export function serviceSink(service: AnchoringService): ReceiptSink {
  return {
    direct: true,
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

/** Where a sink writes its delivery messages (default: stderr lines `showwork capture: …`). */
export interface DeliveryLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/** The default logger: one line per message on stderr. */
export const stderrDeliveryLogger: DeliveryLogger = {
  warn: (message) => process.stderr.write(`showwork capture: ${message}\n`),
  info: (message) => process.stderr.write(`showwork capture: ${message}\n`),
};

/**
 * Whether a refusal is for good (the receipt is set aside with the reason) or transient (it stays
 * queued and is sent again): the content is refused (4xx but the authentication and rate ones), or
 * the serving node is not (or no longer) allowed to sign for the log.
 */
function refusedForGoodStatus(status: number, code: string | undefined): boolean {
  if (status === 403) return code === "signer-not-authorised" || code === "signer-compromised";
  return status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}

/** The service's own "Do: …" line among an error's details, if it gave one. */
function serviceDoLine(details: unknown): string | undefined {
  return Array.isArray(details) ? (details.find((d) => typeof d === "string" && d.startsWith("Do:")) as string | undefined) : undefined;
}

/**
 * What to do about a transient refusal (the receipts stay queued), by status and code. The token is
 * read when the sink starts: after fixing it, the process must start again (the queue file keeps the
 * receipts meanwhile, and the next process on it delivers them).
 */
function adviceFor(status: number, code: string | undefined, said: string, serviceDo: string | undefined, queueFile: string): string[] | undefined {
  const where = "SHOWWORK_SERVICE_TOKEN, or serviceToken in .showwork/secrets.json (showwork dev writes it), or remoteSink({ token })";
  const issue = "issue one where the service keeps its store: showwork token issue --name NAME (shown once)";
  const restart = `then start the process again: the receipts wait in ${queueFile} and are delivered then`;
  if (status === 401) {
    if (code === "unauthenticated") return [`Do: give capture the service's access token (${where}) — none was sent or it was not \`Bearer TOKEN\`; ${issue}; ${restart}. The service said: ${said}`];
    if (code === "token-revoked") return [`Do: this token was revoked at the service: ${issue}, put it in ${where}; ${restart}. The service said: ${said}`];
    return [`Do: the service does not know this token (a typo, or a token of another service's store): check ${where}, or ${issue}; ${restart}. The service said: ${said}`];
  }
  if (status === 403) return [serviceDo ?? `Do: see what the service refuses (${code ?? "403"}) — it said: ${said}`];
  if (status === 429) return ["Do: nothing (the service is busy; sending again with backoff) — or raise its limits"];
  return serviceDo === undefined ? undefined : [serviceDo];
}

/** The serving node a queued receipt names (its JSON body), for the advice. */
function servingNodeOf(body: string): string {
  try {
    const node = (JSON.parse(body) as { servingNode?: unknown }).servingNode;
    return typeof node === "string" ? node : "NODE_ADDRESS";
  } catch {
    return "NODE_ADDRESS";
  }
}

/**
 * What to do about a receipt refused for good, by code. A grant of a serving node counts from its
 * block on (ReceiptLogs.grantSigner): receipts the node signed before it, or while it was revoked,
 * stay unauthorised whatever is granted later — so the advice for `signer-not-authorised` is to grant
 * the node for its next answers, and to retry only when the grant came before these receipts (the
 * service had not seen it yet).
 */
function rejectedAdvice(code: string | undefined, node: string, serviceDo: string | undefined, authorisation: string | undefined): string {
  if (code === "signer-not-authorised") {
    return [
      `Do: (not a token problem: the token was accepted) the serving node ${node} may not sign for the log at these receipts' issuedAt${authorisation ? ` (${authorisation.replace(/\.$/, "")})` : ""}.`,
      `If it was never granted, grant it now so its next answers are accepted (as the log's operator: showwork log grant-signer ${node}); a grant counts from its block on, so the receipts it signed before stay refused, set aside here.`,
      "Only if it was granted before they were issued (the service had not seen the grant yet) send them again: showwork capture queue retry.",
    ].join(" ");
  }
  if (code === "signer-compromised") {
    return `Do: the serving node ${node}'s key was reported compromised: its receipts are no longer accepted, whatever their time, and a retry cannot change that. Give the node a new key and grant it (showwork log grant-signer NEW_ADDRESS), and revoke the access token the old node used (showwork token revoke); these stay set aside.`;
  }
  return serviceDo !== undefined ? `${serviceDo} Then: showwork capture queue retry.` : "Do: fix the cause, then send it again: showwork capture queue retry.";
}

/** The service's "Its authorisation: …" line among an error's details (signer-not-authorised), if it gave one. */
function authorisationLine(details: unknown): string | undefined {
  return Array.isArray(details) ? (details.find((d) => typeof d === "string" && d.startsWith("Its authorisation:")) as string | undefined) : undefined;
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
  /** Reports every delivery problem (the queue keeps the receipts meanwhile). */
  readonly onDeliveryError?: (error: ReceiptDeliveryError) => void;
  /**
   * Where the first failure, the periodic summaries, the recovery and each refused receipt are
   * written (default {@link stderrDeliveryLogger}); `false` silences them (the metrics and
   * `status()` still say everything).
   */
  readonly logger?: DeliveryLogger | false;
  /** While delivery fails, a summary this often, ms (default 60,000). */
  readonly summaryEveryMs?: number;
  /** When nothing is queued, look at the queue file this often for receipts another process put back (`capture queue retry`), ms (default 1,000). */
  readonly idlePollMs?: number;
  /**
   * On SIGINT/SIGTERM when the app has no handler of its own for it (default true): deliver what
   * can be delivered within `exitWaitMs`, say on stderr what is left, then die of the signal as the
   * process would have (see `exit.ts`). An app with its own handler should `await capturer.close()`.
   */
  readonly handleSignals?: boolean;
  /** How long a signal waits for delivery before the process dies, ms (default 3,000). */
  readonly exitWaitMs?: number;
}

/** A remote sink with its queue. */
export interface RemoteSink extends ReceiptSink {
  readonly direct: false;
  /** The queue file. */
  readonly queuePath: string;
  /** Receipts in the queue, not yet acknowledged by the service. */
  queued(): number;
  /** Receipts the service refused for good, kept aside with the reason. */
  rejected(): RejectedReceipt[];
  /** Resolves true when the queue is empty (everything acknowledged), false when `timeoutMs` passed first. */
  drain(timeoutMs?: number): Promise<boolean>;
  /** Like `drain`, with what is left and why. */
  flush(timeoutMs?: number): Promise<DeliveryReport>;
  status(): DeliveryStatus;
  subscribe(listener: (event: SinkEvent) => void): () => void;
  /** Delivered receipts counted since open. */
  readonly delivered: number;
  /** Stops the delivery loop (what is queued stays in the file for the next start) and closes the queue. */
  close(): Promise<void>;
}

/**
 * A remote service through a durable local queue. The delivery loop starts at once (and picks up
 * what a previous process left in the queue).
 * @example
 * const sink = remoteSink({ url: "https://anchor.example", token: process.env.SHOWWORK_SERVICE_TOKEN });
 */
/** How long a DELETE of acknowledged rows waits for another commit to ride on, ms. */
const DELETE_DELAY_MS = 50;

export function remoteSink(options: RemoteSinkOptions): RemoteSink {
  if (!/^https?:\/\//.test(options.url)) throw new CaptureConfigError(`The service URL must start with http:// or https:// (found ${JSON.stringify(options.url)}).`);
  const base = options.url.replace(/\/+$/, "");
  const path = options.queuePath ?? DEFAULT_QUEUE_PATH;
  const db: DatabaseSync = openQueueDatabase(path);
  const queueFile = path;
  const insert = db.prepare("INSERT INTO queue (receipt_id, body, queued_at) VALUES (?, ?, ?) ON CONFLICT (receipt_id) DO NOTHING");
  // Group commit: a batch the service acknowledged (201) is not deleted by a commit of its own. Its rows are
  // acknowledged through `deliveredThrough` (the head is sent in seq order, so every row up to the batch's last
  // seq is settled) and the DELETE rides on the next commit — the next submit's insert, a failure's attempts
  // bump — or, when none comes within DELETE_DELAY_MS, on a commit of its own; flush()/close() and the process's
  // exit commit it at once. Until then this sink reads past them (`seq > deliveredThrough`). Should the process
  // die in between, the next one sends them again and the service answers "already stored": delivered, once.
  const head = db.prepare("SELECT seq, receipt_id, body FROM queue WHERE seq > ? ORDER BY seq LIMIT ?");
  const remove = db.prepare("DELETE FROM queue WHERE receipt_id = ?");
  const removeThrough = db.prepare("DELETE FROM queue WHERE seq <= ?");
  // One statement for the whole head (one commit, not one fsync per row); after a failed attempt only.
  const bump = db.prepare("UPDATE queue SET attempts = attempts + 1 WHERE seq <= ? AND seq > ?");
  const reject = db.prepare("INSERT OR REPLACE INTO rejected (receipt_id, body, reason, code, status, at) VALUES (?, ?, ?, ?, ?, ?)");
  const count = db.prepare("SELECT count(*) AS n, min(CASE WHEN queued_at > 0 THEN queued_at END) AS oldest FROM queue WHERE seq > ?");
  const rejectedCount = db.prepare("SELECT count(*) AS n FROM rejected");
  const upsertVersion = db.prepare(UPSERT_VERSION_SQL);
  const doFetch = options.fetch ?? fetch;
  const batchSize = options.batchSize ?? 500;
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  const summaryEveryMs = options.summaryEveryMs ?? 60_000;
  const idlePollMs = options.idlePollMs ?? 1_000;
  const logger = options.logger === false ? undefined : (options.logger ?? stderrDeliveryLogger);
  const listeners = new Set<(event: SinkEvent) => void>();
  let closed = false;
  let wake: (() => void) | undefined;
  let delivered = 0;
  let duplicates = 0;
  let failing: { since: number; message: string; status?: number; code?: string; summarizedAt: number; failures: number } | undefined;
  const drainWaiters = new Set<() => void>();
  /** Rows with seq <= this are acknowledged by the service; their DELETE is not committed yet (0: none). */
  let deliveredThrough = 0;
  let deleteTimer: ReturnType<typeof setTimeout> | undefined;

  /** The pending DELETE of acknowledged rows, inside the caller's transaction. */
  const applyDeletes = (): void => {
    if (deleteTimer !== undefined) {
      clearTimeout(deleteTimer);
      deleteTimer = undefined;
    }
    if (deliveredThrough === 0) return;
    removeThrough.run(deliveredThrough);
    deliveredThrough = 0;
  };
  const tx = (fn: () => void): void => {
    db.exec("BEGIN IMMEDIATE");
    const through = deliveredThrough;
    try {
      fn();
      applyDeletes();
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      if (deliveredThrough === 0) deliveredThrough = through; // not deleted after all
      throw error;
    }
  };
  /** Commits the pending DELETE on its own (nothing else to ride on). */
  const commitDeletes = (): void => {
    if (deliveredThrough !== 0) tx(() => undefined);
  };
  const acknowledged = (rows: readonly { seq: number | bigint }[]): void => {
    deliveredThrough = Math.max(deliveredThrough, Number(rows[rows.length - 1]!.seq));
    if (deleteTimer === undefined) {
      deleteTimer = setTimeout(() => {
        deleteTimer = undefined;
        if (!closed) commitDeletes();
      }, DELETE_DELAY_MS);
      deleteTimer.unref?.();
    }
  };
  const counts = (): { queued: number; oldestQueuedAgeMs: number } => {
    const row = count.get(deliveredThrough) as { n: number | bigint; oldest: number | bigint | null };
    return { queued: Number(row.n), oldestQueuedAgeMs: row.oldest === null ? 0 : Math.max(0, Date.now() - Number(row.oldest)) };
  };
  const queued = (): number => counts().queued;
  const rejectedTotal = (): number => Number((rejectedCount.get() as { n: number | bigint }).n);
  const emit = (event: SinkEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is not delivery's
      }
    }
  };
  const seconds = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`);
  const summary = (): string => {
    const c = counts();
    return `${c.queued} receipt(s) queued in ${queueFile}${c.queued > 0 ? `, the oldest for ${seconds(c.oldestQueuedAgeMs)}` : ""}`;
  };
  /** A transient failure: the receipts stay queued. First one logged at once, then a summary every summaryEveryMs. */
  const failed = (error: ReceiptDeliveryError): void => {
    options.onDeliveryError?.(error);
    const now = Date.now();
    const hint = error.metaMessages?.find((m) => m.startsWith("Do:"));
    if (failing === undefined) {
      failing = { since: now, message: error.shortMessage, ...(error.status === undefined ? {} : { status: error.status }), ...(error.code === undefined ? {} : { code: error.code }), summarizedAt: now, failures: 1 };
      logger?.warn(`delivery to ${base} failing: ${error.shortMessage}${hint ? ` ${hint}` : ""} (${summary()}; they are kept and sent when the service accepts them)`, {
        event: "delivery-failing",
        status: error.status,
        code: error.code,
      });
      return;
    }
    failing = { ...failing, message: error.shortMessage, ...(error.status === undefined ? {} : { status: error.status }), ...(error.code === undefined ? {} : { code: error.code }), failures: failing.failures + 1 };
    if (now - failing.summarizedAt >= summaryEveryMs) {
      failing.summarizedAt = now;
      logger?.warn(`delivery to ${base} still failing for ${seconds(now - failing.since)} (${failing.failures} attempt(s)): ${error.shortMessage}${hint ? ` ${hint}` : ""}; ${summary()}`, {
        event: "delivery-summary",
        ...counts(),
      });
    }
  };
  const succeeded = (n: number, dup: number): void => {
    delivered += n;
    duplicates += dup;
    if (failing !== undefined) {
      logger?.info(`delivery to ${base} resumed after ${seconds(Date.now() - failing.since)} of failures; ${summary()}`, { event: "delivery-resumed" });
      failing = undefined;
    }
    emit({ type: "delivered", count: n, duplicates: dup });
  };

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
  const deliver = async (rows: { seq: number | bigint; receipt_id: string; body: string }[]): Promise<boolean> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.requestTimeoutMs ?? 10_000);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: `[${rows.map((r) => r.body).join(",")}]`,
        signal: controller.signal,
      });
      text = await response.text();
    } catch (cause) {
      failed(new ReceiptDeliveryError({ message: `The service at ${base} is unreachable (${cause instanceof Error ? cause.message : String(cause)}); ${rows.length} receipt(s) stay queued.`, cause }));
      return false;
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 201) {
      acknowledged(rows);
      succeeded(rows.length, 0);
      return true;
    }
    let body: { error?: { code?: string; message?: string; details?: unknown; receiptIndex?: number; duplicates?: { receiptId: string; alreadyStored: boolean }[] } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: handled by status below
    }
    const code = body.error?.code;
    const said = body.error?.message ?? text.slice(0, 200);
    if (response.status === 409 && code === "duplicate-receipt-id" && body.error?.duplicates) {
      // Already held by the service (an earlier delivery whose acknowledgement was lost), whatever its state: delivered.
      const stored = body.error.duplicates.filter((d) => d.alreadyStored).map((d) => d.receiptId.toLowerCase());
      tx(() => stored.forEach((id) => remove.run(id)));
      if (stored.length > 0) succeeded(stored.length, stored.length);
      return stored.length > 0; // the rest is sent again at once
    }
    const refusedForGood = refusedForGoodStatus(response.status, code);
    if (!refusedForGood) {
      failed(
        new ReceiptDeliveryError({
          message: `The service at ${base} answered ${response.status}${code ? ` (${code})` : ""}${response.status === 401 ? ": the token was refused" : response.status === 403 ? ": access refused" : ""}; ${rows.length} receipt(s) stay queued.`,
          status: response.status,
          ...(code ? { code } : {}),
          metaMessages: adviceFor(response.status, code, said, serviceDoLine(body.error?.details), queueFile),
        }),
      );
      return false;
    }
    // The service refuses the content for good. Isolate the offender and keep it aside.
    const index = body.error?.receiptIndex;
    const offender = typeof index === "number" && rows[index] ? [rows[index]] : rows.length === 1 ? rows : undefined;
    if (offender === undefined) {
      // Cannot tell which one: send them one by one.
      let all = true;
      for (const row of rows) all = (await deliver([row])) && all;
      return all;
    }
    const reason = `${response.status} ${code ?? ""} ${body.error?.message ?? text.slice(0, 200)}`.replace(/\s+/g, " ").trim();
    const doLine = rejectedAdvice(code, servingNodeOf(offender[0]!.body), serviceDoLine(body.error?.details), authorisationLine(body.error?.details));
    tx(() => {
      for (const row of offender) {
        reject.run(row.receipt_id, row.body, reason, code ?? null, response.status, Date.now());
        remove.run(row.receipt_id);
      }
    });
    for (const row of offender) {
      logger?.warn(`the service refused receipt ${row.receipt_id} for good: ${reason.replace(/\.$/, "")}. It is kept in ${queueFile} (rejected); list with \`showwork capture queue list\`. ${doLine}`, {
        event: "receipt-rejected",
        receiptId: row.receipt_id,
        status: response.status,
        code,
      });
      emit({ type: "rejected", receiptId: row.receipt_id as Hex, reason, code });
    }
    options.onDeliveryError?.(
      new ReceiptDeliveryError({
        message: `The service refused receipt ${offender[0]!.receipt_id} (${response.status} ${code ?? ""}); it is kept in the queue's rejected table.`,
        status: response.status,
        ...(code ? { code } : {}),
        metaMessages: [doLine],
      }),
    );
    return false;
  };

  const loop = async (): Promise<void> => {
    let backoff = minBackoff;
    while (!closed) {
      const rows = head.all(deliveredThrough, batchSize) as { seq: number | bigint; receipt_id: string; body: string }[];
      if (rows.length === 0) {
        if (drainWaiters.size > 0) commitDeletes(); // what flush()/close() wait for is in the file as it is
        for (const resolve of drainWaiters) resolve();
        drainWaiters.clear();
        await sleep(idlePollMs);
        continue;
      }
      const ok = await deliver(rows);
      if (ok) backoff = minBackoff;
      else if (!closed) tx(() => bump.run(rows[rows.length - 1]!.seq, deliveredThrough));
      if (!ok && queued() > 0 && !closed) {
        await sleep(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  };
  const running = loop();

  /** What is left, said when the process exits (`how`: "exiting", or the signal). */
  const leftLine = (how: string, deliveredMeanwhile: number): string | undefined => {
    const c = counts();
    const prefix = how === "exiting" ? "showwork capture: " : `showwork capture: ${how}: `;
    const meanwhile = deliveredMeanwhile > 0 ? `delivered ${deliveredMeanwhile} receipt(s) before exiting; ` : "";
    if (c.queued === 0) return deliveredMeanwhile > 0 ? `${prefix}${meanwhile}nothing left queued.` : undefined;
    return `${prefix}${meanwhile}exiting with ${c.queued} receipt(s) not yet delivered to ${base} (the oldest queued ${seconds(c.oldestQueuedAgeMs)} ago${failing ? `; last error: ${failing.message}` : ""}). They are kept in ${path} and delivered when a process opens that queue again (showwork capture queue list).`;
  };
  /** A process that exits with receipts still queued says so (they are delivered by the next process on this file). */
  const onExit = (): void => {
    try {
      if (!closed) commitDeletes();
      const line = leftLine("exiting", 0);
      if (line !== undefined) process.stderr.write(`${line}\n`);
    } catch {
      // the file may be closed already
    }
  };
  process.on("exit", onExit);

  const status = (): DeliveryStatus => ({
    ...counts(),
    delivered,
    duplicates,
    rejected: rejectedTotal(),
    failing: failing === undefined ? null : { since: failing.since, message: failing.message, ...(failing.status === undefined ? {} : { status: failing.status }), ...(failing.code === undefined ? {} : { code: failing.code }) },
  });
  const drain = (timeoutMs = 30_000): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (queued() === 0) {
        commitDeletes();
        return resolve(true);
      }
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
    });

  // Killed by SIGINT/SIGTERM with no handler of the app's: deliver what can be (bounded), say what is left, die of the signal.
  const stopSignalHandling =
    options.handleSignals === false
      ? () => undefined
      : drainOnSignal({
          drain,
          summary: (signal, deliveredMeanwhile) => leftLine(signal, deliveredMeanwhile),
          delivered: () => delivered,
          waitMs: options.exitWaitMs ?? 3_000,
        });

  return {
    direct: false,
    queuePath: path,
    async submit(receipts, context) {
      if (closed) throw new CaptureConfigError("The remote sink is closed.");
      const now = Date.now();
      tx(() => {
        for (const r of receipts) insert.run(r.receiptId.toLowerCase(), JSON.stringify(toReceiptJson(r)), now);
        for (const v of context?.versions ?? []) upsertVersion.run(...versionRowArgs(v));
      });
      wake?.();
    },
    queued,
    rejected: () => rejectedRows(db),
    get delivered() {
      return delivered;
    },
    status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    drain,
    async flush(timeoutMs = 30_000) {
      const done = await drain(timeoutMs);
      const c = counts();
      return {
        delivered: done,
        queued: c.queued,
        reason: done ? undefined : (failing?.message ?? (c.queued > 0 ? `still being sent (the oldest queued ${seconds(c.oldestQueuedAgeMs)} ago)` : undefined)),
        rejected: rejectedTotal(),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      wake?.();
      await running;
      commitDeletes();
      process.off("exit", onExit);
      stopSignalHandling();
      db.close();
    },
  };
}
