/**
 * `showwork evidence delete RECEIPT_ID` / `showwork evidence delete --older-than DURATION`: retention.
 * Deletes the evidence (content, salts, the upstream request) of one receipt, or of every receipt issued
 * more than DURATION ago. The receipts and their proofs are untouched: they stay anchored and verifiable;
 * a later `showwork disclose` says the evidence was deleted (and when, where the store records it).
 * Shared artifacts (template texts, retrieval documents, memory records) are not deleted: other
 * receipts' evidence may point at them.
 *
 * Exit codes: 0 deleted (or, for one receipt, nothing to delete: see `deleted`); 1 error.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Hex } from "viem";

import { ShowworkError } from "../../errors.js";
import { bytes32Argument } from "../commandOptions.js";
import { evidenceOption, openEvidenceStore } from "../evidenceOptions.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration: a positive integer and a unit, s m h d w (`90d`, `12h`, `30m`); several may be combined (`1d12h`). */
export function durationArgument(value: string): number {
  if (!/^(\d+[smhdw])+$/.test(value)) throw new InvalidArgumentError(`expected a duration such as 30d, 12h, 90m, 1d12h (units s m h d w), found "${value}"`);
  let seconds = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new InvalidArgumentError(`expected a positive duration, found "${value}"`);
  return seconds;
}

interface DeleteOptions {
  evidence: string;
  olderThan?: number;
  json?: boolean;
}

function deleteCommand(): Command {
  return new Command("delete")
    .description("delete the evidence of one receipt, or of every receipt older than a duration (receipts and proofs stay verifiable)")
    .argument("[receipt-id]", "the receipt's id (0x + 64 hex digits)", bytes32Argument)
    .addOption(evidenceOption())
    .addOption(new Option("--older-than <duration>", "delete the evidence of every receipt issued more than this long ago (30d, 12h, 1d12h)").argParser(durationArgument))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .action(async (receiptId: Hex | undefined, options: DeleteOptions) => {
      if ((receiptId === undefined) === (options.olderThan === undefined)) {
        throw new ShowworkError("Give either a receipt id or --older-than DURATION (not both, not neither).", { metaMessages: ["e.g. showwork evidence delete 0x… or showwork evidence delete --older-than 90d"] });
      }
      const store = await openEvidenceStore(options.evidence);
      try {
        const now = Math.floor(Date.now() / 1000);
        if (receiptId !== undefined) {
          const deleted = await store.deleteEvidence(receiptId);
          const result = { receiptId, deleted, deletedAt: deleted ? now : null, store: store.location };
          process.stdout.write(
            options.json
              ? `${JSON.stringify(result, null, 2)}\n`
              : deleted
                ? `deleted the evidence of receipt ${receiptId} from ${store.location}; the receipt and its proof stay anchored and verifiable, its content can no longer be disclosed or replayed\n`
                : `no evidence for receipt ${receiptId} in ${store.location} (never captured, or already deleted): nothing deleted\n`,
          );
        } else {
          const before = now - options.olderThan!;
          const deleted = await store.deleteEvidenceBefore(before);
          const result = { deleted, issuedBefore: before, issuedBeforeIso: new Date(before * 1000).toISOString(), deletedAt: now, store: store.location };
          process.stdout.write(
            options.json
              ? `${JSON.stringify(result, null, 2)}\n`
              : `deleted the evidence of ${deleted} receipt(s) issued before ${result.issuedBeforeIso} from ${store.location}; their receipts and proofs stay anchored and verifiable\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}

/** `showwork evidence`. */
export function evidenceCommand(): Command {
  return new Command("evidence").description("the evidence store: retention (delete per receipt or by age)").addCommand(deleteCommand());
}
