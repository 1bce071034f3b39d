/**
 * Two chains set up alike for the verifier's multi-chain tests: on each `hardhat node`, ReceiptLogs + ModelTimeline,
 * a log (max anchoring delay 1 h) that authorises one serving node, its timeline bound, model v1 published and active.
 */
import { artifacts } from "hardhat";
import { createPublicClient, createWalletClient, defineChain, http, keccak256, stringToHex, type Address, type Hex, type PublicClient } from "viem";

import { modelTimelineAbi, receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { MODEL_ID, MODEL_NAME, WEIGHTS_V1 } from "./scenario.js";

export interface ChainSetup {
  readonly chainId: number;
  readonly url: string;
  readonly client: PublicClient;
  readonly receiptLogs: Address;
  readonly logId: Hex;
  readonly timeline: Address;
  /** Sends one admin transaction (reverts throw). */
  send(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]): Promise<{ transactionHash: Hex; blockNumber: bigint }>;
  /** Moves the node's clock forward by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  anchor(root: Hex, count: number): Promise<{ batchIndex: number; txHash: Hex; blockNumber: number }>;
}

/** Deploys ReceiptLogs + ModelTimeline on a node, creates a log that authorises `node` and has v1 active. */
export async function setupChain(url: string, node: Address): Promise<ChainSetup> {
  const probe = createPublicClient({ transport: http(url) });
  const chainId = await probe.getChainId();
  const chain = defineChain({ id: chainId, name: `test ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const client = createPublicClient({ chain, transport: http(url) }) as PublicClient;
  const [adminAddress] = (await client.request({ method: "eth_accounts" as never })) as Address[];
  const admin = createWalletClient({ account: adminAddress!, chain, transport: http(url) });
  const deploy = async (name: "ReceiptLogs" | "ModelTimeline", args: unknown[]): Promise<Address> => {
    const artifact = await artifacts.readArtifact(name);
    const hash = await admin.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, args: args as never, account: adminAddress!, chain });
    return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  };
  const send = async (address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) => {
    const hash = await admin.writeContract({ address, abi, functionName, args, account: adminAddress!, chain } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt;
  };
  const receiptLogs = await deploy("ReceiptLogs", []);
  const timeline = await deploy("ModelTimeline", [receiptLogs]);
  const salt = keccak256(stringToHex(`multichain ${chainId} ${Math.random()}`));
  await send(receiptLogs, receiptLogsAbi, "createLog", [salt, 3600]);
  const logId = await client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "computeLogId", args: [adminAddress!, salt] });
  await send(receiptLogs, receiptLogsAbi, "grantAnchorer", [logId, adminAddress!]);
  await send(receiptLogs, receiptLogsAbi, "grantSigner", [logId, node]);
  await send(receiptLogs, receiptLogsAbi, "bindTimeline", [logId, timeline]);
  await send(timeline, modelTimelineAbi, "registerModel", [logId, MODEL_ID, MODEL_NAME]);
  await send(timeline, modelTimelineAbi, "publishVersion", [logId, MODEL_ID, WEIGHTS_V1, "ipfs://v1"]);
  await send(timeline, modelTimelineAbi, "deployVersion", [logId, MODEL_ID, WEIGHTS_V1]);
  return {
    chainId,
    url,
    client,
    receiptLogs,
    logId,
    timeline,
    send,
    advance: async (seconds) => {
      await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
      await client.request({ method: "evm_mine" as never, params: [] as never });
    },
    anchor: async (root, count) => {
      const batchIndex = Number(await client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "logSize", args: [logId] }));
      const tx = await send(receiptLogs, receiptLogsAbi, "anchor", [logId, BigInt(batchIndex), root, BigInt(count)]);
      return { batchIndex, txHash: tx.transactionHash, blockNumber: Number(tx.blockNumber) };
    },
  };
}
