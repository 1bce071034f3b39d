/**
 * Deploying `ReceiptLogs` and creating a log for the service, for local and development
 * chains (the embedded in-process chain, a `hardhat node`). Production deployments go
 * through the deployment scripts; the service then gets `--contract` and `--log-id`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

import { keccak256, toHex, type Address, type Hex, type PublicClient } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { ServiceConfigError } from "../errors.js";
import type { AnchorWalletClient } from "../anchor/anchorer.js";

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

/** Deploys `ReceiptLogs` with the wallet's account. */
export async function deployReceiptLogs(publicClient: PublicClient, walletClient: AnchorWalletClient): Promise<Address> {
  const hash = await walletClient.deployContract({
    abi: receiptLogsAbi,
    bytecode: await receiptLogsBytecode(),
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new ServiceConfigError(`Deploying ReceiptLogs failed (tx ${hash}).`);
  return receipt.contractAddress;
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
  const base = { address: contract, abi: receiptLogsAbi, account, chain: walletClient.chain } as const;
  const created = await walletClient.writeContract({ ...base, functionName: "createLog", args: [salt, options.maxAnchorDelay ?? 0] });
  await publicClient.waitForTransactionReceipt({ hash: created, pollingInterval: 50 });
  const logId = await publicClient.readContract({ address: contract, abi: receiptLogsAbi, functionName: "computeLogId", args: [account.address, salt] });
  const granted = await walletClient.writeContract({ ...base, functionName: "grantAnchorer", args: [logId, account.address] });
  await publicClient.waitForTransactionReceipt({ hash: granted, pollingInterval: 50 });
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
