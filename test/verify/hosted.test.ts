/**
 * Hosted models (issue #21): a provider-served model's version is the provider's
 * system_fingerprint (capture's `{ provider }` manifest entry). When the provider rotates it, the
 * answers claim a version the operator has not published yet: they fail ("never published") until
 * the operator publishes it with `--hosted` (metadata `showwork:hosted?…`), then verify — published
 * after the answer, and the verdict says which provider version. The hosted rule does not reach
 * self-hosted models: a published version marked hosted does not pass against a self-hosted one in force.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type Hex } from "viem";

import { buildBundle } from "../../sdk/bundle/buildBundle.js";
import { apiModelDigest } from "../../sdk/capture/manifest.js";
import { modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { modelIdFromName } from "../../sdk/receipt/modelId.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { hostedMetadataUri, parseHostedMetadataUri } from "../../sdk/verify/checks/modelVersion.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { buildScenario, inProcessChain, MODEL_ID, send, WEIGHTS_V2, type Scenario } from "./support/scenario.js";

const HOSTED = "acme/hosted-chat";
const HOSTED_ID = modelIdFromName(HOSTED);
const versionOf = (fingerprint: string): Hex => apiModelDigest({ provider: "acme", model: HOSTED, responseModel: `${HOSTED}-2026-11`, systemFingerprint: fingerprint });

describe("verifier: hosted models (provider fingerprints published after the answers)", function () {
  this.timeout(60_000);
  let scenario: Scenario;
  let models: { address: Hex; abi: typeof modelTimelineAbi };

  before(async () => {
    const { viem } = await network.create();
    scenario = await buildScenario(await inProcessChain(viem));
    models = { address: scenario.timeline, abi: modelTimelineAbi };
    const { chain, logId } = scenario;
    await send(chain, chain.admin, { ...models, functionName: "registerModel", args: [logId, HOSTED_ID, HOSTED] });
    await send(chain, chain.admin, { ...models, functionName: "publishVersion", args: [logId, HOSTED_ID, versionOf("fp_first"), hostedMetadataUri("acme", "fp_first")] });
    await send(chain, chain.admin, { ...models, functionName: "deployVersion", args: [logId, HOSTED_ID, versionOf("fp_first")] });
  });

  /** Anchors one signed receipt claiming `weightsDigest` of `model`, issued now. */
  const anchored = async (model: string, weightsDigest: Hex) => {
    const { chain, logId, receiptLogs, servingNode } = scenario;
    const built = buildReceipt({
      model: { name: model, weightsDigest },
      promptTemplate: { digest: `0x${"00".repeat(32)}`, version: 0 },
      retrievalIndexDigest: `0x${"00".repeat(32)}`,
      memoryDigest: `0x${"00".repeat(32)}`,
      input: "q",
      output: "a",
      sampling: { "openai.response.system_fingerprint": "fp_rotated" },
      servingNode: servingNode.address,
      sequence: BigInt(Date.now()),
      issuedAt: await scenario.chainTime(),
    });
    const receipt = await signReceipt(servingNode, built.receipt);
    const tree = ReceiptTree.of([receipt]);
    const logs = { address: receiptLogs, abi: receiptLogsAbi } as const;
    const batchIndex = Number(await chain.publicClient.readContract({ ...logs, functionName: "logSize", args: [logId] }));
    const tx = await send(chain, chain.anchorer, { ...logs, functionName: "anchor", args: [logId, BigInt(batchIndex), tree.root, 1n] });
    return buildBundle({ tree, receipt, anchor: { chainId: scenario.chainId, contract: receiptLogs, logId, batchIndex, txHash: tx.transactionHash, blockNumber: Number(tx.blockNumber) }, timeline: { contract: scenario.timeline } });
  };
  const verify = (bundle: Parameters<typeof scenario.json>[0]) => verifyBundle(scenario.json(bundle), { client: scenario.chain.publicClient, deployments: null });
  const modelCheck = (verdict: Awaited<ReturnType<typeof verify>>) => verdict.checks.find((c) => c.id === "model-version")!;

  it("the metadata URI round-trips", () => {
    expect(parseHostedMetadataUri(hostedMetadataUri("acme co", "fp_1&2"))).to.deep.equal({ provider: "acme co", fingerprint: "fp_1&2" });
    expect(parseHostedMetadataUri("ipfs://card")).to.equal(undefined);
  });

  it("an answer under a rotated fingerprint fails until the operator publishes it (--hosted), then verifies and says which provider version", async () => {
    const rotated = versionOf("fp_rotated");
    const bundle = await anchored(HOSTED, rotated);
    const before = await verify(bundle);
    expect(before.status).to.equal("failed");
    expect([modelCheck(before).status, modelCheck(before).code]).to.deep.equal(["fail", "version-mismatch"]);
    expect(modelCheck(before).message).to.include("a version never published in this timeline");

    await scenario.increaseTime(600); // the operator notices later
    await send(scenario.chain, scenario.chain.admin, { ...models, functionName: "publishVersion", args: [scenario.logId, HOSTED_ID, rotated, hostedMetadataUri("acme", "fp_rotated")] });
    const after = await verify(bundle);
    expect(after.status, after.summary).to.equal("verified");
    const check = modelCheck(after);
    expect([check.status, check.code]).to.deep.equal(["pass", "hosted-version"]);
    expect(check.message).to.match(/^hosted model: v2 \(.*\) is the provider version acme system_fingerprint fp_rotated, published in the log's timeline at .* \(after the answer/);
    expect(check.found).to.equal(`published hosted version v2 (${hostedMetadataUri("acme", "fp_rotated")})`);
  });

  it("does not reach a self-hosted model: a version marked hosted fails against the self-hosted version in force", async () => {
    // The scenario's self-hosted model has v1 in force (after the rollback); publish a third version marked hosted.
    const sneaky = versionOf("fp_sneaky");
    await send(scenario.chain, scenario.chain.admin, { ...models, functionName: "publishVersion", args: [scenario.logId, MODEL_ID, sneaky, hostedMetadataUri("acme", "fp_sneaky")] });
    const verdict = await verify(await anchored("acme-chat", sneaky));
    expect(verdict.status).to.equal("failed");
    expect([modelCheck(verdict).status, modelCheck(verdict).code]).to.deep.equal(["fail", "version-mismatch"]);
    // And the stale self-hosted version after the rollback still fails as before.
    const stale = await verify(await anchored("acme-chat", WEIGHTS_V2));
    expect(modelCheck(stale).code).to.equal("version-mismatch");
  });
});
