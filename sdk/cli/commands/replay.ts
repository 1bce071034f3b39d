/**
 * `showwork replay RECEIPT_ID --endpoint URL`: re-sends the exact stored request of an answer (from the
 * evidence store) to an OpenAI-compatible endpoint and says whether the new output is identical to the
 * committed one, with a line diff of the text and of the tool calls when not. The endpoint's API key,
 * if it needs one, comes from SHOWWORK_REPLAY_API_KEY (never a flag).
 *
 * Exit codes: 0 identical, 1 different, 2 could not replay (no evidence, evidence deleted, endpoint error).
 *
 * @module
 */
import { Command, Option } from "commander";
import type { Hex } from "viem";

import { EvidenceNotFoundError } from "../../disclosure/errors.js";
import { printable } from "../../disclosure/formatDisclosure.js";
import { replayReceipt, type ReplayResult } from "../../disclosure/replay.js";
import { ShowworkError } from "../../errors.js";
import { bytes32Argument, nonNegativeInteger } from "../commandOptions.js";
import { deletionOf, evidenceOption, openEvidenceStore } from "../evidenceOptions.js";

interface ReplayOptions {
  endpoint: string;
  evidence: string;
  timeout: number;
  json?: boolean;
}

/** The replay result as readable text (the endpoint's text through `printable`: it must not drive the terminal). */
export function formatReplay(result: ReplayResult): string {
  return formatReplayLines(result).map(printable).join("\n");
}

function formatReplayLines(result: ReplayResult): string[] {
  const lines = [`replay of receipt ${result.receiptId}: ${result.model} at ${result.endpoint}${result.streamed ? " (the original was streamed; replayed without)" : ""}`];
  if (result.identical) {
    lines.push(`IDENTICAL  the replayed output is byte for byte the committed one`);
    lines.push(...result.stored.texts.map((text) => `  ${text}`));
  } else {
    lines.push(`DIFFERENT  ${result.summary}`);
    lines.push("output (- committed, + replayed):", ...result.diff.output.map((line) => `  ${line}`));
    if (result.diff.toolCalls.length > 0) lines.push("tool calls (- committed, + replayed):", ...result.diff.toolCalls.map((line) => `  ${line}`));
  }
  if (result.replayed.systemFingerprint) lines.push(`replayed by ${result.replayed.responseModel ?? result.model}, system fingerprint ${result.replayed.systemFingerprint}`);
  return lines.flatMap((line) => line.split("\n"));
}

/** `showwork replay`. */
export function replayCommand(): Command {
  return new Command("replay")
    .description("re-send an answer's exact stored request to an OpenAI-compatible endpoint and compare (exit 0 identical, 1 different, 2 could not replay)")
    .argument("<receipt-id>", "the receipt's id (0x + 64 hex digits)", bytes32Argument)
    .addOption(new Option("--endpoint <url>", "base URL of the OpenAI-compatible API (e.g. http://127.0.0.1:8080/v1)").makeOptionMandatory())
    .addOption(evidenceOption())
    .addOption(new Option("--timeout <ms>", "request timeout, ms").argParser(nonNegativeInteger).default(60_000))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (receiptId: Hex, options: ReplayOptions) => {
      const store = await openEvidenceStore(options.evidence);
      try {
        const evidence = await store.getEvidence(receiptId);
        if (evidence === undefined) {
          const deletion = await deletionOf(store, receiptId);
          throw new EvidenceNotFoundError({ receiptId, deleted: deletion !== undefined, ...(deletion ? { deletedAt: deletion.deletedAt } : {}) });
        }
        const result = await replayReceipt({ evidence, endpoint: options.endpoint, apiKey: process.env.SHOWWORK_REPLAY_API_KEY, timeoutMs: options.timeout });
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReplay(result)}\n`);
        process.exitCode = result.identical ? 0 : 1;
      } catch (error) {
        if (!(error instanceof ShowworkError)) throw error;
        if (options.json) process.stdout.write(`${JSON.stringify({ receiptId, error: error.name, message: error.shortMessage }, null, 2)}\n`);
        process.stderr.write(`showwork replay: ${error.message}\n`);
        process.exitCode = 2;
      } finally {
        await store.close();
      }
    });
}
