/**
 * Capture on a worker thread: the thread that answers requests only draws the receipt id and hands
 * the delivered answer over (one message per turn of the event loop for all its answers); a
 * worker thread builds and signs the receipts, writes the evidence store and the durable delivery
 * queue (their commits wait for the disk: fsyncs that would otherwise stop the answering thread
 * for milliseconds each) and delivers to the anchoring service. `showwork proxy` uses it; an app
 * can too (`withReceipts(client, { capturer: await createWorkerCapturer(…) })`).
 *
 * Everything the worker needs is data (a key, paths, the service URL, the manifest, templates):
 * it opens its own remote sink and evidence store. The capturer's promises hold as in-process:
 * `settled()` waits until every answer so far is signed and queued (in the file), `flush()` and
 * `close()` until the service acknowledged them (or the timeout), and say what is left. Stats,
 * `deliveryStatus()` and the model versions seen are the worker's, at most ~50 ms old. Warnings
 * and delivery messages go to `logger` (default stderr) from this thread.
 *
 * Exiting: on SIGINT/SIGTERM with no handler of the app's, the answers in memory are signed and
 * queued, delivery gets `exitWaitMs` (default 3 s), and what is left is said on stderr before the
 * process dies of the signal (as in-process, see exit.ts); a process that exits otherwise with
 * receipts still in the queue file says so on stderr (read from the file).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { DatabaseSync } from "../nodeSqlite.js";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import type { Hex } from "viem";

import { newCaptureTicket, receiptStateUrl, type CaptureEvent, type CaptureStats, type CaptureTicket } from "./capturer.js";
import type { ReceiptContext } from "./context.js";
import { CaptureConfigError } from "./errors.js";
import { answerOfJson, type CapturedAnswer } from "./exchange.js";
import { drainOnSignal, settleOnSignal } from "./exit.js";
import type { ModelManifest } from "./manifest.js";
import type { CaptureSession, VersionSeen } from "./session.js";
import { stderrDeliveryLogger, type DeliveryLogger, type DeliveryReport, type DeliveryStatus, type RemoteSinkOptions } from "./sinks.js";

/** What the worker is made from (data only: it crosses to the worker thread). */
export interface WorkerCapturerConfig {
  /** The serving node's private key (0x + 64 hex digits): signs every receipt. */
  readonly nodeKey: Hex;
  /** The remote sink (see `remoteSink`): service URL, token, queue file, batch and retry settings. */
  readonly sink: Pick<RemoteSinkOptions, "url" | "token" | "queuePath" | "batchSize" | "requestTimeoutMs" | "minBackoffMs" | "maxBackoffMs" | "summaryEveryMs" | "idlePollMs"> & {
    /** No delivery messages (first failure, summaries, refusals): the metrics and status still say everything. */
    readonly quiet?: boolean;
  };
  /** The evidence store: a SQLite path or a postgres:// URL, and its encryption key (null: plain text, warned about). */
  readonly evidence?: {
    readonly location: string;
    readonly key: string | null;
    /** SQLite: how long evidence writes gather before one commit, ms (default 25). */
    readonly groupCommitMs?: number;
  };
  readonly models?: ModelManifest;
  readonly provider?: string;
  readonly templates?: readonly { readonly id: string; readonly version: number; readonly text: string }[];
  readonly serviceUrl?: string;
  readonly maxBatch?: number;
  readonly batchDelayMs?: number;
  /** No warnings on the logger (unknown fingerprints, plain-text evidence, receipts left at close). */
  readonly quiet?: boolean;
  /**
   * The default capturer's way (`withReceipts(client)` with no options): the worker opens the queue
   * when it has receipts and lets go of it once the service took them all (or after `idleDrainMs` of
   * trying, default 10,000: what is left stays in the file, said on the logger), then says it is idle;
   * the latest receipt id is recorded for `showwork verify --last` under `lastReceiptRoot`.
   */
  readonly releaseWhenIdle?: { readonly idleDrainMs?: number; readonly lastReceiptRoot?: string };
}

/** Options of {@link createWorkerCapturer}: the worker's configuration and this thread's side. */
export interface WorkerCapturerOptions extends WorkerCapturerConfig {
  /** Context used when a call has none (`withReceiptContext` overrides it field by field). */
  readonly defaultContext?: ReceiptContext;
  readonly onEvent?: (event: CaptureEvent) => void;
  /** Where warnings and delivery messages go (default one line on stderr); `false`: nowhere. */
  readonly logger?: DeliveryLogger | false;
  /** On SIGINT/SIGTERM with no handler of the app's: queue what is in memory, deliver for `exitWaitMs`, say what is left (default true). */
  readonly handleSignals?: boolean;
  readonly exitWaitMs?: number;
}

/** @internal The worker's state as it reports it. */
export interface WorkerState {
  readonly stats: CaptureStats;
  readonly status: DeliveryStatus | null;
  readonly versions: [string, VersionSeen][];
}
interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly shortMessage?: string;
  readonly metaMessages?: readonly string[];
}
/** @internal Messages to the worker. */
export type ToWorker =
  | { readonly type: "answers"; readonly items: readonly OutboxItem[] }
  | { readonly type: "rpc"; readonly id: number; readonly op: "settled" | "flush" | "close"; readonly timeoutMs?: number };
/** @internal An answer handed to the worker: built here, or as the JSON texts the worker builds it from. */
export type OutboxItem =
  | { readonly ticket: CaptureTicket; readonly answer: CapturedAnswer }
  | { readonly ticket: CaptureTicket; readonly json: { readonly api: "openai.chat.completions" | "openai.responses"; readonly request: string; readonly response: string } };

/** @internal Messages from the worker. */
export type FromWorker =
  | { readonly type: "ready"; readonly servingNode: Hex; readonly queuePath: string; readonly evidence: { readonly location: string; readonly encrypted: boolean } | null; readonly state: WorkerState }
  | { readonly type: "failed"; readonly error: ErrorData }
  | { readonly type: "state"; readonly state: WorkerState }
  | { readonly type: "log"; readonly level: "warn" | "info"; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly type: "event"; readonly event: Exclude<CaptureEvent, { type: "error" }> | { readonly type: "error"; readonly stage: "build" | "sign" | "evidence" | "record"; readonly receiptId?: Hex; readonly error: ErrorData } }
  | { readonly type: "reply"; readonly id: number; readonly state: WorkerState; readonly report?: DeliveryReport; readonly error?: ErrorData }
  /** (releaseWhenIdle) Every answer received so far is signed, stored and delivered (or left in the file, said), and the queue let go. */
  | { readonly type: "idle"; readonly received: number };

/** @internal What a worker capturer that is still starting already knows (computed on this thread). */
export interface WorkerStart {
  readonly servingNode: Hex;
  readonly queuePath: string;
  readonly evidence: { readonly location: string; readonly encrypted: boolean } | null;
  /**
   * Keep the process alive only while the worker has work (answers handed over and not yet
   * delivered or left in the file; a call waiting for a reply), so that a script that makes one
   * call exits once its receipt is delivered. Needs `releaseWhenIdle` in the worker's config.
   */
  readonly refWhileBusy: boolean;
  /** The worker could not start: the answers handed over meanwhile (none lost), for another capturer. */
  readonly onFailed: (error: Error, answers: { ticket: CaptureTicket; answer: CapturedAnswer }[]) => void;
}

/** The worker's error on this thread: a CaptureConfigError as such (the CLI prints its lines), others by name and message. */
const errorFrom = (data: ErrorData): Error => {
  if (data.name === "CaptureConfigError") return new CaptureConfigError(data.shortMessage ?? data.message, data.metaMessages ? [...data.metaMessages] : undefined);
  const error = new Error(data.message);
  error.name = data.name;
  return error;
};

/** Flags of the parent that take a value and only affect module loading: what a worker may be given. */
const LOADER_FLAGS = ["--import", "--require", "-r", "--loader", "--experimental-loader", "--conditions", "-C"];
/** Profiling flags with a value that a worker accepts (with `--cpu-prof`). */
const PROFILE_FLAGS = ["--cpu-prof-dir", "--cpu-prof-interval", "--cpu-prof-name"];

/**
 * The parent's module-loading flags (e.g. an app's `--import ./instrument.mjs`), for the worker. Nothing
 * else: `--input-type=module` would turn the worker's entry into a different module kind, and V8 or
 * per-process flags given explicitly (`--expose-gc`, which `npm run bench` passes, `--cpu-prof`,
 * `--max-old-space-size`) make `new Worker` throw ERR_WORKER_INVALID_EXEC_ARGV.
 */
function loaderFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // A CPU profile of the process covers the capture thread too (a worker takes these; one file per thread).
    if (arg === "--cpu-prof" || PROFILE_FLAGS.some((flag) => arg.startsWith(`${flag}=`))) out.push(arg);
    else if (PROFILE_FLAGS.includes(arg) && i + 1 < argv.length) out.push(arg, argv[++i]!);
    else if (LOADER_FLAGS.includes(arg) && i + 1 < argv.length) out.push(arg, argv[++i]!);
    else if (LOADER_FLAGS.some((flag) => arg.startsWith(`${flag}=`))) out.push(arg);
  }
  return out;
}

/**
 * Why a capture worker cannot start here (its entry file is missing: e.g. a bundler copied this
 * module without captureWorker.js; no worker threads), or undefined when it can.
 */
export function workerUnavailable(): string | undefined {
  try {
    const { url } = workerEntry();
    if (url.protocol !== "file:") return `the capture worker's module is not a file (${url.protocol})`;
    if (!existsSync(fileURLToPath(url))) return `the capture worker's module ${fileURLToPath(url)} is missing`;
    return undefined;
  } catch (error) {
    return `the capture worker cannot be loaded (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The worker's entry and the flags it needs: the compiled .js, or (in a source checkout) the .ts through tsx. */
function workerEntry(): { url: URL; execArgv: string[] } {
  const ts = import.meta.url.endsWith(".ts");
  const url = new URL(`./captureWorker.${ts ? "ts" : "js"}`, import.meta.url);
  if (!ts) return { url, execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const esm = tsx.replace(/cjs[/\\]index\.cjs$/, "esm/index.mjs");
  return { url, execArgv: ["--import", existsSync(esm) ? new URL(`file://${esm}`).href : "tsx"] };
}

/**
 * The capturer whose work runs on a worker thread. Create with {@link createWorkerCapturer}.
 */
export class WorkerCapturer implements CaptureSession {
  readonly stats: CaptureStats = { captured: 0, partial: 0, queued: 0, delivered: 0, rejected: 0, failed: 0, pending: 0, unknownFingerprints: 0, refused: 0 };
  readonly serviceUrl: string | undefined;
  readonly servingNode: Hex;
  /** The delivery queue file the worker writes. */
  readonly queuePath: string;
  /** The evidence store the worker writes (its location without a password), and whether it is encrypted. */
  readonly evidence: { readonly location: string; readonly encrypted: boolean } | null;
  versionsSeen: ReadonlyMap<string, VersionSeen> = new Map();
  private readonly worker: Worker;
  private readonly options: WorkerCapturerOptions;
  private readonly logger: DeliveryLogger | undefined;
  private outbox: OutboxItem[] = [];
  private posted = 0;
  private status: { readonly value: DeliveryStatus | null; readonly at: number } = { value: null, at: 0 };
  private readonly replies = new Map<number, { resolve(reply: Extract<FromWorker, { type: "reply" }>): void; reject(error: unknown): void }>();
  private nextId = 0;
  private closed: Promise<DeliveryReport> | undefined;
  private gone: Error | undefined;
  private lastReport: DeliveryReport | undefined;
  private readonly stopSignals: (() => void)[] = [];
  private readonly onExit = (): void => this.sayWhatIsLeft();
  /** "starting": answers wait here until the worker has opened its queue and evidence store. */
  private phase: "starting" | "ready" | "failed";
  private readonly start: WorkerStart | undefined;
  private markReady: () => void = () => undefined;
  private markFailed: (error: Error) => void = () => undefined;
  private readonly started: Promise<void>;
  /** refWhileBusy: the worker keeps the process alive (answers not yet settled and delivered, or calls waiting). */
  private referenced = true;
  private waiting = 0;
  /** The answers the worker last said it was idle after (refWhileBusy). */
  private idleAfter = 0;

  /** @internal Use {@link createWorkerCapturer} (or {@link startWorkerCapturer}). */
  constructor(worker: Worker, ready: Extract<FromWorker, { type: "ready" }> | WorkerStart, options: WorkerCapturerOptions) {
    this.worker = worker;
    this.options = options;
    this.servingNode = ready.servingNode;
    this.queuePath = ready.queuePath;
    this.evidence = ready.evidence;
    this.serviceUrl = options.serviceUrl?.replace(/\/+$/, "");
    this.logger = options.logger === false ? undefined : (options.logger ?? stderrDeliveryLogger);
    if ("type" in ready) {
      this.phase = "ready";
      this.start = undefined;
      this.started = Promise.resolve();
      this.apply(ready.state);
    } else {
      this.phase = "starting";
      this.start = ready;
      this.started = new Promise<void>((resolve, reject) => {
        this.markReady = resolve;
        this.markFailed = reject;
      });
      this.started.catch(() => undefined); // a failed start is handed to start.onFailed
      if (ready.refWhileBusy) {
        worker.unref();
        this.referenced = false;
      }
    }
    worker.on("message", (message: FromWorker) => this.receive(message));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", () => this.fail(new Error("the capture worker thread stopped")));
    if (options.handleSignals !== false) {
      this.stopSignals.push(settleOnSignal({ settle: () => this.settled() }));
      this.stopSignals.push(
        drainOnSignal({
          drain: async (ms) => (await this.flush(ms)).delivered,
          summary: (signal, meanwhile) => this.leftLine(signal, meanwhile),
          delivered: () => this.stats.delivered,
          waitMs: options.exitWaitMs ?? 3_000,
        }),
      );
    }
    process.on("exit", this.onExit);
  }

  /** The state URL of a receipt at the service, when the service URL is known. */
  receiptUrl(receiptId: Hex): string | undefined {
    return receiptStateUrl(this.serviceUrl, receiptId);
  }

  /** Starts a capture: draws the receipt id and takes the request's context. */
  begin(): CaptureTicket {
    return newCaptureTicket(this.options.defaultContext);
  }

  /** Hands the delivered answer to the worker (after the current turn, with the turn's other answers); returns at once. */
  complete(ticket: CaptureTicket, answer: CapturedAnswer): void {
    this.stats.captured++;
    if (answer.partial) this.stats.partial++;
    this.stats.pending++;
    this.outbox.push({ ticket, answer });
    this.keepAlive();
    if (this.outbox.length === 1) setImmediate(() => this.post());
  }

  /** {@link complete} for a plain OpenAI-shaped answer as its JSON texts (both checked to be JSON objects): the worker builds the answer. */
  completeJson(ticket: CaptureTicket, api: "openai.chat.completions" | "openai.responses", requestText: string, responseText: string): void {
    this.stats.captured++;
    this.stats.pending++;
    this.outbox.push({ ticket, json: { api, request: requestText, response: responseText } });
    this.keepAlive();
    if (this.outbox.length === 1) setImmediate(() => this.post());
  }

  /** Counts an answer refused because capture could not read it, and reports it. */
  refuse(message: string): void {
    this.stats.refused++;
    this.emit({ type: "warning", message });
  }

  /** Where the work runs: "worker" (this capturer's worker thread), or "failed" when it could not start. */
  get runsOn(): "worker" | "starting" | "failed" {
    return this.phase === "ready" ? "worker" : this.phase;
  }

  private keepAlive(): void {
    if (this.referenced) return;
    this.referenced = true;
    this.worker.ref();
  }

  /** refWhileBusy: lets the process exit once the worker is idle after every answer handed over and no call waits. */
  private letGo(): void {
    if (!this.start?.refWhileBusy || !this.referenced) return;
    if (this.waiting > 0 || this.outbox.length > 0 || this.idleAfter !== this.posted || this.phase === "starting") return;
    this.referenced = false;
    this.worker.unref();
  }

  /** Resolves when every answer captured so far is signed and in the queue file (or failed), and its evidence stored. */
  async settled(): Promise<void> {
    await this.call("settled");
  }

  /** Waits until every receipt so far is acknowledged by the service or `timeoutMs` passed (default 30,000); says what is left. */
  async flush(timeoutMs = 30_000): Promise<DeliveryReport> {
    const reply = await this.call("flush", timeoutMs);
    this.lastReport = reply.report!;
    return reply.report!;
  }

  /** Where delivery stands (the worker's figures, the oldest age brought up to now). */
  deliveryStatus(): DeliveryStatus | undefined {
    const s = this.status.value;
    if (s === null) return undefined;
    return s.queued > 0 ? { ...s, oldestQueuedAgeMs: s.oldestQueuedAgeMs + (Date.now() - this.status.at) } : s;
  }

  /**
   * Flushes (up to `timeoutMs`, default 10,000), closes the queue and the evidence store, and stops
   * the worker. Receipts still queued stay in the queue file (said on the logger).
   */
  close(options: { readonly timeoutMs?: number } = {}): Promise<DeliveryReport> {
    this.closed ??= (async () => {
      try {
        const reply = await this.call("close", options.timeoutMs ?? 10_000);
        this.lastReport = reply.report!;
        return reply.report!;
      } finally {
        for (const stop of this.stopSignals) stop();
        process.off("exit", this.onExit);
        await this.worker.terminate().catch(() => undefined);
      }
    })();
    return this.closed;
  }

  private post(): void {
    if (this.outbox.length === 0 || this.gone || this.phase !== "ready") return;
    const items = this.outbox;
    this.outbox = [];
    this.posted += items.length;
    this.worker.postMessage({ type: "answers", items } satisfies ToWorker);
  }

  private async call(op: "settled" | "flush" | "close", timeoutMs?: number): Promise<Extract<FromWorker, { type: "reply" }>> {
    this.waiting++;
    this.keepAlive();
    try {
      await this.started;
      this.post();
      if (this.gone) throw this.gone;
      const id = this.nextId++;
      const reply = await new Promise<Extract<FromWorker, { type: "reply" }>>((resolve, reject) => {
        this.replies.set(id, { resolve, reject });
        this.worker.postMessage({ type: "rpc", id, op, ...(timeoutMs === undefined ? {} : { timeoutMs }) } satisfies ToWorker);
      });
      if (reply.error) throw errorFrom(reply.error);
      return reply;
    } finally {
      this.waiting--;
      this.letGo();
    }
  }

  /** @internal A message the worker sent before it was ready. */
  receiveEarly(message: FromWorker): void {
    this.receive(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "ready":
        if (this.phase !== "starting") return;
        this.phase = "ready";
        this.apply(message.state);
        this.markReady();
        this.post();
        return;
      case "failed":
        this.fail(errorFrom(message.error));
        return;
      case "idle":
        this.idleAfter = message.received;
        this.letGo();
        return;
      case "state":
        this.apply(message.state);
        return;
      case "log":
        if (message.level === "warn") this.logger?.warn(message.message, message.fields);
        else this.logger?.info(message.message, message.fields);
        return;
      case "event":
        this.emit(message.event.type === "error" ? { ...message.event, error: errorFrom(message.event.error) } : message.event);
        return;
      case "reply": {
        this.apply(message.state);
        const waiter = this.replies.get(message.id);
        this.replies.delete(message.id);
        waiter?.resolve(message);
        return;
      }
      default:
        return;
    }
  }

  private apply(state: WorkerState): void {
    const w = state.stats;
    this.stats.queued = w.queued;
    this.stats.delivered = w.delivered;
    this.stats.rejected = w.rejected;
    this.stats.failed = w.failed;
    this.stats.unknownFingerprints = w.unknownFingerprints;
    // Not yet in the queue file: still here, or in the worker and not yet handed to the sink.
    this.stats.pending = this.stats.captured - this.posted + w.pending + (this.posted - w.captured);
    this.status = { value: state.status, at: Date.now() };
    this.versionsSeen = new Map(state.versions);
  }

  private fail(error: Error): void {
    if (this.gone) return;
    this.gone = error;
    for (const waiter of this.replies.values()) waiter.reject(error);
    this.replies.clear();
    if (this.phase !== "starting") return;
    // It never started: nothing was handed to it. The answers waiting here go to start.onFailed (none lost).
    this.phase = "failed";
    const answers = this.outbox.map((item) => ("answer" in item ? item : { ticket: item.ticket, answer: answerOfJson(item.json.api, JSON.parse(item.json.request) as Record<string, unknown>, JSON.parse(item.json.response) as Record<string, unknown>) }));
    this.outbox = [];
    this.stats.pending -= answers.length;
    for (const stop of this.stopSignals) stop();
    process.off("exit", this.onExit);
    this.worker.unref();
    void this.worker.terminate().catch(() => undefined);
    this.markFailed(error);
    this.start!.onFailed(error, answers);
  }

  private emit(event: CaptureEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // a listener's failure is not the answer's
    }
  }

  /** What is left, from the queue file (synchronous: also at the process's `exit`). */
  private queueCounts(): { queued: number; oldestMs: number } {
    try {
      const db = new DatabaseSync(this.queuePath, { readOnly: true });
      try {
        const row = db.prepare("SELECT count(*) AS n, min(CASE WHEN queued_at > 0 THEN queued_at END) AS oldest FROM queue").get() as { n: number; oldest: number | null };
        return { queued: Number(row.n), oldestMs: row.oldest === null ? 0 : Date.now() - Number(row.oldest) };
      } finally {
        db.close();
      }
    } catch {
      return { queued: this.status.value?.queued ?? 0, oldestMs: this.deliveryStatus()?.oldestQueuedAgeMs ?? 0 };
    }
  }

  private leftLine(how: string, deliveredMeanwhile: number): string | undefined {
    const { queued, oldestMs } = this.queueCounts();
    const lost = this.stats.pending;
    const prefix = how === "exiting" ? "showwork capture: " : `showwork capture: ${how}: `;
    const meanwhile = deliveredMeanwhile > 0 ? `delivered ${deliveredMeanwhile} receipt(s) before exiting; ` : "";
    const unsigned = lost > 0 ? ` ${lost} answer(s) were not yet signed and queued when the process stopped: they have no receipt.` : "";
    if (queued === 0) return deliveredMeanwhile > 0 || lost > 0 ? `${prefix}${meanwhile}nothing left queued.${unsigned}` : undefined;
    const failing = this.deliveryStatus()?.failing;
    return `${prefix}${meanwhile}exiting with ${queued} receipt(s) not yet delivered to ${this.options.sink.url.replace(/\/+$/, "")} (the oldest queued ${Math.round(oldestMs / 1000)} s ago${failing ? `; last error: ${failing.message}` : ""}). They are kept in ${this.queuePath} and delivered when a process opens that queue again (showwork capture queue list).${unsigned}`;
  }

  private sayWhatIsLeft(): void {
    // Idle after every answer: the worker said what it left in the file when it let go of the queue.
    if (this.start?.refWhileBusy && this.outbox.length === 0 && this.idleAfter === this.posted) return;
    const line = this.leftLine("exiting", 0);
    if (line !== undefined) process.stderr.write(`${line}\n`);
  }
}

/**
 * Starts the capture worker and resolves once it has opened its queue and evidence store (a bad
 * key, URL or path rejects here, with the reason).
 * @example
 * const capturer = await createWorkerCapturer({ nodeKey, sink: { url, token, queuePath }, evidence: { location: "./.showwork/evidence.sqlite", key }, models });
 * const client = withReceipts(new OpenAI(), { capturer });
 */
export function createWorkerCapturer(options: WorkerCapturerOptions): Promise<WorkerCapturer> {
  const config = workerConfigOf(options);
  const entry = workerEntry();
  const worker = new Worker(entry.url, { workerData: config, execArgv: [...loaderFlags(process.execArgv), ...entry.execArgv] });
  return new Promise((resolve, reject) => {
    const early: FromWorker[] = []; // warnings said while opening (e.g. plain-text evidence): replayed once ready
    const onExit = (code: number): void => reject(new Error(`the capture worker thread stopped before it was ready (exit code ${code})`));
    const onMessage = (message: FromWorker): void => {
      if (message.type !== "ready" && message.type !== "failed") {
        early.push(message);
        return;
      }
      worker.off("message", onMessage);
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (message.type === "failed") {
        void worker.terminate();
        reject(errorFrom(message.error));
        return;
      }
      const capturer = new WorkerCapturer(worker, message, options);
      for (const m of early) capturer.receiveEarly(m);
      resolve(capturer);
    };
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.on("message", onMessage);
  });
}

/**
 * Starts the capture worker and returns its capturer at once (what the default capturer of
 * `withReceipts(client)` uses: it cannot wait). Answers completed before the worker is ready wait
 * on this thread; when the worker cannot start (a bad path, key or URL, found by the worker), they
 * and the reason go to `start.onFailed`.
 * @throws when the worker thread cannot be created at all (see {@link workerUnavailable}).
 */
export function startWorkerCapturer(options: WorkerCapturerOptions, start: WorkerStart): WorkerCapturer {
  const entry = workerEntry();
  const worker = new Worker(entry.url, { workerData: workerConfigOf(options), execArgv: [...loaderFlags(process.execArgv), ...entry.execArgv] });
  return new WorkerCapturer(worker, start, options);
}

function workerConfigOf(options: WorkerCapturerOptions): WorkerCapturerConfig {
  return {
    nodeKey: options.nodeKey,
    sink: options.sink,
    ...(options.evidence ? { evidence: options.evidence } : {}),
    ...(options.models ? { models: options.models } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.serviceUrl ? { serviceUrl: options.serviceUrl } : {}),
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.batchDelayMs === undefined ? {} : { batchDelayMs: options.batchDelayMs }),
    ...(options.quiet || options.logger === false ? { quiet: true } : {}),
    ...(options.releaseWhenIdle ? { releaseWhenIdle: options.releaseWhenIdle } : {}),
  };
}
