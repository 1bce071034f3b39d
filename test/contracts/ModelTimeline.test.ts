/**
 * ModelTimeline from TypeScript: a deployment, a rollback with its reason, and the question a verifier asks —
 * which version was active when a receipt was issued.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { modelIdFromName } from "../../sdk/index.js";
import { h, makeReceipts } from "./fixtures.js";
import { expectCustomError } from "./helpers.js";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const [admin, pipeline] = await viem.getWalletClients();
  const logs = await viem.deployContract("ReceiptLogs", []);
  const timeline = await viem.deployContract("ModelTimeline", [logs.address]);
  await logs.write.createLog([h("tenant"), 0]);
  const logId = await logs.read.computeLogId([admin!.account.address, h("tenant")]);
  const asPipeline = await viem.getContractAt("ModelTimeline", timeline.address, { client: { wallet: pipeline! } });
  return { logs, timeline, logId, admin: admin!, pipeline: pipeline!, asPipeline };
}

describe("ModelTimeline", () => {
  it("answers which version was active at a receipt's time across a deployment and a rollback", async () => {
    const { timeline, logId, pipeline, asPipeline } = await networkHelpers.loadFixture(deploy);
    const model = modelIdFromName("showwork-chat");
    await timeline.write.grantTimelinePublisher([logId, pipeline.account.address]);
    await asPipeline.write.registerModel([logId, model, "showwork-chat"]);
    await asPipeline.write.publishVersion([logId, model, h("weights-v1"), "ipfs://v1"]);
    await asPipeline.write.publishVersion([logId, model, h("weights-v2"), "ipfs://v2"]);
    await networkHelpers.time.setNextBlockTimestamp(2_000_000_000);
    await asPipeline.write.deployVersion([logId, model, h("weights-v1")]);
    await networkHelpers.time.setNextBlockTimestamp(2_000_001_000);
    await asPipeline.write.deployVersion([logId, model, h("weights-v2")]);
    await networkHelpers.time.setNextBlockTimestamp(2_000_002_000);
    await asPipeline.write.rollbackTo([logId, model, h("weights-v1"), "v2 regressed on refunds"]);

    const [rolledBack] = await timeline.getEvents.VersionRolledBack({ logId, modelId: model }, { fromBlock: 0n });
    expect(rolledBack!.args.reason).to.equal("v2 regressed on refunds");
    expect(rolledBack!.args.previousVersion).to.equal(2);

    // A receipt claiming v2, issued while v2 was live, checks out; one issued after the rollback does not.
    const [during] = makeReceipts(1, { weights: "weights-v2", issuedAt: 2_000_001_500 }, "during");
    const [after] = makeReceipts(1, { weights: "weights-v2", issuedAt: 2_000_002_500 }, "after");
    expect(await timeline.read.activeVersionAt([logId, during!.modelId, BigInt(during!.issuedAt)])).to.equal(during!.weightsDigest);
    expect(await timeline.read.activeVersionAt([logId, after!.modelId, BigInt(after!.issuedAt)])).to.not.equal(after!.weightsDigest);

    const page = await timeline.read.activations([logId, model, 0n, 10n]);
    expect(page.map((a) => [a.version, a.kind, a.reason])).to.deep.equal([
      [1, 0, ""],
      [2, 0, ""],
      [1, 1, "v2 regressed on refunds"],
    ]);
    const info = await timeline.read.modelInfo([logId, model]);
    expect(info.name).to.equal("showwork-chat");
    expect(info.activeVersion).to.equal(1);
    const versions = await timeline.read.versions([logId, model, 0n, 10n]);
    expect(versions.map((v) => v.metadataURI)).to.deep.equal(["ipfs://v1", "ipfs://v2"]);
    await expectCustomError(asPipeline.write.deployVersion([logId, model, h("weights-v1")]), "ModelTimelineNotNewerVersion", [
      logId,
      model,
      1,
      1,
    ]);
  });
});
