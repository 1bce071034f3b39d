/**
 * The worker thread of {@link createWorkerCapturer} (workerCapturer.ts): it owns a whole
 * {@link Capturer} — signing key, evidence store, delivery queue and the delivery loop — so that
 * building, signing, the evidence store's and the queue's durable commits (fsyncs) and the HTTP
 * delivery never run on the thread that answers requests. Its messages are those of
 * workerCapturer.ts.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";

import { openEvidenceStore } from "../cli/evidenceOptions.js";
import { SqliteEvidenceStore } from "../evidence/sqlite.js";
import { isPostgresUrl } from "../service/store/open.js";
import { privateKeyToReceiptSigner } from "../receipt/signReceipt.js";
import { createCapturer, type Capturer } from "./capturer.js";
import { remoteSink } from "./sinks.js";
import { TemplateRegistry } from "./templates.js";
import type { FromWorker, ToWorker, WorkerCapturerConfig, WorkerState } from "./workerCapturer.js";

const port = parentPort!;
const config = workerData as WorkerCapturerConfig;
const post = (message: FromWorker): void => port.postMessage(message);
const errorOf = (error: unknown): { name: string; message: string; shortMessage?: string; metaMessages?: readonly string[] } => {
  if (error instanceof Error) {
    const { shortMessage, metaMessages } = error as { shortMessage?: unknown; metaMessages?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(typeof shortMessage === "string" ? { shortMessage } : {}),
      ...(Array.isArray(metaMessages) ? { metaMessages: metaMessages.map(String) } : {}),
    };
  }
  return { name: "Error", message: String(error) };
};
const logger = {
  warn: (message: string, fields?: Record<string, unknown>) => post({ type: "log", level: "warn", message, ...(fields ? { fields: JSON.parse(JSON.stringify(fields)) as Record<string, unknown> } : {}) }),
  info: (message: string, fields?: Record<string, unknown>) => post({ type: "log", level: "info", message, ...(fields ? { fields: JSON.parse(JSON.stringify(fields)) as Record<string, unknown> } : {}) }),
};

let capturer: Capturer;
let closeEvidence: () => Promise<void> = async () => undefined;
let stateTimer: NodeJS.Timeout | undefined;

let lastStatus: WorkerState["status"] = null;
function state(): WorkerState {
  try {
    lastStatus = capturer.deliveryStatus() ?? null;
  } catch {
    // the queue is closed: its last status stands
  }
  return { stats: { ...capturer.stats }, status: lastStatus, versions: [...capturer.versionsSeen.entries()].map(([k, v]) => [k, { ...v }]) };
}
/** The state, soon (at most every 50 ms): the calling thread's stats, metrics and health read it. */
function pushState(): void {
  stateTimer ??= setTimeout(() => {
    stateTimer = undefined;
    post({ type: "state", state: state() });
  }, 50);
}

try {
  const sink = remoteSink({ ...config.sink, handleSignals: false, logger: config.sink.quiet ? false : logger });
  // Evidence commits gather for 25 ms (one fsync for all the answers of that time, as the queue's batches do).
  const evidence =
    config.evidence === undefined
      ? undefined
      : isPostgresUrl(config.evidence.location)
        ? await openEvidenceStore(config.evidence.location, config.evidence.key)
        : SqliteEvidenceStore.open({ path: config.evidence.location, encryptionKey: config.evidence.key, groupCommitMs: config.evidence.groupCommitMs ?? 25 });
  if (evidence) closeEvidence = () => evidence.close();
  capturer = createCapturer({
    signer: privateKeyToReceiptSigner(config.nodeKey),
    sink,
    ...(evidence ? { evidence } : {}),
    ...(config.models ? { models: config.models } : {}),
    ...(config.provider ? { provider: config.provider } : {}),
    ...(config.templates ? { templates: TemplateRegistry.of(config.templates) } : {}),
    ...(config.serviceUrl ? { serviceUrl: config.serviceUrl } : {}),
    ...(config.maxBatch === undefined ? {} : { maxBatch: config.maxBatch }),
    ...(config.batchDelayMs === undefined ? {} : { batchDelayMs: config.batchDelayMs }),
    logger: config.quiet ? false : logger,
    handleSignals: false,
    onEvent: (event) => {
      if (event.type === "error") post({ type: "event", event: { type: "error", stage: event.stage, ...(event.receiptId ? { receiptId: event.receiptId } : {}), error: errorOf(event.error) } });
      else if (event.type !== "captured") post({ type: "event", event });
      pushState();
    },
  });
  post({
    type: "ready",
    servingNode: capturer.servingNode,
    queuePath: sink.queuePath,
    evidence: evidence ? { location: evidence.location, encrypted: evidence.encrypted } : null,
    state: state(),
  });
} catch (error) {
  post({ type: "failed", error: errorOf(error) });
  port.close();
}

port.on("message", (message: ToWorker) => {
  if (message.type === "answers") {
    for (const { ticket, answer } of message.items) capturer.complete(ticket, answer);
    pushState();
    return;
  }
  void (async () => {
    try {
      let report;
      if (message.op === "settled") await capturer.settled();
      else if (message.op === "flush") report = await capturer.flush(message.timeoutMs);
      else {
        report = await capturer.close(message.timeoutMs === undefined ? {} : { timeoutMs: message.timeoutMs });
        await closeEvidence();
      }
      if (stateTimer) clearTimeout(stateTimer);
      stateTimer = undefined;
      post({ type: "reply", id: message.id, state: state(), ...(report ? { report } : {}) });
      if (message.op === "close") port.close();
    } catch (error) {
      post({ type: "reply", id: message.id, state: state(), error: errorOf(error) });
    }
  })();
});
