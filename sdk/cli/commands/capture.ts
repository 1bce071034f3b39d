/**
 * `showwork capture queue [list|retry]`: the capture side's delivery queue file (what `showwork
 * proxy` and `remoteSink` deliver from): how many receipts wait, since when, and the receipts the
 * anchoring service refused for good, each with its reason; `retry` moves refused receipts back
 * into the queue once the cause is fixed (a node granted, a clock set right). Works while a proxy
 * or an app has the file open: its delivery loop picks them up within a second.
 *
 * Exit codes: 0 done (list: nothing refused); 1 bad input; 3 list found refused receipts.
 *
 * @module
 */
import { existsSync } from "node:fs";

import { Command, Option } from "commander";

import { CaptureConfigError } from "../../capture/errors.js";
import { CaptureQueue, DEFAULT_QUEUE_PATH } from "../../capture/queue.js";

interface QueueOptions {
  queue: string;
  json?: boolean;
}

const queueOption = (): Option => new Option("--queue <file>", "the delivery queue (SQLite)").env("SHOWWORK_CAPTURE_QUEUE").default(DEFAULT_QUEUE_PATH);
const jsonOption = (): Option => new Option("--json", "print one JSON object");
const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

function openExisting(path: string): CaptureQueue {
  if (path !== ":memory:" && !existsSync(path)) {
    throw new CaptureConfigError(`No capture queue at ${path}.`, ["Do: pass --queue FILE (the proxy's --queue, or remoteSink's queuePath)."]);
  }
  return CaptureQueue.open(path);
}

function list(options: QueueOptions): void {
  const queue = openExisting(options.queue);
  try {
    const counts = queue.counts();
    const rejected = queue.rejected();
    const waiting = queue.queued(20);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          queue: options.queue,
          queued: counts.queued,
          oldestQueuedAgeSeconds: Math.round(counts.oldestQueuedAgeMs / 1000),
          rejected: rejected.map((r) => ({ receiptId: r.receiptId, status: r.status ?? null, code: r.code ?? null, reason: r.reason, at: iso(r.at) })),
          waiting: waiting.map((w) => ({ receiptId: w.receiptId, attempts: w.attempts, queuedAt: iso(w.queuedAt) })),
        })}\n`,
      );
    } else {
      const lines = [
        `${options.queue}: ${counts.queued} receipt(s) waiting for the service${counts.queued > 0 ? ` (the oldest for ${Math.round(counts.oldestQueuedAgeMs / 1000)} s)` : ""}, ${rejected.length} refused`,
      ];
      for (const r of rejected) lines.push(`  refused ${r.receiptId} at ${iso(r.at) ?? "?"}: ${r.reason}`);
      if (rejected.length > 0) lines.push("", "Fix the cause (e.g. grant the serving node: showwork log grant-signer), then: showwork capture queue retry");
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    if (rejected.length > 0) process.exitCode = 3;
  } finally {
    queue.close();
  }
}

/** The `capture` command. */
export function captureCommand(): Command {
  const capture = new Command("capture").description("the capture side: its delivery queue (list what waits and what the service refused; retry)");
  const queue = capture.command("queue").description("the delivery queue file: list (default) or retry refused receipts");
  queue
    .command("list", { isDefault: true })
    .description("receipts waiting for the service, and those it refused, with the reasons (exit 3 when some were refused)")
    .addOption(queueOption())
    .addOption(jsonOption())
    .action((options: QueueOptions) => list(options));
  queue
    .command("retry")
    .description("move refused receipts back into the queue (all, or the given ids), to be sent again")
    .argument("[receipt-ids...]", "only these receipts")
    .addOption(queueOption())
    .addOption(jsonOption())
    .action((ids: string[], options: QueueOptions) => {
      const q = openExisting(options.queue);
      try {
        const moved = q.retry(ids.length > 0 ? ids : undefined);
        const counts = q.counts();
        if (options.json) process.stdout.write(`${JSON.stringify({ queue: options.queue, moved, queued: counts.queued, rejected: counts.rejected })}\n`);
        else process.stdout.write(`${moved} refused receipt(s) moved back into ${options.queue} (${counts.queued} waiting, ${counts.rejected} still refused); a running proxy or app sends them within a second, otherwise the next one to open the queue does.\n`);
      } finally {
        q.close();
      }
    });
  return capture;
}
