/**
 * The earliest anchoring time that the policy accepts is the one the max-delay, model-version and compromise checks
 * use (issue #23). Two `hardhat node`s (an "L2" and an "L1"); each batch is anchored on the L2 at once and on the L1
 * two hours later (the L1's clock is moved on), as a slow L1 commitment would be. Each case is one where only the
 * earliest accepted time makes the verdict right: judged by the L1's own time, the receipt is past a compromise report
 * (FAILED) or its model version cannot be decided (NOT VERIFIED).
 */
import { expect } from "chai";
import { keccak256, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { buildBundle } from "../../sdk/bundle/buildBundle.js";
import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { verifyBundleOnChains, type ChainEndpoints } from "../../sdk/verify/verifyOnChains.js";
import { killAll, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";
import { MODEL_ID, MODEL_NAME, WEIGHTS_V1, WEIGHTS_V2 } from "./support/scenario.js";
import { setupChain, type ChainSetup } from "./support/twoChains.js";

const L2 = 31_342;
const L1 = 31_343;
const TWO_HOURS = 7_200;

/** A batch of 2 receipts by `node` (v1, issued at `issuedAt`) and its tree. */
async function batchOf(node: PrivateKeyAccount, issuedAt: number, tag: string) {
  const receipts = [];
  for (let i = 0; i < 2; i++) {
    const built = buildReceipt({
      model: { name: MODEL_NAME, weightsDigest: WEIGHTS_V1 },
      promptTemplate: { digest: keccak256(stringToHex("t")), version: 1 },
      retrievalIndexDigest: keccak256(stringToHex("kb")),
      memoryDigest: keccak256(stringToHex(`${tag} ${i}`)),
      tools: [],
      input: `${tag} question ${i}`,
      output: `${tag} answer ${i}`,
      sampling: { temperature: 0 },
      servingNode: node.address,
      sequence: BigInt(i + 1),
      issuedAt,
    });
    receipts.push(await signReceipt(node, built.receipt));
  }
  return { tree: ReceiptTree.of(receipts), receipts };
}

async function latestTime(chain: ChainSetup): Promise<number> {
  return Number((await chain.client.getBlock()).timestamp);
}

describe("the earliest accepted anchoring time feeds the delay, model-version and compromise checks (two hardhat nodes)", function () {
  this.timeout(180_000);
  let l2Node: HardhatNode;
  let l1Node: HardhatNode;
  let chains: ChainEndpoints[];

  before(async () => {
    [l2Node, l1Node] = await Promise.all([startHardhatNode({ chainId: L2 }), startHardhatNode({ chainId: L1 })]);
    chains = [
      { chainId: L2, name: "l2", rpcUrls: [l2Node.url] },
      { chainId: L1, name: "l1", rpcUrls: [l1Node.url] },
    ];
  });
  after(async () => {
    await killAll();
  });

  /** Sets up both chains for a new serving node, anchors one batch on the L2 now and on the L1 two hours later. */
  async function anchoredTwice(tag: string, beforeL1Anchor?: (l1: ChainSetup, l2: ChainSetup) => Promise<void>) {
    const node = privateKeyToAccount(generatePrivateKey());
    const [l2, l1] = await Promise.all([setupChain(l2Node.url, node.address), setupChain(l1Node.url, node.address)]);
    // Each test moves clocks on: bring the two nodes' clocks together first.
    const [t2, t1] = [await latestTime(l2), await latestTime(l1)];
    if (t1 > t2) await l2.advance(t1 - t2);
    if (t2 > t1) await l1.advance(t2 - t1);
    const issuedAt = Math.max(await latestTime(l2), await latestTime(l1)) + 1;
    const { tree, receipts } = await batchOf(node, issuedAt, tag);
    const onL2 = await l2.anchor(tree.root, 2);
    await l1.advance(TWO_HOURS);
    await beforeL1Anchor?.(l1, l2);
    const onL1 = await l1.anchor(tree.root, 2);
    const bundle = toBundleJson(
      buildBundle({
        tree,
        receipt: receipts[0]!,
        anchors: [
          { chainId: L2, contract: l2.receiptLogs, logId: l2.logId, ...onL2 },
          { chainId: L1, contract: l1.receiptLogs, logId: l1.logId, ...onL1 },
        ],
      }),
    ) as unknown as Record<string, unknown>;
    const l2At = Number((await l2.client.getBlock({ blockNumber: BigInt(onL2.blockNumber) })).timestamp);
    const l1At = Number((await l1.client.getBlock({ blockNumber: BigInt(onL1.blockNumber) })).timestamp);
    expect(l1At - l2At).to.be.greaterThan(TWO_HOURS - 60);
    return { node, l2, l1, bundle, issuedAt, l2At, l1At };
  }

  /** The bundle with only its L1 anchor, verified on the L1 alone (the L1's own time). */
  async function onL1Alone(bundle: Record<string, unknown>) {
    const anchors = bundle.anchors as unknown[];
    return verifyBundle({ ...bundle, anchors: [anchors[1]] }, { rpcUrls: [l1Node.url] });
  }

  it("a key reported compromised between the L2 anchoring and the L1 commitment: VERIFIED under all/any (L2's time), FAILED under 'l1' alone", async () => {
    const { node, l2, l1, bundle, l2At } = await anchoredTwice("compromise");
    // Found out later: the key may have leaked one hour after the L2 anchoring (before the L1 commitment); reported on
    // both chains, cutting off from the next batch.
    const since = l2At + 3_600;
    await l2.advance(TWO_HOURS);
    for (const chain of [l2, l1]) await chain.send(chain.receiptLogs, receiptLogsAbi, "reportSignerCompromise", [chain.logId, node.address, BigInt(since), 1n]);

    const alone = await onL1Alone(bundle);
    expect(alone.status, "the L1 by its own time").to.equal("failed");
    expect(alone.checks.find((c) => c.id === "signer")).to.deep.include({ status: "fail", code: "signer-compromised" });

    for (const require of ["all", "any", 2] as const) {
      const verdict = await verifyBundleOnChains(bundle, { chains, require });
      expect(verdict.status, `require ${require}: ${verdict.summary}`).to.equal("verified");
      expect(verdict.facts.anchoredAt).to.equal(l2At);
      const onL1 = verdict.chains.find((c) => c.name === "l1")!;
      expect(onL1).to.deep.include({ accepted: true, judgedAt: l2At });
      expect(onL1.proved).to.match(/judged at .* the earliest accepted anchoring \(l2 \(chain 31342\)\)/);
      const signer = onL1.verdict.checks.find((c) => c.id === "signer")!;
      expect(signer.status).to.equal("pass");
      expect(signer.message).to.match(/reported compromised later.*judged at .*on l2 \(chain 31342\)/);
      expect(onL1.verdict.facts.anchorDelay, "the delay is measured to the earliest accepted anchoring").to.be.lessThan(60);
      expect(onL1.verdict.checks.find((c) => c.id === "anchor-delay")!.code, "not late by the L2's time").to.equal(undefined);
    }

    // The policy "the L1 must confirm" takes only the L1's word for the time: the receipt is past the report there.
    const named = await verifyBundleOnChains(bundle, { chains, require: { chains: ["l1"] } });
    expect(named.status, named.summary).to.equal("failed");
    expect(named.summary).to.match(/FAILED on l1 \(chain 31343\)/);
    expect(named.chains.find((c) => c.name === "l1")!.judgedAt).to.equal(undefined);
  });

  it("the model version changed between the L2 anchoring and the L1 commitment: VERIFIED under all (L2's time), could not check under 'l1'", async () => {
    const { l2, bundle, l2At, l1At } = await anchoredTwice("version", async (l1) => {
      // v2 goes live on the L1's timeline after the L2 anchoring and before the (late) L1 commitment.
      await l1.send(l1.timeline, modelTimelineAbi, "publishVersion", [l1.logId, MODEL_ID, WEIGHTS_V2, "ipfs://v2"]);
      await l1.send(l1.timeline, modelTimelineAbi, "deployVersion", [l1.logId, MODEL_ID, WEIGHTS_V2]);
    });
    // And on the L2's, after its anchoring.
    await l2.send(l2.timeline, modelTimelineAbi, "publishVersion", [l2.logId, MODEL_ID, WEIGHTS_V2, "ipfs://v2"]);
    await l2.send(l2.timeline, modelTimelineAbi, "deployVersion", [l2.logId, MODEL_ID, WEIGHTS_V2]);

    const alone = await onL1Alone(bundle);
    expect(alone.status, "the L1 by its own time").to.equal("pending");
    expect(alone.checks.find((c) => c.id === "model-version")).to.deep.include({ status: "error", code: "changed-before-anchoring" });
    expect(alone.checks.find((c) => c.id === "anchor-delay")).to.deep.include({ status: "pass", code: "late" });

    const all = await verifyBundleOnChains(bundle, { chains, require: "all" });
    expect(all.status, all.summary).to.equal("verified");
    const onL1 = all.chains.find((c) => c.name === "l1")!;
    expect(onL1.judgedAt).to.equal(l2At);
    expect(onL1.anchoredAt).to.equal(l1At);
    const version = onL1.verdict.checks.find((c) => c.id === "model-version")!;
    expect(version.status).to.equal("pass");
    expect(version.message).to.match(/through its anchoring at .*judged at .*earliest accepted anchoring/);

    const named = await verifyBundleOnChains(bundle, { chains, require: { chains: ["l1"] } });
    expect(named.status, named.summary).to.equal("pending");
    expect(named.reason).to.equal("could-not-check");
    expect(named.summary).to.match(/require l1: l1 not confirmed/);
  });

  it("the earliest chain is judged by its own time; the policy's time is the earliest verified one", async () => {
    const { bundle, l2At, l1At } = await anchoredTwice("plain");
    const verdict = await verifyBundleOnChains(bundle, { chains, require: "all" });
    expect(verdict.status, verdict.summary).to.equal("verified");
    expect(verdict.chains.find((c) => c.name === "l2")!.judgedAt).to.equal(undefined);
    expect(verdict.chains.find((c) => c.name === "l1")!.judgedAt).to.equal(l2At);
    expect(verdict.facts.anchoredAt).to.equal(l2At);
    // Under "l1" only, the L1's own time is the verdict's.
    const named = await verifyBundleOnChains(bundle, { chains, require: { chains: ["l1"] } });
    expect(named.status, named.summary).to.equal("verified");
    expect(named.facts.anchoredAt).to.equal(l1At);
  });
});
