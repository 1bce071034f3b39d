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
import { answerOfJson } from "./exchange.js";
import { recordLastReceipt } from "../config/lastReceipt.js";
import type { Receipt } from "../receipt/types.js";
import { deliveringSink } from "./defaults.js";
import { DEFAULT_QUEUE_PATH } from "./queue.js";
import { remoteSink, type ReceiptSink, type RemoteSink } from "./sinks.js";
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

/** Answers received from the calling thread so far. */
let received = 0;
const release = config.releaseWhenIdle;
/** releaseWhenIdle: whether the queue is open (delivering), from the delivering sink. */
let queueOpen: () => boolean = () => false;
/** releaseWhenIdle: says "idle" once every answer received is settled and the queue let go (nothing in flight here). */
async function maybeIdle(): Promise<void> {
  if (release === undefined) return;
  const at = received;
  await capturer.settled();
  if (at === received && !queueOpen()) post({ type: "idle", received });
}

try {
  const remote = (): RemoteSink => remoteSink({ ...config.sink, handleSignals: false, logger: config.sink.quiet ? false : logger });
  let sink: ReceiptSink;
  if (release === undefined) sink = remote();
  else {
    // The default capturer's way: the queue is open only while there is something to deliver.
    const root = release.lastReceiptRoot;
    const delivering = deliveringSink(remote, {
      ...(release.idleDrainMs === undefined ? {} : { idleDrainMs: release.idleDrainMs }),
      ...(root === undefined ? {} : { onQueued: (receipts: readonly Receipt[]) => receipts.length > 0 && recordLastReceipt(root, receipts[receipts.length - 1]!.receiptId) }),
      onLeftover: (queued) =>
        logger.warn(
          `${queued} receipt(s) not yet taken by the anchoring service at ${config.sink.url}: kept in ${config.sink.queuePath ?? DEFAULT_QUEUE_PATH}; the next process that captures sends them (is \`showwork dev\` / \`showwork serve\` running?)`,
          { event: "left-queued", queued },
        ),
      onReleased: () => void maybeIdle(),
    });
    queueOpen = () => delivering.open;
    sink = delivering;
  }
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
    queuePath: config.sink.queuePath ?? DEFAULT_QUEUE_PATH,
    evidence: evidence ? { location: evidence.location, encrypted: evidence.encrypted } : null,
    state: state(),
  });
} catch (error) {
  post({ type: "failed", error: errorOf(error) });
  port.close();
}

port.on("message", (message: ToWorker) => {
  if (message.type === "answers") {
    received += message.items.length;
    for (const item of message.items) {
      if ("answer" in item) capturer.complete(item.ticket, item.answer);
      else {
        let answer;
        try {
          answer = answerOfJson(item.json.api, JSON.parse(item.json.request) as Record<string, unknown>, JSON.parse(item.json.response) as Record<string, unknown>);
        } catch (error) {
          // checked to be JSON objects by the calling thread: not expected
          post({ type: "event", event: { type: "error", stage: "build", receiptId: item.ticket.receiptId, error: errorOf(error) } });
          continue;
        }
        capturer.complete(item.ticket, answer);
      }
    }
    pushState();
    void maybeIdle();
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
