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
import { Capturer, createCapturer, type CapturerOptions } from "./capturer.js";
import type { CaptureSession } from "./session.js";
import { CaptureConfigError } from "./errors.js";
import { remoteSink, type DeliveryReport, type ReceiptSink, type RemoteSink, type RemoteSinkOptions, type SinkEvent } from "./sinks.js";

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
  options: { readonly idleDrainMs?: number; readonly onLeftover?: (queued: number) => void; readonly onQueued?: (receipts: readonly Receipt[]) => void } = {},
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

let shared: Capturer | undefined;

/** The process's default capturer (from the config), made on first use and shared by every client wrapped without options. */
export function defaultCapturer(): Capturer {
  shared ??= createCapturer(capturerOptionsFromConfig());
  return shared;
}

/** The capturer for `options`: the one given, the shared default (no options), or a new one from the options over the config. */
export function capturerFor(options: CaptureDefaultsOptions | undefined): CaptureSession {
  if (options !== undefined && "capturer" in options) return options.capturer;
  if (options === undefined || Object.keys(options).length === 0) return defaultCapturer();
  return createCapturer(capturerOptionsFromConfig(options));
}
