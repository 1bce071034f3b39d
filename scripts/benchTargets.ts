/**
 * The targets of the benchmarks (issue #26), reported one way by every bench: the measured
 * figure, the peer measured in the same run, the ratio, and MET / NOT MET. Each bench calls
 * {@link reportTarget}; `npm run bench` (scripts/bench.ts) collects them through the file named
 * by `SHOWWORK_BENCH_TARGETS` and prints one table at the end.
 *
 * Figures are per CPU-second (user + system time of the threads that did the work) unless a
 * target says otherwise: wall time on this shared machine is not comparable from run to run.
 */
import { appendFileSync } from "node:fs";

/** One target's result. */
export interface TargetResult {
  /** Which target, as the issue states it (e.g. "build + sign >= 10,000 receipts per CPU-second"). */
  readonly target: string;
  /** The measured figure, formatted (e.g. "14,200/CPU-s"). */
  readonly figure: string;
  /** The peer measured in the same run, formatted (e.g. "viem signTypedData 1,740/CPU-s"), or "—". */
  readonly peer?: string;
  /** Ours relative to the peer, formatted (e.g. "8.2x"), or "—". */
  readonly ratio?: string;
  readonly met: boolean;
  /** Anything the reader needs to read the figure (size, back end, load). */
  readonly note?: string;
}

/** Formats a rate: 14203.4 → "14,203". */
export function perSecond(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/** Prints a target line and records it for the summary of `npm run bench`. */
export function reportTarget(result: TargetResult): TargetResult {
  const verdict = result.met ? "MET" : "NOT MET";
  const peer = result.peer ? `; peer: ${result.peer}` : "";
  const ratio = result.ratio ? `; ratio ${result.ratio}` : "";
  const note = result.note ? ` (${result.note})` : "";
  console.log(`  TARGET ${verdict.padEnd(7)} ${result.target}: ${result.figure}${peer}${ratio}${note}`);
  const file = process.env.SHOWWORK_BENCH_TARGETS;
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
  return result;
}

/** CPU microseconds of this process (all threads: user + system). */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
