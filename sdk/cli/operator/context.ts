/**
 * What the operator commands (`showwork log ...`, `showwork model ...`) share: the chain (`--rpc`),
 * the operator's key (SHOWWORK_OPERATOR_KEY or the project config's secrets, or the Hardhat keystore with `--keystore`), the
 * contracts (the deployments record for the chain, or `--receipt-logs` / `--model-timeline`), and
 * one way to print a result (`--json`: one object on stdout).
 *
 * Secrets never come from flags: `--keystore` names the keystore entry, not the key.
 *
 * @module
 */

import { Option, type Command } from "commander";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { showworkPublicActions, type ShowworkPublicActions } from "../../actions/decorators/publicActions.js";
import { showworkWalletActions, type ShowworkWalletActions } from "../../actions/decorators/walletActions.js";
import { ConfigError } from "../../config/errors.js";
import { readKeystoreSecret } from "../../config/hardhatKeystore.js";
import { getDeployment } from "../../deployments/getDeployment.js";
import { DeploymentNotFoundError } from "../../deployments/errors.js";
import { ShowworkError } from "../../errors.js";
import { addressArgument, bytes32Argument, nonNegativeInteger, rpcUrlArgument } from "../commandOptions.js";
import { integerOption } from "../serviceOptions.js";

/** The environment variable the operator's private key is read from. */
export const PRIVATE_KEY_ENV = "SHOWWORK_OPERATOR_KEY";

/** Exit codes of the operator commands. */
export const OPERATOR_EXIT = {
  /** Done (for writes: mined and successful). */
  ok: 0,
  /** Refused: the contract reverted, the account is unfunded or not allowed, the log or model is unknown, bad arguments. */
  refused: 1,
  /** Could not tell: the RPC endpoint did not answer (nothing is known to have happened; for a write, check its hash). */
  unreachable: 2,
} as const;

/** Options every operator command takes. */
export interface OperatorOptions {
  rpc: string;
  receiptLogs?: Address;
  modelTimeline?: Address;
  keystore?: string | true;
  keystoreDev?: boolean;
  json?: boolean;
  timeout: number;
  /** Writes only. */
  confirmations?: number;
}

/** A command's options plus the log id. */
export interface LogOptions extends OperatorOptions {
  logId: Hex;
}

/** An operator command failed in a way it can explain (what, found, what to do); `exitCode` per {@link OPERATOR_EXIT}. */
export class OperatorCommandError extends ShowworkError {
  override name = "OperatorCommandError";
  readonly exitCode: number;
  constructor(shortMessage: string, options: { metaMessages?: string[]; cause?: unknown; details?: string; exitCode?: number } = {}) {
    super(shortMessage, options);
    this.exitCode = options.exitCode ?? OPERATOR_EXIT.refused;
  }
}

/** Adds the chain, key, contract and output options. */
export function addOperatorOptions(command: Command, { writes }: { writes: boolean }): Command {
  command
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument).makeOptionMandatory())
    .addOption(
      new Option("--receipt-logs <address>", "the ReceiptLogs contract (default: the deployments record's for the chain)")
        .env("SHOWWORK_RECEIPT_LOGS")
        .argParser(addressArgument),
    )
    .addOption(
      new Option("--model-timeline <address>", "the ModelTimeline contract (default: the deployments record's for the chain)")
        .env("SHOWWORK_MODEL_TIMELINE")
        .argParser(addressArgument),
    )
    .addOption(new Option("--json", "print the result as one JSON object"))
    .addOption(new Option("--timeout <ms>", "per-request RPC timeout, ms").argParser(nonNegativeInteger).default(30_000));
  if (writes) {
    command
      .addOption(
        new Option(
          "--keystore [key]",
          `sign with a key from the Hardhat keystore (entry name, default ${PRIVATE_KEY_ENV}; its password from SHOWWORK_KEYSTORE_PASSWORD or asked for) instead of the ${PRIVATE_KEY_ENV} environment variable`,
        ),
      )
      .addOption(new Option("--keystore-dev", "with --keystore: the development keystore (no password)"))
      .addOption(new Option("--confirmations <n>", "wait for this many confirmations").argParser(integerOption(1)).default(1));
  }
  return command;
}

/** Adds `--log-id`. */
export function addLogIdOption(command: Command): Command {
  return command.addOption(new Option("--log-id <id>", "the log (0x + 64 hex digits)").env("SHOWWORK_LOG_ID").argParser(bytes32Argument).makeOptionMandatory());
}

/**
 * The operator's key: SHOWWORK_OPERATOR_KEY (the CLI puts the project config's there), or the Hardhat
 * keystore with --keystore (read from Hardhat's global config folder: no Hardhat project needed;
 * the password from SHOWWORK_KEYSTORE_PASSWORD or asked for).
 */
export async function readOperatorKey(options: OperatorOptions): Promise<{ key: Hex; source: string }> {
  if (options.keystore !== undefined) {
    const entry = options.keystore === true ? PRIVATE_KEY_ENV : options.keystore;
    try {
      const { value, source } = await readKeystoreSecret({ entry, dev: options.keystoreDev === true });
      return { key: checkKey(value, `keystore entry ${entry}`), source };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new OperatorCommandError(error.shortMessage, { metaMessages: [...(error.metaMessages ?? []), `Or: set ${PRIVATE_KEY_ENV}.`], ...(error.cause === undefined ? {} : { cause: error.cause }) });
    }
  }
  const value = process.env[PRIVATE_KEY_ENV];
  if (value === undefined || value.trim() === "") {
    throw new OperatorCommandError(`No key to sign with: ${PRIVATE_KEY_ENV} is not set.`, {
      metaMessages: [
        `Expected: the operator's private key (0x + 64 hex digits) in the ${PRIVATE_KEY_ENV} environment variable,`,
        "          or --keystore [entry] to read it from the Hardhat keystore. Keys are never taken from flags.",
      ],
    });
  }
  return { key: checkKey(value, PRIVATE_KEY_ENV), source: PRIVATE_KEY_ENV };
}

function checkKey(value: string, source: string): Hex {
  const key = value.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new OperatorCommandError(`${source} is not a private key.`, {
      metaMessages: [`Expected: 0x followed by 64 hex digits`, `Found:    ${key.length} characters${key.startsWith("0x") ? "" : ", without the 0x prefix"}`],
    });
  }
  return key as Hex;
}

/** The clients and contracts of one command. */
export interface OperatorContext {
  readonly chainId: number;
  readonly publicClient: PublicClient & ShowworkPublicActions;
  readonly receiptLogs: Address | undefined;
  readonly modelTimeline: Address | undefined;
  /** The deployments record's first block for the chain, when recorded (where event scans start). */
  readonly deploymentBlock: bigint | undefined;
  /** Only for writes. */
  readonly wallet?: { readonly account: PrivateKeyAccount; readonly keySource: string; readonly actions: ShowworkWalletActions };
}

/** Connects: reads the chain id, resolves the contracts, makes the signer for writes. */
export async function openOperatorContext(options: OperatorOptions, { writes }: { writes: boolean }): Promise<OperatorContext> {
  const wallet = writes ? await readOperatorKey(options) : undefined;
  const transport = http(options.rpc, { timeout: options.timeout, retryCount: 1 });
  const bare = createPublicClient({ transport });
  const chainId = await bare.getChainId();
  let recorded: ReturnType<typeof getDeployment> | undefined;
  try {
    recorded = getDeployment(chainId);
  } catch (error) {
    if (!(error instanceof DeploymentNotFoundError)) throw error;
  }
  const receiptLogs = options.receiptLogs ?? recorded?.contracts.ReceiptLogs.address;
  const modelTimeline = options.modelTimeline ?? recorded?.contracts.ModelTimeline.address;
  const chain = { id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [options.rpc] } } };
  const contracts = { receiptLogs, modelTimeline };
  const publicClient = createPublicClient({ chain, transport }).extend(showworkPublicActions({ contracts })) as unknown as OperatorContext["publicClient"];
  const context: OperatorContext = {
    chainId,
    publicClient,
    receiptLogs,
    modelTimeline,
    deploymentBlock: recorded === undefined ? undefined : BigInt(recorded.deploymentBlock),
  };
  if (wallet === undefined) return context;
  const account = privateKeyToAccount(wallet.key);
  const actions = createWalletClient({ account, chain, transport }).extend(showworkWalletActions({ contracts }));
  return { ...context, wallet: { account, keySource: wallet.source, actions } };
}

/** The contract address, or an error saying where it would come from. */
export function requireContract(context: OperatorContext, which: "receiptLogs" | "modelTimeline"): Address {
  const address = context[which];
  if (address !== undefined) return address;
  const flag = which === "receiptLogs" ? "--receipt-logs" : "--model-timeline";
  const name = which === "receiptLogs" ? "ReceiptLogs" : "ModelTimeline";
  throw new OperatorCommandError(`Which ${name} contract? The deployments record lists no showwork deployment for chain ${context.chainId}.`, {
    metaMessages: [`Do: pass ${flag} ADDRESS (or set ${which === "receiptLogs" ? "SHOWWORK_RECEIPT_LOGS" : "SHOWWORK_MODEL_TIMELINE"}).`],
  });
}
