/**
 * Several anchoring chains per log: two `hardhat node`s with different chain ids on 127.0.0.1, a
 * fast "L2" (automine, the primary) and a slow "L1" (interval mining, anchored every 3 batches).
 * Batches land on both; the L1 stalls (its node is stopped with SIGSTOP) and only its anchors wait;
 * it comes back and catches up, nothing doubled.
 */
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { findBatchAnchored, readBatchRoot, readLogSize } from "../../sdk/service/anchor/receiptLogsReader.js";
import { connectRpc, type ServiceClients } from "../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { prometheusMetrics } from "../../sdk/service/metrics/prometheus.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { setupTestLog, type TestLog } from "./helpers/chain.js";
import { killAll, rpc, startHardhatNode, type HardhatNode } from "./helpers/processes.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const eventTimes = new WeakMap<object, number>();
const L2_CHAIN_ID = 31_338;
const L1_CHAIN_ID = 31_339;

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 60_000, describeState?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time${describeState ? `; ${await describeState()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("several anchoring chains: a fast L2 and a slow L1 (two hardhat nodes)", function () {
  this.timeout(240_000);
  let l2: HardhatNode;
  let l1: HardhatNode;
  let l2Log: TestLog;
  let l1Log: TestLog;
  let l2Client: PublicClient;
  let l1Client: PublicClient;

  before(async () => {
    [l2, l1] = await Promise.all([startHardhatNode({ chainId: L2_CHAIN_ID }), startHardhatNode({ chainId: L1_CHAIN_ID })]);
    [l2Log, l1Log] = await Promise.all([setupTestLog(l2.url), setupTestLog(l1.url)]);
    // The L1: a block every 400 ms, not one per transaction.
    await rpc(l1.url, "evm_setAutomine", [false]);
    await rpc(l1.url, "evm_setIntervalMining", [400]);
    l2Client = createPublicClient({ transport: http(l2.url) }) as PublicClient;
    l1Client = createPublicClient({ transport: http(l1.url) }) as PublicClient;
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  async function open(path: string, more: { balanceCheckEveryMs?: number } = {}): Promise<{ service: AnchoringService; events: ServiceEvent[]; clients: ServiceClients[] }> {
    const l2Clients = await connectRpc(l2.url, l2Log.privateKey, { timeoutMs: 800 });
    const l1Clients = await connectRpc(l1.url, l1Log.privateKey, { timeoutMs: 800 });
    const events: ServiceEvent[] = [];
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path }),
      chain: { name: "l2", publicClient: l2Clients.publicClient, walletClient: l2Clients.walletClient, contract: l2Log.contract, logId: l2Log.logId },
      chains: [
        {
          name: "l1",
          publicClient: l1Clients.publicClient,
          walletClient: l1Clients.walletClient,
          contract: l1Log.contract,
          logId: l1Log.logId,
          anchoring: { cadenceBatches: 3, cadenceMaxWaitMs: 3_000, confirmations: 2 },
        },
      ],
      batching: { maxReceipts: 5, maxDelayMs: 0 },
      ...more,
      pollIntervalMs: 25,
      maxBackoffMs: 400,
      onEvent: (event) => {
        events.push(event);
        eventTimes.set(event, Date.now());
      },
      // Unsigned test receipts with fixed past issuedAt: a trusted in-process caller, said explicitly.
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    return { service, events, clients: [l2Clients, l1Clients] };
  }

  async function anchoredOn(service: AnchoringService, name: string): Promise<number> {
    const chain = (await service.metrics()).chains.find((c) => c.name === name);
    return chain?.lastAnchored === null || chain === undefined ? -1 : chain.lastAnchored.index;
  }

  async function expectSameRoots(service: AnchoringService, batches: number): Promise<void> {
    for (const [client, log] of [
      [l2Client, l2Log],
      [l1Client, l1Log],
    ] as const) {
      const location = { contract: log.contract, logId: log.logId };
      expect(await readLogSize(client, location), "log size = batches: nothing doubled, nothing missing").to.equal(batches);
      for (let i = 0; i < batches; i++) {
        const batch = await service.batch(i);
        expect(await readBatchRoot(client, location, i)).to.equal(batch.root);
      }
      const events = await findBatchAnchored(client, location, { fromBlock: 0 });
      expect(events.map((e) => e.index)).to.deep.equal([...Array(batches).keys()]);
    }
  }

  it("anchors every batch on both chains, the L1 in fewer transactions; a stalled L1 delays only its own anchors and catches up", async () => {
    const path = join(tempDir(), "store.sqlite");
    const { service, events } = await open(path);
    let lateId: string | undefined;
    service.start();
    try {
      const recordedAt: number[] = [];
      for (let i = 0; i < 6; i++) {
        recordedAt.push(Date.now());
        await service.record(makeReceipts(5));
        await until(`batch ${i} on the L2`, async () => (await anchoredOn(service, "l2")) === i);
      }
      await until("6 batches on the L1", async () => (await anchoredOn(service, "l1")) === 5, 60_000, async () => JSON.stringify(service.health().chains));
      await expectSameRoots(service, 6);
      const l1Txs = events.filter((e) => e.type === "tx-submitted" && e.chain === "l1");
      const l2Txs = events.filter((e) => e.type === "tx-submitted" && e.chain === undefined);
      expect(l2Txs.length, "one L2 transaction per batch").to.equal(6);
      expect(l1Txs.length, "the L1 anchors 3 batches per transaction").to.equal(2);
      // Measured (docs/service.md): gas per batch on each chain, per L1 transaction covering 3 batches, and
      // the time from recording to the first (L2) and the last (L1) anchor of each batch.
      const anchoredOnChain = (chain: string | undefined) => events.filter((e): e is Extract<ServiceEvent, { type: "anchored" }> => e.type === "anchored" && e.chain === chain);
      const firstAt = (i: number, chain: string | undefined): number => eventTimes.get(anchoredOnChain(chain).find((e) => e.firstBatch <= i && i <= e.lastBatch)!)! - recordedAt[i]!;
      const l2Gas = anchoredOnChain(undefined).map((e) => Number(e.gasUsed));
      const l1Gas = anchoredOnChain("l1").map((e) => ({ batches: e.lastBatch - e.firstBatch + 1, gas: Number(e.gasUsed) }));
      console.log(
        `      multichain measurements: ${JSON.stringify({
          l2GasPerBatch: l2Gas,
          l1GasPerTransaction: l1Gas,
          msToFirstAnchor: [...Array(6).keys()].map((i) => firstAt(i, undefined)),
          msToLastAnchor: [...Array(6).keys()].map((i) => firstAt(i, "l1")),
        })}`,
      );

      // The status of a receipt names both chains.
      const [first] = makeReceipts(1);
      await service.record([first]);
      await service.flush();
      await until("receipt anchored on the L2", async () => (await service.status(first!.receiptId)).state === "anchored" || (await service.status(first!.receiptId)).state === "final");
      const status = await service.status(first!.receiptId);
      expect(status.chains?.map((c) => c.name)).to.deep.equal(["l2", "l1"]);
      await until("the receipt anchored on the L1 too", async () => (await service.bundle(first!.receiptId)).anchors.length === 2, 30_000);
      const both = await service.bundle(first!.receiptId);
      expect(both.format).to.equal("showwork/bundle@2");
      expect(both.anchors.map((a) => a.chainId)).to.deep.equal([L2_CHAIN_ID, L1_CHAIN_ID]);
      expect(both.anchors.map((a) => a.logId)).to.deep.equal([l2Log.logId.toLowerCase(), l1Log.logId.toLowerCase()]);
      for (const [a, client] of [
        [both.anchors[0]!, l2Client],
        [both.anchors[1]!, l1Client],
      ] as const) {
        expect(a.root).to.equal(both.root);
        expect(await readBatchRoot(client, { contract: a.contract, logId: a.logId }, a.batchIndex)).to.equal(both.root);
        expect(Number((await client.getTransactionReceipt({ hash: a.txHash })).blockNumber)).to.equal(a.blockNumber);
      }

      // The L1 stalls: its node stops answering. The L2 keeps anchoring.
      l1.child.kill("SIGSTOP");
      try {
        for (let i = 0; i < 3; i++) await service.record(makeReceipts(5));
        const lastClosed = async (): Promise<number> => (await service.metrics()).batches.lastClosed ?? -1;
        await until("the L2 anchors while the L1 is down", async () => (await lastClosed()) >= 9 && (await anchoredOn(service, "l2")) === (await lastClosed()));
        await until("the L1 shows as failing", async () => service.health().chains.find((c) => c.name === "l1")!.status === "degraded");
        const health = service.health();
        expect(health.status).to.equal("degraded");
        expect(health.chains.find((c) => c.name === "l2")!.status).to.equal("ok");
        expect(health.warnings.join("\n")).to.match(/Chain l1 \(31339\) has failed/);
        const l1Metrics = (await service.metrics()).chains.find((c) => c.name === "l1")!;
        expect(l1Metrics.batchesBehind).to.be.greaterThan(0);
        const text = await prometheusMetrics(service).scrape();
        expect(text).to.match(/showwork_chain_up\{chain="l1"\} 0/);
        expect(text).to.match(/showwork_chain_up\{chain="l2"\} 1/);
        expect(text).to.match(/showwork_chain_batches_behind\{chain="l1"\} [1-9]/);
        expect(events.some((e) => e.type === "retry" && e.chain === "l1")).to.equal(true);
        // Meanwhile a new receipt's bundle carries the L2 anchor only; it grows when the L1 anchor lands.
        const [late] = makeReceipts(1);
        await service.record([late!]);
        service.flush();
        await until("the late receipt on the L2", async () => (await service.status(late!.receiptId)).chains?.[0]?.state === "anchored" || (await service.status(late!.receiptId)).chains?.[0]?.state === "final");
        expect((await service.bundle(late!.receiptId)).anchors.map((a) => a.chainId)).to.deep.equal([L2_CHAIN_ID]);
        lateId = late!.receiptId;
      } finally {
        l1.child.kill("SIGCONT");
      }
      const total = (await service.metrics()).batches.lastClosed!;
      await until("the L1 catches up", async () => (await anchoredOn(service, "l1")) === total, 90_000, async () => JSON.stringify(service.health().chains));
      await expectSameRoots(service, total + 1);
      expect((await service.bundle(lateId!)).anchors.map((a) => a.chainId), "the bundle grew").to.deep.equal([L2_CHAIN_ID, L1_CHAIN_ID]);
      await until("both healthy", async () => service.health().status === "ok");
    } finally {
      await service.close();
    }
  });

  it("checks each chain's anchoring account: a low balance on the L1 warns for the L1 only (health, metrics, event, Prometheus)", async () => {
    // The L1 account is drained (1 wei; fees on an idle hardhat node are too small for any realistic amount to look low).
    const l1Account = privateKeyToAccount(l1Log.privateKey);
    await rpc(l1.url, "hardhat_setBalance", [l1Account.address, "0x1"]);
    const { service, events } = await open(join(tempDir(), "store.sqlite"), { balanceCheckEveryMs: 0 });
    service.start();
    try {
      await service.record(makeReceipts(5));
      await until("a balance read on both chains", async () => (await service.metrics()).chains.every((c) => c.balance !== null));
      const metrics = await service.metrics();
      const [onL2, onL1] = [metrics.chains.find((c) => c.name === "l2")!, metrics.chains.find((c) => c.name === "l1")!];
      expect(onL1.balance).to.deep.include({ account: l1Account.address, low: true });
      expect(onL1.balance!.wei).to.equal("1");
      expect(onL1.balance!.batchesLeft).to.equal(0);
      expect(onL2.balance!.low, "the L2 account is funded").to.equal(false);
      const warnings = service.health().warnings.join("\n");
      expect(warnings).to.match(/Chain l1 \(31339\): Low balance: 0x[0-9a-fA-F]{40} has 1\.000e-18 ETH, about 0 more batches/);
      expect(warnings).not.to.match(/^Low balance/m);
      const warned = events.filter((e) => e.type === "warning" && e.kind === "low-balance");
      expect(warned.map((e) => e.chain)).to.deep.equal(["l1"]);
      const text = await prometheusMetrics(service).scrape();
      expect(text).to.match(/showwork_chain_balance_low\{chain="l1"\} 1/);
      expect(text).to.match(/showwork_chain_balance_low\{chain="l2"\} 0/);
      expect(text).to.match(/showwork_chain_balance_batches_left\{chain="l1"\} \d+/);
    } finally {
      await service.close();
      await rpc(l1.url, "hardhat_setBalance", [l1Account.address, "0x3635c9adc5dea00000"]);
    }
  });
});
