/**
 * Crash points for the crash-safety tests: named places where the service may kill itself
 * with SIGKILL, with a probability read from the `SHOWWORK_FAILPOINTS` environment variable
 * (`"name=probability,..."`, `*` for every point). Without the variable this is a no-op.
 *
 * The points are the moments where a crash is most likely to break an invariant: between
 * validating and committing receipts, after committing but before acknowledging, while a
 * batch's tree is being built, after a transaction is persisted but before it is sent,
 * after it is sent but before it is confirmed, and while its result is being written.
 *
 * @module
 */

/** The crash points, in the order a receipt meets them. */
export const FAILPOINTS = [
  "record:before-commit",
  "record:after-commit",
  "batch:building-tree",
  "batch:before-commit",
  "tx:before-persist",
  "tx:before-send",
  "tx:after-send",
  "tx:before-mark-included",
  "tx:before-mark-final",
  /** An extra anchoring chain's turn, after the primary's transactions (a kill between the chains' transactions). */
  "chains:between",
] as const;

export type Failpoint = (typeof FAILPOINTS)[number];

function parse(spec: string | undefined): Map<string, number> {
  const map = new Map<string, number>();
  if (!spec) return map;
  for (const part of spec.split(",")) {
    const [name, p] = part.split("=");
    const probability = Number(p);
    if (name && Number.isFinite(probability)) map.set(name.trim(), probability);
  }
  return map;
}

const points = parse(process.env.SHOWWORK_FAILPOINTS);

/** Kills the process (SIGKILL) with the configured probability of `name`. */
export function failpoint(name: Failpoint): void {
  if (points.size === 0) return;
  const probability = points.get(name) ?? points.get("*");
  if (probability !== undefined && Math.random() < probability) {
    process.stderr.write(`[failpoint] ${name}: SIGKILL\n`);
    process.kill(process.pid, "SIGKILL");
  }
}
