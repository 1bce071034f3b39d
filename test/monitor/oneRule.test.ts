/**
 * Issue #22, "one rule, one function": the monitor and the verifier apply the same anchoring-delay rule, the same
 * compromise rule and the same printable(); chain-supplied text never reaches a terminal raw (item 8).
 */
import { expect } from "chai";

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
