/**
 * Capture in one line: what `withReceipts(new OpenAI())`, `showworkMiddleware()` and
 * `showwork proxy` use when options are absent — the project config (`.showwork/config.json` and
 * its secrets, see sdk/config) and the environment:
 *
 * - `signer`: the serving node's key (`nodeKey` / SHOWWORK_NODE_KEY);
 * - `sink`: the anchoring service (`service.url` / SHOWWORK_SERVICE_URL, token `serviceToken` /
 *   SHOWWORK_SERVICE_TOKEN) through the durable queue (`capture.queue` / SHOWWORK_QUEUE);
 * - `evidence`: the evidence store (`evidence.store` / SHOWWORK_EVIDENCE, key `evidenceKey` / SHOWWORK_EVIDENCE_KEY);
 * - `models`: the manifest (`capture.models`);
 * - `serviceUrl`: for the receipt state URL given back with answers.
 *
 * Every option given explicitly wins. The default sink delivers eagerly and lets go of the queue
 * once it is empty, so a short script that makes one call and ends delivers its receipt before the
 * process exits (what the service cannot take within a bounded wait stays in the queue file, said
 * on stderr, and is sent by the next process that captures).
 *
 * @module
 */
import { evidenceKeyForStore } from "../evidence/defaultKey.js";
import { SqliteEvidenceStore } from "../evidence/sqlite.js";
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from "../config/loadConfig.js";
import { ENV } from "../config/env.js";
import { recordLastReceipt } from "../config/lastReceipt.js";
import { privateKeyToReceiptSigner } from "../receipt/signReceipt.js";
import type { Receipt } from "../receipt/types.js";
import type { Hex } from "viem";

import { ConfigError } from "../config/errors.js";
import { createCapturer, type CaptureStats, type CaptureTicket, type CapturerOptions } from "./capturer.js";
import type { CapturedAnswer } from "./exchange.js";
import { DEFAULT_QUEUE_PATH } from "./queue.js";
import type { CaptureSession } from "./session.js";
import { startWorkerCapturer, workerUnavailable, type WorkerCapturerOptions } from "./workerCapturer.js";
import { CaptureConfigError } from "./errors.js";
import { remoteSink, type DeliveryReport, type DeliveryStatus, type ReceiptSink, type RemoteSink, type RemoteSinkOptions, type SinkEvent } from "./sinks.js";

/** Capture options: a capturer to share, or capturer options (each one absent is read from the config). */
export type CaptureDefaultsOptions = { readonly capturer: CaptureSession } | Partial<CapturerOptions>;

const NO_CONFIG = [
  "Do: run `npx showwork dev` (a local chain) or `npx showwork init --rpc URL` in your project folder,",
  `    or set ${ENV.nodeKey} and ${ENV.serviceUrl} (and ${ENV.serviceToken}), or pass { signer, sink } explicitly.`,
];

/**
 * A remote sink that lets go of its queue when it has delivered everything (or after
 * `idleDrainMs` of trying: what is left stays queued, reported by `onLeftover`), and opens it
 * again for the next receipts — so it never keeps a finished script alive.
 */
export function deliveringSink(
  open: () => RemoteSink,
  options: {
    readonly idleDrainMs?: number;
    readonly onLeftover?: (queued: number) => void;
    readonly onQueued?: (receipts: readonly Receipt[]) => void;
    /** After it let go of the queue when idle (delivered everything, or gave up after `idleDrainMs`). */
    readonly onReleased?: () => void;
  } = {},
): ReceiptSink & { readonly open: boolean; flush(timeoutMs?: number): Promise<DeliveryReport> } {
  let inner: RemoteSink | undefined;
  let generation = 0;
  // Deliveries and refusals of every inner sink reach the capturer (its stats and events).
  const listeners = new Set<(event: SinkEvent) => void>();
  const openInner = (): RemoteSink => {
    const sink = open();
    sink.subscribe((event) => listeners.forEach((listener) => listener(event)));
    return sink;
  };
  const idle = async (sink: RemoteSink, gen: number): Promise<void> => {
    const done = await sink.drain(options.idleDrainMs ?? 10_000);
    if (gen !== generation || inner !== sink) return;
    const left = sink.queued();
    inner = undefined;
    await sink.close();
    if (!done && left > 0) options.onLeftover?.(left);
    options.onReleased?.();
  };
  return {
    get open() {
      return inner !== undefined;
    },
    async submit(receipts, context) {
      const gen = ++generation;
      inner ??= openInner();
      const sink = inner;
      await sink.submit(receipts, context);
      options.onQueued?.(receipts);
      void idle(sink, gen).catch(() => undefined);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush(timeoutMs = 30_000) {
      return inner === undefined ? { delivered: true, queued: 0, reason: undefined, rejected: 0 } : inner.flush(timeoutMs);
    },
    /** Delivers what is queued (up to `idleDrainMs`), then lets go of the queue. */
    async close() {
      generation++;
      const sink = inner;
      inner = undefined;
      if (sink === undefined) return;
      const done = await sink.drain(options.idleDrainMs ?? 10_000);
      const left = sink.queued();
      await sink.close();
      if (!done && left > 0) options.onLeftover?.(left);
    },
  };
}

/** The project's evidence store, encrypted by default: a new store gets a key generated into the secrets file (sdk/evidence/defaultKey.ts). */
function openDefaultEvidence(path: string, key: string | undefined, secretsFile: string | undefined): SqliteEvidenceStore {
  const choice = evidenceKeyForStore({ store: path, key, secretsFile });
  if (choice.generated) {
    process.stderr.write(`showwork: generated an evidence encryption key into ${choice.secretsFile} (evidenceKey): the evidence store ${path} is encrypted. Back the key up: without it the evidence cannot be read (docs/capture.md, Evidence at rest).\n`);
  }
  return SqliteEvidenceStore.open({ path, encryptionKey: choice.key ?? null });
}

/**
 * Capturer options from the project config and the environment, with `overrides` on top.
 * @throws {CaptureConfigError} when the serving node's key or the service is known from nowhere.
 */
export function capturerOptionsFromConfig(overrides: Partial<CapturerOptions> = {}, load: LoadConfigOptions = {}): CapturerOptions {
  const needsConfig = overrides.signer === undefined || overrides.sink === undefined || !("evidence" in overrides) || !("models" in overrides);
  const config: LoadedConfig | undefined = needsConfig ? loadConfig(load) : undefined;
  const where = config?.file === undefined ? `no .showwork/config.json in ${load.cwd ?? process.cwd()} or above` : `not in ${config.file}`;
  let signer = overrides.signer;
  if (signer === undefined) {
    const key = config?.secrets.nodeKey;
    if (key === undefined) throw new CaptureConfigError(`Capture needs the serving node's key (nodeKey): ${where} nor in ${ENV.nodeKey}.`, NO_CONFIG);
    signer = privateKeyToReceiptSigner(key);
  }
  let sink = overrides.sink;
  if (sink === undefined) {
    const url = overrides.serviceUrl ?? config?.serviceUrl;
    if (url === undefined) throw new CaptureConfigError(`Capture needs the anchoring service's URL (service.url): ${where} nor in ${ENV.serviceUrl}.`, NO_CONFIG);
    const said = new Set<string>();
    const remote: RemoteSinkOptions = {
      url,
      // Delivery problems are said once each on stderr (the queue keeps the receipts meanwhile).
      onDeliveryError: (error) => {
        if (said.has(error.shortMessage)) return;
        said.add(error.shortMessage);
        process.stderr.write(`showwork: ${error.message.split("\n").join("\n  ")}\n`);
      },
      ...(config?.secrets.serviceToken === undefined ? {} : { token: config.secrets.serviceToken }),
      ...(config?.queue === undefined ? {} : { queuePath: config.queue }),
    };
    const root = config?.root;
    sink = deliveringSink(() => remoteSink(remote), {
      ...(root === undefined ? {} : { onQueued: (receipts: readonly Receipt[]) => receipts.length > 0 && recordLastReceipt(root, receipts[receipts.length - 1]!.receiptId) }),
      onLeftover: (queued) =>
        process.stderr.write(
          `showwork: ${queued} receipt(s) not yet taken by the anchoring service at ${url}: kept in ${remote.queuePath ?? "the capture queue"}; the next process that captures sends them (is \`showwork dev\` / \`showwork serve\` running?)\n`,
        ),
    });
  }
  const evidence =
    "evidence" in overrides
      ? overrides.evidence
      : config?.evidenceStore === undefined
        ? undefined
        : openDefaultEvidence(config.evidenceStore, config.secrets.evidenceKey, config.secretsFile);
  const models = "models" in overrides ? overrides.models : config?.models;
  const serviceUrl = overrides.serviceUrl ?? config?.serviceUrl;
  return {
    ...overrides,
    signer,
    sink,
    ...(evidence === undefined ? {} : { evidence }),
    ...(models === undefined ? {} : { models }),
    ...(serviceUrl === undefined ? {} : { serviceUrl }),
  };
}

/** Where the default capturer does its work (SHOWWORK_CAPTURE_THREAD: `worker`, the default, or `main`). */
export const CAPTURE_THREAD_ENV = "SHOWWORK_CAPTURE_THREAD";

/**
 * The default capturer's work (build, sign, evidence, queue, delivery) on a worker thread, from the
 * same config as {@link capturerOptionsFromConfig}: only data crosses (the key, paths, URL, token,
 * manifest). The answering thread draws the receipt id and hands the delivered answer over; the
 * worker keeps the process alive only while it has something to finish, so a script that makes one
 * call still delivers its receipt before it exits.
 */
function startDefaultWorker(load: LoadConfigOptions, fallback: (reason?: string) => CaptureSession): CaptureSession {
  const config = loadConfig(load);
  const where = config.file === undefined ? `no .showwork/config.json in ${load.cwd ?? process.cwd()} or above` : `not in ${config.file}`;
  const nodeKey = config.secrets.nodeKey as Hex | undefined;
  if (nodeKey === undefined) throw new CaptureConfigError(`Capture needs the serving node's key (nodeKey): ${where} nor in ${ENV.nodeKey}.`, NO_CONFIG);
  const url = config.serviceUrl;
  if (url === undefined) throw new CaptureConfigError(`Capture needs the anchoring service's URL (service.url): ${where} nor in ${ENV.serviceUrl}.`, NO_CONFIG);
  if (!/^https?:\/\//.test(url)) throw new CaptureConfigError(`The service URL must start with http:// or https:// (found ${JSON.stringify(url)}).`);
  let evidence: { location: string; key: string | null } | undefined;
  if (config.evidenceStore !== undefined) {
    const choice = evidenceKeyForStore({ store: config.evidenceStore, key: config.secrets.evidenceKey, secretsFile: config.secretsFile });
    if (choice.generated) {
      process.stderr.write(`showwork: generated an evidence encryption key into ${choice.secretsFile} (evidenceKey): the evidence store ${config.evidenceStore} is encrypted. Back the key up: without it the evidence cannot be read (docs/capture.md, Evidence at rest).\n`);
    }
    evidence = { location: config.evidenceStore, key: choice.key ?? null };
  }
  const queuePath = config.queue;
  const options: WorkerCapturerOptions = {
    nodeKey,
    sink: { url, ...(config.secrets.serviceToken === undefined ? {} : { token: config.secrets.serviceToken }), ...(queuePath === undefined ? {} : { queuePath }) },
    ...(evidence === undefined ? {} : { evidence }),
    ...(config.models === undefined ? {} : { models: config.models }),
    serviceUrl: url,
    releaseWhenIdle: config.root === undefined ? {} : { lastReceiptRoot: config.root },
  };
  const facade = new DefaultCapture();
  const start = (): CaptureSession =>
    startWorkerCapturer(options, {
      servingNode: privateKeyToReceiptSigner(nodeKey).address,
      queuePath: queuePath ?? DEFAULT_QUEUE_PATH,
      evidence: evidence === undefined ? null : { location: evidence.location, encrypted: evidence.key !== null },
      refWhileBusy: true,
      onFailed: (error, answers) => {
        const inThread = fallback(`the capture worker could not start: ${error.message.split("\n")[0]}`);
        facade.inner = inThread;
        facade.reopen = () => fallback();
        for (const { ticket, answer } of answers) inThread.complete(ticket, answer);
      },
    });
  facade.inner = start();
  facade.reopen = start;
  return facade;
}

/**
 * The default capturer: whichever capturer does the work now (the worker one; the in-thread one if
 * the worker could not start), behind one object that clients and the metrics keep.
 */
class DefaultCapture implements CaptureSession {
  inner!: CaptureSession;
  /** A new capturer like this one: after close(), the next answer starts one (as the in-thread default reopens its queue). */
  reopen!: () => CaptureSession;
  private closed = false;
  private current(): CaptureSession {
    if (this.closed) {
      this.closed = false;
      this.inner = this.reopen();
    }
    return this.inner;
  }
  get stats(): CaptureStats {
    return this.inner.stats;
  }
  get serviceUrl(): string | undefined {
    return this.inner.serviceUrl;
  }
  get servingNode(): Hex {
    return this.inner.servingNode;
  }
  get versionsSeen(): CaptureSession["versionsSeen"] {
    return this.inner.versionsSeen;
  }
  /** Where the work runs now: "worker", "starting" (answers wait for the worker), or "main" (this thread). */
  get runsOn(): "worker" | "starting" | "main" {
    const on = (this.inner as { runsOn?: string }).runsOn;
    return on === "worker" || on === "starting" ? on : "main";
  }
  receiptUrl(receiptId: Hex): string | undefined {
    return this.inner.receiptUrl(receiptId);
  }
  begin(): CaptureTicket {
    return this.current().begin();
  }
  complete(ticket: CaptureTicket, answer: CapturedAnswer): void {
    this.current().complete(ticket, answer);
  }
  refuse(message: string): void {
    this.inner.refuse(message);
  }
  deliveryStatus(): DeliveryStatus | undefined {
    return this.inner.deliveryStatus();
  }
  /** A call to a worker that failed to start is made again on the capturer that took over. */
  private async retried<T>(call: (session: CaptureSession) => Promise<T>): Promise<T> {
    for (;;) {
      const session = this.inner;
      try {
        return await call(session);
      } catch (error) {
        if (session === this.inner) throw error;
      }
    }
  }
  settled(): Promise<void> {
    return this.retried((s) => s.settled());
  }
  flush(timeoutMs?: number): Promise<DeliveryReport> {
    return this.retried((s) => s.flush(timeoutMs));
  }
  /** Delivers what is queued (up to `timeoutMs`) and stops the worker; an answer captured afterwards starts a new one. */
  async close(options?: { readonly timeoutMs?: number }): Promise<DeliveryReport> {
    if (this.closed) return { delivered: true, queued: 0, reason: undefined, rejected: 0 };
    const report = await this.retried((s) => s.close(options));
    this.closed = true;
    return report;
  }
}

let shared: CaptureSession | undefined;

/**
 * The process's default capturer (from the config), made on first use and shared by every client
 * wrapped without options. Its work runs on a worker thread (the answering thread only draws the
 * receipt id and hands the answer over), unless SHOWWORK_CAPTURE_THREAD=main or no worker can start
 * here: then on this thread, and the reason is said once on stderr.
 */
export function defaultCapturer(load: LoadConfigOptions = {}): CaptureSession {
  shared ??= makeDefaultCapturer(load);
  return shared;
}

function makeDefaultCapturer(load: LoadConfigOptions): CaptureSession {
  const env = load.env ?? process.env;
  const thread = (env[CAPTURE_THREAD_ENV] ?? "").trim().toLowerCase();
  const inThread = (reason?: string): CaptureSession => {
    if (reason !== undefined) process.stderr.write(`showwork: capture runs on the app's thread (signing, evidence and queue writes delay its answers): ${reason}.\n`);
    return createCapturer(capturerOptionsFromConfig({}, load));
  };
  if (thread === "main") return inThread();
  if (thread !== "" && thread !== "worker") throw new CaptureConfigError(`${CAPTURE_THREAD_ENV} must be "worker" or "main" (found ${JSON.stringify(env[CAPTURE_THREAD_ENV])}).`);
  const unavailable = workerUnavailable();
  if (unavailable !== undefined) return inThread(unavailable);
  try {
    return startDefaultWorker(load, inThread);
  } catch (error) {
    if (error instanceof CaptureConfigError || error instanceof ConfigError) throw error;
    return inThread(`the capture worker could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** @internal Forgets the default capturer (tests). */
export function resetDefaultCapturer(): void {
  shared = undefined;
}

/** The capturer for `options`: the one given, the shared default (no options), or a new one from the options over the config. */
export function capturerFor(options: CaptureDefaultsOptions | undefined): CaptureSession {
  if (options !== undefined && "capturer" in options) return options.capturer;
  if (options === undefined || Object.keys(options).length === 0) return defaultCapturer();
  return createCapturer(capturerOptionsFromConfig(options));
}
