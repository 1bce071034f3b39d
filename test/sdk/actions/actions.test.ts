/**
 * showwork's viem actions and decorators against a real `hardhat node` over HTTP, sent from a
 * local private-key account (signed in-process, like an operator's key), funded by the node.
 */
import { artifacts } from "hardhat";
import { expect } from "chai";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import * as actions from "../../../sdk/actions/index.js";
import { MissingContractError, showworkPublicActions, showworkWalletActions } from "../../../sdk/actions/index.js";
import { receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { buildReceipt } from "../../../sdk/receipt/buildReceipt.js";
import { modelIdFromName } from "../../../sdk/receipt/modelId.js";
import { ReceiptTree } from "../../../sdk/tree/ReceiptTree.js";
import { verifyBundle as verifyWithLibrary } from "../../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "../../verify/support/hardhatNode.js";
import { buildScenario, httpChain } from "../../verify/support/scenario.js";

const digest = (text: string): Hex => keccak256(stringToHex(text));

/** The contract's custom error inside a viem error (what a write rejected with). */
function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to be rejected");
}

describe("viem actions and decorators (hardhat node over HTTP)", function () {
  let node: HardhatNodeProcess;
  let receiptLogs: Address;
  let modelTimeline: Address;
  const operatorKey = generatePrivateKey();
  const operator = privateKeyToAccount(operatorKey);
  const publisher = privateKeyToAccount(generatePrivateKey());
  const outsider = privateKeyToAccount(generatePrivateKey());

  const publicClient = () => createPublicClient({ chain: hardhat, transport: http(node.url) }).extend(showworkPublicActions({ contracts: { receiptLogs, modelTimeline } }));
  const walletOf = (account: typeof operator) =>
    createWalletClient({ account, chain: hardhat, transport: http(node.url) }).extend(showworkWalletActions({ contracts: { receiptLogs, modelTimeline } }));

  before(async function () {
    node = await startHardhatNode();
    const chain = await httpChain(node.url);
    const deploy = async (name: "ReceiptLogs" | "ModelTimeline", args: readonly unknown[]): Promise<Address> => {
      const artifact = await artifacts.readArtifact(name);
      const hash = await chain.admin.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, args: args as never, account: chain.admin.account, chain: hardhat });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      return receipt.contractAddress!;
    };
    receiptLogs = await deploy("ReceiptLogs", []);
    modelTimeline = await deploy("ModelTimeline", [receiptLogs]);
    for (const account of [operator, publisher, outsider]) {
      const hash = await chain.admin.sendTransaction({ to: account.address, value: parseEther("10"), account: chain.admin.account, chain: hardhat });
      await chain.publicClient.waitForTransactionReceipt({ hash });
    }
  });
  after(async () => {
    await node?.stop();
  });

  describe("logs", () => {
    let logId: Hex;

    it("createLog without wait returns the hash and the log id computed before mining", async () => {
      const wallet = walletOf(operator);
      const salt = digest("log without wait");
      const sent = await wallet.createLog({ maxAnchorDelay: 3600, salt });
      expect(sent.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect("receipt" in sent).to.equal(false);
      const mined = await publicClient().waitForTransactionReceipt({ hash: sent.hash });
      expect(mined.status).to.equal("success");
      const onChain = await publicClient().readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName: "computeLogId", args: [operator.address, salt] });
      expect(sent.logId).to.equal(onChain);
      const log = await publicClient().readLog({ logId: sent.logId });
      expect(log).to.include({ exists: true, admin: operator.address, maxAnchorDelay: 3600, size: 0n });
    });

    it("createLog with wait decodes LogCreated (log id, genesis head) and a random salt gives a fresh log", async () => {
      const created = await walletOf(operator).createLog({ maxAnchorDelay: 600, wait: true });
      expect(created.receipt.status).to.equal("success");
      expect(created.admin).to.equal(operator.address);
      expect(created.genesisHead).to.equal((await publicClient().readLog({ logId: created.logId })).head);
      logId = created.logId;
    });

    it("a second createLog with the same salt is rejected by the contract (ReceiptLogsLogAlreadyExists)", async () => {
      const salt = digest("log twice");
      await walletOf(operator).createLog({ maxAnchorDelay: 1, salt, wait: true });
      const error = await rejection(walletOf(operator).createLog({ maxAnchorDelay: 1, salt, wait: true }));
      expect(revertName(error)).to.equal("ReceiptLogsLogAlreadyExists");
    });

    it("readLog of an unknown log says exists: false", async () => {
      const log = await publicClient().readLog({ logId: digest("no such log") });
      expect(log.exists).to.equal(false);
      expect(log.size).to.equal(0n);
    });

    it("grantAnchorer / revokeAnchorer report whether the role changed; readLogAnchorers follows", async () => {
      const wallet = walletOf(operator);
      const first = await wallet.grantAnchorer({ logId, anchorer: publisher.address, wait: true });
      expect(first.changed).to.equal(true);
      const again = await wallet.grantAnchorer({ logId, anchorer: publisher.address, wait: true });
      expect(again.changed).to.equal(false);
      await wallet.grantAnchorer({ logId, anchorer: operator.address, wait: true });
      expect(await publicClient().readLogAnchorers({ logId })).to.have.members([publisher.address, operator.address]);
      const revoked = await wallet.revokeAnchorer({ logId, anchorer: publisher.address, wait: true });
      expect(revoked.changed).to.equal(true);
      expect(await publicClient().readLogAnchorers({ logId })).to.deep.equal([operator.address]);
    });

    it("only the log admin grants anchorers (ReceiptLogsUnauthorizedAdmin)", async () => {
      const error = await rejection(walletOf(outsider).grantAnchorer({ logId, anchorer: outsider.address, wait: true }));
      expect(revertName(error)).to.equal("ReceiptLogsUnauthorizedAdmin");
    });

    it("setMaxAnchorDelay decodes since (the block time) and readLog shows the new promise", async () => {
      const changed = await walletOf(operator).setMaxAnchorDelay({ logId, maxAnchorDelay: 120, wait: true });
      const block = await publicClient().getBlock({ blockNumber: changed.receipt.blockNumber });
      expect(changed.since).to.equal(Number(block.timestamp));
      expect((await publicClient().readLog({ logId })).maxAnchorDelay).to.equal(120);
    });

    it("anchor takes the next index itself, decodes the new head, and refuses a stale expectedIndex", async () => {
      const wallet = walletOf(operator);
      const receipts = [0, 1, 2].map(
        (i) =>
          buildReceipt({
            model: { name: "acme/chat", weightsDigest: digest("w1") },
            promptTemplate: { digest: digest("template"), version: 1 },
            retrievalIndexDigest: digest("index"),
            memoryDigest: digest("memory"),
            tools: [],
            input: `q${i}`,
            output: `a${i}`,
            sampling: { temperature: 0 },
            servingNode: operator.address,
            sequence: BigInt(i + 1),
            issuedAt: 1_800_000_000,
          }).receipt,
      );
      const tree = ReceiptTree.of(receipts);
      const first = await wallet.anchor({ logId, root: tree.root, leafCount: receipts.length, wait: true });
      expect(first.index).to.equal(0n);
      const second = await wallet.anchor({ logId, root: tree.root, leafCount: receipts.length, wait: true });
      expect(second.index).to.equal(1n);
      const log = await publicClient().readLog({ logId });
      expect(log.size).to.equal(2n);
      expect(log.head).to.equal(second.head);
      const stale = await rejection(wallet.anchor({ logId, root: tree.root, leafCount: 3, expectedIndex: 1, wait: true }));
      expect(revertName(stale)).to.equal("ReceiptLogsUnexpectedIndex");
    });
  });

  describe("model timeline", () => {
    let logId: Hex;
    const name = "acme/procurement";
    const modelId = modelIdFromName(name);
    const v1 = digest("weights v1");
    const v2 = digest("weights v2");

    before(async () => {
      logId = (await walletOf(operator).createLog({ maxAnchorDelay: 3600, wait: true })).logId;
    });

    it("register, publish, deploy, deploy, roll back (with reason), deactivate: each decodes its event, the timeline reads back", async () => {
      const wallet = walletOf(operator);
      const registered = await wallet.registerModel({ logId, name, wait: true });
      expect(registered.modelId).to.equal(modelId);
      expect((await wallet.publishVersion({ logId, modelId, weightsDigest: v1, metadataURI: "ipfs://v1", wait: true })).version).to.equal(1);
      expect((await wallet.publishVersion({ logId, modelId, weightsDigest: v2, wait: true })).version).to.equal(2);
      const d1 = await wallet.deployVersion({ logId, modelId, weightsDigest: v1, wait: true });
      expect(d1).to.include({ version: 1, previousVersion: 0, activationIndex: 0n });
      const d2 = await wallet.deployVersion({ logId, modelId, weightsDigest: v2, wait: true });
      expect(d2).to.include({ version: 2, previousVersion: 1, activationIndex: 1n });
      const rolled = await wallet.rollbackTo({ logId, modelId, weightsDigest: v1, reason: "v2 pays invoices at 100x", wait: true });
      expect(rolled).to.include({ version: 1, previousVersion: 2, activationIndex: 2n });

      const model = await publicClient().readModel({ logId, modelId });
      expect(model).to.include({ registered: true, name, activationCount: 3n });
      expect(model.versions.map((v) => [v.version, v.weightsDigest, v.metadataURI])).to.deep.equal([
        [1, v1, "ipfs://v1"],
        [2, v2, ""],
      ]);
      expect(model.active?.version).to.equal(1);

      const off = await wallet.deactivateModel({ logId, modelId, reason: "retired", wait: true });
      expect(off).to.include({ version: 0, previousVersion: 1, activationIndex: 3n });
      expect((await publicClient().readModel({ logId, modelId })).active).to.equal(undefined);

      const timeline = await publicClient().readModelTimeline({ logId, modelId });
      expect(timeline.activations.map((a) => [a.kind, a.versionNumber, a.reason])).to.deep.equal([
        ["deployment", 1, ""],
        ["deployment", 2, ""],
        ["rollback", 1, "v2 pays invoices at 100x"],
        ["deactivation", 0, "retired"],
      ]);
    });

    it("a rollback to a version that is not earlier is refused with the contract's error", async () => {
      const other = modelIdFromName("acme/other");
      const wallet = walletOf(operator);
      await wallet.registerModel({ logId, name: "acme/other", wait: true });
      await wallet.publishVersion({ logId, modelId: other, weightsDigest: v1, wait: true });
      await wallet.deployVersion({ logId, modelId: other, weightsDigest: v1, wait: true });
      const error = await rejection(wallet.rollbackTo({ logId, modelId: other, weightsDigest: v1, reason: "again", wait: true }));
      expect(revertName(error)).to.equal("ModelTimelineNotEarlierVersion");
    });

    it("grantTimelinePublisher lets another account write the timeline; an outsider is refused", async () => {
      const granted = await walletOf(operator).grantTimelinePublisher({ logId, publisher: publisher.address, wait: true });
      expect(granted.changed).to.equal(true);
      const third = await walletOf(publisher).registerModel({ logId, name: "acme/third", wait: true });
      expect((await publicClient().readModel({ logId, modelId: third.modelId })).registered).to.equal(true);
      const error = await rejection(walletOf(outsider).registerModel({ logId, name: "acme/fourth", wait: true }));
      expect(revertName(error)).to.equal("ModelTimelineUnauthorizedPublisher");
      const revoked = await walletOf(operator).revokeTimelinePublisher({ logId, publisher: publisher.address, wait: true });
      expect(revoked.changed).to.equal(true);
    });
  });

  describe("free functions and configuration", () => {
    it("the free functions take the contract as a parameter; without one they throw MissingContractError", async () => {
      const wallet = createWalletClient({ account: operator, chain: hardhat, transport: http(node.url) });
      const created = await actions.createLog(wallet, { receiptLogs, maxAnchorDelay: 5, wait: true });
      expect((await actions.readLog(wallet, { receiptLogs, logId: created.logId })).exists).to.equal(true);
      const error = await rejection(actions.readLog(wallet, { logId: created.logId }));
      expect(error).to.be.instanceOf(MissingContractError);
      expect((error as Error).message).to.match(/no receiptLogs contract address/);
      const unconfigured = wallet.extend(showworkWalletActions({ contracts: {} }));
      const error2 = await rejection(unconfigured.registerModel({ logId: created.logId, name: "x" }));
      expect(error2).to.be.instanceOf(MissingContractError);
      expect((error2 as MissingContractError).contract).to.equal("modelTimeline");
    });

    it("an unfunded account's write fails at the node, and the error says so (what the node answered)", async () => {
      const broke = privateKeyToAccount(generatePrivateKey());
      const error = await rejection(walletOf(broke).createLog({ maxAnchorDelay: 1, wait: true }));
      expect(String((error as Error).message)).to.match(/doesn't have enough funds|insufficient funds/i);
    });
  });

  describe("verifyBundle through the public decorator", () => {
    it("gives the library's verdict for a real anchored bundle and for a tampered one", async () => {
      const scenario = await buildScenario(await httpChain(node.url));
      const bundle = scenario.json(scenario.v1Batch.bundles[0]!);
      const client = createPublicClient({ chain: hardhat, transport: http(node.url) }).extend(showworkPublicActions({ contracts: {} }));
      const strip = (v: { status: string; checks: readonly { id: string; status: string }[] }) => ({ status: v.status, checks: v.checks.map((c) => [c.id, c.status]) });
      const viaAction = await client.verifyBundle({ bundle });
      const viaLibrary = await verifyWithLibrary(bundle, { rpcUrl: node.url });
      expect(strip(viaAction)).to.deep.equal(strip(viaLibrary));
      expect(viaAction.checks.find((c) => c.id === "batch-root")?.status).to.equal("pass");
      const tampered = structuredClone(bundle) as { receipt: { outputDigest: Hex } };
      tampered.receipt.outputDigest = digest("another answer");
      const bad = await client.verifyBundle({ bundle: tampered });
      expect(bad.status).to.equal("failed");
    });
  });
});
