/**
 * verifyBundle with a showwork/disclosure@1 document, against a real chain (Hardhat's in-process
 * network): the bundle's checks and every disclosed piece, per piece, with what was not shown.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { zeroHash, type Hex } from "viem";

import { DISCLOSURE_FORMAT, Snapshot, toDisclosureJson, type Disclosure } from "../../sdk/disclosure/index.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { buildScenario, inProcessChain, type Scenario } from "./support/scenario.js";

describe("verifyBundle({ disclosure }) against the in-process chain", function () {
  this.timeout(60_000);
  let scenario: Scenario;
  let disclosure: Disclosure;

  before(async () => {
    const { viem } = await network.create();
    scenario = await buildScenario(await inProcessChain(viem));
    const batch = scenario.v1Batch;
    const openings = batch.openings[1]!;
    disclosure = {
      format: DISCLOSURE_FORMAT,
      bundle: batch.bundles[1]!,
      disclosed: {
        input: { content: "Where is my order #1001?", salt: openings.inputSalt },
        output: { content: "Your order #1001 has shipped.", salt: openings.outputSalt },
        tools: [{ index: 0, name: "orders.lookup", input: { content: "order #1001", salt: openings.tools[0]!.inputSalt }, output: { content: '{"status":"shipped","item":1}', salt: openings.tools[0]!.outputSalt } }],
        template: { text: "support template", version: 3 },
        sampling: { temperature: 0.2, seed: 7 },
      },
    };
  });

  const verify = (bundle: unknown, d: unknown) => verifyBundle(bundle, { client: scenario.chain.publicClient, disclosure: d, deployments: null, requireSignature: false }); // the batch is unsigned

  it("verified: the chain checks pass and every disclosed piece opens the receipt; retrieval and memory are listed as not shown", async () => {
    const verdict = await verify(scenario.json(disclosure.bundle), toDisclosureJson(disclosure));
    expect(verdict.status, verdict.summary).to.equal("verified");
    const check = verdict.checks.find((c) => c.id === "disclosure")!;
    expect(check.status).to.equal("pass");
    expect(verdict.disclosure?.status).to.equal("pass");
    expect(verdict.disclosure?.pieces.map((p) => p.field)).to.deep.equal(["input", "output", "tools[0].input", "tools[0].output", "template", "sampling"]);
    expect(verdict.disclosure?.notShown).to.deep.equal(["retrieval", "memory"]);
  });

  it("failed: a disclosed output with one wrong byte fails the verdict, naming output", async () => {
    const json = toDisclosureJson(disclosure);
    json.disclosed.output = { content: "Your order #1001 has shipped!", salt: disclosure.disclosed.output!.salt };
    const verdict = await verify(scenario.json(disclosure.bundle), json);
    expect(verdict.status).to.equal("failed");
    const check = verdict.checks.find((c) => c.id === "disclosure")!;
    expect(check.status).to.equal("fail");
    expect(check.found).to.include("output (mismatch)");
    expect(verdict.summary).to.include("disclosed content");
    expect(verdict.disclosure?.pieces.filter((p) => p.status === "fail").map((p) => p.field)).to.deep.equal(["output"]);
    // The other checks still stand on their own.
    expect(verdict.checks.filter((c) => c.status === "fail").map((c) => c.id)).to.deep.equal(["disclosure"]);
  });

  it("failed: a disclosure made for another receipt, checked with this bundle", async () => {
    const other = scenario.v1Batch.bundles[2]!;
    const verdict = await verify(scenario.json(other), toDisclosureJson(disclosure));
    expect(verdict.status).to.equal("failed");
    expect(verdict.disclosure?.pieces[0]).to.include({ field: "bundle", code: "other-receipt" });
  });

  it("failed: a retrieval document shown for a receipt whose retrieval digest is not that snapshot's root", async () => {
    const snapshot = Snapshot.of("retrieval", [{ id: "kb/refunds.md", content: "Refunds within 30 days." }, { id: "kb/shipping.md", content: "Ships in 2 days." }]);
    const json = toDisclosureJson({ ...disclosure, disclosed: { retrieval: [{ id: "kb/refunds.md", content: "Refunds within 30 days.", ...snapshot.prove("kb/refunds.md") }] } });
    const verdict = await verify(scenario.json(disclosure.bundle), json);
    expect(verdict.status).to.equal("failed");
    expect(verdict.disclosure?.pieces[0]).to.include({ field: "retrieval:kb/refunds.md", code: "not-in-snapshot", found: snapshot.root });
    expect(disclosure.bundle.receipt.retrievalIndexDigest).to.not.equal(zeroHash);
  });

  it("a malformed disclosure fails the disclosure check and says which field", async () => {
    const json = toDisclosureJson(disclosure) as unknown as { disclosed: { input: { salt: Hex } } };
    json.disclosed.input.salt = "0x12";
    const verdict = await verify(scenario.json(disclosure.bundle), json);
    const check = verdict.checks.find((c) => c.id === "disclosure")!;
    expect(check).to.include({ status: "fail", code: "malformed-disclosure" });
    expect(check.message).to.include("disclosed.input.salt");
  });

  it("nothing disclosed: the disclosure check is skipped and everything is listed as not shown", async () => {
    const verdict = await verify(scenario.json(disclosure.bundle), toDisclosureJson({ ...disclosure, disclosed: {} }));
    expect(verdict.status).to.equal("verified");
    expect(verdict.checks.find((c) => c.id === "disclosure")!.status).to.equal("skipped");
    expect(verdict.disclosure?.notShown).to.deep.equal(["input", "output", "tools[0].input", "tools[0].output", "template", "sampling", "retrieval", "memory"]);
  });
});
