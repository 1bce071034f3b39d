/**
 * Deploying `ReceiptLogs` and creating a log for the service, for local and development
 * chains (the embedded in-process chain, a `hardhat node`). Production deployments go
 * through the deployment scripts; the service then gets `--contract` and `--log-id`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

import { encodeFunctionData, getAddress, keccak256, toHex, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { ServiceConfigError } from "../errors.js";
import { signLocally, type AnchorWalletClient } from "../anchor/anchorer.js";

const ARTIFACT = new URL("../../../artifacts/contracts/ReceiptLogs.sol/ReceiptLogs.json", import.meta.url);

/** The creation bytecode of `ReceiptLogs` from the Hardhat artifacts. @throws {ServiceConfigError} */
export async function receiptLogsBytecode(): Promise<Hex> {
  let text: string;
  try {
    text = await readFile(ARTIFACT, "utf8");
  } catch {
    throw new ServiceConfigError("The ReceiptLogs artifact is missing.", [`Looked in: ${ARTIFACT.pathname}`, "Do: run `npx hardhat build` first."]);
  }
  const artifact = JSON.parse(text) as { bytecode?: string };
  if (typeof artifact.bytecode !== "string" || artifact.bytecode.length < 4) {
    throw new ServiceConfigError("The ReceiptLogs artifact has no bytecode.", ["Do: run `npx hardhat build`."]);
  }
  return artifact.bytecode as Hex;
}

/** A deployed contract and a log in it. */
export interface LogSetup {
  readonly contract: Address;
  readonly logId: Hex;
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
    await publicClient.sendRawTransaction({ serializedTransaction: raw }).catch(() => undefined); // known, or retried below
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

/**
 * Creates a log administered by the wallet's account and makes that account an anchorer.
 * @param salt - any string; one account gets one log per salt.
 */
export async function createServiceLog(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  contract: Address,
  options: { salt?: string; maxAnchorDelay?: number } = {},
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
  return logId;
}

/** Deploys `ReceiptLogs` and creates a log the wallet's account anchors into. */
export async function setupServiceLog(
  publicClient: PublicClient,
  walletClient: AnchorWalletClient,
  options: { salt?: string; maxAnchorDelay?: number } = {},
): Promise<LogSetup> {
  const contract = await deployReceiptLogs(publicClient, walletClient);
  const logId = await createServiceLog(publicClient, walletClient, contract, options);
  return { contract, logId };
}
