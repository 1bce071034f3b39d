/**
 * The main job (`npm run demo`) run as a user runs it, as a child process: it must exit 0 and
 * report what happened — checked against the facts (the chain, the files), not the wording.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";

import { parseBundle, verifyBundleOffline } from "../../sdk/bundle/index.js";
import { checkDisclosure, parseDisclosure } from "../../sdk/disclosure/index.js";
import { checkEvidence, SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import type { DemoReport } from "../../scripts/demo/story.js";
import { boxesOverlap } from "../../sdk/timeline/labelLayout.js";
import { labelsOf } from "../sdk/timeline/labels.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("demo (the main job)", function () {
  this.timeout(240_000);
  let out: string;
  let report: DemoReport;
  let stderr: string;

  before(async () => {
    out = await mkdtemp(path.join(tmpdir(), "showwork-demo-"));
    const tsx = path.join(root, "node_modules/.bin/tsx");
    const result = await run(tsx, ["scripts/demo.ts", "--answers", "48", "--batch-size", "8", "--out", out, "--json"], { cwd: root, maxBuffer: 64 << 20 });
    report = JSON.parse(result.stdout) as DemoReport;
    stderr = result.stderr;
  });

  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it("records and anchors every answer, in batches of the requested size", () => {
    expect(report.receipts.recorded).to.equal(48);
    expect(report.receipts.anchored).to.equal(48);
    expect(report.receipts.byVersion.v1 + report.receipts.byVersion.v2).to.equal(48);
    expect(report.batches.count).to.be.at.least(Math.ceil(48 / 8));
    expect(report.phases.map((p) => p.version)).to.deep.equal(["v1", "v2", "v1"]);
    expect(BigInt(report.batches.anchorGas) > 0n).to.equal(true);
  });

  it("records deployment v1, deployment v2 and the rollback to v1 with its reason, in time order", () => {
    expect(report.timeline.map((a) => [a.kind, a.version])).to.deep.equal([
      ["deployment", report.model.v1],
      ["deployment", report.model.v2],
      ["rollback", report.model.v1],
    ]);
    expect(report.timeline[2]!.reason).to.not.equal("");
    const times = report.timeline.map((a) => a.at);
    expect([...times].sort((a, b) => a - b)).to.deep.equal(times);
  });

  it("has the third party verify the paid v2 answer from its bundle and an RPC URL: v2 was active then", () => {
    expect(report.verification.status).to.equal("verified");
    expect(report.verification.receiptId).to.equal(report.payment.receiptId);
    // The verdict's first line: which node of which operator, which log, model version, when, how final.
    expect(report.verification.headline).to.match(/^answer by node 0x[0-9a-fA-F]{40} of operator 0x[0-9a-fA-F]{40} \(log 0x[0-9a-f]{6}…[0-9a-f]{4}\), model acme\/procurement-assistant v2, active at \S+, anchored at \S+, \d+ confirmations?$/);
    expect(report.verification.checks.find((c) => c.id === "pinned")!.status, "the operator is pinned").to.equal("pass");
    expect(report.verification.checks.find((c) => c.id === "signer")!.status).to.equal("pass");
    expect(report.verification.activeVersionAtReceipt).to.equal(report.model.v2);
    const failed = report.verification.checks.filter((c) => c.status === "fail" || c.status === "error");
    expect(failed).to.deep.equal([]);
    expect(report.verification.checks.find((c) => c.id === "model-version")!.status).to.equal("pass");
    expect(report.rpcUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("audits every v2 answer in v2's window and the payment that depended on one", () => {
    expect(report.audit.version).to.equal(report.model.v2);
    expect(report.audit.receipts).to.equal(report.receipts.byVersion.v2);
    expect(report.audit.anchored).to.equal(report.receipts.byVersion.v2);
    expect(report.audit.paymentsDependingOnThem.map((p) => p.receiptId)).to.deep.equal([report.payment.receiptId]);
    expect(report.audit.paymentsDependingOnThem[0]!.amountWei).to.equal(report.payment.amountWei);
    expect(report.audit.from).to.be.below(report.audit.to);
  });

  it("writes audit-v2.json (streamed a page at a time) as the one JSON document of the audit, formatted as JSON.stringify(_, null, 2)", async () => {
    const text = await readFile(path.join(out, "audit-v2.json"), "utf8");
    const audit = JSON.parse(text) as { version: string; from: number; to: number; entries: { receiptId: string; anchor?: unknown }[]; payments: unknown[] };
    expect(text).to.equal(`${JSON.stringify(audit, null, 2)}\n`);
    expect({ version: audit.version, from: audit.from, to: audit.to }).to.deep.equal({ version: report.audit.version, from: report.audit.from, to: report.audit.to });
    expect(audit.entries).to.have.length(report.audit.receipts);
    expect(audit.entries.filter((e) => e.anchor !== undefined)).to.have.length(report.audit.anchored);
    expect(audit.entries.map((e) => e.receiptId)).to.include(report.payment.receiptId);
    expect(audit.payments).to.deep.equal(report.audit.paymentsDependingOnThem);
  });

  it("writes bundles that verify offline, the audit, a timeline picture and the summary to the folder it names", async () => {
    expect(report.output.folder).to.equal(path.resolve(out));
    const files = await readdir(out);
    expect(files).to.include.members(["bundles", "timeline.svg", "audit-v2.json", "summary.json", "store.sqlite"]);
    const paid = parseBundle(JSON.parse(await readFile(path.join(out, "bundles", `${report.payment.receiptId}.json`), "utf8")));
    expect(paid.receipt.weightsDigest).to.equal(report.model.v2);
    expect(paid.anchor.logId).to.equal(report.logId);
    expect(await verifyBundleOffline(paid, { requireSignature: true })).to.equal(paid.root);
    const bundles = await readdir(path.join(out, "bundles"));
    expect(bundles.length).to.equal(report.output.files.filter((f) => f.startsWith("bundles/")).length);
    const svg = await readFile(path.join(out, "timeline.svg"), "utf8");
    expect(svg).to.match(/^<svg[\s\S]*<\/svg>\s*$/);
    // The picture's labels: one per band, the rollback listed with its reason, none over another.
    const labels = labelsOf(svg);
    expect(labels.filter((l) => l.kind === "activation")).to.have.lengthOf([...svg.matchAll(/data-activation="/g)].length);
    expect(labels.find((l) => l.kind === "event")?.text.replaceAll(" | ", " ")).to.include("rolled back to").and.include(`reason: “${report.timeline[2]!.reason}”`);
    for (const [i, a] of labels.entries()) for (const b of labels.slice(i + 1)) expect(boxesOverlap(a.box, b.box), `${a.text} / ${b.text}`).to.equal(false);
    expect(JSON.parse(await readFile(path.join(out, "summary.json"), "utf8"))).to.deep.equal(report);
  });

  it("writes the operator's signed checkpoint (trust.json) beside the bundles; after the chain is gone the paid bundle verifies with `showwork verify --offline --trust`, in a process with no network", async () => {
    const trust = JSON.parse(await readFile(path.join(out, "trust.json"), "utf8")) as { checkpoints: { number: number }[]; signature?: string };
    expect(trust.checkpoints).to.have.length(1);
    expect(trust.signature).to.match(/^0x[0-9a-f]{130}$/);
    const bundleFile = path.join(out, "bundles", `${report.payment.receiptId}.json`);
    expect(JSON.parse(await readFile(bundleFile, "utf8")).format).to.equal("showwork/bundle@2");
    // The demo process has exited: its chain is gone. `unshare -n` (root) runs the verifier with no network at all.
    const cli = [path.join(root, "bin/showwork.mjs"), "verify", "--offline", "--trust", path.join(out, "trust.json"), bundleFile, "--json"];
    const isRoot = process.getuid?.() === 0;
    const result = await run(isRoot ? "unshare" : process.execPath, isRoot ? ["-n", "--", process.execPath, ...cli] : cli, { cwd: root, maxBuffer: 16 << 20 }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    const verdict = JSON.parse(result.stdout ?? "{}") as { status: string; checks: { id: string; status: string }[] };
    expect(verdict.status, result.stderr).to.equal("verified");
    expect(verdict.checks.find((c) => c.id === "chain")?.status).to.equal("pass");
  });

  it("gets its answers from the model server through withReceipts: the paid answer's evidence opens its receipt", async () => {
    expect(report.output.files).to.include("evidence.sqlite");
    const paid = parseBundle(JSON.parse(await readFile(path.join(out, "bundles", `${report.payment.receiptId}.json`), "utf8")));
    const store = SqliteEvidenceStore.open({ path: path.join(out, "evidence.sqlite"), encryptionKey: null });
    try {
      const evidence = (await store.getEvidence(report.payment.receiptId))!;
      expect(checkEvidence(paid.receipt, evidence).mismatches).to.deep.equal([]);
      const output = JSON.parse(evidence.output.content) as { choices: { message: { content: string } }[] };
      expect(output.choices[0]!.message.content).to.equal(report.payment.answer);
      expect(evidence.tools.map((t) => t.name)).to.deep.equal(["erp.lookup_invoice", "contracts.price_check"]);
      expect(evidence.template?.id).to.equal("procurement-answer");
    } finally {
      await store.close();
    }
  });

  it("has a monitor find the stale node's v2 answers after the rollback and its unrecorded answer, from the published folder and the RPC URL", async () => {
    const m = report.monitor;
    expect(m.staleNode.answers).to.equal(m.staleNode.recorded.length + m.staleNode.lost.length);
    expect(m.staleNode.lost).to.have.length(1);
    expect(m.status).to.equal("findings");
    expect(m.headRecomputed).to.equal(true);
    expect(Object.keys(m.findingCounts).sort()).to.deep.equal(["inactive-version", "sequence-gap"]);
    const stale = m.findings.filter((f) => f.kind === "inactive-version");
    expect(stale.map((f) => f.receiptId)).to.deep.equal(m.staleNode.recorded);
    expect(stale.every((f) => f.servingNode === m.staleNode.address && f.weightsDigest === report.model.v2 && f.activeVersion === report.model.v1)).to.equal(true);
    const gaps = m.findings.filter((f) => f.kind === "sequence-gap");
    expect(gaps.map((g) => [g.servingNode, g.missing?.count])).to.deep.equal([[m.staleNode.address, "1"]]);
    expect(m.checked.receipts).to.equal(report.receipts.recorded + m.staleNode.recorded.length);
    // The folder is what the monitor read: one file per anchored batch, and the index.
    const index = JSON.parse(await readFile(path.join(out, "published", "v1", "logs", report.logId, "index.json"), "utf8")) as { batches: unknown[]; totalReceipts: number };
    expect(index.batches).to.have.length(m.published.batches);
    expect(index.totalReceipts).to.equal(m.checked.receipts);
    expect(await readdir(path.join(out, "published", "v1", "logs", report.logId, "batches"))).to.have.length(m.published.batches);
  });

  it("shows progress while it runs", () => {
    expect(stderr).to.match(/answers recorded/);
    expect(stderr).to.match(/anchored/);
  });
  it("has the auditor verify the paid answer's disclosure piece by piece and see the replay differ under v1", async () => {
    const d = report.disclosure;
    expect(d.receiptId).to.equal(report.payment.receiptId);
    expect(d.verdict).to.equal("verified");
    expect(d.status).to.equal("pass");
    // Checked again here, independently, from the file the auditor received.
    const disclosure = parseDisclosure(JSON.parse(await readFile(path.join(out, d.file), "utf8")));
    expect(disclosure.bundle.receipt.receiptId).to.equal(report.payment.receiptId);
    const checked = checkDisclosure(disclosure);
    expect(checked.status).to.equal("pass");
    const fields = checked.pieces.map((p) => p.field);
    expect(fields).to.include.members(["input", "output", "tools[0].input", "tools[0].output", "template", "sampling", "retrieval:policy/invoice-approval.md"]);
    expect(fields.some((f) => /^retrieval:contract\//.test(f))).to.equal(true);
    expect(checked.pieces.every((p) => p.status === "pass")).to.equal(true);
    expect(d.pieces.map((p) => p.field)).to.deep.equal(fields);
    expect(checked.notShown).to.include("memory");
    expect(disclosure.disclosed.tools![0]!.name).to.equal("erp.lookup_invoice");
    expect(disclosure.disclosed.output!.content as string).to.include(report.payment.answer.slice(0, 40));
    // Replay: what v2 answered is reproduced by v2, and v1 answers otherwise.
    expect(d.replay.v2.identical).to.equal(true);
    expect(d.replay.v1.identical).to.equal(false);
    expect(d.replay.v1.diff.output.some((line) => line.startsWith("- "))).to.equal(true);
    expect(d.replay.v1.diff.output.some((line) => line.startsWith("+ "))).to.equal(true);
    expect(d.replay.v1.answer).to.not.equal("");
    expect(report.output.files).to.include(d.file);
  });
});
