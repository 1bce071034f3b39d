/**
 * The anchoring-delay rule, in one place: the verifier (`checks/onchain.ts`) and the monitor (`sdk/monitor`) both
 * judge a receipt's anchoring delay by the strictest maximum the log declared while the receipt waited (see the
 * WARNING on `IReceiptLogs.setMaxAnchorDelay`). An entry replaced within the same second was never in force, as
 * `ReceiptLogs.maxAnchorDelayAt` says (the last change of a second wins).
 *
 * @module
 */

/**
 * The strictest (smallest non-zero) maximum delay in force at any moment of `[from, to]`, from a
 * log's history (oldest first); `undefined` when the log declared no maximum during that window.
 * An entry is in force from its `since` until the next entry's `since`.
 */
export function strictestDelay(history: readonly { readonly since: bigint | number; readonly maxAnchorDelay: number }[], from: number, to: number): number | undefined {
  let strictest: number | undefined;
  for (let i = 0; i < history.length; i++) {
    const entry = history[i]!;
    const next = history[i + 1];
    const start = Number(entry.since);
    const end = next === undefined ? Number.POSITIVE_INFINITY : Number(next.since);
    if (end <= start) continue; // replaced within the same second: never in force
    // In force during [start, end); the first entry also covers any time before the log existed.
    const overlaps = (i === 0 || start <= to) && end > from;
    if (overlaps && entry.maxAnchorDelay > 0) strictest = strictest === undefined ? entry.maxAnchorDelay : Math.min(strictest, entry.maxAnchorDelay);
  }
  return strictest;
}

