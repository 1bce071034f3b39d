/**
 * `showwork prove RECEIPT_ID`: writes a receipt's proof bundle, read from the store (no chain needed).
 *
 * @module
 */
import { writeFile } from "node:fs/promises";

import { Command, Option } from "commander";
import type { Address } from "viem";

import { toBundleJson } from "../../bundle/parseBundle.js";
import { readBundle } from "../../service/bundles.js";
import { ServiceConfigError } from "../../service/errors.js";
import { openStore } from "../../service/store/open.js";
import { DEFAULT_STORE } from "../serviceOptions.js";

interface ProveOptions {
  store: string;
  out?: string;
  timeline?: string;
}

export function proveCommand(): Command {
  return new Command("prove")
    .description("write the proof bundle of an anchored receipt")
    .argument("<receipt-id>", "the receipt's id (0x + 64 hex digits)")
    .addOption(new Option("--store <path|url>", "the store (SQLite file, or postgres:// URL)").env("SHOWWORK_STORE").default(DEFAULT_STORE))
    .addOption(new Option("-o, --out <file>", "where to write the bundle ('-': stdout; default: <receipt-id>.bundle.json)"))
    .addOption(new Option("--timeline <address>", "ModelTimeline contract to name in the bundle").env("SHOWWORK_MODEL_TIMELINE"))
    .action(async (receiptId: string, options: ProveOptions) => {
      if (options.timeline !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.timeline)) {
        throw new ServiceConfigError(`--timeline is not an address: ${options.timeline}`);
      }
      const store = await openStore(options.store);
      try {
        const bundle = await readBundle(store, receiptId, options.timeline === undefined ? {} : { timelineContract: options.timeline as Address });
        const text = `${JSON.stringify(toBundleJson(bundle), null, 2)}\n`;
        const out = options.out ?? `${bundle.receipt.receiptId}.bundle.json`;
        if (out === "-") {
          process.stdout.write(text);
        } else {
          await writeFile(out, text);
          process.stderr.write(
            `wrote ${out}: receipt ${bundle.receipt.receiptId}, leaf ${bundle.leafIndex} of ${bundle.batchSize} in batch ${bundle.anchor.batchIndex}, ` +
              `anchored on chain ${bundle.anchor.chainId} in block ${bundle.anchor.blockNumber} (tx ${bundle.anchor.txHash})\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
