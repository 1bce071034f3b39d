import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type Hex, type PublicClient } from "viem";

import { AnchoringService } from "../../../sdk/service/AnchoringService.js";
import { findBatchAnchored, readLogSize } from "../../../sdk/service/anchor/receiptLogsReader.js";
import { connectRpc, type ServiceClients } from "../../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import { setupTestLog, type TestLog } from "../helpers/chain.js";
import { NO_FAULTS, startFaultProxy, type FaultProxy } from "../helpers/faultProxy.js";
import { killAll, rpc, startHardhatNode, type HardhatNode } from "../helpers/processes.js";
import { makeReceipts } from "../helpers/receipts.js";
import { expectBundleOnChain, removeTempDirs, tempDir } from "../helpers/service.js";

describe("RPC faults and reorgs: a hardhat node behind a fault-injecting proxy (real processes)", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let direct: PublicClient;

  before(async () => {
    node = await startHardhatNode();
    direct = createPublicClient({ transport: http(node.url) }) as PublicClient;
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  async function open(log: TestLog, proxy: FaultProxy, anchoring: Record<string, number>): Promise<{ service: AnchoringService; clients: ServiceClients; events: ServiceEvent[] }> {
    const clients = await connectRpc(proxy.url, log.privateKey, { timeoutMs: 700 });
    const events: ServiceEvent[] = [];
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }),
      chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract: log.contract, logId: log.logId },
      batching: { maxReceipts: 40, maxDelayMs: 30 },
      anchoring: { resendAfterMs: 200, ...anchoring },
      pollIntervalMs: 20,
      maxBackoffMs: 300,
      onEvent: (event) => events.push(event),
      // These receipts are unsigned test data with fixed past issuedAt: a trusted in-process caller, said explicitly.
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    return { service, clients, events };
  }

  async function waitFinal(service: AnchoringService, total: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await service.metrics();
      if (m.receipts.final === total) return;
      if (Date.now() > deadline) throw new Error(`not final in time: ${JSON.stringify(m.receipts)}; health ${JSON.stringify(service.health())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function expectLogMatchesStore(service: AnchoringService, log: TestLog, total: number): Promise<void> {
    const location = { contract: log.contract, logId: log.logId };
    const metrics = await service.metrics();
    const batches = metrics.batches.lastClosed! + 1;
    expect(await readLogSize(direct, location)).to.equal(batches);
    const events = await findBatchAnchored(direct, location, { fromBlock: 0 });
    expect(events.map((e) => e.index), "each index once").to.deep.equal([...Array(batches).keys()]);
    expect(events.reduce((n, e) => n + e.leafCount, 0)).to.equal(total);
    for (const event of events) expect(event.root).to.equal((await service.batch(event.index)).root);
  }

  it("anchors everything, with correct states, through errors, timeouts, dropped and duplicated requests", async () => {
    const log = await setupTestLog(node.url);
    const proxy = await startFaultProxy(node.url, { error: 0.12, timeout: 0.03, dropSend: 0.3, duplicate: 0.15, dropFirstSends: 2 });
    const { service, clients, events } = await open(log, proxy, {});
    try {
      service.start();
      const receipts = makeReceipts(480);
      for (let i = 0; i < receipts.length; i += 60) {
        await service.record(receipts.slice(i, i + 60));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await waitFinal(service, receipts.length, 120_000);
      proxy.profile = NO_FAULTS;
      expect(proxy.counts.error, "errors injected").to.be.greaterThan(0);
      expect(proxy.counts.timeout, "timeouts injected").to.be.greaterThan(0);
      expect(proxy.counts.dropSend, "sends dropped").to.be.greaterThan(0);
      expect(proxy.counts.duplicate, "requests duplicated").to.be.greaterThan(0);
      const kinds = new Set(events.flatMap((e) => (e.type === "retry" ? [e.kind] : [])));
      expect([...kinds]).to.include.members(["rpc-error", "resubmit-dropped"]);
      const metrics = await service.metrics();
      expect(metrics.receipts).to.deep.include({ recorded: 0, batched: 0, submitted: 0, anchored: 0, final: 480 });
      expect(metrics.retries.total).to.be.greaterThan(0);
      await expectLogMatchesStore(service, log, 480);
      for (const r of [receipts[0]!, receipts[239]!, receipts[479]!]) {
        const status = await service.status(r.receiptId);
        expect(status.state).to.equal("final");
        await expectBundleOnChain(await service.bundle(r.receiptId), direct, log);
      }
    } finally {
      await service.close();
      await clients.close();
      await proxy.close();
    }
  });

  it("after a reorg (evm_snapshot/evm_revert on the node) anchors the batches again; states go back, then forward", async () => {
    const log = await setupTestLog(node.url);
    const proxy = await startFaultProxy(node.url, NO_FAULTS);
    const { service, clients, events } = await open(log, proxy, { confirmations: 3 });
    try {
      const snapshot = await rpc<Hex>(node.url, "evm_snapshot");
      const receipts = makeReceipts(100);
      await service.record(receipts);
      service.start();
      const deadline = Date.now() + 30_000;
      while ((await service.metrics()).receipts.anchored < 100) {
        if (Date.now() > deadline) throw new Error("not anchored in time");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const before = await service.batch(0);
      expect(before.state).to.equal("anchored");
      await service.stop();
      await rpc(node.url, "evm_revert", [snapshot]);
      await rpc(node.url, "evm_mine"); // another block at the height the anchoring block had
      service.start();
      // The service notices, moves the batches back to "submitted", and sends the same transactions again.
      const reorgDeadline = Date.now() + 30_000;
      while (!events.some((e) => e.type === "retry" && e.kind === "reorg")) {
        if (Date.now() > reorgDeadline) throw new Error("reorg not noticed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const reanchorDeadline = Date.now() + 30_000;
      while ((await service.metrics()).receipts.anchored + (await service.metrics()).receipts.final < 100) {
        if (Date.now() > reanchorDeadline) throw new Error("not anchored again in time");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (let i = 0; i < 3; i++) await rpc(node.url, "evm_mine");
      await waitFinal(service, 100, 30_000);
      const after = await service.batch(0);
      expect(after.anchor?.blockHash, "anchored in a block of the new chain").to.not.equal(before.anchor?.blockHash);
      await expectLogMatchesStore(service, log, 100);
      await expectBundleOnChain(await service.bundle(receipts[42]!.receiptId), direct, log);
    } finally {
      await service.close();
      await clients.close();
      await proxy.close();
    }
  });
});
