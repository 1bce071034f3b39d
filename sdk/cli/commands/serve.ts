/**
 * `showwork serve`: the anchoring service with its HTTP API.
 *
 * Prints `showwork serve: listening on URL` on stdout once it accepts requests, logs
 * batches, transactions and retries on stderr, and stops cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { Command, Option } from "commander";

import { ServiceConfigError } from "../../service/errors.js";
import type { ServiceEvent } from "../../service/events.js";
import { isLoopbackHost, type DoorAuth } from "../../service/http/door.js";
import { allowedHostsFor, startHttpServer } from "../../service/http/server.js";
import { generateAccessToken, openAccessTokenStore } from "../../service/http/tokens.js";
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
  insecureDev?: boolean;
  allowedHost: string[];
  allowedOrigin: string[];
  reads: "open" | "token";
  maxConcurrentPerClient: number;
  maxConcurrent: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function serveCommand(): Command {
  return addServiceOptions(new Command("serve").description("run the anchoring service and its HTTP API"))
    .addOption(new Option("--host <host>", "address to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <n>", "port to listen on (0: any free port)").argParser(integerOption(0)).default(8787))
    .addOption(new Option("--max-body <bytes>", "largest request body").argParser(integerOption(1024)).default(16 * 1024 * 1024))
    .addOption(new Option("--quiet", "do not log batches and transactions"))
    .addOption(new Option("--insecure-dev", "no authentication at all (loopback addresses only; for local development)"))
    .addOption(new Option("--allowed-host <name>", "a host name clients use (Host header check; repeatable; loopback names always)").argParser(collect).default([]))
    .addOption(new Option("--allowed-origin <origin>", "a web origin allowed to call the API (repeatable; default none)").argParser(collect).default([]))
    .addOption(new Option("--reads <mode>", "open: reads need no token; token: reads need one (except /health)").choices(["open", "token"]).default("open"))
    .addOption(new Option("--max-concurrent-per-client <n>", "requests in flight per client (token)").argParser(integerOption(1)).default(8))
    .addOption(new Option("--max-concurrent <n>", "requests in flight in all").argParser(integerOption(1)).default(64))
    .action(async (options: ServeOptions) => {
      const log = (text: string): void => void process.stderr.write(`[showwork] ${new Date().toISOString()} ${text}\n`);
      const loopback = isLoopbackHost(options.host);
      if (options.insecureDev && !loopback) {
        throw new ServiceConfigError(`--insecure-dev is for loopback addresses only; --host is ${options.host}.`, [
          "Do: issue a token (`showwork token issue --name NAME`) and serve without --insecure-dev.",
        ]);
      }
      allowedHostsFor(options.host, options.allowedHost); // fail before opening anything
      const tokens = options.insecureDev ? undefined : await openAccessTokenStore(options.store);
      let auth: DoorAuth = "none";
      let devToken: string | undefined;
      if (tokens !== undefined) {
        const active = await tokens.activeCount();
        if (active === 0 && !loopback) {
          await tokens.close();
          throw new ServiceConfigError(`Refusing to serve on ${options.host} (not loopback): the store has no access token.`, [
            `Do: showwork token issue --name NAME --store ${options.store}  (then give the token to the clients)`,
          ]);
        }
        if (active === 0) devToken = generateAccessToken().token;
        auth = { tokens, ...(devToken === undefined ? {} : { devToken }) };
      }
      let opened: Awaited<ReturnType<typeof openServiceFromOptions>>;
      let server: Awaited<ReturnType<typeof startHttpServer>>;
      try {
        opened = await openServiceFromOptions(options, {
        owner: "showwork serve",
          onEvent: (event) => {
            const text = describeEvent(event);
            if (text !== undefined && (!options.quiet || ["retry", "halted", "warning", "anchoring-role"].includes(event.type))) log(text);
          },
        });
      } catch (error) {
        await tokens?.close();
        throw error;
      }
      try {
        opened.service.start();
        server = await startHttpServer(opened.service, {
          host: options.host,
          port: options.port,
          maxBodyBytes: options.maxBody,
          auth,
          allowedHosts: options.allowedHost,
          allowedOrigins: options.allowedOrigin,
          reads: options.reads,
          maxConcurrentPerClient: options.maxConcurrentPerClient,
          maxConcurrent: options.maxConcurrent,
        });
      } catch (error) {
        await opened.close();
        await tokens?.close();
        throw error;
      }
      log(describeService(opened));
      if (auth === "none") {
        log("WARNING: --insecure-dev: no authentication; any local program (and any web page the browser lets through) may submit receipts");
      } else if (devToken !== undefined) {
        process.stdout.write(`showwork serve: dev token (this process only; the store has no tokens): ${devToken}\n`);
        log("no access tokens in the store: writes need the dev token printed on stdout (valid until this process ends); `showwork token issue` makes lasting ones");
      } else {
        log(`writes need an access token (${await auth.tokens!.activeCount()} active in the store); reads ${options.reads === "open" ? "are open" : "need one too"}`);
      }
      process.stdout.write(`showwork serve: listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log("stopping");
      await server.close();
      await opened.close();
      await tokens?.close();
    });
}
