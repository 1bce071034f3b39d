/**
 * Issue #22, "one rule, one function": the monitor and the verifier apply the same anchoring-delay rule, the same
 * compromise rule, the same model-version rule over [issuedAt, anchoring] (item 7) and the same printable();
 * chain-supplied text never reaches a terminal raw (item 8). The model-version rule is also run end to end: the same
 * receipts on a real chain (hardhat node over HTTP), judged by the monitor and by the verifier, must agree.
 */
import { expect } from "chai";
import type { Hex } from "viem";

import { buildBundle } from "../../sdk/bundle/buildBundle.js";
import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import type { ProofBundle } from "../../sdk/bundle/types.js";
import { judgeAnchoredVersion } from "../../sdk/monitor/chain.js";
import { monitorLog } from "../../sdk/monitor/monitorLog.js";
import { DirectorySource } from "../../sdk/monitor/source.js";
import type { Receipt } from "../../sdk/receipt/types.js";
import { delayBoundOf, versionSpan } from "../../sdk/verify/modelVersionRule.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { httpChain } from "../verify/support/scenario.js";
import { deployContracts, newPublishedLog, V1, V2, type Deployed } from "./support/publishedLog.js";

import { formatMonitorReport } from "../../sdk/monitor/formatReport.js";
import { strictestDelay as monitorStrictestDelay } from "../../sdk/monitor/chain.js";
import type { MonitorReport } from "../../sdk/monitor/types.js";
import { strictestDelay as verifierStrictestDelay } from "../../sdk/verify/checks/onchain.js";
import { judgeCompromise } from "../../sdk/verify/compromise.js";

const CASES: { history: { since: number; maxAnchorDelay: number }[]; from: number; to: number; expected: number | undefined }[] = [
  { history: [{ since: 100, maxAnchorDelay: 600 }], from: 150, to: 200, expected: 600 },
  { history: [{ since: 100, maxAnchorDelay: 0 }], from: 150, to: 200, expected: undefined },
  // Raised then lowered within the same second: the lowered value was never in force at any second that follows.
  { history: [{ since: 100, maxAnchorDelay: 3600 }, { since: 300, maxAnchorDelay: 60 }, { since: 300, maxAnchorDelay: 3600 }], from: 250, to: 400, expected: 3600 },
  { history: [{ since: 100, maxAnchorDelay: 3600 }, { since: 300, maxAnchorDelay: 60 }, { since: 350, maxAnchorDelay: 3600 }], from: 250, to: 400, expected: 60 },
  { history: [{ since: 100, maxAnchorDelay: 60 }], from: 50, to: 80, expected: 60 },
];

describe("one rule, one function (issue #22)", () => {
  it("the monitor's strictestDelay is the verifier's: same answers on the same cases (a max-delay entry replaced within its second never counts)", () => {
    expect(monitorStrictestDelay).to.equal(verifierStrictestDelay);
    for (const c of CASES) {
      expect(monitorStrictestDelay(c.history, c.from, c.to), JSON.stringify(c)).to.equal(c.expected);
      expect(verifierStrictestDelay(c.history, c.from, c.to), JSON.stringify(c)).to.equal(c.expected);
    }
  });

  it("the compromise rule: no report, before the cut-off, at/after it by batch, by anchoring time, by issuedAt, not anchored", () => {
    const report = { since: 1_000n, fromBatch: 5n, reportedAt: 2_000n };
    expect(judgeCompromise(undefined, 900, { batchIndex: 9n, anchoredAt: 1_500 })).to.deep.equal({ valid: true, reported: false });
    expect(judgeCompromise({ since: 0n, fromBatch: 0n, reportedAt: 0n }, 900, { batchIndex: 9n, anchoredAt: 1_500 }).valid).to.equal(true);
    expect(judgeCompromise(report, 900, { batchIndex: 4n, anchoredAt: 999 })).to.deep.equal({ valid: true, reported: true });
    expect(judgeCompromise(report, 900, { batchIndex: 5n, anchoredAt: 999 }).valid).to.equal(false);
    expect(judgeCompromise(report, 900, { batchIndex: 4n, anchoredAt: 1_000 }).valid).to.equal(false);
    expect(judgeCompromise(report, 1_000, { batchIndex: 4n, anchoredAt: 999 }).valid).to.equal(false);
    const pending = judgeCompromise(report, 900, undefined);
    expect(pending.valid).to.equal(false);
    if (!pending.valid) expect(pending.reason).to.include("not anchored yet");
  });

  it("the monitor report never prints chain-supplied text raw (terminal escapes, bidi overrides): item 8", () => {
    const hostile = "model \u001b[2J\u001b[1;1HRESULT: CLEAN \u202etxet";
    const report = {
      status: "findings",
      chainId: 31337,
      contract: "0x0000000000000000000000000000000000000001",
      logId: `0x${"11".repeat(32)}`,
      source: "https://example.test/\u001b[31m",
      block: 1,
      head: { head: `0x${"00".repeat(32)}`, size: 1, recomputed: true },
      timeline: undefined,
      checked: { batches: 1, receipts: 1, bytes: 1, elapsedMs: 1, receiptsPerSecond: 1 },
      findings: [{ kind: "inactive-version", message: `receipt claims ${hostile}` }],
      findingCounts: { "inactive-version": 1 },
      open: { withheldBatches: [], gaps: [] },
      unchecked: [{ check: "model-version", reason: hostile }],
      nodes: [],
      totals: { batches: 1, receipts: 1, bytes: 1, findings: {} },
    } as unknown as MonitorReport;
    const text = formatMonitorReport(report);
    // eslint-disable-next-line no-control-regex
    expect(text).not.to.match(/[\u001b\u202e]/);
    expect(text).to.include("\\u{1b}[2J").and.include("\\u{202e}");
  });
});

describe("one model-version rule for the monitor and the verifier (issue #22 item 7)", function () {
  this.timeout(300_000);
  let node: HardhatNodeProcess;
  let deployed: Deployed;

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployContracts(await httpChain(node.url));
  });
  after(async () => {
    await node?.stop();
  });

  it("cuts the span as ModelTimeline.activationIndexAt does at both ends, and bounds it only by a delay the batch met", () => {
    const timeline = [{ activatedAt: 100 }, { activatedAt: 200 }, { activatedAt: 200 }, { activatedAt: 300 }];
    expect(versionSpan(timeline, 50, 400)).to.deep.equal([]);
    expect(versionSpan(timeline, 100, 150)).to.deep.equal([timeline[0]]);
    expect(versionSpan(timeline, 150, 200)).to.deep.equal([timeline[0], timeline[1], timeline[2]]);
    // Two entries in one second: the last of them is the one in force at that second.
    expect(versionSpan(timeline, 200, 250)).to.deep.equal([timeline[2]]);
    expect(versionSpan(timeline, 250, 999)).to.deep.equal([timeline[2], timeline[3]]);
    const history = [{ since: 0, maxAnchorDelay: 600 }];
    expect(delayBoundOf(history, 1000, 1600)).to.equal(600);
    expect(delayBoundOf(history, 1000, 1601), "late: bounds nothing").to.equal(undefined);
    expect(delayBoundOf(history, 1000, 960), "within the clock skew").to.equal(600);
    expect(delayBoundOf(history, 1000, 900, 60), "anchored before the receipt's time, past the skew").to.equal(undefined);
    expect(delayBoundOf([{ since: 0, maxAnchorDelay: 0 }], 1000, 1001)).to.equal(undefined);
  });

  it("the monitor and the verifier judge the same receipts alike: kept, moved back into a replaced version, late, never active", async () => {
    type Outcome = "pass" | "fail" | "error";
    const expected: { label: string; outcome: Outcome; code?: string }[] = [];
    const runs: { logId: Hex; dir: string; batches: { label: string; index: number }[] }[] = [];
    /** A log with the given declared maximum delay: one receipt per batch, V2 deployed halfway. */
    const scenario = async (maxAnchorDelay: number, cases: { label: string; claim: Hex; before: boolean; outcome: Outcome; code?: string }[]) => {
      const log = await newPublishedLog(deployed, { maxAnchorDelay });
      const t0 = await log.chainTime();
      const made: { label: string; receipts: Receipt[]; outcome: Outcome; code?: string }[] = [];
      // Receipts dated before V2 is deployed (their time is the serving node's word).
      for (const c of cases.filter((c) => c.before)) made.push({ ...c, receipts: await log.receipts(1, { weightsDigest: c.claim, issuedAt: t0 }) });
      await log.deploy(V2);
      for (const c of cases.filter((c) => !c.before)) made.push({ ...c, receipts: await log.receipts(1, { weightsDigest: c.claim }) });
      const batches: { label: string; index: number }[] = [];
      for (const m of made) {
        const { index } = await log.anchorAndPublish(m.receipts);
        batches.push({ label: m.label, index });
        expected.push({ label: m.label, outcome: m.outcome, ...(m.code ? { code: m.code } : {}) });
      }
      runs.push({ logId: log.logId, dir: log.dir, batches });
      return log;
    };
    await scenario(0, [
      { label: "V1 dated before V2's deployment, anchored after it, no declared maximum", claim: V1, before: true, outcome: "error", code: "changed-before-anchoring" },
      { label: "V2 dated before its deployment", claim: V2, before: true, outcome: "fail", code: "version-mismatch" },
      { label: "V2 after its deployment", claim: V2, before: false, outcome: "pass" },
    ]);
    await scenario(3600, [{ label: "V1 dated before V2's deployment, the declared maximum met", claim: V1, before: true, outcome: "pass" }]);
    await scenario(1, [{ label: "V1 dated before V2's deployment, anchored later than the declared maximum", claim: V1, before: true, outcome: "error", code: "changed-before-anchoring" }]);

    const monitorSaid: { label: string; outcome: Outcome }[] = [];
    const verifierSaid: { label: string; outcome: Outcome; code?: string }[] = [];
    const chainId = await deployed.chain.publicClient.getChainId();
    for (const run of runs) {
      const bundles = new Map<number, ProofBundle>();
      const { report } = await monitorLog({
        client: deployed.chain.publicClient,
        contract: deployed.receiptLogs,
        logId: run.logId,
        source: new DirectorySource(run.dir),
        onReceipt: ({ receipt, batch, tree }) => {
          bundles.set(batch.index, buildBundle({ tree, receipt, anchor: { chainId, contract: deployed.receiptLogs, logId: run.logId, batchIndex: batch.index, txHash: batch.txHash, blockNumber: batch.blockNumber } }));
        },
      });
      for (const { label, index } of run.batches) {
        const failed = report.findings.some((f) => f.kind === "inactive-version" && f.batchIndex === index);
        const undecided = report.unchecked.some((u) => u.check === "model-version" && u.batchIndex === index);
        monitorSaid.push({ label, outcome: failed ? "fail" : undecided ? "error" : "pass" });
        const verdict = await verifyBundle(toBundleJson(bundles.get(index)!), { rpcUrl: node.url, minConfirmations: 1 });
        const check = verdict.checks.find((c) => c.id === "model-version")!;
        verifierSaid.push({ label, outcome: check.status as Outcome, ...(check.status === "pass" ? {} : { code: check.code }) });
      }
    }
    expect(verifierSaid).to.deep.equal(expected);
    expect(monitorSaid).to.deep.equal(expected.map(({ label, outcome }) => ({ label, outcome })));
  });

  it("the monitor's judgement is the rule's, with the verifier's delay bound (a unit case with no chain)", async () => {
    const view = {
      registered: true,
      activations: [
        { index: 0, kind: "deployment", versionNumber: 1, version: V1, activatedAt: 100, reason: "" },
        { index: 1, kind: "deployment", versionNumber: 2, version: V2, activatedAt: 200, reason: "" },
      ],
      versions: [
        { version: 1, weightsDigest: V1, publishedAt: 50, metadataURI: "" },
        { version: 2, weightsDigest: V2, publishedAt: 60, metadataURI: "" },
      ],
    } as never;
    const bounded = [{ since: 0, maxAnchorDelay: 3600 }];
    const none = [{ since: 0, maxAnchorDelay: 0 }];
    expect((await judgeAnchoredVersion(view, { issuedAt: 150, weightsDigest: V1 }, 250, bounded)).status).to.equal("pass");
    expect((await judgeAnchoredVersion(view, { issuedAt: 150, weightsDigest: V1 }, 250, none)).code).to.equal("changed-before-anchoring");
    expect((await judgeAnchoredVersion(view, { issuedAt: 150, weightsDigest: V2 }, 250, bounded)).code).to.equal("version-mismatch");
    expect((await judgeAnchoredVersion(view, { issuedAt: 50, weightsDigest: V1 }, 250, bounded)).code).to.equal("no-active-version");
  });
});
