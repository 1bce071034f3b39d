/**
 * `showwork anchor FILE.jsonl`: records a file of receipts (one JSON receipt per line) and
 * anchors them, with a progress bar on stderr that prints every retry as it happens, and a
 * summary at the end. Running it again on the same file and store is safe: receipts already
 * recorded (same content) are skipped, and whatever is not yet final gets anchored.
 *
 * Exit code: 0 when every receipt is final; 1 on bad input; 2 when anchoring is halted or
 * the timeout passed.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

import { Command, Option } from "commander";
import type { Hex } from "viem";

import { receiptJsonText } from "../../receipt/parseReceipt.js";
import { RecordRejectedError, ServiceConfigError } from "../../service/errors.js";
import type { RetryKind } from "../../service/events.js";
import { parseSubmissionText, validateSubmission } from "../../service/validateSubmission.js";
import { ProgressBar } from "../progress.js";
import { addServiceOptions, describeService, integerOption, openServiceFromOptions, type OpenedService, type ServiceCliOptions } from "../serviceOptions.js";

interface AnchorOptions extends ServiceCliOptions {
  chunk: number;
  timeout?: number;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== "") n++;
  return n;
}

/** Records one chunk; receipts already in the store with the same content are skipped. */
async function recordChunk(opened: OpenedService, chunk: { line: number; value: unknown }[]): Promise<{ recorded: number; skipped: number }> {
  const { service } = opened;
  let items = chunk;
  let skipped = 0;
  for (;;) {
    try {
      await service.record(items.map((c) => c.value));
      return { recorded: items.length, skipped };
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
      const lineOf = (i: number | undefined): string => (i === undefined ? "" : `line ${items[i]!.line}: `);
      if (error.reason !== "duplicate-receipt-id" || !error.duplicates?.every((d) => d.alreadyStored)) {
        throw new RecordRejectedError({
          reason: error.reason,
          message: `${lineOf(error.receiptIndex)}${error.shortMessage}`,
          ...(error.receiptIndex === undefined ? {} : { receiptIndex: error.receiptIndex }),
          ...(error.field === undefined ? {} : { field: error.field }),
          metaMessages: error.metaMessages ?? [],
        });
      }
      const drop = new Set<number>();
      for (const d of error.duplicates) {
        const stored = await service.store.getReceipt(d.receiptId as Hex);
        const [mine] = validateSubmission(items[d.receiptIndex]!.value);
        if (stored === undefined || mine === undefined || stored.body !== receiptJsonText(mine.receipt)) {
          throw new RecordRejectedError({
            reason: "duplicate-receipt-id",
            message: `${lineOf(d.receiptIndex)}receipt id ${d.receiptId} is already recorded with different content.`,
            receiptIndex: d.receiptIndex,
            field: "receiptId",
          });
        }
        drop.add(d.receiptIndex);
      }
      skipped += drop.size;
      items = items.filter((_, i) => !drop.has(i));
      if (items.length === 0) return { recorded: 0, skipped };
    }
  }
}

export function anchorCommand(): Command {
  return addServiceOptions(
    new Command("anchor")
      .description("record and anchor a file of receipts (JSON Lines), with progress and a summary")
      .argument("<file>", "receipts, one JSON object per line"),
    // The operator's own file, often of receipts issued long ago: a trusted import (checks on request).
    { signatures: "off", issuedAtWindow: "off" },
  )
    .addOption(new Option("--chunk <n>", "receipts per record() call").argParser(integerOption(1)).default(1_000))
    .addOption(new Option("--timeout <ms>", "give up waiting for finality after this long").argParser(integerOption(1)))
    .action(async (file: string, options: AnchorOptions) => {
      const started = Date.now();
      const total = await countLines(file).catch((cause: unknown) => {
        throw new ServiceConfigError(`Cannot read ${file}.`, [String(cause instanceof Error ? cause.message : cause)]);
      });
      const bar = new ProgressBar();
      const retries: Partial<Record<RetryKind, number>> = {};
      let halted: string | undefined;
      let recorded = 0;
      let skipped = 0;
      let anchoredOfStore = 0;
      let phase = "recording";
      const opened = await openServiceFromOptions(options, {
        owner: "showwork anchor",
        onEvent: (event) => {
          if (event.type === "retry") {
            retries[event.kind] = (retries[event.kind] ?? 0) + 1;
            bar.note(`  retry (${event.kind}): ${event.message}`);
          } else if (event.type === "halted") {
            halted = event.message;
            bar.note(`  anchoring halted (${event.reason}): ${event.message}`);
          } else if (event.type === "warning") {
            // Chain friction (the node refused a transaction, low balance): its words and what to do.
            bar.note([`  WARNING (${event.kind}): ${event.message}`, ...(event.metaMessages ?? []).map((m) => `    ${m}`)].join("\n"));
          }
        },
      });
      const detail = (): string => {
        const r = Object.values(retries).reduce((a, b) => a + (b ?? 0), 0);
        return `${phase} · recorded ${(recorded + skipped).toLocaleString("en-US")} · retries ${r}`;
      };
      let firstId: Hex | undefined;
      let lastId: Hex | undefined;
      let exitCode = 0;
      try {
        process.stderr.write(`showwork anchor: ${describeService(opened)}\n`);
        opened.service.start();
        const draw = async (): Promise<void> => {
          const m = await opened.service.metrics();
          anchoredOfStore = m.receipts.final;
          bar.update({ label: "final", done: Math.min(total, m.receipts.final), total, detail: detail() });
        };
        const timer = setInterval(() => void draw().catch(() => undefined), 250);
        const recordStarted = Date.now();
        try {
          let chunk: { line: number; value: unknown }[] = [];
          let line = 0;
          const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
          for await (const text of lines) {
            line++;
            if (text.trim() === "") continue;
            let value: unknown;
            try {
              value = parseSubmissionText(text);
            } catch (error) {
              throw new RecordRejectedError({ reason: "malformed-json", message: `line ${line}: not valid JSON.`, cause: error });
            }
            if (Array.isArray(value)) throw new RecordRejectedError({ reason: "invalid-receipt", message: `line ${line}: one receipt per line, found an array.` });
            const id = (value as { receiptId?: unknown } | null)?.receiptId;
            if (typeof id === "string") {
              firstId ??= id.toLowerCase() as Hex;
              lastId = id.toLowerCase() as Hex;
            }
            chunk.push({ line, value });
            if (chunk.length >= options.chunk) {
              const r = await recordChunk(opened, chunk);
              recorded += r.recorded;
              skipped += r.skipped;
              chunk = [];
            }
          }
          if (chunk.length > 0) {
            const r = await recordChunk(opened, chunk);
            recorded += r.recorded;
            skipped += r.skipped;
          }
          const recordMs = Date.now() - recordStarted;
          phase = "anchoring";
          opened.service.flush();
          const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout;
          for (;;) {
            const m = await opened.service.metrics();
            if (m.receipts.final === m.receipts.total) break;
            if (halted !== undefined || Date.now() > deadline) {
              exitCode = 2;
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          await draw();
          phase = exitCode === 0 ? "done" : "stopped";
          await draw();
          bar.finish();
          await printSummary({ opened, file, total, recorded, skipped, retries, recordMs, started, firstId, lastId, exitCode, halted, anchoredOfStore });
        } finally {
          clearInterval(timer);
        }
      } finally {
        await opened.close();
      }
      process.exitCode = exitCode;
    });
}

async function printSummary(s: {
  opened: OpenedService;
  file: string;
  total: number;
  recorded: number;
  skipped: number;
  retries: Partial<Record<RetryKind, number>>;
  recordMs: number;
  started: number;
  firstId: Hex | undefined;
  lastId: Hex | undefined;
  exitCode: number;
  halted: string | undefined;
  anchoredOfStore: number;
}): Promise<void> {
  const { service, clients } = s.opened;
  const first = s.firstId === undefined ? undefined : await service.store.getReceipt(s.firstId);
  const last = s.lastId === undefined ? undefined : await service.store.getReceipt(s.lastId);
  const fmt = (n: number): string => n.toLocaleString("en-US");
  const lines = [`showwork anchor: ${fmt(s.total)} receipts from ${s.file}`];
  lines.push(`  recorded      ${fmt(s.recorded)} new, ${fmt(s.skipped)} already recorded`);
  if (first?.batch !== undefined && last?.batch !== undefined) {
    const txs = new Set<Hex>();
    for (let index = first.batch.index; index <= last.batch.index; index++) {
      const batch = await service.store.getBatch(index);
      if (batch?.anchor !== undefined) txs.add(batch.anchor.txHash);
    }
    let gas: bigint | undefined = 0n;
    for (const hash of txs) {
      let used: bigint | undefined;
      for (let attempt = 0; attempt < 5 && used === undefined; attempt++) {
        used = await clients.publicClient.getTransactionReceipt({ hash }).then((r) => r.gasUsed, () => undefined);
      }
      gas = used === undefined || gas === undefined ? undefined : gas + used;
    }
    lines.push(
      `  batches       ${fmt(last.batch.index - first.batch.index + 1)} (log indices ${first.batch.index}..${last.batch.index}), ${fmt(txs.size)} transaction(s), ${gas === undefined ? "gas unknown (RPC errors)" : `${fmt(Number(gas))} gas`}`,
    );
  }
  const m = await service.metrics();
  lines.push(`  states        ${Object.entries(m.receipts).filter(([k]) => k !== "total").map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
  const retryTotal = Object.values(s.retries).reduce((a, b) => a + (b ?? 0), 0);
  lines.push(
    `  retries       ${fmt(retryTotal)}${retryTotal > 0 ? ` (${Object.entries(s.retries).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`,
  );
  const totalMs = Date.now() - s.started;
  lines.push(`  time          ${(totalMs / 1000).toFixed(1)} s (recording ${(s.recordMs / 1000).toFixed(1)} s)`);
  if (s.exitCode !== 0) lines.push(`  NOT ALL FINAL: ${s.halted ?? "timed out"}`);
  process.stderr.write(`${lines.join("\n")}\n`);
}
