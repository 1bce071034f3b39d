/**
 * The verifier's pure pieces: combining checks into a verdict, the strictest declared delay,
 * RPC-failure classification, text output, the timeline picture, CLI argument parsing, and the
 * browser build (which fails on any Node built-in in the verification code).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { ContractFunctionExecutionError, ContractFunctionZeroDataError, getAddress, HttpRequestError, TimeoutError, zeroHash, type Hex } from "viem";

import { modelArgument, timeArgument } from "../../sdk/cli/commandOptions.js";
import { modelIdFromName } from "../../sdk/receipt/modelId.js";
import { renderTimelineSvg } from "../../sdk/timeline/renderTimelineSvg.js";
import type { TimelineActivation } from "../../sdk/timeline/types.js";
import { check, duration } from "../../sdk/verify/check.js";
import { strictestDelay } from "../../sdk/verify/checks/onchain.js";
import { formatVerdict } from "../../sdk/verify/formatVerdict.js";
import { isRpcUnavailable } from "../../sdk/verify/rpcFailure.js";
import { CHECK_IDS, exitCodeOf, judge, type Check, type Verdict } from "../../sdk/verify/verdict.js";
import { buildWeb } from "../../web/build.js";

const passing = (): Check[] => CHECK_IDS.map((id) => check(id, id === "disclosure" ? "skipped" : "pass", "ok"));

describe("verdict: combining checks", () => {
  it("verified when nothing failed, was pending or could not be checked", () => {
    const verdict = judge(passing());
    expect([verdict.status, verdict.reason]).to.deep.equal(["verified", "verified"]);
    expect(verdict.summary).to.equal("VERIFIED: 14 checks passed");
  });

  it("a failure wins over everything else", () => {
    const checks = passing();
    checks[3] = check("chain", "error", "down");
    checks[7] = check("confirmations", "pending", "1 of 12");
    checks[2] = check("proof-root", "fail", "mismatch");
    expect([judge(checks).status, judge(checks).reason]).to.deep.equal(["failed", "failed"]);
    expect(exitCodeOf(judge(checks))).to.equal(1);
  });

  it("could-not-check and unsupported-format are pending with their own reasons, distinct from not-final", () => {
    const down = passing();
    down[3] = check("chain", "error", "could not check: the RPC endpoint timed out", { code: "rpc-unavailable" });
    const newer = passing();
    newer[0] = check("format", "error", "newer", { code: "unsupported-format" });
    const waiting = passing();
    waiting[7] = check("confirmations", "pending", "3 of 12");
    expect([judge(down).status, judge(down).reason]).to.deep.equal(["pending", "could-not-check"]);
    expect([judge(newer).status, judge(newer).reason]).to.deep.equal(["pending", "unsupported-format"]);
    expect([judge(waiting).status, judge(waiting).reason]).to.deep.equal(["pending", "not-final"]);
    for (const v of [down, newer, waiting]) expect(exitCodeOf(judge(v))).to.equal(2);
  });

  it("names the usual checks that were skipped in a verified summary", () => {
    const checks = passing();
    checks[10] = check("model-version", "skipped", "names no model");
    expect(judge(checks).summary).to.equal("VERIFIED: 13 checks passed (not checked: model version active)");
    checks[12] = check("pinned", "skipped", "nothing pinned", { code: "nothing-pinned" });
    expect(judge(checks).summary).to.equal("VERIFIED: 12 checks passed (not checked: model version active); nothing pinned");
  });

  it("formats one line per check, expected/found under failures, and the summary last", () => {
    const checks = passing();
    checks[2] = check("proof-root", "fail", "the proof does not lead to the root", { expected: "0xaa", found: "0xbb", code: "mismatch" });
    const judged = judge(checks);
    const verdict: Verdict = { ...judged, headline: judged.summary, uncertain: [], checks, facts: { receiptId: "0x01", issuedAt: 0 }, elapsedMs: 1 };
    const lines = formatVerdict(verdict).split("\n");
    expect(lines[0]).to.match(/^FAILED: proof leads to root/);
    expect(lines[2]).to.match(/^PASS {2}Bundle format/);
    expect(lines[4]).to.match(/^FAIL {2}Proof leads to root +the proof does not lead to the root$/);
    expect(lines[5]).to.match(/^ +expected: 0xaa$/);
    expect(lines[6]).to.match(/^ +found: {4}0xbb$/);
    expect(lines[lines.length - 1]).to.match(/^FAILED: proof leads to root/);
    expect(formatVerdict(verdict, { colour: true })).to.include("\u001b[31mFAIL\u001b[0m");
  });

  it("writes durations for people", () => {
    expect([duration(42), duration(303), duration(7200), duration(90_000), duration(-5)]).to.deep.equal(["42 s", "5 min 3 s", "2 h 0 min", "1 d 1 h", "-5 s"]);
  });
});

describe("strictest declared anchoring delay over a window", () => {
  const history = [
    { since: 100n, maxAnchorDelay: 3600 },
    { since: 1000n, maxAnchorDelay: 0 },
    { since: 2000n, maxAnchorDelay: 600 },
    { since: 2000n, maxAnchorDelay: 900 }, // replaced within the same second: 900 is in force
    { since: 5000n, maxAnchorDelay: 7200 },
  ];
  it("takes the value in force at the receipt's time and every change until the anchoring", () => {
    expect(strictestDelay(history, 150, 500)).to.equal(3600);
    expect(strictestDelay(history, 50, 60), "before the log existed: its first declaration").to.equal(3600);
    expect(strictestDelay(history, 1100, 1900), "no maximum declared then").to.equal(undefined);
    expect(strictestDelay(history, 1100, 2500), "600 was replaced in the same second").to.equal(900);
    expect(strictestDelay(history, 500, 6000), "a raise just before a late anchoring does not help").to.equal(900);
    expect(strictestDelay(history, 5500, 9000)).to.equal(7200);
    expect(strictestDelay([], 0, 10)).to.equal(undefined);
  });
});

describe("RPC failures vs answers from the chain", () => {
  it("classifies transport failures as could-not-check, reverts and empty data as answers", () => {
    const http = new HttpRequestError({ url: "http://127.0.0.1:9", details: "fetch failed" });
    expect(isRpcUnavailable(http)).to.equal(true);
    expect(isRpcUnavailable(new TimeoutError({ body: {}, url: "http://127.0.0.1:9" }))).to.equal(true);
    expect(isRpcUnavailable(new TypeError("Failed to fetch"))).to.equal(true);
    const zeroData = new ContractFunctionZeroDataError({ functionName: "logSize" });
    expect(isRpcUnavailable(zeroData)).to.equal(false);
    expect(isRpcUnavailable(new ContractFunctionExecutionError(zeroData, { abi: [], functionName: "logSize" }))).to.equal(false);
    expect(isRpcUnavailable(new ContractFunctionExecutionError(http, { abi: [], functionName: "logSize" })), "wrapped transport failure").to.equal(true);
    expect(isRpcUnavailable(new Error("execution reverted"))).to.equal(false);
  });
});

describe("timeline picture", () => {
  const v1 = "0x1111111111111111111111111111111111111111111111111111111111111111" as Hex;
  const v2 = "0x2222222222222222222222222222222222222222222222222222222222222222" as Hex;
  const activations: TimelineActivation[] = [
    { index: 0, kind: "deployment", versionNumber: 1, version: v1, activatedAt: 1_000, reason: "", label: "v1" },
    { index: 1, kind: "deployment", versionNumber: 2, version: v2, activatedAt: 5_000, reason: "", label: "v2" },
    { index: 2, kind: "rollback", versionNumber: 1, version: v1, activatedAt: 9_000, reason: "refunds <wrong> & \"bad\"", label: "v1" },
    { index: 3, kind: "deactivation", versionNumber: 0, version: zeroHash, activatedAt: 20_000, reason: "retired", label: "none" },
  ];

  it("draws one band per activation, marks the receipt and anchoring, outlines the claimed version, escapes text", () => {
    const svg = renderTimelineSvg({
      activations,
      markers: [
        { at: 6_000, label: "receipt", kind: "receipt" },
        { at: 6_100, label: "anchored", kind: "anchor" },
      ],
      highlight: v2,
      title: "acme <chat>",
    });
    expect(svg.startsWith("<svg")).to.equal(true);
    expect(svg.match(/data-activation="/g)).to.have.lengthOf(4);
    expect([...svg.matchAll(/data-kind="(\w+)"/g)].map((m) => m[1])).to.deep.equal(["deployment", "deployment", "rollback", "deactivation"]);
    expect(svg).to.include('data-marker="receipt"').and.include('data-marker="anchor"');
    expect(svg).to.include("stroke-width=\"2.5\"");
    expect(svg).to.include("acme &lt;chat&gt;").and.include("refunds &lt;wrong&gt; &amp; &quot;bad&quot;");
    expect(svg).to.not.include("<wrong>");
    expect(svg).to.include("← claimed by the receipt");
  });

  it("shows a window of activations around the receipt when there are many", () => {
    const many: TimelineActivation[] = Array.from({ length: 40 }, (_, i) => ({
      index: i,
      kind: "deployment",
      versionNumber: i + 1,
      version: `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex,
      activatedAt: 1_000 * (i + 1),
      reason: "",
      label: `v${i + 1}`,
    }));
    const svg = renderTimelineSvg({ activations: many, markers: [{ at: 20_500, label: "receipt", kind: "receipt" }], maxActivations: 8 });
    const shown = [...svg.matchAll(/data-activation="(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown).to.have.lengthOf(8);
    expect(shown).to.include(19); // the activation in force at 20,500
  });

  it("says so when a model has no activation", () => {
    expect(renderTimelineSvg({ activations: [] })).to.include("No activations recorded");
  });
});

describe("CLI arguments", () => {
  it("parses times as unix seconds or ISO-8601 (UTC without a zone)", () => {
    expect(timeArgument("1795309072")).to.equal(1795309072);
    expect(timeArgument("2026-11-22")).to.equal(Date.UTC(2026, 10, 22) / 1000);
    expect(timeArgument("2026-11-22T10:00")).to.equal(Date.UTC(2026, 10, 22, 10) / 1000);
    expect(timeArgument("2026-11-22T10:00:00+02:00")).to.equal(Date.UTC(2026, 10, 22, 8) / 1000);
    expect(() => timeArgument("yesterday")).to.throw(/unix seconds or an ISO-8601/);
  });

  it("takes a model by name or by id", () => {
    expect(modelArgument("acme-chat")).to.deep.equal({ name: "acme-chat", modelId: modelIdFromName("acme-chat") });
    const id = modelIdFromName("x").toUpperCase().replace("0X", "0x");
    expect(modelArgument(id).modelId).to.equal(modelIdFromName("x"));
  });
});

describe("web verifier build", () => {
  it("bundles the verification code for browsers (esbuild fails on any Node built-in)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "showwork-web-build-"));
    try {
      const built = await buildWeb(dir);
      expect(built.inputs.some((input) => input.endsWith("sdk/verify/verifyBundle.ts"))).to.equal(true);
      expect(built.inputs.some((input) => input.endsWith("sdk/timeline/readModelTimeline.ts"))).to.equal(true);
      expect(built.inputs.filter((input) => input.startsWith("node:") || /\/sdk\/service\//.test(input))).to.deep.equal([]);
      // The native and WebAssembly secp256k1 back ends are Node-only, loaded at run time: never bundled.
      expect(built.inputs.filter((input) => /node_modules\/(secp256k1|tiny-secp256k1|node-gyp-build)\//.test(input))).to.deep.equal([]);
      expect(await readFile(path.join(dir, "index.html"), "utf8")).to.include('<script type="module" src="app.js">');
      expect(built.scriptBytes).to.be.below(1_000_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("verifier text and pins (issue #12)", () => {
  it("escapes control, bidi-override and zero-width characters from chain or bundle text", async () => {
    const { printable, printableShort } = await import("../../sdk/verify/printable.js");
    expect(printable("ok\u001b[2J\u001b[32mVERIFIED\u202e\u200b\u009b")).to.equal("ok\\u{1b}[2J\\u{1b}[32mVERIFIED\\u{202e}\\u{200b}\\u{9b}");
    expect(printable("two\nlines\ttab")).to.equal("two lines tab");
    expect(printable("Zürich — 東京 ✓")).to.equal("Zürich — 東京 ✓");
    expect(printableShort("x".repeat(500), 10)).to.equal(`${"x".repeat(10)}…`);
    const escaped = check("model-version", "fail", "reason: \u001b[31mgone", { expected: "\u202eabc", found: "\u0007" });
    expect([escaped.message, escaped.expected, escaped.found]).to.deep.equal(["reason: \\u{1b}[31mgone", "\\u{202e}abc", "\\u{7}"]);
  });

  it("parses trust files and pins, naming the entry that is wrong", async () => {
    const { parseTrustFile, parseLogPin, parseOperatorPin, mergeTrust } = await import("../../sdk/verify/trust.js");
    const log = `0x${"ab".repeat(32)}`;
    expect(parseTrustFile({ format: "showwork/trust@1", logs: [log.toUpperCase().replace("0X", "0x")], operators: ["0x00000000000000000000000000000000000000aa"] })).to.deep.equal({
      logs: [log],
      operators: [getAddress("0x00000000000000000000000000000000000000aa")],
    });
    expect(() => parseTrustFile({ format: "showwork/trust@1", logs: ["0x12"] })).to.throw(/logs\[0\]: expected a 32-byte log id .* found "0x12"/);
    expect(() => parseTrustFile({ format: "showwork/trust@1" })).to.throw(/pins nothing/);
    expect(() => parseTrustFile([])).to.throw(/JSON object/);
    expect(() => parseLogPin("nope")).to.throw(/expected a 32-byte log id/);
    expect(() => parseOperatorPin("0x1234")).to.throw(/expected an operator address/);
    expect(mergeTrust(undefined, { logs: [], operators: [] })).to.equal(undefined);
    expect(mergeTrust({ logs: [log] }, { logs: [log], operators: [] })).to.deep.equal({ logs: [log], operators: [] });
  });
});
