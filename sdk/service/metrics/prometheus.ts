/**
 * The service's metrics in the Prometheus text format (prom-client), read from
 * {@link AnchoringService.metrics} at each scrape. One registry per service (never the global one).
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `showwork_receipts` | gauge | `state` (recorded, batched, submitted, anchored, final) |
 * | `showwork_receipts_stored` | gauge | |
 * | `showwork_batches_closed` | gauge | |
 * | `showwork_last_anchored_batch_index` | gauge | |
 * | `showwork_anchor_lag_seconds` | gauge | age of the oldest receipt not yet anchored |
 * | `showwork_unanchored_receipts` | gauge | |
 * | `showwork_retries_total` | counter | `kind` |
 * | `showwork_rpc_errors_total` | counter | `kind` (timeout, http, rpc, rejected, other) |
 * | `showwork_gas_used_total` | counter | |
 * | `showwork_gas_spent_wei_total` | counter | |
 * | `showwork_anchor_transactions_total` | counter | |
 * | `showwork_account_balance_wei` | gauge | `account` |
 * | `showwork_balance_batches_left` | gauge | |
 * | `showwork_balance_days_left` | gauge | |
 * | `showwork_anchoring_role` | gauge | 1 while this instance anchors, else 0 |
 * | `showwork_anchoring_epoch` | gauge | the lease's fencing epoch |
 * | `showwork_halted` | gauge | 1 while anchoring is halted |
 * | `showwork_chain_rejected` | gauge | 1 while the node refuses our transactions |
 * | `showwork_uptime_seconds` | gauge | |
 * | `showwork_chain_up` | gauge | `chain`: 1 while the chain's anchoring works, 0 while it fails or is halted |
 * | `showwork_chain_last_anchored_batch_index` | gauge | `chain` (store batch index; -1: none) |
 * | `showwork_chain_batches_behind` | gauge | `chain`: closed batches not yet anchored there |
 * | `showwork_chain_anchor_lag_seconds` | gauge | `chain`: age of the oldest receipt not yet anchored there |
 * | `showwork_chain_consecutive_failures` | gauge | `chain` |
 * | `showwork_chain_gas_used_total` | counter | `chain` |
 * | `showwork_chain_anchor_transactions_total` | counter | `chain` |
 * | `showwork_chain_balance_wei` | gauge | `chain`: its anchoring account's balance, as last read |
 * | `showwork_chain_balance_batches_left` | gauge | `chain`: about how many more batches that balance pays for there |
 * | `showwork_chain_balance_low` | gauge | `chain`: 1 while that balance is low (a warning in /health) |
 * | `showwork_receipts_recorded_late_total` | counter | recorded > 5 min after issuedAt (accepted: late is not lost) |
 * | `showwork_ingest_lateness_max_seconds` | gauge | largest issuedAt → recording delay seen |
 * | `showwork_receipts_duplicate_total` | counter | already held, answered as duplicates |
 * | `showwork_record_refused_total` | counter | `reason` (calls refused at ingestion) |
 *
 * Counters and gas are per instance (sum them across instances); receipt and batch counts are the
 * store's (the same on every instance).
 *
 * @module
 */
import { Counter, Gauge, Registry } from "prom-client";

import type { AnchoringService, ServiceMetrics } from "../AnchoringService.js";
import { RECEIPT_STATES } from "../states.js";

/** A Prometheus registry over one service. */
export interface PrometheusMetrics {
  readonly contentType: string;
  /** The metrics text, read fresh from the service. */
  scrape(): Promise<string>;
}

/** Builds the registry of `service`. */
export function prometheusMetrics(service: AnchoringService): PrometheusMetrics {
  const registry = new Registry();
  let m: ServiceMetrics | undefined;
  const gauge = (name: string, help: string, labelNames: string[], set: (g: Gauge, m: ServiceMetrics) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        if (m !== undefined) set(this, m);
      },
    });
  };
  const counter = (name: string, help: string, labelNames: string[], set: (c: Counter, m: ServiceMetrics) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        if (m !== undefined) set(this, m);
      },
    });
  };
  gauge("showwork_receipts", "Receipts in the store, per state.", ["state"], (g, x) => {
    for (const state of RECEIPT_STATES) g.set({ state }, x.receipts[state]);
  });
  gauge("showwork_receipts_stored", "Receipts in the store.", [], (g, x) => g.set(x.receipts.total));
  gauge("showwork_batches_closed", "Batches closed (the last index + 1).", [], (g, x) => g.set(x.batches.lastClosed === null ? 0 : x.batches.lastClosed + 1));
  gauge("showwork_last_anchored_batch_index", "Index of the last anchored batch (-1: none).", [], (g, x) => g.set(x.batches.lastAnchored?.index ?? -1));
  gauge("showwork_anchor_lag_seconds", "Age of the oldest receipt not yet anchored (0: all anchored).", [], (g, x) => g.set(x.lag.oldestUnanchoredMs / 1000));
  gauge("showwork_unanchored_receipts", "Receipts recorded but not yet anchored.", [], (g, x) => g.set(x.lag.unanchoredReceipts));
  counter("showwork_retries_total", "Retries by this instance, by kind.", ["kind"], (c, x) => {
    for (const [kind, n] of Object.entries(x.retries.byKind)) if (n !== undefined && n > 0) c.inc({ kind }, n);
  });
  counter("showwork_rpc_errors_total", "Failed rounds of this instance, by kind of error.", ["kind"], (c, x) => {
    for (const [kind, n] of Object.entries(x.rpcErrors)) if (n !== undefined && n > 0) c.inc({ kind }, n);
  });
  counter("showwork_gas_used_total", "Gas used by this instance's anchoring transactions.", [], (c, x) => c.inc(Number(x.gas.used)));
  counter("showwork_gas_spent_wei_total", "Fees paid by this instance's anchoring transactions, wei.", [], (c, x) => c.inc(Number(x.gas.feeWei)));
  counter("showwork_anchor_transactions_total", "Anchoring transactions included, seen by this instance.", [], (c, x) => c.inc(x.gas.transactions));
  gauge("showwork_account_balance_wei", "Balance of the anchoring account, as last read.", ["account"], (g, x) => {
    if (x.balance !== null) g.set({ account: x.balance.account }, Number(x.balance.wei));
  });
  gauge("showwork_balance_batches_left", "About how many more batches the balance pays for.", [], (g, x) => {
    if (x.balance !== null) g.set(x.balance.batchesLeft);
  });
  gauge("showwork_balance_days_left", "About how many days the balance lasts at the recent rate.", [], (g, x) => {
    if (x.balance?.daysLeft !== null && x.balance?.daysLeft !== undefined) g.set(x.balance.daysLeft);
  });
  gauge("showwork_anchoring_role", "1 while this instance holds the anchoring role.", [], (g, x) => g.set(x.anchoring.role === "anchoring" ? 1 : 0));
  gauge("showwork_anchoring_epoch", "Fencing epoch of the anchoring lease.", [], (g, x) => g.set(x.anchoring.epoch ?? 0));
  gauge("showwork_halted", "1 while anchoring is halted (needs an operator).", [], (g) => g.set(service.health().halted === null ? 0 : 1));
  gauge("showwork_chain_rejected", "1 while the node refuses this instance's transactions.", [], (g) => g.set(service.health().chain === null ? 0 : 1));
  gauge("showwork_uptime_seconds", "Uptime of this instance.", [], (g, x) => g.set(x.uptimeMs / 1000));
  // One series per anchoring chain (the primary and each extra target).
  gauge("showwork_chain_up", "1 while the chain's anchoring works, 0 while it fails or is halted.", ["chain"], (g, x) => {
    for (const c of x.chains) g.set({ chain: c.name }, c.status === "ok" || c.status === "stopped" ? 1 : 0);
  });
  gauge("showwork_chain_last_anchored_batch_index", "Last batch anchored on the chain (-1: none).", ["chain"], (g, x) => {
    for (const c of x.chains) g.set({ chain: c.name }, c.lastAnchored?.index ?? -1);
  });
  gauge("showwork_chain_batches_behind", "Closed batches not yet anchored on the chain.", ["chain"], (g, x) => {
    for (const c of x.chains) g.set({ chain: c.name }, c.batchesBehind);
  });
  gauge("showwork_chain_anchor_lag_seconds", "Age of the oldest receipt not yet anchored on the chain.", ["chain"], (g, x) => {
    for (const c of x.chains) g.set({ chain: c.name }, c.oldestUnanchoredMs / 1000);
  });
  gauge("showwork_chain_consecutive_failures", "Consecutive failed attempts on the chain.", ["chain"], (g, x) => {
    for (const c of x.chains) g.set({ chain: c.name }, c.consecutiveFailures);
  });
  counter("showwork_chain_gas_used_total", "Gas used by this instance's anchoring transactions on the chain.", ["chain"], (c, x) => {
    for (const ch of x.chains) c.inc({ chain: ch.name }, Number(ch.gas.used));
  });
  counter("showwork_chain_anchor_transactions_total", "Anchoring transactions included on the chain, seen by this instance.", ["chain"], (c, x) => {
    for (const ch of x.chains) c.inc({ chain: ch.name }, ch.gas.transactions);
  });
  gauge("showwork_chain_balance_wei", "Balance of the chain's anchoring account, as last read.", ["chain"], (g, x) => {
    for (const c of x.chains) if (c.balance !== null) g.set({ chain: c.name }, Number(c.balance.wei));
  });
  gauge("showwork_chain_balance_batches_left", "About how many more batches the chain's anchoring account pays for.", ["chain"], (g, x) => {
    for (const c of x.chains) if (c.balance !== null) g.set({ chain: c.name }, c.balance.batchesLeft);
  });
  gauge("showwork_chain_balance_low", "1 while the chain's anchoring account runs low.", ["chain"], (g, x) => {
    for (const c of x.chains) if (c.balance !== null) g.set({ chain: c.name }, c.balance.low ? 1 : 0);
  });
  counter("showwork_receipts_recorded_late_total", "Receipts recorded more than 5 min after their issuedAt (accepted: late is not lost).", [], (c, x) => c.inc(x.ingestion.late));
  gauge("showwork_ingest_lateness_max_seconds", "Largest delay from a receipt's issuedAt to its recording, seconds.", [], (g, x) => g.set(x.ingestion.maxLatenessSeconds));
  counter("showwork_receipts_duplicate_total", "Receipts submitted again that the store already held (answered as duplicates: delivered).", [], (c, x) => c.inc(x.ingestion.duplicates));
  counter("showwork_record_refused_total", "Record calls refused at ingestion, by reason.", ["reason"], (c, x) => {
    for (const [reason, n] of Object.entries(x.ingestion.refused)) if (n !== undefined && n > 0) c.inc({ reason }, n);
  });
  return {
    contentType: registry.contentType,
    scrape: async () => {
      m = await service.metrics();
      return registry.metrics();
    },
  };
}
