/**
 * OpenTelemetry (Node): `ShowworkSpanProcessor` turns every finished GenAI inference span
 * (`gen_ai.*` semantic conventions) into a signed receipt on a showwork capturer. Peer dependency:
 * `@opentelemetry/api`. See docs/capture.md "OpenTelemetry".
 *
 * @module
 */
export {
  RECEIPT_ID_ATTRIBUTE,
  RECEIPT_URL_ATTRIBUTE,
  receiptIdOfSpan,
  ShowworkSpanProcessor,
  type LoggerLike,
  type LoggerProviderLike,
  type LogRecordLike,
  type ProcessedSpan,
  type ShowworkSpanProcessorOptions,
  type SpanProcessorStats,
} from "./ShowworkSpanProcessor.js";
export { answerOfSpan, contentOf, INFERENCE_OPERATIONS, isInferenceSpan, samplingOfSpan, toolsOfMessages, type GenAiContent, type GenAiEvent, type GenAiMessage, type GenAiSpanLike, type SkipReason } from "./genAiSpan.js";
