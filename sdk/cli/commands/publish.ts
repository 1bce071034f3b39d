/**
 * `showwork publish --out DIR [--store PATH] [--json]`: writes every anchored batch of the
 * operator's store into DIR in the published layout (`DIR/v1/logs/<logId>/index.json` and
 * `DIR/v1/logs/<logId>/batches/<index>`), for any static host or object store. Incremental:
 * only batches not yet in DIR are written. Exit code 0 published (or nothing new), 1 error.
 *
 * @module
 */
import { existsSync } from "node:fs";

import { Command, InvalidArgumentError, Option } from "commander";

import { createPublicClient, http } from "viem";

import { publishChainProofs } from "../../publish/chainProofs.js";
import { publishToDirectory } from "../../publish/publishDirectory.js";
import { rpcUrlsArgument } from "../commandOptions.js";
import { isPostgresUrl, openStore } from "../../service/store/open.js";
import { DEFAULT_STORE } from "../serviceOptions.js";

interface PublishOptions {
  proofs?: boolean;
  rpc?: string[];
  out: string;
  store: string;
  verify: boolean;
  json?: boolean;
}

/** `showwork publish`. */
export function publishCommand(): Command {
  return new Command("publish")
    .description("write every anchored batch (commitments only) and an index into a folder, for any static host (incremental)")
    .addOption(new Option("--out <dir>", "the folder to publish into (it will hold v1/logs/<logId>/...)").makeOptionMandatory())
    .addOption(new Option("--store <path|url>", "the operator's store (SQLite file, or postgres:// URL)").env("SHOWWORK_STORE").default(DEFAULT_STORE))
    .addOption(new Option("--no-verify", "do not re-check each new file against its anchored root before writing it"))
    .addOption(new Option("--proofs", "also write each new batch's chain proof (v1/logs/<logId>/proofs/<index>.json: headers and storage proofs, for self-contained bundles); needs --rpc"))
    .addOption(new Option("--rpc <url>", "with --proofs: a JSON-RPC endpoint of the log's chain").env("SHOWWORK_RPC_URL").argParser(rpcUrlsArgument))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .action(async (options: PublishOptions) => {
      if (!isPostgresUrl(options.store) && !existsSync(options.store)) throw new InvalidArgumentError(`--store: no store at ${options.store} (give the SQLite file the service writes, or set SHOWWORK_STORE)`);
      const store = await openStore(options.store, { readOnly: true });
      try {
        const started = performance.now();
        const result = await publishToDirectory({ store, out: options.out, verify: options.verify });
        const { index } = result;
        let proofFiles: string[] = [];
        if (options.proofs) {
          const rpc = options.rpc?.[0];
          if (!rpc) throw new InvalidArgumentError("--proofs needs --rpc URL (an endpoint of the log's chain, serving eth_getProof)");
          proofFiles = await publishChainProofs({ client: createPublicClient({ transport: http(rpc) }), out: options.out, index, batches: result.written });
        }
        const summary = {
          out: result.out,
          index: result.indexFile,
          chainId: index.chainId,
          contract: index.contract,
          logId: index.logId,
          batches: index.batches.length,
          receipts: index.totalReceipts,
          bytes: index.totalBytes,
          written: result.written,
          kept: result.kept.length,
          bytesWritten: result.bytesWritten,
          ...(options.proofs ? { proofs: proofFiles } : {}),
          elapsedMs: Math.round(performance.now() - started),
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const range = result.written.length === 0 ? "no new batch" : `batches ${result.written[0]}..${result.written.at(-1)} (${result.written.length})`;
        process.stdout.write(
          `published ${range} of log ${index.logId} into ${options.out}: ${result.bytesWritten.toLocaleString("en-US")} bytes written, ` +
            `${result.kept.length} batches already there\n` +
            `the folder now holds ${index.batches.length} batches, ${index.totalReceipts.toLocaleString("en-US")} receipts, ` +
            `${index.totalBytes.toLocaleString("en-US")} bytes` +
            (index.totalReceipts > 0 ? ` (${Math.round(index.totalBytes / index.totalReceipts)} bytes per receipt)` : "") +
            `; index ${result.indexFile}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
