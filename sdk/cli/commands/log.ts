/**
 * `showwork log create | grant-anchorer | revoke-anchorer | grant-signer | revoke-signer | bind-timeline |
 * set-max-delay | show`: the operator's
 * log administration on `ReceiptLogs`, through the viem actions of sdk/actions/. Writes wait for
 * the transaction to be mined and print what happened with its hash. See docs/package.md.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";

import { Command, Option } from "commander";
import { createPublicClient, http, zeroAddress, type Address, type Hex, type PublicClient } from "viem";

import { findConfigFile, loadConfig } from "../../config/loadConfig.js";
import { makeTrustFile } from "../../chainproof/trustFile.js";
import { receiptLogsAbi } from "../../contracts/abis.js";
import { findBatchAnchored } from "../../service/anchor/receiptLogsReader.js";
import { headSize } from "../../verify/commitment.js";

import { addressArgument, bytes32Argument, nonNegativeInteger } from "../commandOptions.js";
import { addLogIdOption, addOperatorOptions, openOperatorContext, OperatorCommandError, requireContract, type LogOptions, type OperatorContext, type OperatorOptions } from "../operator/context.js";
import { printResult, runOperatorCommand, transactionFacts, transactionLine } from "../operator/output.js";

type Holder = { context?: OperatorContext };

const errorContext = (holder: Holder, write: boolean) => () => ({
  chainId: holder.context?.chainId,
  account: holder.context?.wallet?.account.address,
  contract: holder.context?.receiptLogs,
  write,
});

/** Fails with a clear error when the log does not exist (before any transaction is sent). */
async function requireLog(context: OperatorContext, logId: Hex): Promise<Awaited<ReturnType<OperatorContext["publicClient"]["readLog"]>>> {
  const receiptLogs = requireContract(context, "receiptLogs");
  const log = await context.publicClient.readLog({ logId });
  if (!log.exists) {
    throw new OperatorCommandError(`No log ${logId} in ReceiptLogs ${receiptLogs} on chain ${context.chainId}.`, {
      metaMessages: ["Do: check --log-id, --receipt-logs and --rpc (`showwork log create` makes a new log)."],
    });
  }
  return log;
}

/** Fails before sending when the signer is not the log's admin (the contract would refuse). */
function requireAdmin(context: OperatorContext, log: { admin: Address; logId: Hex }, what: string): void {
  const account = context.wallet!.account.address;
  if (account.toLowerCase() !== log.admin.toLowerCase()) {
    throw new OperatorCommandError(`${what}: ${account} is not the admin of log ${log.logId}; its admin is ${log.admin}.`, {
      metaMessages: [`Do: sign with the admin's key (${context.wallet!.keySource} holds the key of ${account}).`],
    });
  }
}

function createCommand(): Command {
  const holder: Holder = {};
  const command = new Command("create")
    .description("create a log in ReceiptLogs; the signing account becomes its admin")
    .addOption(new Option("--max-anchor-delay <seconds>", "the log's promise: every receipt anchored within this many seconds (0: no promise)").argParser(nonNegativeInteger).default(3600))
    .addOption(new Option("--salt <bytes32>", "with the account, makes the log id (default: random)").argParser(bytes32Argument));
  addOperatorOptions(command, { writes: true }).action(async (options: OperatorOptions & { maxAnchorDelay: number; salt?: Hex }) => {
    await runOperatorCommand("log create", options.json, errorContext(holder, true), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const receiptLogs = requireContract(context, "receiptLogs");
      const created = await context.wallet!.actions.createLog({
        maxAnchorDelay: options.maxAnchorDelay,
        ...(options.salt === undefined ? {} : { salt: options.salt }),
        wait: true,
        confirmations: options.confirmations,
      });
      printResult(
        options.json,
        { command: "log create", chainId: context.chainId, receiptLogs, logId: created.logId, admin: created.admin, salt: created.salt, maxAnchorDelay: options.maxAnchorDelay, ...transactionFacts(created.receipt) },
        [
          `created log ${created.logId} in ReceiptLogs ${receiptLogs} on chain ${context.chainId}`,
          `admin ${created.admin}; promise: every receipt anchored within ${options.maxAnchorDelay} s`,
          transactionLine(created.receipt),
        ],
      );
    });
  });
  return command;
}

function anchorerCommand(name: "grant-anchorer" | "revoke-anchorer"): Command {
  const holder: Holder = {};
  const grant = name === "grant-anchorer";
  const command = new Command(name)
    .description(grant ? "authorise an account to anchor batch roots in the log (log admin)" : "withdraw an account's right to anchor in the log (log admin)")
    .argument("<account>", "the anchorer's address", addressArgument);
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (account: Address, options: LogOptions) => {
    await runOperatorCommand(`log ${name}`, options.json, errorContext(holder, true), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const log = await requireLog(context, options.logId);
      requireAdmin(context, log, `showwork log ${name}`);
      const params = { logId: options.logId, anchorer: account, wait: true, confirmations: options.confirmations } as const;
      const done = grant ? await context.wallet!.actions.grantAnchorer(params) : await context.wallet!.actions.revokeAnchorer(params);
      const what = done.changed
        ? `${grant ? "granted" : "revoked"} anchorer ${account} in log ${options.logId}`
        : `${account} ${grant ? "was already an anchorer" : "was not an anchorer"} of log ${options.logId}: nothing changed`;
      printResult(
        options.json,
        { command: `log ${name}`, chainId: context.chainId, receiptLogs: log.receiptLogs, logId: options.logId, anchorer: account, changed: done.changed, ...transactionFacts(done.receipt) },
        [what, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

/** A time flag: unix seconds or an ISO 8601 date-time; not in the future. */
function parsePastTime(value: string, flag: string): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new OperatorCommandError(`${flag} must be unix seconds or an ISO 8601 time (found ${JSON.stringify(value)}).`, {
      metaMessages: [`e.g. ${flag} 2026-12-04T10:00:00Z (the earliest moment the key may have leaked)`],
    });
  }
  return Math.floor(seconds);
}

/** What an operator must also do after revoking a serving node: the service still takes its token. */
export const REVOKE_TOKEN_REMINDER =
  "Also revoke the node's access token at the anchoring service (`showwork token list`, then `showwork token revoke <id>`): until then a thief holding it can still submit receipts.";

function signerCommand(name: "grant-signer" | "revoke-signer"): Command {
  const holder: Holder = {};
  const grant = name === "grant-signer";
  const command = new Command(name)
    .description(
      grant
        ? "authorise a serving node to sign the log's receipts from now on (log admin; the history stays on-chain)"
        : "withdraw a serving node's authorisation from now on; receipts it signed before stay valid (log admin). With --compromised-since T, only receipts in batches anchored before T stay valid",
    )
    .argument("<signer>", "the serving node's address (the key that signs receipts)", addressArgument);
  if (!grant) {
    command.addOption(
      new Option("--compromised-since <time>", "the key may have leaked from this time on (unix seconds or ISO 8601): no receipt it signed counts unless its batch was anchored before it, whatever issuedAt it claims; the key can never be granted again"),
    );
  }
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (signer: Address, options: LogOptions & { compromisedSince?: string }) => {
    await runOperatorCommand(`log ${name}`, options.json, errorContext(holder, true), async () => {
      const since = options.compromisedSince === undefined ? undefined : parsePastTime(options.compromisedSince, "--compromised-since");
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const log = await requireLog(context, options.logId);
      requireAdmin(context, log, `showwork log ${name}`);
      const params = { logId: options.logId, signer, wait: true, confirmations: options.confirmations } as const;
      if (since !== undefined) {
        const done = await context.wallet!.actions.reportSignerCompromise({ ...params, since });
        const when = new Date(since * 1000).toISOString().replace(".000Z", "Z");
        printResult(
          options.json,
          { command: `log ${name}`, chainId: context.chainId, receiptLogs: log.receiptLogs, logId: options.logId, signer, compromisedSince: since, fromBatch: done.fromBatch.toString(), changed: done.changed, reminder: REVOKE_TOKEN_REMINDER, ...transactionFacts(done.receipt) },
          [
            `reported serving node ${signer} compromised since ${when} in log ${options.logId}: its receipts count only in batches before #${done.fromBatch} (anchored before that time); it is revoked and can never be granted again`,
            transactionLine(done.receipt),
            REVOKE_TOKEN_REMINDER,
          ],
        );
        return;
      }
      const done = grant ? await context.wallet!.actions.grantSigner(params) : await context.wallet!.actions.revokeSigner(params);
      const what = done.changed
        ? `${grant ? "granted" : "revoked"} serving node ${signer} as a signer of log ${options.logId}`
        : `${signer} ${grant ? "was already a signer" : "was not a signer"} of log ${options.logId}: nothing changed`;
      printResult(
        options.json,
        { command: `log ${name}`, chainId: context.chainId, receiptLogs: log.receiptLogs, logId: options.logId, signer, changed: done.changed, ...(grant ? {} : { reminder: REVOKE_TOKEN_REMINDER }), ...transactionFacts(done.receipt) },
        grant ? [what, transactionLine(done.receipt)] : [what, transactionLine(done.receipt), "Receipts it signed before stay valid; if its key may have leaked, run again with --compromised-since <time>.", REVOKE_TOKEN_REMINDER],
      );
    });
  });
  return command;
}

function bindTimelineCommand(): Command {
  const holder: Holder = {};
  const command = new Command("bind-timeline").description(
    "bind the log, for good, to its ModelTimeline (--model-timeline, or the deployments record's): verifiers read model versions there only (log admin, once)",
  );
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (options: LogOptions) => {
    await runOperatorCommand("log bind-timeline", options.json, errorContext(holder, true), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const log = await requireLog(context, options.logId);
      requireAdmin(context, log, "showwork log bind-timeline");
      const timeline = requireContract(context, "modelTimeline");
      if (log.timeline !== zeroAddress) {
        throw new OperatorCommandError(`Log ${options.logId} is already bound to the timeline ${log.timeline}: the binding is permanent.`, {
          metaMessages: [log.timeline.toLowerCase() === timeline.toLowerCase() ? "Nothing to do." : "Do: record model versions in the bound timeline."],
        });
      }
      const done = await context.wallet!.actions.bindTimeline({ logId: options.logId, timeline, wait: true, confirmations: options.confirmations });
      printResult(
        options.json,
        { command: "log bind-timeline", chainId: context.chainId, receiptLogs: log.receiptLogs, logId: options.logId, timeline, ...transactionFacts(done.receipt) },
        [`bound log ${options.logId} to the ModelTimeline ${timeline}, for good`, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function setMaxDelayCommand(): Command {
  const holder: Holder = {};
  const command = new Command("set-max-delay")
    .description("change the log's promised maximum anchoring delay from now on (log admin; the history stays on-chain)")
    .argument("<seconds>", "seconds (0: no promise)", nonNegativeInteger);
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (seconds: number, options: LogOptions) => {
    await runOperatorCommand("log set-max-delay", options.json, errorContext(holder, true), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const log = await requireLog(context, options.logId);
      requireAdmin(context, log, "showwork log set-max-delay");
      const done = await context.wallet!.actions.setMaxAnchorDelay({ logId: options.logId, maxAnchorDelay: seconds, wait: true, confirmations: options.confirmations });
      printResult(
        options.json,
        { command: "log set-max-delay", chainId: context.chainId, logId: options.logId, maxAnchorDelay: seconds, previous: log.maxAnchorDelay, since: done.since, ...transactionFacts(done.receipt) },
        [`log ${options.logId} now promises anchoring within ${seconds} s (was ${log.maxAnchorDelay} s), from ${new Date(done.since * 1000).toISOString()}`, transactionLine(done.receipt)],
      );
    });
  });
  return command;
}

function showCommand(): Command {
  const holder: Holder = {};
  const command = new Command("show").description("print a log's state: admin, anchorers, batches, head, anchoring promise, bound timeline");
  addLogIdOption(addOperatorOptions(command, { writes: false })).action(async (options: LogOptions) => {
    await runOperatorCommand("log show", options.json, errorContext(holder, false), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: false }));
      const log = await requireLog(context, options.logId);
      const anchorers = await context.publicClient.readLogAnchorers({ logId: options.logId, ...(context.deploymentBlock === undefined ? {} : { fromBlock: context.deploymentBlock }) });
      // The same log's anchors on the project's other chains (config chains[1..]).
      const chains = await anchorsOnOtherChains(context, log, options.timeout);
      printResult(options.json, { command: "log show", chainId: context.chainId, ...log, anchorers, ...(chains.length === 0 ? {} : { chains }) }, [
        `log ${log.logId} in ReceiptLogs ${log.receiptLogs} on chain ${context.chainId}`,
        `admin:            ${log.admin}${log.pendingAdmin === zeroAddress ? "" : ` (transfer to ${log.pendingAdmin} pending)`}`,
        `anchorers:        ${anchorers.length === 0 ? "none" : anchorers.join(", ")}`,
        `batches anchored: ${log.size}`,
        `head:             ${log.head}`,
        `max anchor delay: ${log.maxAnchorDelay === 0 ? "no promise" : `${log.maxAnchorDelay} s`}`,
        `timeline:         ${log.timeline === zeroAddress ? "none bound" : log.timeline}`,
        ...chains.map((c) =>
          c.error !== undefined
            ? `chain ${c.name} (${c.chainId}): could not read (${c.error})`
            : c.commits === "head"
              ? `chain ${c.name} (${c.chainId}): log ${c.logId} in ReceiptLogs ${c.receiptLogs}: ${c.size} head commitments${c.compared === undefined ? " (nothing to compare)" : `, the last covering batches up to ${c.compared}: ${c.agrees ? "the same head as this log's after that batch" : "ANOTHER HEAD than this log's after that batch: the chains disagree"}`}`
              : `chain ${c.name} (${c.chainId}): log ${c.logId} in ReceiptLogs ${c.receiptLogs}: ${c.size} batches anchored, head ${c.head}; batch ${c.compared ?? "-"} ${c.agrees === undefined ? "(nothing to compare)" : c.agrees ? "has the same root on both chains" : "has ANOTHER ROOT than on this chain: the chains disagree"}`,
        ),
      ]);
    });
  });
  return command;
}

interface CheckpointOptions extends LogOptions {
  out: string;
  block?: number;
}

/**
 * `showwork log checkpoint --out trust.json`: the operator publishes a checkpoint — a signed trust file
 * (`showwork/trust@1`: the chain id, the contracts, the log id, the operator, a block number and hash) that
 * verifiers pin to check self-contained bundles offline (docs/verification.md, "Trust files with checkpoints").
 */
function checkpointCommand(): Command {
  const holder: Holder = {};
  const command = new Command("checkpoint")
    .description("write a signed trust file (chain id, contracts, log id, operator, a recent block number + hash) for verifiers to pin (log admin signs; no transaction)")
    .addOption(new Option("--out <file>", "where to write the trust file ('-': stdout)").makeOptionMandatory())
    .addOption(new Option("--block <n>", "the block to checkpoint (default: the chain's finalized block when the endpoint names one, else its latest)").argParser(nonNegativeInteger));
  addLogIdOption(addOperatorOptions(command, { writes: true })).action(async (options: CheckpointOptions) => {
    await runOperatorCommand("log checkpoint", options.json, errorContext(holder, false), async () => {
      const context = (holder.context = await openOperatorContext(options, { writes: true }));
      const log = await requireLog(context, options.logId);
      requireAdmin(context, log, "showwork log checkpoint");
      const client = context.publicClient as unknown as PublicClient;
      let blockNumber = options.block === undefined ? undefined : BigInt(options.block);
      if (blockNumber === undefined) {
        blockNumber = await client.getBlock({ blockTag: "finalized" }).then((b) => b.number, () => undefined);
        blockNumber ??= await client.getBlockNumber({ cacheTime: 0 });
      }
      const trust = await makeTrustFile({
        client,
        blockNumber,
        logs: [options.logId],
        operators: [context.wallet!.account.address],
        contracts: { receiptLogs: log.receiptLogs, ...(log.timeline === zeroAddress ? {} : { modelTimeline: log.timeline }) },
        signer: context.wallet!.account,
      });
      const text = `${JSON.stringify(trust, null, 2)}\n`;
      if (options.out === "-") process.stdout.write(text);
      else await writeFile(options.out, text);
      const [checkpoint] = trust.checkpoints as { number: number; hash: Hex }[];
      if (options.out !== "-") {
        printResult(options.json, { command: "log checkpoint", chainId: context.chainId, logId: options.logId, operator: context.wallet!.account.address, file: options.out, blockNumber: checkpoint!.number, blockHash: checkpoint!.hash }, [
          `wrote ${options.out}: checkpoint block ${checkpoint!.number} (${checkpoint!.hash}) of chain ${context.chainId}, log ${options.logId}, signed by operator ${context.wallet!.account.address}`,
        ]);
      }
    });
  });
  return command;
}

/** One other chain's view of the log (for `log show`). */
interface OtherChainLog {
  name: string;
  chainId: number;
  receiptLogs: Address;
  logId: Hex;
  size?: number;
  head?: Hex;
  /** "head": the chain holds head commitments (config cadence.commit); `compared` is then the last batch they cover. */
  commits?: "head";
  /** The last batch index anchored on both chains (same index), and whether its roots agree. */
  compared?: number;
  agrees?: boolean;
  error?: string;
}

/** The log's anchors on the project config's other chains (chains[1..]); none without a config. */
async function anchorsOnOtherChains(context: OperatorContext, log: { logId: Hex; receiptLogs: Address; size: number | bigint }, timeout: number): Promise<OtherChainLog[]> {
  if (findConfigFile() === undefined) return [];
  const config = loadConfig({ skipSecrets: true });
  const out: OtherChainLog[] = [];
  for (const chain of config.chains.slice(1)) {
    if (chain.receiptLogs === undefined || chain.logId === undefined || chain.rpc.length === 0) continue;
    const entry: OtherChainLog = { name: chain.name, chainId: chain.chainId, receiptLogs: chain.receiptLogs, logId: chain.logId };
    try {
      const client = createPublicClient({ transport: http(chain.rpc[0], { timeout, retryCount: 1 }) });
      const where = { address: chain.receiptLogs, abi: receiptLogsAbi } as const;
      entry.size = Number(await client.readContract({ ...where, functionName: "logSize", args: [chain.logId] }));
      entry.head = await client.readContract({ ...where, functionName: "logHead", args: [chain.logId] });
      const last = Math.min(entry.size, Number(log.size)) - 1;
      if ((chain.cadence as { commit?: unknown } | undefined)?.commit === "head") {
        // Head commitments: the last entry is this log's head after the batch its size names.
        entry.commits = "head";
        if (entry.size > 0) {
          const committed = (await client.readContract({ ...where, functionName: "batchRoot", args: [chain.logId, BigInt(entry.size - 1)] })).toLowerCase() as Hex;
          const through = headSize(committed) - 1;
          const [event] = through < 0 ? [] : await findBatchAnchored(context.publicClient as PublicClient, { contract: log.receiptLogs, logId: log.logId }, { fromBlock: Number(context.deploymentBlock ?? 0), index: through });
          entry.compared = through;
          entry.agrees = event?.head === committed;
        }
      } else if (last >= 0) {
        const [theirs, ours] = await Promise.all([
          client.readContract({ ...where, functionName: "batchRoot", args: [chain.logId, BigInt(last)] }),
          context.publicClient.readContract({ address: log.receiptLogs, abi: receiptLogsAbi, functionName: "batchRoot", args: [log.logId, BigInt(last)] }),
        ]);
        entry.compared = last;
        entry.agrees = theirs.toLowerCase() === ours.toLowerCase();
      }
    } catch (error) {
      entry.error = (error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)).split("\n")[0];
    }
    out.push(entry);
  }
  return out;
}

/** `showwork log`. */
export function logCommand(): Command {
  return new Command("log")
    .description("administer a log in ReceiptLogs: create, grant-anchorer, revoke-anchorer, grant-signer, revoke-signer, bind-timeline, set-max-delay, show, checkpoint")
    .addCommand(createCommand())
    .addCommand(anchorerCommand("grant-anchorer"))
    .addCommand(anchorerCommand("revoke-anchorer"))
    .addCommand(signerCommand("grant-signer"))
    .addCommand(signerCommand("revoke-signer"))
    .addCommand(bindTimelineCommand())
    .addCommand(setMaxDelayCommand())
    .addCommand(showCommand())
    .addCommand(checkpointCommand());
}
