/**
 * Metrics and health of the capture side, for the proxy's `/metrics` and `/health` and for an
 * app that captures in-process (serve {@link captureMetrics}'s text on its own `/metrics`).
 *
 * | metric | type | |
 * | --- | --- | --- |
 * | `showwork_capture_answers_total` | counter | answers receipted (`partial`: "true" for streams that broke off) |
 * | `showwork_capture_receipts_queued_total` | counter | receipts handed to the sink (queue file, or an in-process service) |
 * | `showwork_capture_receipts_delivered_total` | counter | acknowledged by the anchoring service (duplicates included) |
 * | `showwork_capture_receipts_rejected_total` | counter | refused for good by the service, kept aside with the reason |
 * | `showwork_capture_failures_total` | counter | receipts that could not be built, signed, stored or queued |
 * | `showwork_capture_queue_depth` | gauge | receipts waiting for the service's acknowledgement |
 * | `showwork_capture_queue_oldest_age_seconds` | gauge | age of the oldest waiting receipt (0: none) |
 * | `showwork_capture_queue_rejected` | gauge | receipts in the queue file's rejected set |
 * | `showwork_capture_delivery_failing` | gauge | 1 while delivery fails (token refused, service unreachable, …) |
 * | `showwork_capture_unknown_fingerprint_answers_total` | counter | answers whose model version (provider fingerprint) the manifest does not list as published |
 * | `showwork_capture_model_versions_seen` | gauge | `model`, `fingerprint`, `digest`, `published`, `provider`, `response_model` — every provider version seen since start (answers each) |
 *
 * @module
 */
import { Counter, Gauge, Registry } from "prom-client";

import type { CaptureSession } from "./session.js";

/** A Prometheus registry over one capturer. */
export interface CaptureMetrics {
  readonly contentType: string;
  /** The metrics text, read fresh at each call. */
  scrape(): Promise<string>;
}

/**
 * The capture side's metrics (Prometheus text format).
 * @example
 * const metrics = captureMetrics(capturer);
 * app.get("/metrics", async () => new Response(await metrics.scrape(), { headers: { "content-type": metrics.contentType } }));
 */
export function captureMetrics(capturer: CaptureSession): CaptureMetrics {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[], set: (c: Counter) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        set(this);
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], set: (g: Gauge) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        set(this);
      },
    });
  };
  const s = capturer.stats;
  counter("showwork_capture_answers_total", "Answers receipted.", ["partial"], (c) => {
    c.inc({ partial: "false" }, s.captured - s.partial);
    c.inc({ partial: "true" }, s.partial);
  });
  counter("showwork_capture_receipts_queued_total", "Receipts handed to the sink (queue file, or an in-process service).", [], (c) => c.inc(s.queued));
  counter("showwork_capture_receipts_delivered_total", "Receipts acknowledged by the anchoring service (duplicates included).", [], (c) => c.inc(s.delivered));
  counter("showwork_capture_receipts_rejected_total", "Receipts refused for good by the service (kept aside with the reason).", [], (c) => c.inc(s.rejected));
  counter("showwork_capture_failures_total", "Receipts that could not be built, signed, stored or queued.", [], (c) => c.inc(s.failed));
  gauge("showwork_capture_queue_depth", "Receipts waiting for the service's acknowledgement.", [], (g) => g.set(capturer.deliveryStatus()?.queued ?? 0));
  gauge("showwork_capture_queue_oldest_age_seconds", "Age of the oldest receipt waiting for the service (0: none).", [], (g) => g.set((capturer.deliveryStatus()?.oldestQueuedAgeMs ?? 0) / 1000));
  gauge("showwork_capture_queue_rejected", "Receipts in the queue file's rejected set.", [], (g) => g.set(capturer.deliveryStatus()?.rejected ?? 0));
  gauge("showwork_capture_delivery_failing", "1 while delivery to the service fails.", [], (g) => g.set(capturer.deliveryStatus()?.failing ? 1 : 0));
  counter("showwork_capture_unknown_fingerprint_answers_total", "Answers whose model version (provider fingerprint) the manifest does not list as published.", [], (c) => c.inc(s.unknownFingerprints));
  gauge("showwork_capture_model_versions_seen", "Model versions seen since start (provider fingerprints and their version digests), answers each.", ["model", "fingerprint", "digest", "published", "provider", "response_model"], (g) => {
    for (const v of capturer.versionsSeen.values()) {
      g.set({ model: v.model, fingerprint: v.systemFingerprint ?? "", digest: v.weightsDigest, published: v.known ? "true" : "false", provider: v.provider ?? "", response_model: v.responseModel ?? "" }, v.answers);
    }
  });
  return { contentType: registry.contentType, scrape: () => registry.metrics() };
}

/** Health of the capture side (`GET /health` of the proxy). */
export interface CaptureHealth {
  /** `degraded` when the oldest queued receipt is older than the threshold, or delivery is failing. */
  readonly status: "ok" | "degraded";
  readonly queued: number;
  readonly oldestQueuedAgeSeconds: number;
  readonly rejected: number;
  readonly delivering: { readonly failingSince: string; readonly lastError: string } | null;
  readonly warnings: readonly string[];
}

/**
 * The capture side's health: `degraded` when the oldest queued receipt waited longer than
 * `maxQueueAgeMs` (default 60,000) or receipts were refused for good.
 */
export function captureHealth(capturer: CaptureSession, options: { readonly maxQueueAgeMs?: number } = {}): CaptureHealth {
  const maxAge = options.maxQueueAgeMs ?? 60_000;
  const status = capturer.deliveryStatus();
  const warnings: string[] = [];
  if (status !== undefined && status.queued > 0 && status.oldestQueuedAgeMs > maxAge) {
    warnings.push(`${status.queued} receipt(s) queued, the oldest for ${Math.round(status.oldestQueuedAgeMs / 1000)} s (threshold ${Math.round(maxAge / 1000)} s)${status.failing ? `: ${status.failing.message}` : ""}`);
  }
  if (status !== undefined && status.rejected > 0) warnings.push(`${status.rejected} receipt(s) refused by the service, kept aside (showwork capture queue list)`);
  return {
    status: warnings.length > 0 ? "degraded" : "ok",
    queued: status?.queued ?? 0,
    oldestQueuedAgeSeconds: Math.round((status?.oldestQueuedAgeMs ?? 0) / 1000),
    rejected: status?.rejected ?? 0,
    delivering: status?.failing ? { failingSince: new Date(status.failing.since).toISOString(), lastError: status.failing.message } : null,
    warnings,
  };
}
