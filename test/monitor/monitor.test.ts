/**
 * The monitor against a `hardhat node` over HTTP, reading published batches over HTTP (a static server in
 * front of a published folder) and from the folder itself: an honest log passes; each manipulation — a
 * dropped receipt, a duplicated sequence number, a receipt from an unauthorised node, a withheld batch,
 * a batch file altered after anchoring, a v2 receipt after the rollback — is found and named.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { keccak256, stringToHex } from "viem";

import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { auditPublished } from "../../sdk/monitor/auditPublished.js";
import { batchPath } from "../../sdk/publish/layout.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { monitorLog, type MonitorLogParameters } from "../../sdk/monitor/monitorLog.js";
import { createSignatureCheckPool } from "../../sdk/receipt/signatureCheckPool.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { DirectorySource, HttpSource } from "../../sdk/monitor/source.js";
import type { FindingKind, MonitorReport, MonitorState } from "../../sdk/monitor/types.js";
import { httpChain } from "../verify/support/scenario.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { deployContracts, MODEL, newNode, newPublishedLog, V1, V2, type Deployed, type PublishedLog } from "./support/publishedLog.js";
import { serveDirectory, type StaticServer } from "./support/staticServer.js";

describe("monitor: following a log from the chain and its published batches", function () {
  this.timeout(180_000);
  let node: HardhatNodeProcess;
  let deployed: Deployed;
  const servers: StaticServer[] = [];

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployContracts(await httpChain(node.url));
  });
  after(async () => {
    for (const server of servers) await server.close();
    await node?.stop();
  });

  /** Monitors `log` over HTTP (a static server on its folder). */
  const monitorHttp = async (log: PublishedLog, extra: Partial<MonitorLogParameters> = {}): Promise<{ report: MonitorReport; state: MonitorState }> => {
    const server = await serveDirectory(log.dir);
    servers.push(server);
    return monitorLog({
      client: deployed.chain.publicClient,
      contract: deployed.receiptLogs,
      logId: log.logId,
      source: new HttpSource(server.url),
      ...extra,
    });
  };
  const kinds = (report: MonitorReport): FindingKind[] => [...new Set(report.findings.map((f) => f.kind))].sort();

  it("passes an honest log: every batch published, roots, counts, head, signatures, sequences, times, versions", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(4));
    await log.anchorAndPublish(await log.receipts(3));
    await log.anchorAndPublish(await log.receipts(1));
    const { report } = await monitorHttp(log);
    expect(report.findings, JSON.stringify(report.findings)).to.deep.equal([]);
    expect(report.unchecked).to.deep.equal([]);
    expect(report.status).to.equal("clean");
    expect(report.head).to.include({ size: 3, recomputed: true });
    expect(report.checked).to.include({ batches: 3, receipts: 8 });
    expect(report.nodes).to.deep.equal([{ servingNode: log.node.account.address, receipts: 8, first: "1", last: "8", openGaps: 0 }]);
    expect(report.timeline?.toLowerCase()).to.equal(deployed.timeline.toLowerCase());
  });

  it("finds a dropped receipt: a gap in the node's sequence numbers, named with the missing range", async () => {
    const log = await newPublishedLog(deployed);
    const receipts = await log.receipts(6);
    await log.anchorAndPublish(receipts.slice(0, 3));
    await log.anchorAndPublish([receipts[3]!, receipts[5]!]); // sequence 5 never recorded
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["sequence-gap"]);
    const gap = report.findings.find((f) => f.kind === "sequence-gap")!;
    expect(gap.servingNode).to.equal(log.node.account.address);
    expect(gap.missing).to.deep.equal({ from: "5", to: "5", count: "1" });
    expect(gap.message).to.contain("left out");
    expect(report.status).to.equal("findings");
  });

  it("finds a duplicated sequence number", async () => {
    const log = await newPublishedLog(deployed);
    const receipts = await log.receipts(3);
    log.node.sequence = 2n; // the node reuses sequence 2
    const again = await log.receipts(1);
    await log.anchorAndPublish(receipts);
    await log.anchorAndPublish(again);
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["duplicate-sequence"]);
    const dup = report.findings[0]!;
    expect(dup).to.include({ sequence: "2", receiptId: again[0]!.receiptId, batchIndex: 1 });
  });

  it("finds a receipt signed by a node not authorised for the log", async function () {
    const log = await newPublishedLog(deployed);
    const rogue = newNode();
    await log.anchorAndPublish([...(await log.receipts(2)), ...(await log.receipts(1, { node: rogue }))]);
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["unauthorised-node"]);
    expect(report.findings[0]).to.include({ servingNode: rogue.account.address, batchIndex: 0, leafIndex: 2 });
    expect(report.findings[0]!.message).to.contain("never granted");
  });

  it("finds a signature not made by the receipt's serving node", async () => {
    const log = await newPublishedLog(deployed);
    const [good, forged] = await log.receipts(2);
    const other = await newNode().account.signMessage({ message: "x" });
    await log.anchorAndPublish([good!, { ...forged!, signature: other }]);
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["bad-signature"]);
    expect(report.findings[0]).to.include({ receiptId: forged!.receiptId });
    // The same findings whether signatures are checked on worker threads or on the calling thread.
    const pool = createSignatureCheckPool({ threads: 2, inlineBelow: 1 });
    try {
      const viaWorkers = await monitorHttp(log, { signaturePool: pool });
      const inline = await monitorHttp(log, { signaturePool: false });
      expect(viaWorkers.report.findings).to.deep.equal(report.findings);
      expect(inline.report.findings).to.deep.equal(report.findings);
    } finally {
      await pool.close();
    }
  });

  it("finds a withheld batch, keeps it pending in the state, and clears it once published", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(2));
    const withheld = await log.anchor(await log.receipts(2)); // anchored, never published (yet)
    await log.anchorAndPublish(await log.receipts(2));
    const first = await monitorHttp(log);
    expect(kinds(first.report)).to.deep.equal(["sequence-gap", "withheld-batch"]);
    expect(first.report.findings.find((f) => f.kind === "withheld-batch")).to.include({ batchIndex: 1 });
    expect(first.report.open.withheldBatches).to.deep.equal([1]);
    expect(first.report.open.gaps.map((g) => g.missing)).to.deep.equal([{ from: "3", to: "4", count: "2" }]);
    expect(first.state.pending.map((e) => e.index)).to.deep.equal([1]);

    // Resumed from its state: only the pending batch is fetched; once published, nothing is left open.
    await log.publish(withheld.index, withheld.tree);
    const second = await monitorHttp(log, { state: JSON.parse(JSON.stringify(first.state)) as MonitorState });
    expect(second.report.findings).to.deep.equal([]);
    expect(second.report.checked).to.include({ batches: 1, receipts: 2 });
    expect(second.state.pending).to.deep.equal([]);
    expect(second.report.nodes[0]).to.include({ receipts: 6, openGaps: 0 });
  });

  it("finds a batch file altered after anchoring (from the folder and over HTTP)", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(3));
    const file = path.join(log.dir, batchPath(log.logId, 0));
    const dump = JSON.parse(await readFile(file, "utf8")) as { receipts: { outputDigest: string }[] };
    dump.receipts[1]!.outputDigest = `0x${"ee".repeat(32)}`;
    await writeFile(file, JSON.stringify(dump));
    const fromDir = await monitorLog({
      client: deployed.chain.publicClient,
      contract: deployed.receiptLogs,
      logId: log.logId,
      source: new DirectorySource(log.dir),
    });
    const overHttp = await monitorHttp(log);
    for (const { report } of [fromDir, overHttp]) {
      expect(report.findingCounts["root-mismatch"]).to.equal(1);
      expect(report.findings.find((f) => f.kind === "root-mismatch")!.message).to.contain("not what was anchored");
    }
  });

  it("a source that reorders a batch cannot turn a time-order finding into a silently filled gap (issue #22 item 9)", async () => {
    const log = await newPublishedLog(deployed);
    const t = await log.chainTime();
    await log.receipts(1, { issuedAt: t }).then((r) => log.anchorAndPublish(r));
    // Sequence n+1 claims an earlier time than sequence n (a backdated answer).
    const [later] = await log.receipts(1, { issuedAt: t + 1 });
    const [backdated] = await log.receipts(1, { issuedAt: t });
    const { index, tree } = await log.anchor([later!, backdated!]);
    // The source publishes the batch with the two receipts swapped: sorted-pair hashing gives the same root.
    const swapped = ReceiptTree.of([backdated!, later!]);
    expect(swapped.root).to.equal(tree.root);
    await log.publish(index, swapped);
    const { report } = await monitorHttp(log);
    expect(report.findingCounts["root-mismatch"] ?? 0).to.equal(0);
    expect(kinds(report)).to.deep.equal(["time-order"]);
    expect(report.findings[0]).to.include({ receiptId: backdated!.receiptId, sequence: String(backdated!.sequence), batchIndex: index });
    expect(report.open.gaps).to.deep.equal([]);
    // The same findings in either order of the file.
    await log.publish(index, tree);
    const honest = await monitorHttp(log);
    expect(honest.report.findings.map((f) => [f.kind, f.receiptId])).to.deep.equal(report.findings.map((f) => [f.kind, f.receiptId]));
  });

  it("a gap filled later by a receipt dated outside its neighbours' times is a time-order finding, not a silent fill (issue #22 item 9)", async () => {
    const log = await newPublishedLog(deployed);
    const t = await log.chainTime();
    const [first] = await log.receipts(1, { issuedAt: t });
    const [late] = await log.receipts(1, { issuedAt: t + 2 }); // sequence 2, dated after sequence 3
    const [third] = await log.receipts(1, { issuedAt: t + 1 });
    await log.anchorAndPublish([first!, third!]);
    await log.anchorAndPublish([late!]);
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["time-order"]);
    expect(report.findings[0]).to.include({ receiptId: late!.receiptId, batchIndex: 1 });
    expect(report.findings[0]!.message).to.contain("fills a gap out of time order");
    expect(report.open.gaps).to.deep.equal([]);
  });

  it("lists a receipt claiming v2 after the rollback to v1", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(2));
    await log.deploy(V2);
    const v2 = await log.receipts(2, { weightsDigest: V2 });
    await log.anchorAndPublish(v2);
    await log.rollback(V1, "v2 was bad");
    const stale = await log.receipts(1, { weightsDigest: V2, issuedAt: (await log.chainTime()) + 1 });
    const fresh = await log.receipts(1, { weightsDigest: V1, issuedAt: (await log.chainTime()) + 1 });
    await log.anchorAndPublish([...stale, ...fresh]);
    const { report } = await monitorHttp(log);
    expect(kinds(report)).to.deep.equal(["inactive-version"]);
    expect(report.findings).to.have.length(1);
    expect(report.findings[0]).to.include({ receiptId: stale[0]!.receiptId, weightsDigest: V2, activeVersion: V1, batchIndex: 2 });
  });

  it("audits a version from public data: every v2 answer in its window with a bundle that verifies, and the gap", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(2));
    await log.deploy(V2);
    const v2 = await log.receipts(4, { weightsDigest: V2 });
    await log.anchorAndPublish([v2[0]!, v2[1]!, v2[3]!]); // v2[2] never recorded
    await log.rollback(V1, "v2 was bad");
    await log.anchorAndPublish(await log.receipts(2));
    const server = await serveDirectory(log.dir);
    servers.push(server);
    const result = await auditPublished({
      client: deployed.chain.publicClient,
      contract: deployed.receiptLogs,
      logId: log.logId,
      source: new HttpSource(server.url),
      modelId: keccak256(stringToHex(MODEL)),
      weightsDigest: V2,
      from: 0,
      to: (await log.chainTime()) + 10,
    });
    expect(result.entries.map((e) => e.receiptId)).to.deep.equal([v2[0]!.receiptId, v2[1]!.receiptId, v2[3]!.receiptId]);
    expect(result.entries.every((e) => e.activeThen === true)).to.equal(true);
    expect(result.gaps.map((g) => g.missing)).to.deep.equal([{ from: String(v2[2]!.sequence), to: String(v2[2]!.sequence), count: "1" }]);
    expect(result.withheldBatches).to.deep.equal([]);
    for (const bundle of result.bundles) {
      const verdict = await verifyBundle(toBundleJson(bundle), { rpcUrl: node.url, minConfirmations: 1 });
      expect(verdict.status, JSON.stringify(verdict.checks.filter((c) => c.status !== "pass"))).to.equal("verified");
    }
    // A window before v2 was deployed: nothing, and the gap is outside it.
    const before = await auditPublished({ client: deployed.chain.publicClient, contract: deployed.receiptLogs, logId: log.logId, source: new DirectorySource(log.dir), modelId: keccak256(stringToHex(MODEL)), weightsDigest: V2, from: 0, to: v2[0]!.issuedAt - 100 });
    expect(before.entries).to.deep.equal([]);
    expect(before.gaps).to.deep.equal([]);
  });

  it("is incremental: a second run checks only new batches", async () => {
    const log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(2));
    const first = await monitorHttp(log);
    expect(first.report.checked.batches).to.equal(1);
    await log.anchorAndPublish(await log.receipts(2));
    const second = await monitorHttp(log, { state: first.state });
    expect(second.report.checked).to.include({ batches: 1, receipts: 2 });
    expect(second.report.findings).to.deep.equal([]);
    expect(second.report.head).to.include({ size: 2, recomputed: true });
    expect(second.state.totals).to.include({ batches: 2, receipts: 4 });
    const third = await monitorHttp(log, { state: second.state });
    expect(third.report.checked.batches).to.equal(0);
  });
});
