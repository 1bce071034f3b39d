/**
 * `showwork disclose RECEIPT_ID --fields input,output,template,sampling,tools,retrieval:DOC_ID,...`: writes one
 * `showwork/disclosure@1` file — the receipt's proof bundle (from the receipt store) plus the chosen pieces
 * of its evidence (from the evidence store), each checked against the receipt before it is written.
 *
 * Exit codes: 0 written; 1 error (nothing written); 3 the evidence was deleted: a bundle-only disclosure
 * saying so (and when) was written.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";

import { Command, Option } from "commander";
import type { Address, Hex } from "viem";

import { buildDisclosure, deletedDisclosure, DISCLOSURE_FIELDS_HELP } from "../../disclosure/buildDisclosure.js";
import { checkDisclosure } from "../../disclosure/checkDisclosure.js";
import { EvidenceNotFoundError } from "../../disclosure/errors.js";
import { toDisclosureJson } from "../../disclosure/parseDisclosure.js";
import type { Disclosure } from "../../disclosure/types.js";
import { readBundle } from "../../service/bundles.js";
import { ServiceConfigError } from "../../service/errors.js";
import { openStore } from "../../service/store/open.js";
import { deletionOf, evidenceOption, openEvidenceStore } from "../evidenceOptions.js";
import { DEFAULT_STORE } from "../serviceOptions.js";

interface DiscloseOptions {
  fields: string;
  store: string;
  evidence: string;
  out?: string;
  timeline?: string;
  json?: boolean;
}

/** `showwork disclose`. */
export function discloseCommand(): Command {
  return new Command("disclose")
    .description("write a disclosure: a receipt's proof bundle plus the chosen pieces of its evidence (exit 0 written, 1 error, 3 evidence deleted)")
    .argument("<receipt-id>", "the receipt's id (0x + 64 hex digits)")
    .addOption(new Option("--fields <list>", `comma-separated: ${DISCLOSURE_FIELDS_HELP}`).makeOptionMandatory())
    .addOption(new Option("--store <path>", "the receipt store (SQLite file or postgres:// URL)").env("SHOWWORK_STORE").default(DEFAULT_STORE))
    .addOption(evidenceOption())
    .addOption(new Option("-o, --out <file>", "where to write it ('-': stdout; default: <receipt-id>.disclosure.json)"))
    .addOption(new Option("--timeline <address>", "ModelTimeline contract to name in the bundle").env("SHOWWORK_MODEL_TIMELINE"))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .action(async (receiptId: string, options: DiscloseOptions) => {
      if (options.timeline !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.timeline)) {
        throw new ServiceConfigError(`--timeline is not an address: ${options.timeline}`);
      }
      const store = await openStore(options.store, { readOnly: true });
      const evidenceStore = await openEvidenceStore(options.evidence).catch(async (error: unknown) => {
        await store.close();
        throw error;
      });
      try {
        const bundle = await readBundle(store, receiptId, options.timeline === undefined ? {} : { timelineContract: options.timeline as Address });
        const id = bundle.receipt.receiptId;
        const evidence = await evidenceStore.getEvidence(id);
        let disclosure: Disclosure;
        let deleted = false;
        if (evidence === undefined) {
          const deletion = await deletionOf(evidenceStore, id);
          if (deletion === undefined) throw new EvidenceNotFoundError({ receiptId: id });
          disclosure = deletedDisclosure(bundle, deletion.deletedAt);
          deleted = true;
        } else {
          disclosure = await buildDisclosure({ bundle, evidence, artifacts: evidenceStore, fields: options.fields.split(",") });
        }
        const text = `${JSON.stringify(toDisclosureJson(disclosure), null, 2)}\n`;
        const out = options.out ?? `${id}.disclosure.json`;
        if (out === "-") process.stdout.write(text);
        else await writeFile(out, text);
        const report = checkDisclosure(disclosure);
        const result = {
          receiptId: id as Hex,
          file: out === "-" ? null : out,
          status: deleted ? "evidence-deleted" : "written",
          shown: report.pieces.map((piece) => piece.field),
          notShown: report.notShown,
          ...(disclosure.evidenceDeleted ? { evidenceDeletedAt: disclosure.evidenceDeleted.at ?? null } : {}),
          anchor: { chainId: bundle.anchor.chainId, batchIndex: bundle.anchor.batchIndex, blockNumber: bundle.anchor.blockNumber, txHash: bundle.anchor.txHash },
        };
        if (options.json) {
          if (out === "-") process.stderr.write(`${JSON.stringify(result)}\n`);
          else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          process.stderr.write(
            deleted
              ? `the evidence of receipt ${id} was deleted${disclosure.evidenceDeleted?.at === undefined ? "" : ` at ${new Date(disclosure.evidenceDeleted.at * 1000).toISOString()}`}; ` +
                  `wrote ${out === "-" ? "stdout" : out} with the proof bundle only (the receipt stays verifiable: anchored in tx ${bundle.anchor.txHash})\n`
              : `wrote ${out === "-" ? "stdout" : out}: receipt ${id}, showing ${result.shown.join(", ")}; not shown: ${report.notShown.join(", ") || "nothing"} ` +
                  `(anchored on chain ${bundle.anchor.chainId} in block ${bundle.anchor.blockNumber}, tx ${bundle.anchor.txHash})\n`,
          );
        }
        if (deleted) process.exitCode = 3;
      } finally {
        await evidenceStore.close();
        await store.close();
      }
    });
}
