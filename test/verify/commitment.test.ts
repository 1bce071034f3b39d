/**
 * Head commitments: an "L1" (one hardhat node) holds, in one entry, the head of an "L2" log (another node) after
 * several batches; a bundle of one of those batches carries the links from its batch to that head, and the verifier
 * accepts the L1 entry as covering it. Tampered links, links for another batch and another head on the L1 fail.
 */
import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { buildBundle } from "../../sdk/bundle/buildBundle.js";
import { parseBundle, toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { computeHead, headOfCommitment, type CommitmentLink, type HeadCommitment } from "../../sdk/verify/commitment.js";
import { verifyBundleOnChains, type ChainEndpoints } from "../../sdk/verify/verifyOnChains.js";
import { killAll, startHardhatNode } from "../service/helpers/processes.js";
import { MODEL_NAME, WEIGHTS_V1 } from "./support/scenario.js";
import { setupChain, type ChainSetup } from "./support/twoChains.js";

const L2 = 31_348;
const L1 = 31_349;

describe("head commitments: one L1 entry covering several L2 batches (two hardhat nodes)", function () {
  this.timeout(180_000);
  let l2: ChainSetup;
  let l1: ChainSetup;
  let bundle: Record<string, unknown>;
  let commitment: HeadCommitment;
  let chains: ChainEndpoints[];
  let l1Index: number;

  const logHead = (c: ChainSetup): Promise<Hex> => c.client.readContract({ address: c.receiptLogs, abi: receiptLogsAbi, functionName: "logHead", args: [c.logId] });
  const linkOf = async (c: ChainSetup, root: Hex, leafCount: number): Promise<CommitmentLink> => {
    const at = await c.anchor(root, leafCount);
    const block = await c.client.getBlock({ blockNumber: BigInt(at.blockNumber) });
    return { root, leafCount, timestamp: Number(block.timestamp), blockNumber: at.blockNumber };
  };

  before(async () => {
    const [l2Node, l1Node] = await Promise.all([startHardhatNode({ chainId: L2 }), startHardhatNode({ chainId: L1 })]);
    const servingNode = privateKeyToAccount(generatePrivateKey());
    [l2, l1] = await Promise.all([setupChain(l2Node.url, servingNode.address), setupChain(l1Node.url, servingNode.address)]);
    const issuedAt = Math.max(Number((await l2.client.getBlock()).timestamp), Number((await l1.client.getBlock()).timestamp)) + 1;
    const receipts = [];
    for (let i = 0; i < 3; i++) {
      const built = buildReceipt({
        model: { name: MODEL_NAME, weightsDigest: WEIGHTS_V1 },
        promptTemplate: { digest: keccak256(stringToHex("t")), version: 1 },
        retrievalIndexDigest: keccak256(stringToHex("kb")),
        memoryDigest: keccak256(stringToHex(`m ${i}`)),
        tools: [],
        input: `question ${i}`,
        output: `answer ${i}`,
        sampling: { temperature: 0 },
        servingNode: servingNode.address,
        sequence: BigInt(i + 1),
        issuedAt,
      });
      receipts.push(await signReceipt(servingNode, built.receipt));
    }
    const tree = ReceiptTree.of(receipts);
    // L2 batches 0, 1 (the bundle's) and 2; the L1 commits the head after batch 2 in one entry.
    await linkOf(l2, keccak256(stringToHex("L2 batch 0")), 2);
    const previousHead = await logHead(l2);
    const own = await linkOf(l2, tree.root, receipts.length);
    const onL2 = { batchIndex: 1, txHash: (await l2.client.getBlock({ blockNumber: BigInt(own.blockNumber), includeTransactions: true })).transactions[0]!.hash, blockNumber: own.blockNumber };
    const next = await linkOf(l2, keccak256(stringToHex("L2 batch 2")), 4);
    commitment = { batchIndex: 1, previousHead, links: [own, next] };
    const head = await logHead(l2);
    expect(headOfCommitment(commitment), "the TypeScript head is the contract's").to.equal(head);
    const onL1 = await l1.anchor(head, 2);
    l1Index = onL1.batchIndex;
    const built = buildBundle({
      tree,
      receipt: receipts[0]!,
      anchors: [
        { chainId: L2, contract: l2.receiptLogs, logId: l2.logId, ...onL2 },
        { chainId: L1, contract: l1.receiptLogs, logId: l1.logId, ...onL1 },
      ],
    });
    const json = toBundleJson(built) as unknown as { anchors: Record<string, unknown>[] };
    json.anchors[1] = { ...json.anchors[1], root: head, commitment };
    bundle = json as unknown as Record<string, unknown>;
    chains = [
      { chainId: L2, name: "l2", rpcUrls: [l2.url] },
      { chainId: L1, name: "l1", rpcUrls: [l1.url] },
    ];
  });
  after(async () => {
    await killAll();
  });

  it("a bundle carries the commitment (parsed and written back unchanged); the L1 entry covering its batch verifies under all, l1 and alone", async () => {
    const parsed = parseBundle(bundle);
    expect(parsed.anchors[1]!.commitment).to.deep.equal(commitment);
    expect(toBundleJson(parsed)).to.deep.equal(bundle);
    for (const require of ["all", { chains: ["l1"] }] as const) {
      const verdict = await verifyBundleOnChains(bundle, { chains, require });
      expect(verdict.status, `${JSON.stringify(require)}: ${verdict.summary}`).to.equal("verified");
      const onL1 = verdict.chains.find((c) => c.name === "l1")!;
      expect(onL1.accepted).to.equal(true);
      expect(onL1.proved).to.match(new RegExp(`^root 0x.* \\(batch 1\\) through a head commitment to batches up to 2 at index ${l1Index} of log`));
      expect(onL1.verdict.checks.find((c) => c.id === "batch-root")?.message).to.match(/holds the head committing to batches up to 2 of the primary log \(this batch is 1\)/);
    }
    const alone = { ...bundle, anchors: (bundle.anchors as unknown[]).slice(1) };
    const verdict = await verifyBundleOnChains(alone, { chains, require: "any" });
    expect(verdict.status, verdict.summary).to.equal("verified");
    expect(verdict.chains.map((c) => [c.name, c.accepted])).to.deep.equal([["l1", true]]);
  });

  it("tampered links fail: another root in a later link, a first link that is not the bundle's batch, a previous head of the wrong size", async () => {
    const withCommitment = (c: HeadCommitment): Record<string, unknown> => ({
      ...bundle,
      anchors: (bundle.anchors as Record<string, unknown>[]).map((a) => (a.chainId === L1 ? { ...a, commitment: c } : a)),
    });
    const cases: [string, HeadCommitment, string, RegExp][] = [
      ["later link", { ...commitment, links: [commitment.links[0]!, { ...commitment.links[1]!, root: keccak256(stringToHex("rewritten")) }] }, "anchor-root-mismatch", /its links lead to/],
      ["first link", { ...commitment, links: [{ ...commitment.links[0]!, root: keccak256(stringToHex("other")) }, commitment.links[1]!] }, "commitment-mismatch", /does not cover this batch: its first link is root/],
      ["leaf count", { ...commitment, links: [{ ...commitment.links[0]!, leafCount: 4 }, commitment.links[1]!] }, "commitment-mismatch", /first link has 4 receipts, the bundle's batch 3/],
      ["previous head", { ...commitment, previousHead: computeHead(commitment.previousHead, 1, commitment.links[0]!.root, 3, 0, 0) }, "commitment-mismatch", /previous head has size 2, not 1/],
    ];
    for (const [what, c, code, message] of cases) {
      const verdict = await verifyBundleOnChains(withCommitment(c), { chains, require: "any" });
      const onL1 = verdict.chains.find((x) => x.name === "l1")!;
      const check = onL1.verdict.checks.find((x) => x.id === "batch-root")!;
      expect(check.status, what).to.equal("fail");
      expect(check.code, what).to.equal(code);
      expect(check.message, what).to.match(message);
      expect(onL1.accepted, what).to.equal(false);
      expect(verdict.status, `${what}: a changed bundle is FAILED, whatever the policy`).to.equal("failed");
    }
  });

  it("an L1 entry holding another head (the operator committed another history for the batch) is a chain disagreement: FAILED", async () => {
    // Another history of L2 batches 1..2 (batch 1 with another root), committed at the L1's next index.
    const other = computeHead(computeHead(commitment.previousHead, 1, keccak256(stringToHex("another batch 1")), 3, 1, 1), 2, commitment.links[1]!.root, 4, 2, 2);
    const onL1 = await l1.anchor(other, 2);
    const anchors = (bundle.anchors as Record<string, unknown>[]).map((a) => (a.chainId === L1 ? { ...a, ...onL1 } : a));
    for (const require of ["any", "all"] as const) {
      const verdict = await verifyBundleOnChains({ ...bundle, anchors }, { chains, require });
      expect(verdict.status, require).to.equal("failed");
      expect(verdict.summary).to.match(/^FAILED: the chains disagree about this batch: l1 \(chain 31349\)/);
      expect(verdict.chains.find((c) => c.name === "l1")).to.deep.include({ conflict: true, accepted: false });
      expect(verdict.chains.find((c) => c.name === "l2")).to.deep.include({ accepted: true });
    }
  });
});
