/**
 * The SDK against the contracts on Hardhat's in-process chain: ReceiptHashing (Solidity
 * twin of the receipt hashing) and ReceiptLogs' inclusion checks (OpenZeppelin MerkleProof)
 * accept the SDK's hashes, proofs and multiproofs, and reject the mutated vectors.
 */
import { readFileSync } from "node:fs";

import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  commitContent,
  computeToolsDigest,
  parseReceipt,
  ReceiptTree,
  signReceipt,
  toReceiptStruct,
} from "../../sdk/index.js";
import { syntheticReceipts } from "./helpers.js";

const { viem, networkHelpers } = await network.create();

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../vectors/${file}`, import.meta.url), "utf8"));

async function deploy() {
  const [admin] = await viem.getWalletClients();
  const hashing = await viem.deployContract("ReceiptHashingMock", []);
  const logs = await viem.deployContract("ReceiptLogs", []);
  const salt = keccak256(toHex("sdk vectors"));
  await logs.write.createLog([salt, 0]);
  const logId = await logs.read.computeLogId([admin!.account.address, salt]);
  await logs.write.grantAnchorer([logId, admin!.account.address]);
  return { hashing, logs, logId };
}

describe("SDK ↔ contracts", () => {
  it("ReceiptHashing gives the SDK's receiptHash, leaf and toolsDigest for every vector receipt", async () => {
    const { hashing } = await networkHelpers.loadFixture(deploy);
    for (const c of read("receipts.json").cases) {
      const receipt = parseReceipt(c.receipt);
      expect(await hashing.read.hashReceipt([toReceiptStruct(receipt)]), c.name).to.equal(c.receiptHash);
      expect(await hashing.read.leaf([toReceiptStruct(receipt)]), c.name).to.equal(c.leaf);
      const tools = receipt.tools.map((t) => ({ nameHash: keccak256(toHex(t.name)), inputDigest: t.inputDigest, outputDigest: t.outputDigest }));
      expect(await hashing.read.toolsDigest([tools]), c.name).to.equal(computeToolsDigest(receipt.tools));
    }
  });

  it("ReceiptHashing opens the SDK's commitments and accepts the SDK's signatures", async () => {
    const { hashing } = await networkHelpers.loadFixture(deploy);
    const { digest, salt } = commitContent("The answer is 42.");
    expect(await hashing.read.checkCommitment([digest, salt, toHex("The answer is 42.")])).to.equal(true);
    expect(await hashing.read.checkCommitment([digest, salt, toHex("The answer is 43.")])).to.equal(false);
    const account = privateKeyToAccount(`0x${"33".repeat(32)}`);
    const receipt = { ...syntheticReceipts(1)[0]!, servingNode: account.address };
    const signed = await signReceipt(account, receipt);
    expect(await hashing.read.isSignedByServingNode([toReceiptStruct(signed), signed.signature!])).to.equal(true);
    expect(await hashing.read.isSignedByServingNode([{ ...toReceiptStruct(signed), sequence: 99n }, signed.signature!])).to.equal(false);
  });

  it("MerkleProof (via ReceiptLogs.verifyInclusion) accepts every SDK proof and multiproof of an anchored batch", async () => {
    const { logs, logId } = await networkHelpers.loadFixture(deploy);
    const receipts = syntheticReceipts(37, 5);
    const tree = ReceiptTree.of(receipts);
    await logs.write.anchor([logId, 0n, tree.root, BigInt(tree.size)]);
    for (let i = 0; i < tree.size; i++) {
      expect(await logs.read.verifyInclusion([logId, 0n, tree.leaf(i), tree.getProof(receipts[i]!.receiptId)])).to.equal(true);
    }
    const multi = tree.getMultiProof([0, 5, 17, 36]);
    expect(await logs.read.verifyMultiProof([logId, 0n, [...multi.proof], [...multi.proofFlags], [...multi.leaves]])).to.equal(true);
    expect(await logs.read.verifyInclusion([logId, 0n, tree.leaf(1), tree.getProof(2)])).to.equal(false);
  });

  it("MerkleProof agrees with the vectors' onchainValid on every case (incl. mutations)", async () => {
    const { logs, logId } = await networkHelpers.loadFixture(deploy);
    const file = read("proofs.json");
    const index = new Map<string, bigint>();
    let next = 0n;
    for (const b of file.batches) {
      await logs.write.anchor([logId, next, b.root as Hex, BigInt(b.size)]);
      index.set(b.name, next++);
    }
    for (const c of file.cases) {
      // A mutated root is not anchored: MerkleProof against it is checked by processProof in vectors.test.ts.
      if (c.root !== file.batches.find((b: { name: string }) => b.name === c.batch).root) continue;
      expect(await logs.read.verifyInclusion([logId, index.get(c.batch)!, c.leaf, c.proof]), c.name).to.equal(c.onchainValid);
    }
    for (const m of file.multiproofs) {
      expect(await logs.read.verifyMultiProof([logId, index.get(m.batch)!, m.proof, m.proofFlags, m.leaves])).to.equal(true);
    }
  });
});
