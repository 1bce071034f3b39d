/**
 * Deploying `ReceiptLogs` (and a `ModelTimeline` bound to the log) and creating a log for the
 * service, for local and development chains (the embedded in-process chain, a `hardhat node`).
 * The log's admin grants the serving nodes that will sign its receipts (`signers`) and binds
 * the timeline, so verifiers can check signer and model version. Production deployments go
 * through the deployment scripts; the service then gets `--contract` and `--log-id`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

import { concatHex, encodeAbiParameters, encodeFunctionData, getAddress, keccak256, toHex, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";

import { modelTimelineAbi, receiptLogsAbi } from "../../contracts/abis.js";
import { ServiceConfigError } from "../errors.js";
import { signLocally, type AnchorWalletClient } from "../anchor/anchorer.js";
import { explainRejection, rejectionKind } from "./friction.js";

const ARTIFACT = new URL("../../../artifacts/contracts/ReceiptLogs.sol/ReceiptLogs.json", import.meta.url);
const TIMELINE_ARTIFACT = new URL("../../../artifacts/contracts/ModelTimeline.sol/ModelTimeline.json", import.meta.url);

async function artifactBytecode(url: URL, name: string): Promise<Hex> {
  let text: string;
  try {
    text = await readFile(url, "utf8");
  } catch {
    throw new ServiceConfigError(`The ${name} artifact is missing.`, [`Looked in: ${url.pathname}`, "Do: run `npx hardhat build` first."]);
  }
  const artifact = JSON.parse(text) as { bytecode?: string };
  if (typeof artifact.bytecode !== "string" || artifact.bytecode.length < 4) {
    throw new ServiceConfigError(`The ${name} artifact has no bytecode.`, ["Do: run `npx hardhat build`."]);
  }
  return artifact.bytecode as Hex;
}

/** The creation bytecode of `ReceiptLogs` from the Hardhat artifacts. @throws {ServiceConfigError} */
export async function receiptLogsBytecode(): Promise<Hex> {
  return artifactBytecode(ARTIFACT, "ReceiptLogs");
}

/** The creation bytecode of `ModelTimeline` from the Hardhat artifacts (constructor argument not appended). */
export async function modelTimelineBytecode(): Promise<Hex> {
  return artifactBytecode(TIMELINE_ARTIFACT, "ModelTimeline");
}

/** A deployed contract and a log in it. */
export interface LogSetup {
  readonly contract: Address;
  readonly logId: Hex;
  /** The ModelTimeline bound to the log (absent when `timeline: false`). */
  readonly timeline?: Address | undefined;
}

/** Options of {@link createServiceLog} and {@link setupServiceLog}. */
export interface ServiceLogOptions {
  /** Any string; one account gets one log per salt. */
  readonly salt?: string;
  /** The log's declared maximum anchoring delay, seconds (0: none). */
  readonly maxAnchorDelay?: number;
  /** Serving nodes authorised to sign the log's receipts (`grantSigner`), from now on. Default: none. */
  readonly signers?: readonly Address[];
  /**
   * The log's model-version timeline: an existing ModelTimeline of this ReceiptLogs to bind, `true` to deploy one
   * and bind it (default), `false` to leave the log unbound (verifiers then cannot check model versions).
   */
  readonly timeline?: Address | boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries a chain read/preparation through RPC failures (up to ~1 minute). */
async function retried<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= 12) throw error;
      await sleep(Math.min(5_000, 100 * 2 ** attempt));
    }
  }
}

/**
 * Signs a transaction once and sends it until it is mined: RPC errors, timeouts and dropped
 * transactions during setup are retried like the service retries anchoring.
 */
async function sendUntilMined(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  tx: { to?: Address; data: Hex },
  what: string,
): Promise<TransactionReceipt> {
  const account = walletClient.account;
  const prepared = await retried(() =>
    walletClient.prepareTransactionRequest({
      account,
      chain: walletClient.chain,
      ...(tx.to === undefined ? {} : { to: tx.to }),
      data: tx.data,
      type: "eip1559",
      parameters: ["nonce", "fees", "gas"],
    }),
  );
  if (prepared.gas === undefined || prepared.maxFeePerGas === undefined || prepared.maxPriorityFeePerGas === undefined) {
    throw new ServiceConfigError(`${what}: the node did not give EIP-1559 fees.`);
  }
  const raw = await signLocally(walletClient, {
    ...(tx.to === undefined ? {} : { to: tx.to }),
    data: tx.data,
    nonce: prepared.nonce,
    gas: prepared.gas,
    maxFeePerGas: prepared.maxFeePerGas,
    maxPriorityFeePerGas: prepared.maxPriorityFeePerGas,
  });
  const hash = keccak256(raw);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: raw });
    } catch (error) {
      // A refusal for good (e.g. insufficient funds) is said at once, in the node's words; anything else is retried.
      const kind = rejectionKind(error);
      if (kind !== undefined) {
        throw await explainRejection(publicClient, { what, error, kind, account: account.address, maxCost: prepared.gas * prepared.maxFeePerGas });
      }
    }
    for (let poll = 0; poll < 20; poll++) {
      const receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt !== undefined) {
        if (receipt.status !== "success") throw new ServiceConfigError(`${what} reverted (tx ${hash}).`);
        return receipt;
      }
      await sleep(100);
    }
    if (Date.now() > deadline) throw new ServiceConfigError(`${what}: transaction ${hash} not mined within 120 s.`);
  }
}

/** Deploys `ReceiptLogs` with the wallet's account. */
export async function deployReceiptLogs(publicClient: PublicClient, walletClient: AnchorWalletClient): Promise<Address> {
  const receipt = await sendUntilMined(publicClient, walletClient, { data: await receiptLogsBytecode() }, "Deploying ReceiptLogs");
  if (!receipt.contractAddress) throw new ServiceConfigError(`Deploying ReceiptLogs created no contract (tx ${receipt.transactionHash}).`);
  return getAddress(receipt.contractAddress);
}

/** Deploys a `ModelTimeline` governed by the ReceiptLogs at `receiptLogs`. */
export async function deployModelTimeline(publicClient: PublicClient, walletClient: AnchorWalletClient, receiptLogs: Address): Promise<Address> {
  const data = concatHex([await modelTimelineBytecode(), encodeAbiParameters([{ type: "address" }], [receiptLogs])]);
  const receipt = await sendUntilMined(publicClient, walletClient, { data }, "Deploying ModelTimeline");
  if (!receipt.contractAddress) throw new ServiceConfigError(`Deploying ModelTimeline created no contract (tx ${receipt.transactionHash}).`);
  return getAddress(receipt.contractAddress);
}

/** Authorises `signer` to sign the receipts of `logId` (the wallet's account must be the log's admin). */
export async function grantServiceSigner(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  contract: Address,
  logId: Hex,
  signer: Address,
): Promise<TransactionReceipt> {
  return sendUntilMined(
    publicClient,
    walletClient,
    { to: contract, data: encodeFunctionData({ abi: receiptLogsAbi, functionName: "grantSigner", args: [logId, signer] }) },
    `Granting the serving node ${signer} as a signer`,
  );
}

/** Binds `logId` to the ModelTimeline `timeline`, once (the wallet's account must be the log's admin). */
export async function bindServiceTimeline(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  contract: Address,
  logId: Hex,
  timeline: Address,
): Promise<TransactionReceipt> {
  return sendUntilMined(
    publicClient,
    walletClient,
    { to: contract, data: encodeFunctionData({ abi: receiptLogsAbi, functionName: "bindTimeline", args: [logId, timeline] }) },
    "Binding the log's timeline",
  );
}

/**
 * Creates a log administered by the wallet's account, makes that account an anchorer, grants the
 * `signers` and binds a timeline (see {@link ServiceLogOptions}).
 * @returns the log id; the timeline, if any, is readable as `logTimeline(logId)`.
 */
export async function createServiceLog(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  contract: Address,
  options: ServiceLogOptions = {},
): Promise<Hex> {
  const salt = keccak256(toHex(options.salt ?? `showwork service log ${Date.now()}`));
  const account = walletClient.account;
  await sendUntilMined(
    publicClient,
    walletClient,
    { to: contract, data: encodeFunctionData({ abi: receiptLogsAbi, functionName: "createLog", args: [salt, options.maxAnchorDelay ?? 0] }) },
    "Creating the log",
  );
  const logId = await retried(() =>
    publicClient.readContract({ address: contract, abi: receiptLogsAbi, functionName: "computeLogId", args: [account.address, salt] }),
  );
  await sendUntilMined(
    publicClient,
    walletClient,
    { to: contract, data: encodeFunctionData({ abi: receiptLogsAbi, functionName: "grantAnchorer", args: [logId, account.address] }) },
    "Granting the anchorer role",
  );
  for (const signer of options.signers ?? []) await grantServiceSigner(publicClient, walletClient, contract, logId, signer);
  const timeline =
    options.timeline === false ? undefined : options.timeline === undefined || options.timeline === true
      ? await deployModelTimeline(publicClient, walletClient, contract)
      : options.timeline;
  if (timeline !== undefined) {
    // The timeline's admin is the log's admin: it must govern logs of this very contract.
    const governs = await retried(() => publicClient.readContract({ address: timeline, abi: modelTimelineAbi, functionName: "receiptLogs" }));
    if (getAddress(governs) !== getAddress(contract)) {
      throw new ServiceConfigError(`The timeline ${timeline} belongs to another ReceiptLogs (${governs}), not to ${contract}.`, [
        "Do: deploy a ModelTimeline for this ReceiptLogs (or omit the timeline to have one deployed).",
      ]);
    }
    await bindServiceTimeline(publicClient, walletClient, contract, logId, timeline);
  }
  return logId;
}

/**
 * Deploys `ReceiptLogs` and creates a log the wallet's account anchors into, with the serving
 * nodes `signers` authorised and a ModelTimeline bound (unless `timeline: false`).
 */
export async function setupServiceLog(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  options: ServiceLogOptions = {},
): Promise<LogSetup> {
  const contract = await deployReceiptLogs(publicClient, walletClient);
  const logId = await createServiceLog(publicClient, walletClient, contract, options);
  const timeline =
    options.timeline === false
      ? undefined
      : getAddress(await retried(() => publicClient.readContract({ address: contract, abi: receiptLogsAbi, functionName: "logTimeline", args: [logId] })));
  return { contract, logId, timeline };
}
