/**
 * A log on a real chain whose batches the test builds, anchors and publishes by hand — so each test can
 * leave out, repeat, alter or withhold exactly what it needs. Contracts are deployed once per chain;
 * each {@link PublishedLog} is a fresh log on them.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { artifacts } from "hardhat";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { modelTimelineAbi, receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { batchPath } from "../../../sdk/publish/layout.js";
import { buildReceipt } from "../../../sdk/receipt/buildReceipt.js";
import { toReceiptJson } from "../../../sdk/receipt/parseReceipt.js";
import { signReceipt } from "../../../sdk/receipt/signReceipt.js";
import type { Receipt } from "../../../sdk/receipt/types.js";
import { ReceiptTree } from "../../../sdk/tree/ReceiptTree.js";
import type { TestChain, Wallet } from "../../verify/support/scenario.js";

export const MODEL = "acme/monitor-test";
export const V1 = keccak256(stringToHex("monitor test weights v1"));
export const V2 = keccak256(stringToHex("monitor test weights v2"));

/** Contracts shared by the logs of one chain. */
export interface Deployed {
  readonly chain: TestChain;
  readonly receiptLogs: Address;
  readonly timeline: Address;
}

async function send(chain: TestChain, wallet: Wallet, call: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] }): Promise<{ blockNumber: bigint; transactionHash: Hex }> {
  const hash = await wallet.writeContract({ ...call, account: wallet.account, chain: wallet.chain } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${call.functionName} reverted`);
  return receipt;
}

export async function deployContracts(chain: TestChain): Promise<Deployed> {
  const deploy = async (name: "ReceiptLogs" | "ModelTimeline", args: readonly unknown[]): Promise<Address> => {
    const artifact = await artifacts.readArtifact(name);
    const hash = await chain.admin.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, args: args as never, account: chain.admin.account, chain: chain.admin.chain });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    return receipt.contractAddress!;
  };
  const receiptLogs = await deploy("ReceiptLogs", []);
  const timeline = await deploy("ModelTimeline", [receiptLogs]);
  return { chain, receiptLogs, timeline };
}

/** One serving node: its key and its next sequence number. */
export interface Node {
  readonly account: PrivateKeyAccount;
  sequence: bigint;
}

export function newNode(first = 1n): Node {
  return { account: privateKeyToAccount(generatePrivateKey()), sequence: first };
}

/** A fresh log, its folder of published files, helpers to make, anchor and publish batches. */
export interface PublishedLog {
  readonly deployed: Deployed;
  readonly logId: Hex;
  readonly dir: string;
  /** The authorised serving node. */
  readonly node: Node;
  /** Signed receipts from `node` (next sequence numbers) under `weightsDigest` at `issuedAt` (default: chain time). */
  receipts(count: number, options?: { node?: Node; weightsDigest?: Hex; issuedAt?: number }): Promise<Receipt[]>;
  /** Anchors a batch; returns its index and tree. Does not publish it. */
  anchor(receipts: readonly Receipt[]): Promise<{ index: number; tree: ReceiptTree }>;
  /** Writes a batch file (default: the tree's saved form) into the folder. */
  publish(index: number, tree: ReceiptTree, text?: string): Promise<string>;
  /** Anchors and publishes. */
  anchorAndPublish(receipts: readonly Receipt[]): Promise<{ index: number; tree: ReceiptTree }>;
  deploy(weightsDigest: Hex): Promise<void>;
  rollback(weightsDigest: Hex, reason: string): Promise<void>;
  chainTime(): Promise<number>;
}

export async function newPublishedLog(deployed: Deployed, options: { maxAnchorDelay?: number } = {}): Promise<PublishedLog> {
  const { chain } = deployed;
  const logs = { address: deployed.receiptLogs, abi: receiptLogsAbi } as const;
  const models = { address: deployed.timeline, abi: modelTimelineAbi } as const;
  const salt = keccak256(stringToHex(`monitor ${Date.now()} ${Math.random()}`));
  await send(chain, chain.admin, { ...logs, functionName: "createLog", args: [salt, options.maxAnchorDelay ?? 3600] });
  const logId = await chain.publicClient.readContract({ ...logs, functionName: "computeLogId", args: [chain.admin.account.address, salt] });
  await send(chain, chain.admin, { ...logs, functionName: "grantAnchorer", args: [logId, chain.anchorer.account.address] });
  const modelId = keccak256(stringToHex(MODEL));
  await send(chain, chain.admin, { ...models, functionName: "registerModel", args: [logId, modelId, MODEL] });
  await send(chain, chain.admin, { ...models, functionName: "publishVersion", args: [logId, modelId, V1, "ipfs://v1"] });
  await send(chain, chain.admin, { ...models, functionName: "publishVersion", args: [logId, modelId, V2, "ipfs://v2"] });
  await send(chain, chain.admin, { ...models, functionName: "deployVersion", args: [logId, modelId, V1] });
  const node = newNode();
  await send(chain, chain.admin, { ...logs, functionName: "bindTimeline", args: [logId, deployed.timeline] });
  await send(chain, chain.admin, { ...logs, functionName: "grantSigner", args: [logId, node.account.address] });
  const dir = await mkdtemp(path.join(tmpdir(), "showwork-monitor-"));
  await mkdir(path.join(dir, path.dirname(batchPath(logId, 0))), { recursive: true });
  const chainTime = async (): Promise<number> => Number((await chain.publicClient.getBlock()).timestamp);
  let memory = 0;

  const log: PublishedLog = {
    deployed,
    logId,
    dir,
    node,
    chainTime,
    async receipts(count, opts = {}) {
      const who = opts.node ?? node;
      const issuedAt = opts.issuedAt ?? (await chainTime());
      const out: Receipt[] = [];
      for (let i = 0; i < count; i++) {
        const { receipt } = buildReceipt({
          model: { name: MODEL, weightsDigest: opts.weightsDigest ?? V1 },
          promptTemplate: { digest: keccak256(stringToHex("template")), version: 1 },
          retrievalIndexDigest: keccak256(stringToHex("index")),
          memoryDigest: keccak256(stringToHex(`memory ${memory++}`)),
          tools: [],
          input: `question ${memory}`,
          output: `answer ${memory}`,
          sampling: { temperature: 0 },
          servingNode: who.account.address,
          sequence: who.sequence++,
          issuedAt,
        });
        out.push(await signReceipt(who.account, receipt));
      }
      return out;
    },
    async anchor(receipts) {
      const tree = ReceiptTree.of([...receipts]);
      const index = Number(await chain.publicClient.readContract({ ...logs, functionName: "logSize", args: [logId] }));
      await send(chain, chain.anchorer, { ...logs, functionName: "anchor", args: [logId, BigInt(index), tree.root, BigInt(tree.size)] });
      return { index, tree };
    },
    async publish(index, tree, text) {
      const file = path.join(dir, batchPath(logId, index));
      const dump = tree.dump();
      await writeFile(file, text ?? JSON.stringify({ ...dump, receipts: dump.receipts.map((r) => r) }));
      return file;
    },
    async anchorAndPublish(receipts) {
      const anchored = await log.anchor(receipts);
      await log.publish(anchored.index, anchored.tree);
      return anchored;
    },
    async deploy(weightsDigest) {
      await send(chain, chain.admin, { ...models, functionName: "deployVersion", args: [logId, modelId, weightsDigest] });
    },
    async rollback(weightsDigest, reason) {
      await send(chain, chain.admin, { ...models, functionName: "rollbackTo", args: [logId, modelId, weightsDigest, reason] });
    },
  };
  return log;
}

export { toReceiptJson };
