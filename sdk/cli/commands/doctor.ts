/**
 * `showwork doctor`: what is wrong with this project's set-up, each finding with "Do: …" — the
 * config and its secrets, the chain, the log (exists, anchoring account granted and funded, timeline
 * bound, a serving node authorised), the store's log, the anchoring service. The same chain checks
 * `showwork serve` runs before it starts. Then the capture side (`sdk/capture/doctor.ts`): the capture
 * queue file (receipts waiting too long, refused ones) and the model versions the capture saw that are
 * not published (⚠: a hosted model's new provider fingerprint), from the queue file and/or a running
 * proxy's `/metrics` (`--proxy URL`). Last, the secp256k1 back end receipt signatures use here (native
 * prebuild, WebAssembly or @noble/curves; ⚠ when SHOWWORK_SECP256K1 names none). Exit 0: all good; 1: something to fix (⚠ included); 2: could not check.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

import { Command, Option } from "commander";
import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { captureFindings } from "../../capture/doctor.js";
import { DEFAULT_QUEUE_PATH } from "../../capture/queue.js";
import { loadConfig, type LoadedConfig } from "../../config/loadConfig.js";
import { signatureBackend } from "../../receipt/secp256k1.js";
import { checkSetup, type SetupFinding } from "../../service/chain/checkSetup.js";
import { openStore } from "../../service/store/open.js";
import { addressArgument, bytes32Argument } from "../commandOptions.js";

interface DoctorOptions {
  queue?: string;
  proxy?: string;
  rpc?: string;
  receiptLogs?: Address;
  log?: Hex;
  store?: string;
  service?: string;
  anchorer?: Address;
  config?: string;
  json?: boolean;
}

interface Line {
  readonly check: string;
  readonly ok: boolean;
  /** A warning (⚠): something to fix that does not stop the set-up (e.g. a model version not published yet). */
  readonly warn?: boolean;
  readonly message: string;
  readonly fix?: string | undefined;
}

/** Runs the doctor's checks (reads only): the set-up, then the capture side (queue file, proxy). */
export async function diagnose(options: DoctorOptions, config: LoadedConfig): Promise<{ lines: Line[]; couldNotCheck: boolean }> {
  const setup = await diagnoseSetup(options, config);
  // The capture side (issue #21): receipts waiting or refused in the queue file, model versions seen but not published.
  const queue = options.queue ?? config.queue ?? (config.root === undefined ? DEFAULT_QUEUE_PATH : join(config.root, DEFAULT_QUEUE_PATH));
  const capture = await captureFindings({ queue, proxy: options.proxy, models: config.models, configFile: config.file });
  return { lines: [...setup.lines, ...capture, signaturesLine()], couldNotCheck: setup.couldNotCheck };
}

/**
 * Which secp256k1 back end signs and checks receipts here (issue #26): the native prebuild, else
 * libsecp256k1 as WebAssembly, else @noble/curves. Every back end gives the same bytes, so a slower one
 * is not a fault (ok), but the line says which faster ones could not load and what forced the choice.
 */
function signaturesLine(): Line {
  const backend = signatureBackend();
  const why = [
    backend.forcedBy === undefined ? undefined : `forced by ${backend.forcedBy}`,
    backend.unavailable.length === 0 ? undefined : `could not load: ${backend.unavailable.join(", ")}`,
  ].filter((x) => x !== undefined);
  const message = `receipt signatures: ${backend.name} back end, ${backend.description}${why.length === 0 ? "" : ` (${why.join("; ")})`}`;
  const env = process.env.SHOWWORK_SECP256K1;
  if (env !== undefined && env !== "" && backend.forcedBy === undefined) {
    return { check: "signatures", ok: false, warn: true, message: `${message}; SHOWWORK_SECP256K1="${env}" names no back end and is ignored`, fix: "set SHOWWORK_SECP256K1 to native, wasm or noble, or unset it" };
  }
  return { check: "signatures", ok: true, message };
}

async function diagnoseSetup(options: DoctorOptions, config: LoadedConfig): Promise<{ lines: Line[]; couldNotCheck: boolean }> {
  const lines: Line[] = [];
  const add = (line: Line): void => void lines.push(line);
  add(
    config.file === undefined
      ? { check: "config", ok: false, message: "no .showwork/config.json here or above", fix: "run `npx showwork dev` (local) or `npx showwork init --rpc URL` (a network) in your project folder" }
      : { check: "config", ok: true, message: `config ${config.file}` },
  );
  const rpc = options.rpc ?? config.rpc[0];
  const receiptLogs = options.receiptLogs ?? config.receiptLogs;
  const logId = options.log ?? config.logId;
  const anchorer =
    options.anchorer ??
    (config.secrets.anchorerKey !== undefined ? privateKeyToAccount(config.secrets.anchorerKey).address : (config.config?.service?.anchorer as Address | undefined));
  if (rpc === undefined || receiptLogs === undefined || logId === undefined || anchorer === undefined) {
    const missing = [rpc === undefined && "the chain (--rpc)", receiptLogs === undefined && "the ReceiptLogs contract (--receipt-logs)", logId === undefined && "the log (--log)", anchorer === undefined && "the anchoring account (--anchorer, or anchorerKey in the secrets)"].filter(Boolean);
    add({ check: "settings", ok: false, message: `not known: ${missing.join(", ")}`, fix: "run `npx showwork dev` / `npx showwork init --rpc URL`, or pass them" });
    return { lines, couldNotCheck: true };
  }
  const client = createPublicClient({ transport: http(rpc, { retryCount: 1, timeout: 10_000 }) }) as PublicClient;
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (error) {
    add({ check: "chain", ok: false, message: `the RPC endpoint ${rpc} does not answer (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`, fix: config.config?.dev !== undefined ? "start the local chain: `npx showwork dev`" : "check the URL / your provider" });
    return { lines, couldNotCheck: true };
  }
  add(
    config.chainId !== undefined && config.chainId !== chainId
      ? { check: "chain", ok: false, message: `${rpc} serves chain ${chainId}, the config says ${config.chainId}`, fix: "fix chains[0].rpc (or chainId) in the config" }
      : { check: "chain", ok: true, message: `${rpc} serves chain ${chainId}` },
  );
  const code = await client.getCode({ address: receiptLogs });
  if (code === undefined || code === "0x") {
    add({ check: "contract", ok: false, message: `no contract at ReceiptLogs ${receiptLogs} on chain ${chainId}`, fix: config.config?.dev !== undefined ? "run `npx showwork dev` again (or `--reset`)" : "fix chains[0].receiptLogs, or run `npx showwork init --rpc URL`" });
    return { lines, couldNotCheck: false };
  }
  const store = options.store ?? config.store;
  let binding;
  if (store !== undefined && (/^postgres(ql)?:\/\//.test(store) || existsSync(store))) {
    const opened = await openStore(store);
    try {
      binding = await opened.getBinding();
    } finally {
      await opened.close();
    }
  }
  const findings: SetupFinding[] = await checkSetup({ publicClient: client, receiptLogs, logId, anchorer, binding, ...(config.deploymentBlock === undefined ? {} : { fromBlock: BigInt(config.deploymentBlock) }) });
  for (const f of findings) add({ check: f.check, ok: f.ok, message: f.message, fix: f.fix });
  const service = options.service ?? config.serviceUrl;
  if (service !== undefined) {
    const health = await fetch(`${service}/health`).then((r) => r.status, () => undefined);
    add(
      health === 200
        ? { check: "service", ok: true, message: `the anchoring service answers at ${service}` }
        : { check: "service", ok: false, message: `the anchoring service at ${service} ${health === undefined ? "does not answer" : `answers ${health}`}: captured receipts wait in the queue`, fix: config.config?.dev !== undefined ? "start it: `npx showwork dev`" : "start it: `npx showwork serve`" },
    );
  }
  return { lines, couldNotCheck: false };
}

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("say what is wrong with this project's set-up (config, chain, log, grants, funds, timeline, serving nodes, store, service, capture queue, model versions seen but not published), each with the fix (exit 0 all good, 1 something to fix, 2 could not check)")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("SHOWWORK_RPC_URL"))
    .addOption(new Option("--receipt-logs <address>", "the ReceiptLogs contract").env("SHOWWORK_RECEIPT_LOGS").argParser(addressArgument))
    .addOption(new Option("--log <id>", "the log").env("SHOWWORK_LOG_ID").argParser(bytes32Argument))
    .addOption(new Option("--store <path|url>", "the service's store").env("SHOWWORK_STORE"))
    .addOption(new Option("--service <url>", "the anchoring service's URL").env("SHOWWORK_SERVICE_URL"))
    .addOption(new Option("--anchorer <address>", "the anchoring account (default: from the secrets' anchorerKey)").argParser(addressArgument))
    .addOption(new Option("--queue <file>", "the capture queue file (default: capture.queue of the config, else .showwork/capture-queue.sqlite)").env("SHOWWORK_CAPTURE_QUEUE"))
    .addOption(new Option("--proxy <url>", "a running capture proxy: read its /metrics (model versions seen but not published)"))
    .addOption(new Option("--json", "print the findings as one JSON object"))
    .action(async (options: DoctorOptions) => {
      const config = loadConfig({ ...(options.config === undefined ? {} : { file: options.config }) });
      const { lines, couldNotCheck } = await diagnose(options, config);
      const bad = lines.filter((l) => !l.ok);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: bad.length === 0 && !couldNotCheck, findings: lines }, null, 2)}\n`);
      } else {
        for (const line of lines) process.stdout.write(`${line.ok ? "✓" : line.warn ? "⚠" : "✗"} ${line.message}\n${line.ok ? "" : `  Do: ${line.fix}\n`}`);
        process.stdout.write(bad.length === 0 ? "\nAll good.\n" : `\n${bad.length} thing${bad.length === 1 ? "" : "s"} to fix.\n`);
      }
      process.exitCode = couldNotCheck ? 2 : bad.length === 0 ? 0 : 1;
    });
}
