/**
 * ReceiptLogs from TypeScript: real batches built with the SDK (ReceiptTree), cross-checked against
 * @openzeppelin/merkle-tree and merkletreejs, anchored and verified on-chain (proofs and multiproofs).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";
import keccak256Buffer from "keccak256";
import { MerkleTree } from "merkletreejs";
import { type Hex, encodeAbiParameters, getAddress, keccak256, parseAbiParameters, toHex } from "viem";

import { ReceiptTree, hashNode, receiptLeaf } from "../../sdk/index.js";
import { RECEIPT_LEAF_ABI_TYPES } from "../../sdk/receipt/index.js";
import { h, makeReceipts } from "./fixtures.js";
import { ozLeafValues } from "../sdk/tree/ozValues.js";
import { expectCustomError } from "./helpers.js";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();

async function deploy() {
  const [admin, anchorer, other] = await viem.getWalletClients();
  const logs = await viem.deployContract("ReceiptLogs", []);
  await logs.write.createLog([h("tenant-a"), 3600]);
  const logId = await logs.read.computeLogId([admin!.account.address, h("tenant-a")]);
  await logs.write.grantAnchorer([logId, anchorer!.account.address]);
  const asAnchorer = await viem.getContractAt("ReceiptLogs", logs.address, { client: { wallet: anchorer! } });
  const asOther = await viem.getContractAt("ReceiptLogs", logs.address, { client: { wallet: other! } });
  return { logs, logId, admin: admin!, anchorer: anchorer!, other: other!, asAnchorer, asOther };
}

describe("ReceiptLogs", () => {
  it("derives log ids from creator and salt and starts from a genesis head bound to chain, contract and log", async () => {
    const { logs, logId, admin } = await networkHelpers.loadFixture(deploy);
    expect(logId).to.equal(keccak256(encodeAbiParameters(parseAbiParameters("address,bytes32"), [admin.account.address, h("tenant-a")])));
    expect(await logs.read.logExists([logId])).to.equal(true);
    expect(getAddress(await logs.read.logAdmin([logId]))).to.equal(getAddress(admin.account.address));
    expect(await logs.read.logSize([logId])).to.equal(0n);
    const chainId = BigInt(await publicClient.getChainId());
    const digest = BigInt(keccak256(encodeAbiParameters(parseAbiParameters("uint256,address,bytes32"), [chainId, logs.address, logId])));
    expect(await logs.read.logHead([logId])).to.equal(toHex(digest & ((1n << 192n) - 1n), { size: 32 }));
    const [created] = await logs.getEvents.LogCreated({ logId }, { fromBlock: 0n });
    expect(created!.args.genesisHead).to.equal(await logs.read.logHead([logId]));
  });

  it("builds the same tree as OpenZeppelin's StandardMerkleTree and verifies every proof on-chain", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    let index = 0n;
    for (const size of [1, 2, 3, 5, 8, 13, 33]) {
      const receipts = makeReceipts(size, {}, `size-${size}`);
      const tree = ReceiptTree.of(receipts);
      const oz = StandardMerkleTree.of(ozLeafValues(receipts), [...RECEIPT_LEAF_ABI_TYPES], { sortLeaves: false });
      expect(tree.root, `size ${size}: SDK vs OpenZeppelin`).to.equal(oz.root);
      await asAnchorer.write.anchor([logId, index, tree.root, BigInt(size)]);
      for (let i = 0; i < size; i++) {
        const leaf = tree.leaf(i);
        expect(tree.getProof(i)).to.deep.equal(oz.getProof(i));
        expect(await logs.read.verifyInclusion([logId, index, leaf, tree.getProof(i)]), `size ${size} leaf ${i}`).to.equal(true);
      }
      const leaf0 = tree.leaf(0);
      expect(await logs.read.verifyInclusion([logId, index + 1n, leaf0, tree.getProof(0)])).to.equal(false);
      if (size > 1) {
        const tampered = tree.getProof(0).map((p, k) => (k === 0 ? (`0x${(BigInt(p) ^ 1n).toString(16).padStart(64, "0")}` as Hex) : p));
        expect(await logs.read.verifyInclusion([logId, index, leaf0, tampered])).to.equal(false);
      }
      index++;
    }
    expect(await logs.read.logSize([logId])).to.equal(index);
  });

  it("equals a merkletreejs complete tree only when the leaves are given in the heap's left-to-right order", async () => {
    // SPEC: `new MerkleTree(leaves, keccak256, { sortPairs: true, complete: true })`. With the leaves in batch order
    // that holds for powers of two but not in general (merkletreejs pairs the unbalanced bottom level left to right,
    // OpenZeppelin's heap right to left); in the heap's drawn order (deepest level first, as in test/sdk/tree) it
    // always holds, and merkletreejs's verifier accepts the proofs the contract accepts.
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    const heapOrder = (n: number): number[] => {
      const deepest = 2 ** Math.floor(Math.log2(2 * n - 1));
      const order: number[] = [];
      for (let i = 2 * n - 1 - deepest; i >= 0; i--) order.push(i);
      for (let i = n - 1; i >= 2 * n - deepest; i--) order.push(i);
      return order;
    };
    let index = 0n;
    for (const size of [1, 2, 4, 5, 7, 13, 16]) {
      const receipts = makeReceipts(size, {}, `mtjs-${size}`);
      const leaves = receipts.map((r) => Buffer.from(receiptLeaf(r).slice(2), "hex"));
      const ours = ReceiptTree.of(receipts).root;
      const batchOrder = new MerkleTree(leaves, keccak256Buffer, { sortPairs: true, complete: true }).getHexRoot();
      expect(batchOrder === ours, `size ${size}, batch order`).to.equal(Number.isInteger(Math.log2(size)));
      const mtjs = new MerkleTree(heapOrder(size).map((i) => leaves[i]!), keccak256Buffer, { sortPairs: true, complete: true });
      expect(mtjs.getHexRoot(), `size ${size}, heap order`).to.equal(ours);
      await asAnchorer.write.anchor([logId, index, ours, BigInt(size)]);
      const tree = ReceiptTree.of(receipts);
      for (let i = 0; i < size; i++) {
        expect(mtjs.verify(tree.getProof(i), leaves[i]!, ours), `size ${size}, leaf ${i}: merkletreejs verifies`).to.equal(true);
        expect(await logs.read.verifyInclusion([logId, index, toHex(leaves[i]!), tree.getProof(i)])).to.equal(true);
      }
      index++;
    }
  });

  it("verifies a 16-leaf multiproof of a real batch on-chain (SDK and OpenZeppelin multiproofs agree)", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    const receipts = makeReceipts(100, {}, "multi");
    const tree = ReceiptTree.of(receipts);
    await asAnchorer.write.anchor([logId, 0n, tree.root, 100n]);
    const picked = Array.from({ length: 16 }, (_, k) => (k * 37) % 100);
    const multi = tree.getMultiProof(picked);
    const oz = StandardMerkleTree.of(ozLeafValues(receipts), [...RECEIPT_LEAF_ABI_TYPES], { sortLeaves: false });
    const ozMulti = oz.getMultiProof(picked);
    expect(multi.proof).to.deep.equal(ozMulti.proof);
    expect(multi.proofFlags).to.deep.equal(ozMulti.proofFlags);
    expect(multi.leaves).to.have.length(16);
    expect(await logs.read.verifyMultiProof([logId, 0n, multi.proof, multi.proofFlags, multi.leaves])).to.equal(true);
    const forged = [...multi.leaves];
    forged[3] = h("forged");
    expect(await logs.read.verifyMultiProof([logId, 0n, multi.proof, multi.proofFlags, forged])).to.equal(false);
    await expectCustomError(
      logs.read.verifyMultiProof([logId, 0n, multi.proof, multi.proofFlags.slice(1), multi.leaves]),
      "MerkleProofInvalidMultiproof",
    );
    await expectCustomError(logs.read.verifyMultiProof([logId, 0n, [tree.root], [], []]), "ReceiptLogsEmptyMultiproof", [logId, 0n]);
  });

  it("verifies a depth-20 proof (a 10^6-leaf batch) on-chain", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    const leaf = receiptLeaf(makeReceipts(1, {}, "deep")[0]!);
    const proof = Array.from({ length: 20 }, (_, i) => h(`sibling ${i}`));
    const root = proof.reduce((node, sibling) => hashNode(node, sibling), leaf);
    await asAnchorer.write.anchor([logId, 0n, root, 1_000_000n]);
    expect(await logs.read.verifyInclusion([logId, 0n, leaf, proof])).to.equal(true);
    expect(await logs.read.verifyInclusion([logId, 0n, leaf, proof.slice(0, 19)])).to.equal(false);
  });

  it("chains heads that anyone can recompute from BatchAnchored events and blocks", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    let head = await logs.read.logHead([logId]);
    for (let i = 0n; i < 4n; i++) {
      await networkHelpers.time.increase(60);
      await asAnchorer.write.anchor([logId, i, h(`root ${i}`), 10n + i]);
    }
    const events = await logs.getEvents.BatchAnchored({ logId }, { fromBlock: 0n });
    expect(events.map((e) => e.args.index)).to.deep.equal([0n, 1n, 2n, 3n]);
    for (const event of events) {
      const block = await publicClient.getBlock({ blockNumber: event.blockNumber });
      const { index, root, leafCount } = event.args;
      head = await logs.read.computeHead([head, index!, root!, leafCount!, block.timestamp, block.number]);
      expect(event.args.head).to.equal(head);
      expect(BigInt(head) >> 192n).to.equal(index! + 1n);
    }
    expect(await logs.read.logHead([logId])).to.equal(head);
  });

  it("anchors several logs in one transaction with anchorMany", async () => {
    const { logs, logId, admin, anchorer, asAnchorer } = await networkHelpers.loadFixture(deploy);
    await logs.write.createLog([h("tenant-b"), 0]);
    const logB = await logs.read.computeLogId([admin.account.address, h("tenant-b")]);
    await logs.write.grantAnchorer([logB, anchorer.account.address]);
    const hash = await asAnchorer.write.anchorMany([
      [
        { logId, expectedIndex: 0n, root: h("a0"), leafCount: 1n },
        { logId: logB, expectedIndex: 0n, root: h("b0"), leafCount: 2n },
        { logId, expectedIndex: 1n, root: h("a1"), leafCount: 3n },
      ],
    ]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const events = await logs.getEvents.BatchAnchored({}, { blockHash: receipt.blockHash });
    expect(events.map((e) => [e.args.logId, e.args.index])).to.deep.equal([
      [logId, 0n],
      [logB, 0n],
      [logId, 1n],
    ]);
    expect(await logs.read.logSize([logId])).to.equal(2n);
    expect(await logs.read.batchRoot([logB, 0n])).to.equal(h("b0"));
  });

  it("reverts with a distinct custom error for each misuse", async () => {
    const { logs, logId, anchorer, other, asAnchorer, asOther } = await networkHelpers.loadFixture(deploy);
    await expectCustomError(asAnchorer.write.anchor([h("nope"), 0n, h("r"), 1n]), "ReceiptLogsUnknownLog", [h("nope")]);
    await expectCustomError(asOther.write.anchor([logId, 0n, h("r"), 1n]), "ReceiptLogsUnauthorizedAnchorer", [
      logId,
      getAddress(other.account.address),
    ]);
    await expectCustomError(asAnchorer.write.anchor([logId, 0n, `0x${"00".repeat(32)}`, 1n]), "ReceiptLogsZeroRoot", [logId, 0n]);
    await expectCustomError(asAnchorer.write.anchor([logId, 0n, h("r"), 0n]), "ReceiptLogsZeroLeafCount", [logId, 0n]);
    await expectCustomError(asAnchorer.write.anchor([logId, 1n, h("r"), 1n]), "ReceiptLogsUnexpectedIndex", [logId, 1n, 0n]);
    await asAnchorer.write.anchor([logId, 0n, h("r"), 1n]);
    await expectCustomError(asAnchorer.write.anchor([logId, 0n, h("r"), 1n]), "ReceiptLogsUnexpectedIndex", [logId, 0n, 1n]);
    await expectCustomError(asOther.write.grantAnchorer([logId, other.account.address]), "ReceiptLogsUnauthorizedAdmin", [
      logId,
      getAddress(other.account.address),
    ]);
    await expectCustomError(asAnchorer.write.acceptLogAdmin([logId]), "ReceiptLogsNotPendingAdmin", [
      logId,
      getAddress(anchorer.account.address),
    ]);
    await expectCustomError(logs.write.createLog([h("tenant-a"), 0]), "ReceiptLogsLogAlreadyExists", [logId]);
    expect(await logs.read.logSize([logId])).to.equal(1n);
  });

  it("records every change of the declared maximum anchoring delay", async () => {
    const { logs, logId } = await networkHelpers.loadFixture(deploy);
    const created = (await logs.read.maxAnchorDelayHistory([logId, 0n, 1n]))[0]!.since;
    await networkHelpers.time.setNextBlockTimestamp(created + 1000n);
    await logs.write.setMaxAnchorDelay([logId, 120]);
    const changes = await logs.getEvents.MaxAnchorDelayChanged({ logId }, { fromBlock: 0n });
    expect(changes.map((c) => c.args.maxAnchorDelay)).to.deep.equal([3600, 120]);
    expect(await logs.read.maxAnchorDelayAt([logId, created + 999n])).to.equal(3600);
    expect(await logs.read.maxAnchorDelayAt([logId, created + 1000n])).to.equal(120);
    expect(await logs.read.maxAnchorDelay([logId])).to.equal(120);
    expect(await logs.read.maxAnchorDelayHistoryLength([logId])).to.equal(2n);
  });
});
