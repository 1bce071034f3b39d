/**
 * What the ways in (`captureFetch`, `withReceipts`, the proxy, the metrics) need of a capturer: the
 * in-process {@link Capturer} and the worker-thread one ({@link WorkerCapturer}) both are one.
 *
 * @module
 */
import type { Hex } from "viem";

import type { CaptureStats, CaptureTicket } from "./capturer.js";
import type { CapturedAnswer } from "./exchange.js";
import type { DeliveryReport, DeliveryStatus } from "./sinks.js";

/** A model version seen by capture (provider fingerprints: `known` false until the manifest lists it). */
export interface VersionSeen {
  readonly model: string;
  readonly responseModel: string | undefined;
  readonly systemFingerprint: string | undefined;
  readonly provider: string | undefined;
  readonly weightsDigest: Hex;
  readonly known: boolean;
  readonly firstSeen: number;
  readonly answers: number;
}

/** A capturer, wherever its work runs. */
export interface CaptureSession {
  readonly stats: CaptureStats;
  readonly serviceUrl: string | undefined;
  readonly servingNode: Hex;
  readonly versionsSeen: ReadonlyMap<string, VersionSeen>;
  receiptUrl(receiptId: Hex): string | undefined;
  begin(): CaptureTicket;
  complete(ticket: CaptureTicket, answer: CapturedAnswer): void;
  /**
   * Optional: the same for a plain (not streamed) OpenAI-shaped answer given as the JSON texts of the
   * request and the response, both already checked to be JSON objects — a worker capturer builds the
   * answer from them on its thread (handing over two strings costs the answering thread less than
   * building and copying the answer's objects).
   */
  completeJson?(ticket: CaptureTicket, api: "openai.chat.completions" | "openai.responses", requestText: string, responseText: string): void;
  refuse(message: string): void;
  settled(): Promise<void>;
  flush(timeoutMs?: number): Promise<DeliveryReport>;
  deliveryStatus(): DeliveryStatus | undefined;
  close(options?: { readonly timeoutMs?: number }): Promise<DeliveryReport>;
}
