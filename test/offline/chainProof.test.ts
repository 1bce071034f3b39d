/**
 * Chain proofs against a real `hardhat node` (EDR): headers re-encoded from eth_getBlockByNumber
 * hash to the block hash, eth_getProof proofs verify with @ethereumjs/mpt, and the facts read
 * from the proofs equal what the contracts answer.
 */
import { expect } from "chai";
import { numberToHex, type PublicClient } from "viem";

import { toBundleV2 } from "../../sdk/bundle/parseBundle.js";
import type { ProofBundle } from "../../sdk/bundle/types.js";
import { headerOfRpcBlock } from "../../sdk/chainproof/header.js";
import { proveAnchor, PROOF_LIMITS } from "../../sdk/chainproof/prove.js";
import { readAnchorFacts } from "../../sdk/chainproof/facts.js";
import { verifyChainProof } from "../../sdk/chainproof/verifyChainProof.js";
import { modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain, type Scenario } from "../verify/support/scenario.js";

describe("chain proofs against a hardhat node", function () {
  let node: HardhatNodeProcess;
  let scenario: Scenario;
  let client: PublicClient;

  before(async function () {
    node = await startHardhatNode();
    scenario = await buildScenario(await httpChain(node.url));
    client = scenario.chain.publicClient;
  });
  after(async () => {
    await node?.stop();
  });

  it("re-encodes every header EDR serves (London..Prague fields) to its block hash", async () => {
    const head = Number(await client.getBlockNumber());
    for (let n = 0; n <= head; n++) {
      const block = (await client.request({ method: "eth_getBlockByNumber", params: [numberToHex(n), false] })) as Record<string, unknown>;
      const header = headerOfRpcBlock(block);
      expect(header.number).to.equal(n);
      expect(header.timestamp).to.equal(Number(block.timestamp));
    }
  });

  it("proves an anchor: the facts from the proofs equal the contracts' answers", async () => {
    const bundle: ProofBundle = scenario.v2Batch.bundles[0]!;
    const chainProof = await proveAnchor(client, bundle);
    const last = chainProof.headers.length - 1;
    const proofBlock = bundle.anchor.blockNumber - 1 + last;
    const block = await client.getBlock({ blockNumber: BigInt(proofBlock) });
    const proven = await verifyChainProof(chainProof, { chainId: scenario.chainId, number: proofBlock, hash: block.hash }, scenario.chainId);
    const anchoring = proven.headers.get(bundle.anchor.blockNumber)!;
    const facts = await readAnchorFacts(proven.reader, {
      contract: bundle.anchor.contract,
      logId: bundle.anchor.logId,
      batchIndex: bundle.anchor.batchIndex,
      anchorBlock: bundle.anchor.blockNumber,
      proofBlock,
      servingNode: bundle.receipt.servingNode,
      modelId: bundle.receipt.modelId,
      weightsDigest: bundle.receipt.weightsDigest,
      issuedAt: bundle.receipt.issuedAt,
      anchoredAt: anchoring.timestamp,
      limits: PROOF_LIMITS,
    });
    const logs = { address: scenario.receiptLogs, abi: receiptLogsAbi } as const;
    const at = { blockNumber: BigInt(proofBlock) };
    expect(facts.rootBefore).to.match(/^0x0{64}$/);
    expect(facts.rootAt).to.equal(bundle.root);
    expect(facts.logSize).to.equal(await client.readContract({ ...logs, functionName: "logSize", args: [scenario.logId], ...at }));
    expect(facts.admin).to.equal(await client.readContract({ ...logs, functionName: "logAdmin", args: [scenario.logId], ...at }));
    expect(facts.timeline).to.equal(await client.readContract({ ...logs, functionName: "logTimeline", args: [scenario.logId], ...at }));
    const history = await client.readContract({ ...logs, functionName: "maxAnchorDelayHistory", args: [scenario.logId, 0n, 100n], ...at });
    expect(facts.delayHistory).to.deep.equal(history.map((h) => ({ since: Number(h.since), maxAnchorDelay: h.maxAnchorDelay })));
    const periods = await client.readContract({ ...logs, functionName: "signerHistory", args: [scenario.logId, bundle.receipt.servingNode, 0n, 100n], ...at });
    expect(facts.signerPeriods).to.deep.equal(periods.map((p) => ({ grantedAt: Number(p.grantedAt), revokedAt: Number(p.revokedAt) })));
    const info = await client.readContract({ address: scenario.timeline, abi: modelTimelineAbi, functionName: "modelInfo", args: [scenario.logId, bundle.receipt.modelId], ...at });
    expect(facts.model?.activationCount).to.equal(Number(info.activationCount));
    expect(facts.model?.name).to.equal(info.name);
    expect(facts.model?.span[0]?.weightsDigest).to.equal(bundle.receipt.weightsDigest);
    const upgraded = toBundleV2(bundle, { anchors: [{ ...bundle.anchor, chainProof }] });
    expect(upgraded.anchor.chainProof?.accounts.length).to.be.greaterThan(0);
  });
});
