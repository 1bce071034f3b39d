/**
 * `ShowworkSpanProcessor`: an OpenTelemetry span processor that turns every finished GenAI
 * inference span (`gen_ai.operation.name` chat / text_completion / generate_content) into a signed
 * receipt on a showwork capturer — for apps already instrumented with OpenTelemetry
 * (`@opentelemetry/instrumentation-openai`, OpenLLMetry, …), without a second wrapper around the
 * client. See docs/capture.md "OpenTelemetry".
 *
 * - The receipt id is drawn when the span starts (`onStart`, in the caller's context, so
 *   `withReceiptContext` applies) and written back on the span as `showwork.receipt_id` (and
 *   `showwork.receipt_url` when the capturer knows the service) in `onEnding` — the SDK 2.x hook
 *   that runs after the instrumentation's last write and before the span is frozen and handed to
 *   the exporting processors. An SDK without `onEnding` (1.x) cannot take the attribute: the
 *   receipt is still made and the miss counted (`stats.receiptIdNotOnSpan`). The way back from
 *   the receipt to the span is in its evidence: `capture.traceId` / `capture.spanId`.
 * - Content is read from attributes and events (see `genAiSpan.ts`), and from log records when the
 *   instrumentation emits its `gen_ai.*` events through the Logs API (instrumentation-openai
 *   does): give it {@link ShowworkSpanProcessor.loggerProvider}. Content the span does not carry
 *   is committed as JSON `null`, said in the evidence's `capture.absent` and counted
 *   (`stats.contentAbsent`), never invented.
 * - Nothing here can fail or slow the traced call: the receipt is built, signed, stored and
 *   recorded in the capturer's background; a span this processor cannot read is counted.
 *
 * Depends on `@opentelemetry/api` only (a peer dependency): the SDK's span and processor types are
 * matched structurally, so SDK 2.x (`@opentelemetry/sdk-trace-base`, `@opentelemetry/sdk-trace` 2) and
 * SDK 3 (`@opentelemetry/sdk-trace` 3, `TracerProvider`) plug in alike (both tested).
 *
 * @module
 */
import { context as otelContext, trace, type Context } from "@opentelemetry/api";
import type { Hex } from "viem";

import type { CaptureTicket } from "../capture/capturer.js";
import { capturerFor, type CaptureDefaultsOptions } from "../capture/defaults.js";
import type { CaptureSession } from "../capture/session.js";
import { answerOfSpan, isInferenceSpan, type AttributesLike, type GenAiEvent, type SkipReason } from "./genAiSpan.js";

/** The attribute the receipt id is written to. */
export const RECEIPT_ID_ATTRIBUTE = "showwork.receipt_id";
/** The attribute the receipt's state URL is written to (when the capturer knows the service URL). */
export const RECEIPT_URL_ATTRIBUTE = "showwork.receipt_url";

/** A span as the SDK hands it to processors (structural: SDK 2.x `Span` / `ReadableSpan`). */
export interface ProcessedSpan {
  readonly name: string;
  readonly attributes: AttributesLike;
  readonly events: readonly { readonly name: string; readonly attributes?: AttributesLike | undefined }[];
  readonly status?: { readonly code: number };
  spanContext(): { readonly traceId: string; readonly spanId: string };
  /** Present on a writable span (onStart, onEnding). */
  setAttribute?(key: string, value: string): unknown;
}

/** A log record as the Logs API (`@opentelemetry/api-logs`) passes it to a logger. */
export interface LogRecordLike {
  readonly eventName?: string | undefined;
  readonly body?: unknown;
  readonly attributes?: AttributesLike | undefined;
  readonly context?: Context | undefined;
}

/** A Logs API logger provider (structural `@opentelemetry/api-logs` LoggerProvider). */
export interface LoggerProviderLike {
  getLogger(name: string, version?: string, options?: unknown): LoggerLike;
}

/** A Logs API logger (structural `@opentelemetry/api-logs` Logger). */
export interface LoggerLike {
  emit(record: LogRecordLike): void;
  enabled(options?: unknown): boolean;
}

/**
 * Options: the capturer, as for `withReceipts` — none (the project config's shared default capturer,
 * on a worker thread), `{ capturer }` (any capturer: `createCapturer`, `createWorkerCapturer`, the one a
 * `withReceipts` client uses), or capturer options (each one absent read from the config) — and where
 * log records go on to.
 */
export type ShowworkSpanProcessorOptions = CaptureDefaultsOptions & {
  /** The app's own logger provider: every log record given to {@link ShowworkSpanProcessor.loggerProvider} is passed on to it. */
  readonly forwardLogsTo?: LoggerProviderLike;
};

/** Counters of a {@link ShowworkSpanProcessor}. */
export interface SpanProcessorStats {
  /** GenAI inference spans seen ended. */
  spans: number;
  /** Receipts handed to the capturer. */
  receipts: number;
  /** Inference spans without a receipt, by reason (an error status: no answer was delivered). */
  skipped: { "error-status": number; "no-model": number; failed: number };
  /** Receipts whose input / output the span did not carry (committed as null, listed in the evidence). */
  contentAbsent: { input: number; output: number };
  /** Receipts whose id could not be written on the span (the SDK has no `onEnding`). */
  receiptIdNotOnSpan: number;
}

/** The most log records kept for one span (a runaway instrumentation cannot grow memory unbounded). */
const MAX_RECORDS_PER_SPAN = 1024;

/**
 * The span processor. Register it with the tracer provider (first, so that the exporting
 * processors see `showwork.receipt_id`):
 * @example
 * const processor = new ShowworkSpanProcessor(); // the project config, as withReceipts(new OpenAI())
 * const provider = new BasicTracerProvider({ spanProcessors: [processor, new BatchSpanProcessor(exporter)] });
 * trace.setGlobalTracerProvider(provider);
 * const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
 * instrumentation.setLoggerProvider(processor.loggerProvider); // content arrives as log records
 */
export class ShowworkSpanProcessor {
  readonly capturer: CaptureSession;
  readonly stats: SpanProcessorStats = { spans: 0, receipts: 0, skipped: { "error-status": 0, "no-model": 0, failed: 0 }, contentAbsent: { input: 0, output: 0 }, receiptIdNotOnSpan: 0 };
  /**
   * A Logs API logger provider that routes `gen_ai.*` event records to the span they belong to
   * (by the record's context), so that content emitted as log records reaches the receipt.
   */
  readonly loggerProvider: LoggerProviderLike;
  private readonly ownsCapturer: boolean;
  private readonly tickets = new Map<string, CaptureTicket>();
  private readonly records = new Map<string, GenAiEvent[]>();
  private readonly done = new Set<string>();

  constructor(options: ShowworkSpanProcessorOptions = {}) {
    const { forwardLogsTo: forward, ...capture } = options;
    // A capturer made from options is this processor's to close; a given or the shared default one is not.
    this.ownsCapturer = !("capturer" in capture) && Object.keys(capture).length > 0;
    this.capturer = capturerFor(capture);
    this.loggerProvider = {
      getLogger: (name, version, opts) => {
        const next = forward?.getLogger(name, version, opts);
        return {
          emit: (record) => {
            this.onLogRecord(record);
            next?.emit(record);
          },
          // gen_ai.* records are wanted whatever the app's own provider says.
          enabled: () => true,
        };
      },
    };
  }

  /** A log record: kept for its span when it is a `gen_ai.*` event of a span being captured. */
  private onLogRecord(record: LogRecordLike): void {
    const name = record.eventName ?? record.attributes?.["event.name"];
    if (typeof name !== "string" || !name.startsWith("gen_ai.")) return;
    const span = trace.getSpanContext(record.context ?? otelContext.active());
    if (span === undefined || !this.tickets.has(span.spanId)) return;
    let list = this.records.get(span.spanId);
    if (list === undefined) this.records.set(span.spanId, (list = []));
    if (list.length < MAX_RECORDS_PER_SPAN) list.push({ name, attributes: record.attributes, body: record.body });
  }

  /** SpanProcessor.onStart: draws the receipt id of an inference span, in the caller's context. */
  onStart(span: ProcessedSpan, _parentContext?: Context): void {
    if (isInferenceSpan(span.attributes)) this.tickets.set(span.spanContext().spanId, this.capturer.begin());
  }

  /** SpanProcessor.onEnding (SDK 2.x): the span is complete and still writable. */
  onEnding(span: ProcessedSpan): void {
    this.done.add(span.spanContext().spanId);
    this.finish(span, true);
  }

  /** SpanProcessor.onEnd: for SDKs without onEnding. */
  onEnd(span: ProcessedSpan): void {
    if (this.done.delete(span.spanContext().spanId)) return; // onEnding did it
    this.finish(span, false);
  }

  private finish(span: ProcessedSpan, writable: boolean): void {
    const spanId = span.spanContext().spanId;
    const ticketAtStart = this.tickets.get(spanId);
    this.tickets.delete(spanId);
    const records = this.records.get(spanId);
    this.records.delete(spanId);
    if (ticketAtStart === undefined && !isInferenceSpan(span.attributes)) return;
    this.stats.spans++;
    let result: ReturnType<typeof answerOfSpan>;
    try {
      result = answerOfSpan({
        name: span.name,
        attributes: span.attributes,
        events: records ? [...span.events, ...records] : span.events,
        ...(span.status ? { status: span.status } : {}),
        spanContext: () => span.spanContext(),
      });
    } catch {
      this.stats.skipped.failed++;
      return;
    }
    if ("skip" in result) {
      if (result.skip !== "not-inference") this.stats.skipped[result.skip as Exclude<SkipReason, "not-inference">]++;
      return;
    }
    const ticket = ticketAtStart ?? this.capturer.begin();
    const { answer } = result;
    try {
      this.capturer.complete(ticket, answer);
    } catch {
      this.stats.skipped.failed++;
      return;
    }
    this.stats.receipts++;
    if (answer.capture?.absent?.includes("input")) this.stats.contentAbsent.input++;
    if (answer.capture?.absent?.includes("output")) this.stats.contentAbsent.output++;
    if (writable && typeof span.setAttribute === "function") {
      span.setAttribute(RECEIPT_ID_ATTRIBUTE, ticket.receiptId);
      const url = this.capturer.receiptUrl(ticket.receiptId);
      if (url !== undefined) span.setAttribute(RECEIPT_URL_ATTRIBUTE, url);
    } else this.stats.receiptIdNotOnSpan++;
  }

  /** Waits until every receipt so far is handed to the sink and its evidence stored. */
  async forceFlush(): Promise<void> {
    await this.capturer.settled();
  }

  /** Flushes; closes the capturer when this processor made it. */
  async shutdown(): Promise<void> {
    if (this.ownsCapturer) await this.capturer.close();
    else await this.capturer.settled();
  }
}

/** The receipt id a span carries (`showwork.receipt_id`), if any. */
export function receiptIdOfSpan(span: { readonly attributes: AttributesLike }): Hex | undefined {
  const id = span.attributes[RECEIPT_ID_ATTRIBUTE];
  return typeof id === "string" ? (id as Hex) : undefined;
}
