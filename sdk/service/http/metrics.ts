/**
 * The metrics routes of the service's HTTP API:
 *
 *   GET /metrics        the Prometheus text format (JSON with `Accept: application/json` or `?format=json`)
 *   GET /v1/metrics     JSON (counts per state, last anchored batch, lag, retries, RPC errors, gas, balance)
 *
 * @module
 */
import type { Hono } from "hono";

import type { AnchoringService } from "../AnchoringService.js";
import { prometheusMetrics } from "../metrics/prometheus.js";

/** Adds the metrics routes to `app`. */
export function addMetricsRoutes(app: Hono, service: AnchoringService): void {
  const prometheus = prometheusMetrics(service);
  app.get("/metrics", async (c) => {
    const accept = c.req.header("accept") ?? "";
    if (c.req.query("format") === "json" || (/application\/json/i.test(accept) && !/text\/plain|openmetrics/i.test(accept))) {
      return c.json(await service.metrics());
    }
    return c.body(await prometheus.scrape(), 200, { "content-type": prometheus.contentType });
  });
  app.get("/v1/metrics", async (c) => c.json(await service.metrics()));
}
