/**
 * Drop-in capture (Node only): every answer of an existing AI app gets a signed receipt —
 * `withReceipts(openaiClient)`, `showworkMiddleware()` for the Vercel AI SDK, or the
 * `showwork proxy` — with its evidence kept for disclosure and replay. See docs/capture.md.
 *
 * @module
 */
export { showworkMiddleware, type ShowworkMiddlewareOptions } from "./aiSdk.js";
export { Capturer, createCapturer, type CaptureEvent, type CaptureStats, type CaptureTicket, type CapturerOptions } from "./capturer.js";
export { capturerFor, capturerOptionsFromConfig, defaultCapturer, deliveringSink, type CaptureDefaultsOptions } from "./defaults.js";
export { currentReceiptContext, withReceiptContext, type ReceiptContext, type SnapshotInput } from "./context.js";
export { CaptureConfigError, ReceiptDeliveryError } from "./errors.js";
export { answerOfJson, inputDigestOf, inputOf, SseParser, StreamAssembler, samplingOf, type CaptureApi, type CapturedAnswer, type CapturedTool } from "./exchange.js";
export { captureFetch, RECEIPT_ID_HEADER, RECEIPT_URL_HEADER } from "./fetch.js";
export { apiModelDigest, resolveModel, type ModelManifest, type ModelManifestEntry, type ResolvedModel } from "./manifest.js";
export { capturerOf, receiptIdOf, receiptUrlOf, withReceipts, type WithReceiptsOptions } from "./openai.js";
export { createCaptureProxy, startCaptureProxy, type CaptureProxyOptions, type RunningProxy } from "./proxy.js";
export { captureHealth, captureMetrics, type CaptureHealth, type CaptureMetrics } from "./metrics.js";
export { CaptureQueue, DEFAULT_QUEUE_PATH, type QueuedReceipt, type RejectedReceipt } from "./queue.js";
export {
  remoteSink,
  serviceSink,
  stderrDeliveryLogger,
  type DeliveryLogger,
  type DeliveryReport,
  type DeliveryStatus,
  type ReceiptSink,
  type RemoteSink,
  type RemoteSinkOptions,
  type SinkEvent,
} from "./sinks.js";
export { TemplateRegistry, type PromptTemplate } from "./templates.js";
export type { CaptureSession, VersionSeen } from "./session.js";
export { createWorkerCapturer, WorkerCapturer, type WorkerCapturerConfig, type WorkerCapturerOptions } from "./workerCapturer.js";
