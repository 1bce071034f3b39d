/**
 * A real anchoring scenario for verifier tests: deploys ReceiptLogs and ModelTimeline, creates a
 * log, publishes and activates model versions, builds batches of (signed) receipts with the SDK,
 * anchors their roots, and returns proof bundles. Works on any chain reachable by viem clients
 * (Hardhat's in-process network, or a `hardhat node` process over HTTP).
 */
import { artifacts } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  stringToHex,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { buildBundle } from "../../../sdk/bundle/buildBundle.js";
import { toBundleJson } from "../../../sdk/bundle/parseBundle.js";
import { BUNDLE_FORMAT_V1, type ProofBundle, type ProofBundleV1Json as ProofBundleJson } from "../../../sdk/bundle/types.js";
import { modelTimelineAbi, receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { parseDeploymentsRecord, type DeploymentsRecord } from "../../../sdk/deployments/record.js";
import { buildReceipt, type ReceiptOpenings } from "../../../sdk/receipt/buildReceipt.js";
import { modelIdFromName } from "../../../sdk/receipt/modelId.js";
import { signReceipt } from "../../../sdk/receipt/signReceipt.js";
import type { Receipt } from "../../../sdk/receipt/types.js";
import { ReceiptTree } from "../../../sdk/tree/ReceiptTree.js";

/** Wallets with an account and a chain: what writeContract/deployContract need. */
export type Wallet = WalletClient & { account: Account; chain: Chain | undefined };

/** A chain to run the scenario on. */
export interface TestChain {
  readonly publicClient: PublicClient;
  /** Log admin (and timeline publisher). */
  readonly admin: Wallet;
  /** Authorised anchorer. */
  readonly anchorer: Wallet;
  /** An account with no rights. */
  readonly outsider: Wallet;
}

/** The clients of Hardhat's in-process network (`network.create()`). */
export async function inProcessChain(viem: {
  getPublicClient(): Promise<unknown>;
  getWalletClients(): Promise<unknown[]>;
}): Promise<TestChain> {
  const [admin, anchorer, outsider] = (await viem.getWalletClients()) as Wallet[];
  return { publicClient: (await viem.getPublicClient()) as PublicClient, admin: admin!, anchorer: anchorer!, outsider: outsider! };
}

/** Clients of a `hardhat node` over HTTP (its unlocked accounts). */
export async function httpChain(url: string): Promise<TestChain> {
  const publicClient = createPublicClient({ chain: hardhat, transport: http(url) });
  const accounts = (await publicClient.request({ method: "eth_accounts" as never })) as Address[];
  const wallet = (address: Address): Wallet =>
    createWalletClient({ account: address, chain: hardhat, transport: http(url) }) as unknown as Wallet;
  return { publicClient, admin: wallet(accounts[0]!), anchorer: wallet(accounts[1]!), outsider: wallet(accounts[2]!) };
}

export const MODEL_NAME = "acme-chat";
export const MODEL_ID = modelIdFromName(MODEL_NAME);
export const WEIGHTS_V1 = keccak256(stringToHex("acme-chat weights v1"));
export const WEIGHTS_V2 = keccak256(stringToHex("acme-chat weights v2"));
export const MAX_ANCHOR_DELAY = 3600;
export const ROLLBACK_REASON = "v2 quoted wrong refund amounts";

/** One anchored batch. */
export interface AnchoredBatch {
  readonly batchIndex: number;
  readonly tree: ReceiptTree;
  readonly receipts: readonly Receipt[];
  readonly openings: readonly ReceiptOpenings[];
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly bundles: readonly ProofBundle[];
}

/** A deployed, populated scenario. */
export interface Scenario {
  readonly chain: TestChain;
  readonly chainId: number;
  readonly receiptLogs: Address;
  readonly timeline: Address;
  readonly logId: Hex;
  readonly servingNode: ReturnType<typeof privateKeyToAccount>;
  /** Batch 0: 5 signed receipts under v1 (the valid bundle the tamper suite mutates is its receipt #0). */
  readonly v1Batch: AnchoredBatch;
  /** Batch 1: 3 unsigned receipts under v1 (with openings, for disclosure checks). */
  readonly v1Unsigned: AnchoredBatch;
  /** Batch 2: 2 receipts under v2 while v2 was active. */
  readonly v2Batch: AnchoredBatch;
  /** Batch 3: 1 receipt claiming v2 issued after the rollback to v1. */
  readonly afterRollback: AnchoredBatch;
  /** Builds and anchors another batch. */
  anchorBatch(params: BatchParameters): Promise<AnchoredBatch>;
  /** Latest block timestamp. */
  chainTime(): Promise<number>;
  /** Moves the chain's clock forward and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  /** The JSON form of a bundle. */
  json(bundle: ProofBundle): ProofBundleJson;
}

/** What to put in a batch. */
export interface BatchParameters {
  readonly count: number;
  readonly weightsDigest: Hex;
  readonly sign?: boolean;
  /** Default: the chain's latest block time. */
  readonly issuedAt?: number;
  /** Default: the log's next index. */
  readonly expectedIndex?: number;
}

export async function deploy(chain: TestChain, name: "ReceiptLogs" | "ModelTimeline" | "ReceiptLogsLookalike", args: readonly unknown[], from: Wallet = chain.admin): Promise<Address> {
  const artifact = await artifacts.readArtifact(name);
  const hash = await from.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode as Hex,
    args: args as never,
    account: from.account,
    chain: from.chain,
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
  return receipt.contractAddress;
}

/** Sends a transaction and waits for its (successful) receipt. */
export async function send(chain: TestChain, wallet: Wallet, call: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] }) {
  const hash = await wallet.writeContract({ ...call, account: wallet.account, chain: wallet.chain } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${call.functionName} reverted`);
  return receipt;
}

/** Deploys the contracts and anchors the four batches described in {@link Scenario}. */
export async function buildScenario(chain: TestChain): Promise<Scenario> {
  const { publicClient, admin, anchorer } = chain;
  const chainId = await publicClient.getChainId();
  const receiptLogs = await deploy(chain, "ReceiptLogs", []);
  const timeline = await deploy(chain, "ModelTimeline", [receiptLogs]);
  const logs = { address: receiptLogs, abi: receiptLogsAbi } as const;
  const models = { address: timeline, abi: modelTimelineAbi } as const;

  const salt = keccak256(stringToHex(`verifier tests ${Date.now()} ${Math.random()}`));
  await send(chain, admin, { ...logs, functionName: "createLog", args: [salt, MAX_ANCHOR_DELAY] });
  const logId = await publicClient.readContract({ ...logs, functionName: "computeLogId", args: [admin.account.address, salt] });
  await send(chain, admin, { ...logs, functionName: "grantAnchorer", args: [logId, anchorer.account.address] });
  const servingNode = privateKeyToAccount(generatePrivateKey());
  await send(chain, admin, { ...logs, functionName: "grantSigner", args: [logId, servingNode.address] });
  await send(chain, admin, { ...logs, functionName: "bindTimeline", args: [logId, timeline] });
  await send(chain, admin, { ...models, functionName: "registerModel", args: [logId, MODEL_ID, MODEL_NAME] });
  await send(chain, admin, { ...models, functionName: "publishVersion", args: [logId, MODEL_ID, WEIGHTS_V1, "ipfs://acme-chat/v1"] });
  await send(chain, admin, { ...models, functionName: "publishVersion", args: [logId, MODEL_ID, WEIGHTS_V2, "ipfs://acme-chat/v2"] });
  await send(chain, admin, { ...models, functionName: "deployVersion", args: [logId, MODEL_ID, WEIGHTS_V1] });

  let sequence = 0n;

  const chainTime = async (): Promise<number> => Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp);

  const anchorBatch = async (params: BatchParameters): Promise<AnchoredBatch> => {
    const issuedAt = params.issuedAt ?? (await chainTime());
    const receipts: Receipt[] = [];
    const openings: ReceiptOpenings[] = [];
    for (let i = 0; i < params.count; i++) {
      const built = buildReceipt({
        model: { name: MODEL_NAME, weightsDigest: params.weightsDigest },
        promptTemplate: { digest: keccak256(stringToHex("support template")), version: 3 },
        retrievalIndexDigest: keccak256(stringToHex("kb snapshot 2026-11-01")),
        memoryDigest: keccak256(stringToHex(`memory ${sequence}`)),
        tools: [{ name: "orders.lookup", input: `order #${1000 + i}`, output: `{"status":"shipped","item":${i}}` }],
        input: `Where is my order #${1000 + i}?`,
        output: `Your order #${1000 + i} has shipped.`,
        sampling: { temperature: 0.2, seed: 7 },
        servingNode: servingNode.address,
        sequence: ++sequence,
        issuedAt,
      });
      receipts.push(params.sign ? await signReceipt(servingNode, built.receipt) : built.receipt);
      openings.push(built.openings);
    }
    const tree = ReceiptTree.of(receipts);
    const batchIndex =
      params.expectedIndex ?? Number(await publicClient.readContract({ ...logs, functionName: "logSize", args: [logId] }));
    const tx = await send(chain, anchorer, {
      ...logs,
      functionName: "anchor",
      args: [logId, BigInt(batchIndex), tree.root, BigInt(receipts.length)],
    });
    const anchor = { chainId, contract: receiptLogs, logId, batchIndex, txHash: tx.transactionHash, blockNumber: Number(tx.blockNumber) };
    const bundles = receipts.map((receipt) => buildBundle({ tree, receipt, anchor, timeline: { contract: timeline } }));
    return { batchIndex, tree, receipts, openings, txHash: tx.transactionHash, blockNumber: Number(tx.blockNumber), bundles };
  };

  const v1Batch = await anchorBatch({ count: 5, weightsDigest: WEIGHTS_V1, sign: true });
  const v1Unsigned = await anchorBatch({ count: 3, weightsDigest: WEIGHTS_V1 });
  await send(chain, admin, { ...models, functionName: "deployVersion", args: [logId, MODEL_ID, WEIGHTS_V2] });
  const v2Batch = await anchorBatch({ count: 2, weightsDigest: WEIGHTS_V2, sign: true });
  await send(chain, admin, { ...models, functionName: "rollbackTo", args: [logId, MODEL_ID, WEIGHTS_V1, ROLLBACK_REASON] });
  const afterRollback = await anchorBatch({ count: 1, weightsDigest: WEIGHTS_V2, sign: true, issuedAt: await chainTime() });

  return {
    chain,
    chainId,
    receiptLogs,
    timeline,
    logId,
    servingNode,
    v1Batch,
    v1Unsigned,
    v2Batch,
    afterRollback,
    anchorBatch,
    chainTime,
    increaseTime: async (seconds) => {
      await publicClient.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
      await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    },
    json: (bundle) => toBundleJson(bundle, { format: BUNDLE_FORMAT_V1 }) as ProofBundleJson,
  };
}

/** Revokes an anchorer (to show the verdict still passes for batches it anchored before). */
export async function revokeAnchorer(scenario: Scenario, account: Address): Promise<void> {
  await send(scenario.chain, scenario.chain.admin, {
    address: scenario.receiptLogs,
    abi: receiptLogsAbi,
    functionName: "revokeAnchorer",
    args: [scenario.logId, account],
  });
}

/** A deployments record listing the scenario's contracts (or another ReceiptLogs address) for its chain. */
export function deploymentsRecordFor(scenario: Scenario, receiptLogs: Address = scenario.receiptLogs): DeploymentsRecord {
  const contract = (address: Address, sourceName: string) => ({
    address,
    sourceName,
    constructorArgs: [],
    initCodeHash: keccak256(stringToHex(sourceName)),
    txHash: keccak256(stringToHex(`${sourceName} deployment`)),
    blockNumber: 1,
  });
  return parseDeploymentsRecord({
    format: "showwork/deployments@1",
    chains: {
      [scenario.chainId]: {
        chainId: scenario.chainId,
        chainName: "Local test chain",
        network: "test",
        deploymentBlock: 1,
        create2: { factory: "0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed", salt: keccak256(stringToHex("salt")) },
        compiler: { solcVersion: "0.8.30", buildProfile: "production", settings: {} },
        contracts: {
          ReceiptLogs: contract(receiptLogs, "contracts/ReceiptLogs.sol"),
          ModelTimeline: contract(scenario.timeline, "contracts/ModelTimeline.sol"),
          AnswerEscrow: contract(scenario.timeline, "contracts/examples/AnswerEscrow.sol"),
        },
        explorers: [],
        previous: [],
      },
    },
  });
}

