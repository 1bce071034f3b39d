/**
 * Options shared by the commands that run the anchoring service (`serve`, `anchor`), and
 * opening the service from them.
 *
 * Chain: `--rpc URL` (a node; the anchoring key comes from the SHOWWORK_ANCHORER_KEY
 * environment variable), or nothing: the embedded default, Hardhat's in-process chain, on
 * which the service deploys `ReceiptLogs` and creates its log itself. The in-process
 * chain lives as long as the process: its store cannot be anchored into again later.
 *
 * @module
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { Address, Hex } from "viem";

import { findConfigFile, loadConfig } from "../config/loadConfig.js";
import { AnchoringService, type AnchoringServiceOptions, type ServiceExtraChain } from "../service/AnchoringService.js";
import { connectExtraChains } from "./extraChains.js";
import { connectEmbedded, connectRpc, parsePrivateKey, type ServiceClients } from "../service/chain/connect.js";
import { checkSetup, describeFindings } from "../service/chain/checkSetup.js";
import { setupServiceLog } from "../service/chain/setupLog.js";
import { ServiceConfigError, StoreBindingError } from "../service/errors.js";
import type { ServiceEventListener } from "../service/events.js";
import type { IssuedAtWindow } from "../service/ingestion/checks.js";
import { isPostgresUrl, openStore } from "../service/store/open.js";
import { rpcUrlArgument } from "./commandOptions.js";

/** Parsed options of the service commands. */
export interface ServiceCliOptions {
  store: string;
  rpc?: string;
  contract?: string;
  logId?: string;
  deploy?: boolean;
  confirmations?: number;
  maxBatch: number;
  maxDelay: number;
  durability: "full" | "normal";
  poll: number;
  resendAfter?: number;
  feeBumpAfter?: number;
  timeline?: string;
  signatures: "authorised" | "valid" | "off";
  maxFutureSkew: IssuedAtWindow | false;
  /** The old name of --max-future-skew (hidden). */
  issuedAtWindow?: IssuedAtWindow | false;
  signer: Address[];
  leaseTtl: number;
  /** The anchoring account's key (else from the environment). */
  anchorerKey?: Hex;
}

/** The default store location. */
export const DEFAULT_STORE = "./.showwork/store.sqlite";

/** Parses a non-negative integer option. */
export function integerOption(min = 0): (value: string) => number {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, found "${value}"`);
    }
    return Number(value);
  };
}

/** Parses `--max-future-skew SECONDS` or `off`: how far ahead of the service's clock issuedAt may be (no limit in the past). */
export function issuedAtWindowOption(value: string): IssuedAtWindow | false {
  if (value === "off") return false;
  if (/^\d{1,9}$/.test(value)) return { futureSeconds: Number(value) };
  const legacy = /^(\d{1,9}),(\d{1,9})$/.exec(value);
  if (legacy !== null) {
    throw new InvalidArgumentError(
      `a limit in the past is gone: late receipts are accepted and their lateness shown (docs/service.md "Late receipts and backdating"); use --max-future-skew ${legacy[2]} (found "${value}")`,
    );
  }
  throw new InvalidArgumentError(`expected seconds (e.g. 60) or off, found "${value}"`);
}

const signerOption = (value: string, previous: Address[]): Address[] => {
  if (!isAddress(value)) throw new InvalidArgumentError(`expected a 0x-prefixed 20-byte address, found "${value}"`);
  return [...previous, value];
};

/** Ingestion defaults of a command: `serve` is the network door; `anchor` imports the operator's own file. */
export interface IngestionDefaults {
  readonly signatures: "authorised" | "valid" | "off";
  readonly issuedAtWindow: "off" | `${number}`;
}

/** Adds the service options to a command. */
export function addServiceOptions(command: Command, ingestion: IngestionDefaults = { signatures: "authorised", issuedAtWindow: "60" }): Command {
  return command
    .addOption(
      new Option("--signatures <mode>", "ingestion: authorised (a valid signature by a node the log authorises at issuedAt), valid (a valid signature), off")
        .choices(["authorised", "valid", "off"])
        .default(ingestion.signatures),
    )
    .addOption(
      new Option("--max-future-skew <seconds>", "ingestion: how far ahead of the service's clock a receipt's issuedAt may be (or off); there is no limit in the past: late receipts are accepted")
        .argParser(issuedAtWindowOption)
        .default(issuedAtWindowOption(ingestion.issuedAtWindow), ingestion.issuedAtWindow),
    )
    // The old name: `off` still works; a PAST,FUTURE window is refused with what to use instead.
    .addOption(new Option("--issued-at-window <value>").argParser(issuedAtWindowOption).hideHelp())
    .addOption(new Option("--signer <address>", "a serving node to authorise when the service creates its log (embedded chain or --deploy; repeatable)").argParser(signerOption).default([]))
    .addOption(
      new Option("--store <path|url>", "the store: a SQLite file, or a postgres:// URL (several instances may share one database)")
        .env("SHOWWORK_STORE")
        .default(DEFAULT_STORE),
    )
    .addOption(
      new Option("--rpc <url>", "JSON-RPC endpoint of the chain (default: Hardhat's in-process chain, the embedded default)")
        .env("SHOWWORK_RPC_URL")
        .argParser(rpcUrlArgument),
    )
    .addOption(new Option("--contract <address>", "the ReceiptLogs contract (with --rpc; remembered by the store)").env("SHOWWORK_RECEIPT_LOGS"))
    .addOption(new Option("--log-id <id>", "the log to anchor into (with --rpc; remembered by the store)").env("SHOWWORK_LOG_ID"))
    .addOption(new Option("--deploy", "with --rpc on a development chain: deploy ReceiptLogs and create a log with the anchoring account"))
    .addOption(
      new Option("--confirmations <n>", "confirmations for 'final' (default: 1 on local chains 31337/1337, else 12)").argParser(integerOption(1)),
    )
    .addOption(new Option("--max-batch <n>", "receipts per batch at most").argParser(integerOption(1)).default(10_000))
    .addOption(new Option("--max-delay <ms>", "longest wait before a receipt's batch closes, ms").argParser(integerOption(0)).default(2_000))
    .addOption(new Option("--durability <mode>", "full: fsync every commit; normal: survive a killed process only").choices(["full", "normal"]).default("full"))
    .addOption(new Option("--poll <ms>", "pause between batching/anchoring rounds, ms").argParser(integerOption(10)).default(500))
    .addOption(new Option("--resend-after <ms>", "rebroadcast a transaction the node does not know after, ms").argParser(integerOption(0)))
    .addOption(new Option("--fee-bump-after <ms>", "replace a pending transaction with higher fees after, ms").argParser(integerOption(0)))
    .addOption(new Option("--timeline <address>", "ModelTimeline contract to name in proof bundles").env("SHOWWORK_MODEL_TIMELINE"))
    .addOption(
      new Option("--lease-ttl <ms>", "PostgreSQL store: the anchoring role lapses this long after its holder stops renewing it (failover time), ms")
        .argParser(integerOption(300))
        .default(5_000),
    );
}

/** An opened service with its chain clients. */
export interface OpenedService {
  readonly service: AnchoringService;
  readonly clients: ServiceClients;
  readonly embedded: boolean;
  close(): Promise<void>;
}

const isAddress = (value: string): value is Address => /^0x[0-9a-fA-F]{40}$/.test(value);
const isBytes32 = (value: string): value is Hex => /^0x[0-9a-fA-F]{64}$/.test(value);

/** Opens the store, connects to the chain (embedded or --rpc), sets up or checks the log, and opens the service. */
export async function openServiceFromOptions(
  options: ServiceCliOptions,
  extra: { onEvent?: ServiceEventListener; owner: string; chains?: readonly ServiceExtraChain[] },
): Promise<OpenedService> {
  if (options.signer.length > 0 && options.rpc !== undefined && !options.deploy) {
    throw new ServiceConfigError("--signer authorises serving nodes on a log the service creates (the embedded chain, or --deploy).", [
      "For an existing log, its admin grants signers: `showwork log grant-signer` (or grantSigner on ReceiptLogs).",
    ]);
  }
  if (options.contract !== undefined && !isAddress(options.contract)) throw new ServiceConfigError(`--contract is not an address: ${options.contract}`);
  if (options.logId !== undefined && !isBytes32(options.logId)) throw new ServiceConfigError(`--log-id is not a 32-byte id: ${options.logId}`);
  if (options.timeline !== undefined && !isAddress(options.timeline)) throw new ServiceConfigError(`--timeline is not an address: ${options.timeline}`);
  if (isPostgresUrl(options.store) && options.rpc === undefined) {
    throw new ServiceConfigError("A PostgreSQL store needs --rpc: its instances share one chain, and the in-process chain lives in one process only.", [
      "Do: pass --rpc URL (and SHOWWORK_ANCHORER_KEY), or use a SQLite --store for the embedded default.",
    ]);
  }
  const store = await openStore(options.store, { durability: options.durability });
  let clients: ServiceClients | undefined;
  try {
    const binding = await store.getBinding();
    let contract: Address | undefined;
    let logId: Hex | undefined;
    const envKey = options.anchorerKey ?? (process.env.SHOWWORK_ANCHORER_KEY || undefined);
    if (options.rpc === undefined) {
      if (options.contract !== undefined || options.logId !== undefined || options.deploy) {
        throw new ServiceConfigError("--receipt-logs, --log and --deploy need --rpc: the in-process chain starts empty and the service sets it up itself.");
      }
      if (binding !== undefined) {
        throw new StoreBindingError(`The store ${store.location} belongs to an in-process chain that ended with its process.`, [
          `It anchored into log ${binding.logId} at ${binding.contract} (chain ${binding.chainId}), which no longer exists.`,
          "Do: use a new --store (or delete this one), or run against a node with --rpc URL.",
          "Its proof bundles can still be written with `showwork prove`.",
        ]);
      }
      clients = await connectEmbedded(envKey === undefined ? undefined : parsePrivateKey(envKey, "SHOWWORK_ANCHORER_KEY"));
      ({ contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: `showwork ${Date.now()}`, signers: options.signer }));
    } else {
      if (envKey === undefined) {
        throw new ServiceConfigError("No anchoring key: SHOWWORK_ANCHORER_KEY is not set (nor anchorerKey in the project's .showwork/secrets.json).", [
          "The service signs anchoring transactions with the anchoring account's key (SHOWWORK_ANCHORER_KEY).",
          "Use an account dedicated to the service (it manages the account's nonces).",
        ]);
      }
      clients = await connectRpc(options.rpc, parsePrivateKey(envKey, "SHOWWORK_ANCHORER_KEY"));
      contract = (options.contract as Address | undefined) ?? binding?.contract;
      logId = (options.logId as Hex | undefined) ?? binding?.logId;
      if (options.deploy && binding === undefined) {
        if (options.contract !== undefined || options.logId !== undefined) throw new ServiceConfigError("--deploy creates the contract and log: drop --contract/--log-id.");
        ({ contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: `showwork ${Date.now()}`, signers: options.signer }));
      }
      if (contract === undefined || logId === undefined) {
        throw new ServiceConfigError("Which log? Pass --contract and --log-id (the store remembers them afterwards).", [
          "On a development chain, --deploy deploys ReceiptLogs and creates a log for the anchoring account.",
        ]);
      }
    }
    if (options.rpc !== undefined && extra.owner === "showwork serve") {
      // The set-up checks (also `showwork doctor`): refuse to start on a set-up that cannot work, saying the fix.
      const findings = await checkSetup({
        publicClient: clients.publicClient,
        receiptLogs: contract,
        logId,
        anchorer: clients.walletClient.account.address,
        binding,
        // A log the service has just created with --deploy (and no --signer) is said below, like the embedded chain's.
        needsServingNode: options.signatures === "authorised" && !(options.deploy && binding === undefined),
      });
      const failed = describeFindings(findings);
      if (failed.length > 0) {
        throw new ServiceConfigError(`The service's set-up is not complete: ${findings.filter((f) => !f.ok).length} problem(s); not starting.`, [
          ...failed,
          "(`showwork doctor` runs the same checks.)",
        ]);
      }
    }
    const chainId = clients.publicClient.chain?.id ?? (await clients.publicClient.getChainId());
    const confirmations = options.confirmations ?? (chainId === 31337 || chainId === 1337 ? 1 : 12);
    const serviceOptions: AnchoringServiceOptions = {
      store,
      chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract, logId },
      batching: { maxReceipts: options.maxBatch, maxDelayMs: options.maxDelay },
      anchoring: {
        confirmations,
        ...(options.resendAfter === undefined ? {} : { resendAfterMs: options.resendAfter }),
        ...(options.feeBumpAfter === undefined ? {} : { feeBumpAfterMs: options.feeBumpAfter }),
      },
      pollIntervalMs: options.poll,
      leaseTtlMs: options.leaseTtl,
      ingestion: { signatures: options.signatures, issuedAtWindow: options.issuedAtWindow ?? options.maxFutureSkew },
      owner: extra.owner,
      ...(options.timeline === undefined ? {} : { timelineContract: options.timeline as Address }),
      ...(extra.onEvent === undefined ? {} : { onEvent: extra.onEvent }),
    };
    // Extra anchoring targets: the project config's chains[1..] (multichain; see extraChains.ts).
    // (`showwork dev` passes its own: the config it finds may be last run's.)
    const extraChains = extra.chains ?? (options.rpc === undefined ? [] : await extraChainsFromProject(parsePrivateKey(envKey!, "SHOWWORK_ANCHORER_KEY")));
    const service = await AnchoringService.open(extraChains.length === 0 ? serviceOptions : { ...serviceOptions, chains: extraChains });
    const opened = clients;
    return {
      service,
      clients: opened,
      embedded: options.rpc === undefined,
      close: async () => {
        await service.close();
        await opened.close();
      },
    };
  } catch (error) {
    await store.close();
    await clients?.close();
    throw error;
  }
}

/** The project config's extra chains (`chains[1..]`), connected; none without a config file. */
async function extraChainsFromProject(key: Hex): Promise<ServiceExtraChain[]> {
  if (findConfigFile() === undefined) return [];
  const config = loadConfig({ skipSecrets: true });
  return config.chains.length > 1 ? connectExtraChains(config.chains.slice(1), key) : [];
}

/** One line describing where the service anchors. */
export function describeService(opened: OpenedService): string {
  const b = opened.service.binding;
  const where = opened.embedded ? "in-process chain" : `chain ${b?.chainId}`;
  return `${where}, ReceiptLogs ${b?.contract}, log ${b?.logId}, anchorer ${b?.anchorer}, store ${opened.service.store.location}`;
}
