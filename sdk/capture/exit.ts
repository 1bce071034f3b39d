/**
 * What capture does when its process is asked to stop by a signal (SIGINT: Ctrl-C; SIGTERM: a
 * process manager) — the way well-behaved libraries do it (cf. the `signal-exit` package):
 *
 * - Only when the app has installed no handler of its own for that signal. An app that handles
 *   SIGINT/SIGTERM decides when to exit (it should `await capturer.close()`); capture then only
 *   says, when the process exits, how many receipts are still queued (Node's `exit` event).
 * - Otherwise (the default behaviour would kill the process at once, printing nothing): capture
 *   finishes what it holds in memory (answers not yet signed and queued), waits a bounded time for
 *   the queued receipts to be acknowledged by the service (default 3 s; a second signal stops the
 *   wait), prints on stderr what was delivered and what is still queued (and where it is kept), then
 *   re-raises the signal with the default behaviour restored, so the process dies of that signal as
 *   it would have (exit status 128 + signal number; a parent sees `SIGINT`/`SIGTERM`).
 *
 * Our handler is put first (`prependListener`), so that when it runs every other listener of the
 * app is still registered (a `once` listener removes itself only when it is called).
 *
 * @module
 */

/** A capturer's part: finish the answers held in memory (sign, queue). */
export interface ExitSettler {
  settle(): Promise<unknown>;
}

/** A queued sink's part: wait for the acknowledgement (bounded), then say what is left. */
export interface ExitDrainer {
  /** Waits until everything queued is acknowledged or `timeoutMs` passed. */
  drain(timeoutMs: number): Promise<unknown>;
  /** The line to print before the process dies of `signal` (undefined: nothing to say). */
  summary(signal: NodeJS.Signals, deliveredMeanwhile: number): string | undefined;
  /** Receipts acknowledged since the sink opened (to say how many the wait delivered). */
  delivered(): number;
  /** How long to wait for delivery, ms. */
  readonly waitMs: number;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const settlers = new Set<ExitSettler>();
const drainers = new Set<ExitDrainer>();
let installed = false;
let stopping = false;

const handlers: Record<(typeof SIGNALS)[number], () => void> = {
  SIGINT: () => onSignal("SIGINT"),
  SIGTERM: () => onSignal("SIGTERM"),
};

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.prependListener(signal, handlers[signal]);
}

function uninstall(): void {
  if (!installed || settlers.size > 0 || drainers.size > 0) return;
  installed = false;
  for (const signal of SIGNALS) process.off(signal, handlers[signal]);
}

/** True when the app has a listener of its own for `signal` (ours excluded). */
function appHandles(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).some((listener) => listener !== handlers[signal as (typeof SIGNALS)[number]]);
}

function reraise(signal: NodeJS.Signals): void {
  for (const s of SIGNALS) process.off(s, handlers[s]);
  installed = false;
  process.kill(process.pid, signal);
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  if (appHandles(signal)) return; // the app decides; the `exit` event message covers what is left
  if (stopping) {
    reraise(signal); // a second signal: stop waiting
    return;
  }
  stopping = true;
  const sinks = [...drainers];
  const before = sinks.map((d) => d.delivered());
  const waitMs = sinks.length > 0 ? Math.max(0, ...sinks.map((d) => d.waitMs)) : 3_000;
  const deadline = Date.now() + waitMs;
  const bounded = <T>(promise: Promise<T>, ms: number): Promise<unknown> =>
    Promise.race([promise.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref())]);
  void (async () => {
    try {
      await bounded(Promise.all([...settlers].map((s) => s.settle())), waitMs);
      await Promise.all(sinks.map((d) => bounded(d.drain(Math.max(0, deadline - Date.now())), deadline - Date.now())));
      sinks.forEach((d, i) => {
        const line = d.summary(signal, d.delivered() - before[i]!);
        if (line !== undefined) process.stderr.write(`${line}\n`);
      });
    } finally {
      reraise(signal);
    }
  })();
}

/** Registers a capturer: on a signal it finishes its answers in memory first. Returns the unregister function. */
export function settleOnSignal(settler: ExitSettler): () => void {
  settlers.add(settler);
  install();
  return () => {
    settlers.delete(settler);
    uninstall();
  };
}

/** Registers a queued sink: on a signal it delivers what it can, then says what is left. Returns the unregister function. */
export function drainOnSignal(drainer: ExitDrainer): () => void {
  drainers.add(drainer);
  install();
  return () => {
    drainers.delete(drainer);
    uninstall();
  };
}
