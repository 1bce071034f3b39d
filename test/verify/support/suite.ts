/**
 * The verifier suite, run against any chain: valid bundles verify; every tamper fails with the
 * right checks named; rollbacks, late anchoring, pending anchors, newer formats and disclosures
 * give their own distinct results.
 */
import { expect } from "chai";
import { keccak256, stringToHex } from "viem";

import { parseBundle } from "../../../sdk/bundle/parseBundle.js";
// This suite tampers with v1 JSON (a v1 bundle must stay verifiable); v2 has its own tests (test/offline/).
import type { ProofBundle, ProofBundleV1Json as ProofBundleJson } from "../../../sdk/bundle/types.js";
import { receiptLogsAbi } from "../../../sdk/contracts/abis.js";
import { CHECK_IDS, checksWithStatus, exitCodeOf, type Check, type CheckId, type Verdict } from "../../../sdk/verify/verdict.js";
import { verifyBundle, type VerifyBundleParameters } from "../../../sdk/verify/verifyBundle.js";
import { buildScenario, deploymentsRecordFor, MAX_ANCHOR_DELAY, revokeAnchorer, ROLLBACK_REASON, WEIGHTS_V1, type Scenario, type TestChain } from "./scenario.js";
import { attackSuite } from "./attacks.js";
import { flip, TAMPERS } from "./tampers.js";

/** How the suite reaches the chain. */
export interface SuiteTarget {
  /** The chain to build the scenario on. */
  chain(): Promise<TestChain>;
  /** Verification parameters reaching that chain (a client, or an RPC URL). */
  verifyWith(): Pick<VerifyBundleParameters, "client" | "rpcUrl">;
}

export function byId(verdict: Verdict, id: CheckId): Check {
  const check = verdict.checks.find((c) => c.id === id);
  if (!check) throw new Error(`verdict has no ${id} check`);
  return check;
}

function clone(bundle: ProofBundleJson): ProofBundleJson {
  return structuredClone(bundle);
}

/** Registers the suite's tests in the current describe block. */
export function verifierSuite(target: SuiteTarget): void {
  let scenario: Scenario;
  let valid: ProofBundleJson;
  const verify = (bundle: unknown, extra: Partial<VerifyBundleParameters> = {}): Promise<Verdict> =>
    verifyBundle(bundle, { ...target.verifyWith(), ...extra });

  before(async () => {
    scenario = await buildScenario(await target.chain());
    valid = scenario.json(scenario.v1Batch.bundles[0]!);
  });

  it("verifies every receipt of an anchored batch, each check passing with expected = found", async () => {
    for (const bundle of scenario.v1Batch.bundles) {
      const verdict = await verify(scenario.json(bundle));
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(verdict.reason).to.equal("verified");
      expect(exitCodeOf(verdict)).to.equal(0);
      expect(verdict.checks.map((c) => c.id)).to.deep.equal([...CHECK_IDS]);
      expect(checksWithStatus(verdict, "skipped")).to.deep.equal(["pinned", "disclosure"]);
      expect(byId(verdict, "pinned").code).to.equal("nothing-pinned");
      expect(byId(verdict, "signer").status).to.equal("pass");
      expect(verdict.facts.operator?.toLowerCase()).to.equal(scenario.chain.admin.account.address.toLowerCase());
      expect(verdict.headline).to.include(`answer by node ${scenario.servingNode.address}`).and.include("model acme-chat v1").and.include("confirmation");
      expect(verdict.uncertain.join(" ")).to.include("nothing pinned");
      for (const id of ["receipt-leaf", "proof-root", "chain", "batch-root"] as const) {
        const check = byId(verdict, id);
        expect(check.expected?.toLowerCase(), id).to.equal(check.found?.toLowerCase());
      }
      expect(verdict.facts.anchorer?.toLowerCase()).to.equal(scenario.chain.anchorer.account.address.toLowerCase());
      expect(verdict.facts.activeVersion).to.equal(WEIGHTS_V1);
      expect(verdict.facts.anchorDelay).to.be.a("number").and.to.be.at.least(0);
      expect(verdict.facts.maxAnchorDelay).to.equal(MAX_ANCHOR_DELAY);
    }
  });

  it("accepts the bundle as JSON text and as a parsed object alike", async () => {
    const verdict = await verify(JSON.stringify(valid));
    expect(verdict.status).to.equal("verified");
  });

  it("fails an unsigned receipt on the signature by default; with requireSignature: false it is reported as unproven", async () => {
    const verdict = await verify(scenario.json(scenario.v1Unsigned.bundles[1]!));
    expect(verdict.status, verdict.summary).to.equal("failed");
    expect(checksWithStatus(verdict, "fail")).to.deep.equal(["signature"]);
    expect(byId(verdict, "signature").code).to.equal("unsigned");
    const allowed = await verify(scenario.json(scenario.v1Unsigned.bundles[1]!), { requireSignature: false });
    expect(allowed.status, allowed.summary).to.equal("verified");
    expect(byId(allowed, "signature").status).to.equal("skipped");
    expect(allowed.uncertain.join(" ")).to.include("unsigned");
  });

  describe("tamper suite: every field mutated in turn fails with the right checks named", () => {
    for (const tamper of TAMPERS) {
      it(tamper.field, async () => {
        const bundle = clone(valid);
        tamper.mutate(bundle, scenario);
        const verdict = await verify(bundle);
        const failed = checksWithStatus(verdict, "fail");
        expect(failed, `${tamper.field}: ${verdict.checks.filter((c) => c.status === "fail").map((c) => `${c.id}: ${c.message}`).join(" | ")}`).to.have.members([
          ...tamper.fails,
        ]);
        expect(failed).to.have.lengthOf(tamper.fails.length);
        expect(verdict.status).to.equal("failed");
        expect(exitCodeOf(verdict)).to.equal(1);
        expect(checksWithStatus(verdict, "error"), "nothing is reported as could-not-check").to.deep.equal([]);
        for (const [id, status] of Object.entries(tamper.also ?? {})) expect(byId(verdict, id as CheckId).status, id).to.equal(status);
        for (const id of tamper.fails) {
          const check = byId(verdict, id);
          expect(check.message, id).to.be.a("string").and.not.equal("");
          expect(check.code, `${id} has a machine-readable code`).to.be.a("string");
        }
      });
    }

    it("names the computed vs stated values (proof → root)", async () => {
      const bundle = clone(valid);
      bundle.proof[1] = flip(bundle.proof[1]!);
      const check = byId(await verify(bundle), "proof-root");
      expect(check.expected).to.equal(valid.root);
      expect(check.found).to.match(/^0x[0-9a-f]{64}$/).and.not.equal(valid.root);
    });

    it("names both chain ids for a wrong chain", async () => {
      const bundle = clone(valid);
      bundle.anchor.chainId = 1;
      const check = byId(await verify(bundle), "chain");
      expect([check.expected, check.found, check.code]).to.deep.equal(["1", String(scenario.chainId), "wrong-chain"]);
    });

    it("tells a missing contract from a contract that is not the anchoring contract", async () => {
      const none = clone(valid);
      none.anchor.contract = "0x000000000000000000000000000000000000bEEF";
      const other = clone(valid);
      other.anchor.contract = scenario.timeline;
      expect(byId(await verify(none), "contract").code).to.equal("no-code");
      expect(byId(await verify(other), "contract").code).to.equal("not-showwork-code");
    });

    it("does not detect a leaf index moved to another leaf of the same depth (sorted-pair hashing binds membership, not position)", async () => {
      // Leaves 0 and 1 of the 5-leaf batch are both at depth 3: OpenZeppelin's sorted-pair node
      // hashing (the SPEC's scheme) gives the same root for either index. Everything a verifier
      // relies on — the receipt, its inclusion under the anchored root — is still proven.
      const bundle = clone(valid);
      bundle.leafIndex = 1;
      const verdict = await verify(bundle);
      expect(verdict.status).to.equal("verified");
    });
  });

  describe("deployments record", () => {
    const withoutTimeline = (): ProofBundleJson => {
      const bundle = clone(valid);
      delete bundle.timeline;
      return bundle;
    };

    it("the bundle's timeline is never used: without it the version is still checked against the log's bound timeline", async () => {
      const verdict = await verify(withoutTimeline());
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(byId(verdict, "model-version").status).to.equal("pass");
      expect(verdict.facts.timelineContract?.toLowerCase()).to.equal(scenario.timeline.toLowerCase());
      expect(verdict.facts.recordedDeployment, "the committed record has no local chain").to.equal(undefined);
      const rollback = scenario.json(scenario.afterRollback.bundles[0]!);
      delete rollback.timeline;
      const failed = await verify(rollback);
      expect(checksWithStatus(failed, "fail")).to.deep.equal(["model-version"]);
      expect(byId(failed, "model-version").code).to.equal("version-mismatch");
    });

    it("names the recorded deployment", async () => {
      const verdict = await verify(withoutTimeline(), { deployments: deploymentsRecordFor(scenario) });
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(byId(verdict, "contract").message).to.include("the showwork deployment recorded for Local test chain");
    });

    it("says when the contract is not the one recorded for its chain (an independent deployment), without failing", async () => {
      const record = deploymentsRecordFor(scenario, "0x00000000000000000000000000000000000A11CE");
      const verdict = await verify(valid, { deployments: record });
      expect(verdict.status).to.equal("verified");
      expect(byId(verdict, "contract").message).to.match(/not the ReceiptLogs recorded for Local test chain .*: an independent deployment/);
      expect(byId(verdict, "model-version").status, "the log's bound timeline is used").to.equal("pass");
    });
  });

  it("answers the rollback question: a receipt claiming v2 after the rollback to v1 fails on the model version only", async () => {
    const v2 = await verify(scenario.json(scenario.v2Batch.bundles[0]!));
    expect(v2.status, v2.summary).to.equal("verified");
    expect(byId(v2, "model-version").message).to.match(/v2 .* was the model's active version/);

    const after = await verify(scenario.json(scenario.afterRollback.bundles[0]!));
    expect(after.status).to.equal("failed");
    expect(checksWithStatus(after, "fail")).to.deep.equal(["model-version"]);
    const check = byId(after, "model-version");
    expect(check.code).to.equal("version-mismatch");
    expect(check.expected).to.equal(scenario.afterRollback.receipts[0]!.weightsDigest);
    expect(check.found).to.equal(WEIGHTS_V1);
    expect(check.message).to.include("v1").and.include("rollback").and.include(ROLLBACK_REASON);
    expect(after.facts.activeVersion).to.equal(WEIGHTS_V1);
  });

  it("is pending, not failed, while the anchoring block has fewer confirmations than required", async () => {
    const verdict = await verify(valid, { minConfirmations: 1_000_000 });
    expect(verdict.status).to.equal("pending");
    expect(verdict.reason).to.equal("not-final");
    expect(exitCodeOf(verdict)).to.equal(2);
    expect(byId(verdict, "confirmations").status).to.equal("pending");
    expect(checksWithStatus(verdict, "pending")).to.deep.equal(["confirmations"]);
  });

  it("gives a distinct result for a bundle of a newer format", async () => {
    for (const mutate of [
      (b: ProofBundleJson) => void ((b as { format: string }).format = "showwork/bundle@3"),
      (b: ProofBundleJson) => void ((b.receipt as { format: string }).format = "showwork/receipt@2"),
    ]) {
      const bundle = clone(valid);
      mutate(bundle);
      const verdict = await verify(bundle);
      expect(verdict.status).to.equal("pending");
      expect(verdict.reason).to.equal("unsupported-format");
      expect(exitCodeOf(verdict)).to.equal(2);
      const format = byId(verdict, "format");
      expect([format.status, format.code]).to.deep.equal(["error", "unsupported-format"]);
      expect(format.message).to.match(/newer than this verifier/);
      expect(checksWithStatus(verdict, "skipped")).to.have.lengthOf(CHECK_IDS.length - 1);
    }
    const unknown = clone(valid);
    (unknown as { format: string }).format = "something/else@1";
    const verdict = await verify(unknown);
    expect([verdict.status, byId(verdict, "format").code]).to.deep.equal(["failed", "invalid-bundle"]);
    const text = await verify("{not json");
    expect([text.status, byId(text, "format").code]).to.deep.equal(["failed", "not-json"]);
  });

  it("checks disclosed content against the receipt's commitments", async () => {
    const batch = scenario.v1Unsigned;
    const bundle = scenario.json(batch.bundles[0]!);
    const openings = batch.openings[0]!;
    const good = await verify(bundle, {
      requireSignature: false,
      disclosed: {
        input: { content: "Where is my order #1000?", salt: openings.inputSalt },
        output: { content: "Your order #1000 has shipped.", salt: openings.outputSalt },
        tools: [{ index: 0, output: { content: '{"status":"shipped","item":0}', salt: openings.tools[0]!.outputSalt } }],
      },
    });
    expect(good.status, good.summary).to.equal("verified");
    expect(byId(good, "disclosure").status).to.equal("pass");

    const bad = await verify(bundle, { requireSignature: false, disclosed: { output: { content: "Your order #1000 was cancelled.", salt: openings.outputSalt } } });
    expect(bad.status).to.equal("failed");
    expect(checksWithStatus(bad, "fail")).to.deep.equal(["disclosure"]);
    expect(byId(bad, "disclosure").message).to.include("output");
  });

  it("still verifies a batch whose anchorer was revoked afterwards, and says so", async () => {
    const batch = await scenario.anchorBatch({ count: 2, weightsDigest: WEIGHTS_V1, sign: true });
    await revokeAnchorer(scenario, scenario.chain.anchorer.account.address);
    try {
      const verdict = await verify(scenario.json(batch.bundles[0]!));
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(byId(verdict, "anchorer").message).to.include("revoked since");
    } finally {
      await scenario.chain.admin.writeContract({
        address: scenario.receiptLogs,
        abi: receiptLogsAbi,
        functionName: "grantAnchorer",
        args: [scenario.logId, scenario.chain.anchorer.account.address],
        account: scenario.chain.admin.account,
        chain: scenario.chain.admin.chain,
      });
    }
  });

  describe("anchoring delay", () => {
    it("shows a batch anchored later than the log's declared maximum delay as late, never as a failure (late is not lost)", async () => {
      const issuedAt = await scenario.chainTime();
      await scenario.increaseTime(MAX_ANCHOR_DELAY + 600);
      const late = await scenario.anchorBatch({ count: 1, weightsDigest: WEIGHTS_V1, issuedAt, sign: true });
      const verdict = await verify(scenario.json(late.bundles[0]!));
      expect(verdict.status).to.equal("verified");
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
      const check = byId(verdict, "anchor-delay");
      expect(check.status).to.equal("pass");
      expect(check.code).to.equal("late");
      expect(check.message).to.match(/later than the log's declared maximum .*: late/);
      expect(check.expected).to.equal(`≤ ${MAX_ANCHOR_DELAY} s`);
      expect(verdict.facts.anchorDelay).to.be.greaterThan(MAX_ANCHOR_DELAY);
    });

    it("applies the strictest maximum declared between the receipt's time and the anchoring (a raise just before does not help)", async () => {
      const setDelay = async (seconds: number): Promise<void> => {
        const { admin, publicClient } = scenario.chain;
        const hash = await admin.writeContract({
          address: scenario.receiptLogs,
          abi: receiptLogsAbi,
          functionName: "setMaxAnchorDelay",
          args: [scenario.logId, seconds],
          account: admin.account,
          chain: admin.chain,
        });
        await publicClient.waitForTransactionReceipt({ hash });
      };
      const issuedAt = await scenario.chainTime();
      await setDelay(60);
      await scenario.increaseTime(600);
      await setDelay(100_000);
      try {
        const batch = await scenario.anchorBatch({ count: 1, weightsDigest: WEIGHTS_V1, issuedAt, sign: true });
        const verdict = await verify(scenario.json(batch.bundles[0]!));
        expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
        expect(byId(verdict, "anchor-delay").code).to.equal("late");
        expect(byId(verdict, "anchor-delay").expected).to.equal("≤ 60 s");
        expect(verdict.facts.maxAnchorDelay).to.equal(60);
      } finally {
        await setDelay(MAX_ANCHOR_DELAY);
      }
    });

    it("is pending for a batch not anchored yet, and failed once it is overdue", async () => {
      const bundle = clone(valid);
      const size = await scenario.chain.publicClient.readContract({
        address: scenario.receiptLogs,
        abi: receiptLogsAbi,
        functionName: "logSize",
        args: [scenario.logId],
      });
      bundle.anchor.batchIndex = Number(size);
      bundle.anchor.txHash = keccak256(stringToHex("a transaction not mined yet"));
      const issuedAt = bundle.receipt.issuedAt;
      const early = await verify(bundle, { now: issuedAt + 60 });
      expect(early.status, early.summary).to.equal("pending");
      expect(early.reason).to.equal("not-final");
      expect(checksWithStatus(early, "pending")).to.have.members(["batch-root", "transaction", "confirmations", "anchorer", "anchor-delay"]);
      const overdue = await verify(bundle, { now: issuedAt + MAX_ANCHOR_DELAY + 1 });
      expect(overdue.status).to.equal("failed");
      expect(checksWithStatus(overdue, "fail")).to.deep.equal(["anchor-delay"]);
      expect(byId(overdue, "anchor-delay").code).to.equal("overdue");
    });
  });

  it("reports without a client or URL that the chain could not be checked", async () => {
    const verdict = await verifyBundle(valid, {});
    expect([verdict.status, verdict.reason]).to.deep.equal(["pending", "could-not-check"]);
    expect(byId(verdict, "proof-root").status).to.equal("pass");
    expect(byId(verdict, "chain").code).to.equal("no-rpc");
  });

  attackSuite(() => scenario, verify);

  it("round-trips: the scenario's bundles parse as v1 bundles", () => {
    const parsed: ProofBundle = parseBundle(valid);
    expect(parsed.anchor.chainId).to.equal(scenario.chainId);
  });
}
