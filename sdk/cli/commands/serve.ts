/**
 * `showwork serve`: the anchoring service with its HTTP API.
 *
 * Prints `showwork serve: listening on URL` on stdout once it accepts requests, logs
 * batches, transactions and retries on stderr, and stops cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { Command, Option } from "commander";

import { loadConfig } from "../../config/loadConfig.js";
import { ServiceConfigError } from "../../service/errors.js";
import type { ServiceEvent } from "../../service/events.js";
import { isLoopbackHost, type DoorAuth } from "../../service/http/door.js";
import { allowedHostsFor, startHttpServer } from "../../service/http/server.js";
import { generateAccessToken, openAccessTokenStore } from "../../service/http/tokens.js";
import { shownLocation } from "../../service/store/open.js";
import { addServiceOptions, describeService, integerOption, openServiceFromOptions, type ServiceCliOptions } from "../serviceOptions.js";

const batches = (first: number, last: number): string => (first === last ? `batch ${first}` : `batches ${first}..${last}`);

/** One log line per service event (none for `recorded`: too frequent). */
export function describeEvent(event: ServiceEvent): string | undefined {
  const text = describeEventBody(event);
  // An extra anchoring chain's events name it (their batch numbers are that chain's log indices).
  return text === undefined || event.chain === undefined ? text : `[chain ${event.chain}] ${text}`;
}

function describeEventBody(event: ServiceEvent): string | undefined {
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
  logFormat: "text" | "json";
  insecureDev?: boolean;
  allowedHost: string[];
  allowedOrigin: string[];
  reads: "open" | "token";
  config?: string;
  maxConcurrentPerClient: number;
  maxConcurrent: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The level of a service event in the logs. */
function levelOf(event: ServiceEvent): "info" | "warn" | "error" {
  if (event.type === "halted") return "error";
  if (event.type === "warning" || event.type === "retry") return "warn";
  return "info";
}

/**
 * One JSON line: `time`, `level`, a stable `event` name (the service event's type, or
 * listening/service/stopping/error), `message` (the human line) and the event's own fields.
 * Nothing secret is in any event (keys stay in the environment; store URLs are shown without passwords).
 */
export function jsonLogLine(event: string, level: string, message: string, fields: Record<string, unknown> = {}): string {
  const { type: _type, ...rest } = fields;
  return `${JSON.stringify({ time: new Date().toISOString(), level, event, message, ...rest }, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))}\n`;
}

export function serveCommand(): Command {
  return addServiceOptions(new Command("serve").description("run the anchoring service and its HTTP API"))
    .addOption(new Option("--host <host>", "address to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <n>", "port to listen on (0: any free port; default: the port of the config's service.url when it is a loopback URL, else 8787)").argParser(integerOption(0)).default(8787))
    .addOption(new Option("--max-body <bytes>", "largest request body").argParser(integerOption(1024)).default(16 * 1024 * 1024))
    .addOption(new Option("--quiet", "do not log batches and transactions"))
    .addOption(new Option("--log-format <format>", "text lines, or JSON lines with a stable `event` field").choices(["text", "json"]).default("text"))
    .addOption(new Option("--insecure-dev", "no authentication at all (loopback addresses only; for local development)"))
    .addOption(new Option("--allowed-host <name>", "a host name clients use (Host header check; repeatable; loopback names always)").argParser(collect).default([]))
    .addOption(new Option("--allowed-origin <origin>", "a web origin allowed to call the API from a browser, with CORS (repeatable; default none)").argParser(collect).default([]))
    .addOption(new Option("--reads <mode>", "open: reads need no token; token: reads need one (except /health)").choices(["open", "token"]).default("open"))
    .addOption(new Option("--max-concurrent-per-client <n>", "requests in flight per client (token)").argParser(integerOption(1)).default(8))
    .addOption(new Option("--max-concurrent <n>", "requests in flight in all").argParser(integerOption(1)).default(64))
    .action(async (options: ServeOptions, command: Command) => {
      const json = options.logFormat === "json";
      if (command.getOptionValueSource("port") === "default") {
        // Listen where the project config says the service is (what `showwork init` wrote, and what the capture calls).
        const configured = loadConfig({ skipSecrets: true, ...(options.config === undefined ? {} : { file: options.config }) }).serviceUrl;
        const url = configured === undefined ? undefined : new URL(configured);
        if (url !== undefined && isLoopbackHost(url.hostname) && url.port !== "") options.port = Number(url.port);
      }
      const log = (text: string, event = "service", fields: Record<string, unknown> = {}, level = "info"): void =>
        void process.stderr.write(json ? jsonLogLine(event, level, text, fields) : `[showwork] ${new Date().toISOString()} ${text}\n`);
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
            `Do: showwork token issue --name NAME --store ${shownLocation(options.store)}  (then give the token to the clients)`,
          ]);
        }
        if (active === 0) devToken = generateAccessToken().token;
        auth = { tokens, ...(devToken === undefined ? {} : { devToken }) };
      }
      let opened: Awaited<ReturnType<typeof openServiceFromOptions>>;
      try {
        opened = await openServiceFromOptions(options, {
          owner: "showwork serve",
          onEvent: (event) => {
            const text = describeEvent(event);
            if (text !== undefined && (!options.quiet || ["retry", "halted", "warning", "anchoring-role"].includes(event.type))) {
              log(text, event.type, { ...event }, levelOf(event));
            }
          },
        });
      } catch (error) {
        if (json) {
          const e = error as { name?: string; shortMessage?: string; message?: string; metaMessages?: string[]; kind?: string; nodeSaid?: string };
          log(e.shortMessage ?? e.message ?? String(error), "error", { name: e.name, details: e.metaMessages, kind: e.kind, nodeSaid: e.nodeSaid }, "error");
        }
        await tokens?.close();
        throw error;
      }
      let server: Awaited<ReturnType<typeof startHttpServer>>;
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
      const b = opened.service.binding;
      log(describeService(opened), "service", {
        chainId: b?.chainId,
        contract: b?.contract,
        logId: b?.logId,
        anchorer: b?.anchorer,
        store: opened.service.store.location,
      });
      for (const chain of opened.service.health().chains.filter((c) => !c.primary)) {
        log(`also anchoring on chain ${chain.name} (${chain.chainId}), anchorer ${chain.anchorer}, ${chain.cadence.commit === "head" ? "one head commitment " : ""}every ${chain.cadence.batches} batch(es)${chain.cadence.maxWaitMs === null ? "" : ` or ${chain.cadence.maxWaitMs} ms`}`, "chain", {
          chain: chain.name,
          chainId: chain.chainId,
          anchorer: chain.anchorer,
          cadence: chain.cadence,
        });
      }
      const ingestion = opened.service.ingestion;
      log(
        `ingestion: signatures ${ingestion.signatures}, issuedAt at most ${ingestion.issuedAtWindow === false ? "(no limit)" : `${ingestion.issuedAtWindow.futureSeconds} s`} in the future, any age in the past (late receipts are accepted)`,
        "ingestion",
        { signatures: ingestion.signatures, issuedAtWindow: ingestion.issuedAtWindow },
      );
      if (ingestion.signatures === "authorised" && opened.embedded && options.signer.length === 0) {
        log("WARNING: the in-process log authorises no serving node yet: every receipt will be refused (403 signer-not-authorised); start with --signer ADDRESS", "ingestion", { signers: 0 }, "warn");
      }
      if (auth === "none") {
        log("WARNING: --insecure-dev: no authentication; any local program (and any web page the browser lets through) may submit receipts", "auth", { mode: "none" }, "warn");
      } else if (devToken !== undefined) {
        // The dev token goes to stdout only (never into the logs).
        process.stdout.write(`showwork serve: dev token (this process only; the store has no tokens): ${devToken}\n`);
        log("no access tokens in the store: writes need the dev token printed on stdout (valid until this process ends); `showwork token issue` makes lasting ones", "auth", { mode: "dev-token" });
      } else {
        const active = await auth.tokens!.activeCount();
        log(`writes need an access token (${active} active in the store); reads ${options.reads === "open" ? "are open" : "need one too"}`, "auth", { mode: "tokens", activeTokens: active, reads: options.reads });
      }
      log(`listening on ${server.url}`, "listening", { url: server.url });
      process.stdout.write(`showwork serve: listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log("stopping", "stopping");
      await server.close();
      await opened.close();
      await tokens?.close();
    });
}
