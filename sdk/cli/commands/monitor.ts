/**
 * `showwork monitor --rpc URL --log LOG_ID --source URL|DIR [--state FILE] [--json]`: follows a log
 * from the chain and checks every published batch (see `sdk/monitor/`). Exit code 0 clean (nothing
 * found, everything checked), 1 something found, 2 could not check (RPC or source failure, a check
 * unavailable, a usage error).
 *
 * @module
 */
import { readFile, rename, writeFile } from "node:fs/promises";

import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";

import { getDeployment } from "../../deployments/getDeployment.js";
import { ShowworkError } from "../../errors.js";
import { formatMonitorReport, monitorExitCode } from "../../monitor/formatReport.js";
import { compareChains, type ChainLog, type CrossChainReport } from "../../monitor/crossChain.js";
import { monitorLog, parseMonitorState, type MonitorLogParameters } from "../../monitor/monitorLog.js";
import { openSource } from "../../monitor/source.js";
import type { MonitorReport, MonitorState } from "../../monitor/types.js";
import { addressArgument, bytes32Argument, nonNegativeInteger, rpcUrlArgument } from "../commandOptions.js";

/** Options shared by `monitor` and the public `audit`. */
export interface PublicLogOptions {
  rpc: string;
  log: Hex;
  source: string;
  contract?: Address;
  timeline?: Address;
  fromBlock?: number;
  confirmations: number;
  pageBlocks: number;
  signatures: boolean;
  timeout: number;
}

/** Adds the options that name a public log (chain, contract, log, source). */
export function addPublicLogOptions(command: Command, mandatory: boolean): Command {
  const req = (o: Option): Option => (mandatory ? o.makeOptionMandatory() : o);
  return command
    .addOption(req(new Option("--rpc <url>", "JSON-RPC endpoint of the log's chain").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument)))
    .addOption(req(new Option("--log <logId>", "the log's id (0x + 64 hex digits)").argParser(bytes32Argument)))
    .addOption(req(new Option("--source <url|dir>", "where the log is published: a base URL (…/v1/logs/LOG/… below it) or a folder written by showwork publish")))
    .addOption(new Option("--contract <address>", "ReceiptLogs contract (default: the deployments record's for the chain)").env("SHOWWORK_RECEIPT_LOGS").argParser(addressArgument))
    .addOption(new Option("--timeline <address>", "ModelTimeline to use only if the log has none bound (logTimeline)").argParser(addressArgument))
    .addOption(new Option("--from-block <n>", "search the log's creation from this block").argParser(nonNegativeInteger))
    .addOption(new Option("--confirmations <n>", "read the chain this many blocks behind the latest").argParser(nonNegativeInteger).default(0))
    .addOption(new Option("--page-blocks <n>", "blocks per eth_getLogs request").argParser(nonNegativeInteger).default(10_000))
    .addOption(new Option("--no-signatures", "do not check receipt signatures (faster; authorisation is then checked against servingNode)"))
    .addOption(new Option("--timeout <ms>", "per-request timeout for RPC and source, ms").argParser(nonNegativeInteger).default(30_000));
}

/** The client and contract for a public log. */
export async function publicLogClient(options: PublicLogOptions): Promise<{ client: PublicClient; contract: Address }> {
  const client = createPublicClient({ transport: http(options.rpc, { batch: { batchSize: 100 }, timeout: options.timeout, retryCount: 2 }) }) as PublicClient;
  if (options.contract) return { client, contract: options.contract };
  const chainId = await client.getChainId();
  try {
    return { client, contract: getDeployment(chainId).contracts.ReceiptLogs.address };
  } catch (cause) {
    throw new ShowworkError(`No ReceiptLogs contract recorded for chain ${chainId}.`, { cause, metaMessages: ["Do: pass --receipt-logs <address> (or set SHOWWORK_RECEIPT_LOGS)."] });
  }
}

/** The monitor parameters from the options. */
export function monitorParameters(options: PublicLogOptions, client: PublicClient, contract: Address): MonitorLogParameters {
  return {
    client,
    contract,
    logId: options.log,
    source: openSource(options.source, { timeoutMs: options.timeout }),
    confirmations: options.confirmations,
    pageBlocks: Math.max(1, options.pageBlocks),
    checkSignatures: options.signatures,
    ...(options.fromBlock === undefined ? {} : { fromBlock: options.fromBlock }),
    ...(options.timeline ? { timeline: options.timeline } : {}),
  };
}

async function readState(file: string): Promise<MonitorState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseMonitorState(JSON.parse(text) as unknown);
}

/** A `--witness` chain. */
export interface WitnessSpec {
  name: string;
  rpc: string;
  contract: Address;
  logId: Hex;
  offset: number;
  /** "head": the witness log holds head commitments (sdk/monitor/crossChain.ts). */
  commits?: "head";
}

/** Parses `--witness name=rpc,contract,logId[,offset][,head]`. */
export function parseWitness(value: string): WitnessSpec {
  const match = /^([A-Za-z0-9_.-]{1,64})=(https?:\/\/[^,]+),(0x[0-9a-fA-F]{40}),(0x[0-9a-fA-F]{64})(?:,(-?\d+))?(?:,(head))?$/.exec(value);
  if (match === null) throw new InvalidArgumentError(`expected name=rpc,contract,logId[,offset][,head] (e.g. l1=https://rpc,0x…40,0x…64; ",head" when that log holds head commitments), found "${value.slice(0, 120)}"`);
  return { name: match[1]!, rpc: match[2]!, contract: match[3]! as Address, logId: match[4]!.toLowerCase() as Hex, offset: Number(match[5] ?? 0), ...(match[6] === "head" ? { commits: "head" as const } : {}) };
}

/** The `--witness` chains as logs to compare (events read in `--page-blocks` ranges). */
export function witnessLogs(witnesses: readonly WitnessSpec[], timeoutMs: number): ChainLog[] {
  return witnesses.map((w) => ({
    name: w.name,
    client: createPublicClient({ transport: http(w.rpc, { timeout: timeoutMs, retryCount: 2 }) }) as PublicClient,
    contract: w.contract,
    logId: w.logId,
    offset: w.offset,
    ...(w.commits === undefined ? {} : { commits: w.commits }),
  }));
}

/** The `--witness` and `--witness-grace` options (monitor and public audit). */
export function addWitnessOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--witness <name=rpc,contract,logId[,offset][,head]>", "another chain the log is anchored on (repeatable; ',head' when that log holds head commitments): batches missing there, or with another root or head, are findings").argParser(
        (value: string, previous: WitnessSpec[] = []) => [...previous, parseWitness(value)],
      ),
    )
    .addOption(new Option("--witness-grace <seconds>", "a batch missing on a chain is reported once anchored elsewhere this long ago").argParser(nonNegativeInteger).default(3_600));
}

/** Adds the cross-chain findings to a monitor report (a finding makes the report "findings"). */
export function withCrossChain(report: MonitorReport, cross: CrossChainReport): MonitorReport {
  const findingCounts = { ...report.findingCounts };
  for (const f of cross.findings) findingCounts[f.kind] = (findingCounts[f.kind] ?? 0) + 1;
  const unchecked = [...report.unchecked, ...cross.unchecked];
  const findings = [...report.findings, ...cross.findings];
  const status = findings.length > 0 ? "findings" : unchecked.length > 0 ? "incomplete" : report.status;
  return { ...report, status, findings, findingCounts, unchecked, chains: cross.chains } as MonitorReport;
}

/** `showwork monitor`. */
export function monitorCommand(): Command {
  const command = new Command("monitor").description(
    "follow a log from the chain and check every published batch: withheld batches, altered files, gaps, duplicates, unauthorised nodes, late anchoring, inactive versions (exit 0 clean, 1 found, 2 could not check)",
  );
  addPublicLogOptions(command, true)
    .addOption(new Option("--state <file>", "resume from (and save to) this state file: only new batches are checked"))
    .addOption(new Option("--json", "print the report as one JSON object"));
  addWitnessOptions(command)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (options: PublicLogOptions & { state?: string; json?: boolean; witness?: WitnessSpec[]; witnessGrace: number }) => {
      let report: MonitorReport;
      try {
        const { client, contract } = await publicLogClient(options);
        const previous = options.state ? await readState(options.state) : undefined;
        const params = monitorParameters(options, client, contract);
        const result = await monitorLog({
          ...params,
          ...(previous ? { state: previous } : {}),
          ...(options.json || !process.stderr.isTTY ? {} : { onBatch: (p) => process.stderr.write(`\r  checked ${p.done}/${p.total} batches, ${p.receipts.toLocaleString("en-US")} receipts`) }),
        });
        if (!options.json && process.stderr.isTTY) process.stderr.write("\n");
        report = result.report;
        if (options.witness !== undefined && options.witness.length > 0) {
          report = withCrossChain(
            report,
            await compareChains({
              primary: { name: `chain ${report.chainId}`, client, contract, logId: options.log, ...(options.fromBlock === undefined ? {} : { fromBlock: options.fromBlock }) },
              witnesses: witnessLogs(options.witness, options.timeout),
              graceSeconds: options.witnessGrace,
              pageBlocks: options.pageBlocks,
            }),
          );
        }
        if (options.state) {
          const tmp = `${options.state}.tmp-${process.pid}`;
          await writeFile(tmp, `${JSON.stringify(result.state)}\n`);
          await rename(tmp, options.state);
        }
      } catch (error) {
        const message = error instanceof ShowworkError ? error.message : error instanceof Error ? error.message : String(error);
        if (options.json) process.stdout.write(`${JSON.stringify({ status: "error", error: message })}\n`);
        process.stderr.write(`showwork monitor: could not check the log: ${message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatMonitorReport(report)}\n`);
      process.exitCode = monitorExitCode(report);
    });
  return command;
}
