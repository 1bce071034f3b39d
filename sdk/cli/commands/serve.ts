/**
 * `showwork serve`: the anchoring service with its HTTP API.
 *
 * Prints `showwork serve: listening on URL` on stdout once it accepts requests, logs
 * batches, transactions and retries on stderr, and stops cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { Command, Option } from "commander";

import type { ServiceEvent } from "../../service/events.js";
import { startHttpServer } from "../../service/http/server.js";
import { addServiceOptions, describeService, integerOption, openServiceFromOptions, type ServiceCliOptions } from "../serviceOptions.js";

const batches = (first: number, last: number): string => (first === last ? `batch ${first}` : `batches ${first}..${last}`);

/** One log line per service event (none for `recorded`: too frequent). */
export function describeEvent(event: ServiceEvent): string | undefined {
  switch (event.type) {
    case "recorded":
      return undefined;
    case "batch-closed":
      return `batch ${event.batchIndex} closed: ${event.leafCount} receipts (${event.why}), root ${event.root}`;
    case "tx-submitted":
      return `${batches(event.firstBatch, event.lastBatch)} submitted: tx ${event.txHash} (nonce ${event.nonce})`;
    case "anchored":
      return `${batches(event.firstBatch, event.lastBatch)} anchored: ${event.receipts} receipts in block ${event.blockNumber} (tx ${event.txHash})`;
    case "final":
      return `${batches(event.firstBatch, event.lastBatch)} final`;
    case "retry":
      return `retry (${event.kind}): ${event.message}`;
    case "halted":
      return `ANCHORING HALTED (${event.reason}): ${event.message}`;
    case "anchoring-role":
      return event.held ? `anchoring role taken (epoch ${event.epoch}): this instance closes batches and anchors` : `anchoring role lost to ${event.holder ?? "nobody"} (epoch ${event.epoch}): recording and serving only`;
    case "warning":
      return [`WARNING (${event.kind}): ${event.message}`, ...(event.metaMessages ?? []).map((m) => `  ${m}`)].join("\n");
  }
}

interface ServeOptions extends ServiceCliOptions {
  host: string;
  port: number;
  maxBody: number;
  quiet?: boolean;
}

export function serveCommand(): Command {
  return addServiceOptions(new Command("serve").description("run the anchoring service and its HTTP API"))
    .addOption(new Option("--host <host>", "address to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <n>", "port to listen on (0: any free port)").argParser(integerOption(0)).default(8787))
    .addOption(new Option("--max-body <bytes>", "largest request body").argParser(integerOption(1024)).default(16 * 1024 * 1024))
    .addOption(new Option("--quiet", "do not log batches and transactions"))
    .action(async (options: ServeOptions) => {
      const log = (text: string): void => void process.stderr.write(`[showwork] ${new Date().toISOString()} ${text}\n`);
      const opened = await openServiceFromOptions(options, {
        owner: "showwork serve",
        onEvent: (event) => {
          const text = describeEvent(event);
          if (text !== undefined && (!options.quiet || ["retry", "halted", "warning", "anchoring-role"].includes(event.type))) log(text);
        },
      });
      opened.service.start();
      const server = await startHttpServer(opened.service, { host: options.host, port: options.port, maxBodyBytes: options.maxBody });
      log(describeService(opened));
      process.stdout.write(`showwork serve: listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log("stopping");
      await server.close();
      await opened.close();
    });
}
