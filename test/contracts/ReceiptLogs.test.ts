import { expect } from "chai";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Hex, encodeAbiParameters, getAddress, keccak256, toHex } from "viem";

import { expectCustomError } from "./helpers.js";

const { viem, networkHelpers } = await network.create();

const salt = (s: string): Hex => keccak256(toHex(s));

async function deploy() {
  const [admin, anchorer, other] = await viem.getWalletClients();
  const logs = await viem.deployContract("ReceiptLogs", []);
  await logs.write.createLog([salt("tenant-a"), 3600]);
  const logId = await logs.read.computeLogId([admin!.account.address, salt("tenant-a")]);
  await logs.write.grantAnchorer([logId, anchorer!.account.address]);
  const asAnchorer = await viem.getContractAt("ReceiptLogs", logs.address, { client: { wallet: anchorer! } });
  const asOther = await viem.getContractAt("ReceiptLogs", logs.address, { client: { wallet: other! } });
  return { logs, logId, admin: admin!, anchorer: anchorer!, other: other!, asAnchorer, asOther };
}

describe("ReceiptLogs", () => {
  it("derives log ids from creator and salt and starts with a genesis head", async () => {
    const { logs, logId, admin } = await networkHelpers.loadFixture(deploy);
    expect(logId).to.equal(keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [admin.account.address, salt("tenant-a")])));
    expect(await logs.read.logExists([logId])).to.equal(true);
    expect(getAddress(await logs.read.logAdmin([logId]))).to.equal(getAddress(admin.account.address));
    expect(await logs.read.logSize([logId])).to.equal(0n);
    const chainId = BigInt(await (await viem.getPublicClient()).getChainId());
    const digest = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bytes32" }], [chainId, logs.address, logId])));
    const genesis = toHex(digest & ((1n << 192n) - 1n), { size: 32 });
    expect(await logs.read.logHead([logId])).to.equal(genesis);
  });

  it("anchors batches at consecutive indices, chains the head and verifies proofs of a real tree", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    const publicClient = await viem.getPublicClient();
    const values = Array.from({ length: 37 }, (_, i) => [salt(`receipt-${i}`)]);
    const tree = StandardMerkleTree.of(values, ["bytes32"], { sortLeaves: false });
    const hash = await asAnchorer.write.anchor([logId, 0n, tree.root as Hex, 37n]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const events = await logs.getEvents.BatchAnchored({}, { fromBlock: receipt.blockNumber });
    expect(events).to.have.length(1);
    const event = events[0]!.args;
    expect(event.index).to.equal(0n);
    expect(event.root).to.equal(tree.root);
    expect(event.leafCount).to.equal(37n);
    const genesis = await logs.read.computeHead([`0x${"00".repeat(32)}`, 0n, tree.root as Hex, 37n, 0n, 0n]);
    expect(genesis).to.not.equal(event.head);
    const prev = await logs.read.logHead([logId], { blockNumber: receipt.blockNumber - 1n });
    expect(event.head).to.equal(await logs.read.computeHead([prev, 0n, tree.root as Hex, 37n, block.timestamp, block.number]));
    expect(await logs.read.logHead([logId])).to.equal(event.head);
    expect(await logs.read.logSize([logId])).to.equal(1n);
    expect(await logs.read.batchRoot([logId, 0n])).to.equal(tree.root);
    for (const [i, v] of tree.entries()) {
      const leaf = tree.leafHash(v) as Hex;
      expect(await logs.read.verifyInclusion([logId, 0n, leaf, tree.getProof(i) as Hex[]])).to.equal(true);
      expect(await logs.read.verifyInclusion([logId, 1n, leaf, tree.getProof(i) as Hex[]])).to.equal(false);
    }
  });

  it("rejects a retried anchor with ReceiptLogsUnexpectedIndex", async () => {
    const { logs, logId, asAnchorer } = await networkHelpers.loadFixture(deploy);
    await asAnchorer.write.anchor([logId, 0n, salt("root-0"), 1n]);
    await expectCustomError(asAnchorer.write.anchor([logId, 0n, salt("root-0"), 1n]), "ReceiptLogsUnexpectedIndex", [
      logId,
      0n,
      1n,
    ]);
    expect(await logs.read.logSize([logId])).to.equal(1n);
  });
});
