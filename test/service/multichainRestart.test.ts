/**
 * One anchoring chain KILLED (SIGKILL of its node process) for a while, then restarted: the "L2" is a `hardhat node`,
 * the "L1" a journaled local chain in its own process (sdk/dev/devChain.ts; a plain `hardhat node` keeps no state
 * across a kill, so a restarted one would be another chain). While the L1 is gone the L2 keeps anchoring and the L1
 * shows as failing; restarted (its journal replayed, same port), the L1 catches up: every batch on both chains exactly
 * once, the same roots.
 */
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type PublicClient } from "viem";
import type { ChildProcess } from "node:child_process";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { findBatchAnchored, readBatchRoot, readLogSize } from "../../sdk/service/anchor/receiptLogsReader.js";
import { connectRpc } from "../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { setupTestLog } from "./helpers/chain.js";
import { freePort, killAll, killHard, ROOT, spawnTracked, startHardhatNode, waitForLine, type HardhatNode } from "./helpers/processes.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const L2_CHAIN_ID = 31_368;
const L1_CHAIN_ID = 31_369;

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 60_000, state?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time${state ? `; ${state()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("several anchoring chains: the L1's node killed, then restarted (journaled chain)", function () {
  this.timeout(240_000);
  let l2: HardhatNode;
  let l1: ChildProcess;
  let l1Url: string;
  let journalDir: string;
  let port: number;

  const startL1 = async (): Promise<{ child: ChildProcess; replayed: number }> => {
    const child = spawnTracked(process.execPath, ["--import", "tsx", join(ROOT, "scripts/dev-chain-process.ts"), journalDir, String(port), String(L1_CHAIN_ID)]);
    const [, url, replayed] = await waitForLine(child, /^ready (\S+) replayed (\d+)/, 60_000);
    l1Url = url!;
    return { child, replayed: Number(replayed) };
  };

  before(async () => {
    journalDir = join(tempDir(), "l1");
    port = await freePort();
    l2 = await startHardhatNode({ chainId: L2_CHAIN_ID });
    ({ child: l1 } = await startL1());
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  it("the L2 goes on while the L1 is dead; the restarted L1 (state replayed) catches up, every batch exactly once on each chain", async () => {
    const [l2Log, l1Log] = await Promise.all([setupTestLog(l2.url), setupTestLog(l1Url)]);
    const l2Clients = await connectRpc(l2.url, l2Log.privateKey, { timeoutMs: 800 });
    const l1Clients = await connectRpc(l1Url, l1Log.privateKey, { timeoutMs: 800 });
    const events: ServiceEvent[] = [];
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }),
      chain: { name: "l2", publicClient: l2Clients.publicClient, walletClient: l2Clients.walletClient, contract: l2Log.contract, logId: l2Log.logId },
      chains: [{ name: "l1", publicClient: l1Clients.publicClient, walletClient: l1Clients.walletClient, contract: l1Log.contract, logId: l1Log.logId, anchoring: { cadenceBatches: 2, cadenceMaxWaitMs: 500 } }],
      batching: { maxReceipts: 4, maxDelayMs: 0 },
      pollIntervalMs: 25,
      maxBackoffMs: 300,
      onEvent: (event) => events.push(event),
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    const anchoredOn = async (name: string): Promise<number> => (await service.metrics()).chains.find((c) => c.name === name)?.lastAnchored?.index ?? -1;
    const health = (): string => JSON.stringify(service.health().chains);
    service.start();
    try {
      for (let i = 0; i < 4; i++) await service.record(makeReceipts(4));
      await until("4 batches on both chains", async () => (await anchoredOn("l2")) === 3 && (await anchoredOn("l1")) === 3, 60_000, health);

      // The L1's node dies (SIGKILL: no clean shutdown), and stays dead while batches keep coming.
      await killHard(l1);
      for (let i = 0; i < 5; i++) await service.record(makeReceipts(4));
      await until("the L2 anchors all 9 batches while the L1 is dead", async () => (await anchoredOn("l2")) === 8, 60_000, health);
      await until("the L1 shows as failing", async () => service.health().chains.find((c) => c.name === "l1")!.status === "degraded", 30_000, health);
      expect((await anchoredOn("l1")), "nothing anchored on the dead L1").to.equal(3);
      expect(service.health().chains.find((c) => c.name === "l2")!.status).to.equal("ok");
      expect(service.health().warnings.join("\n")).to.match(/Chain l1 \(31369\) has failed/);

      // Restarted on the same port: the journal is replayed, the chain has its state back; the L1 catches up.
      const restarted = await startL1();
      l1 = restarted.child;
      expect(restarted.replayed, "the chain came back with its blocks").to.be.greaterThan(3);
      await until("the L1 catches up", async () => (await anchoredOn("l1")) === 8, 90_000, health);
      await until("both healthy", async () => service.health().status === "ok", 30_000, health);

      const l2Client = createPublicClient({ transport: http(l2.url) }) as PublicClient;
      const l1Client = createPublicClient({ transport: http(l1Url) }) as PublicClient;
      for (const [client, log] of [
        [l2Client, l2Log],
        [l1Client, l1Log],
      ] as const) {
        const location = { contract: log.contract, logId: log.logId };
        expect(await readLogSize(client, location), "log size = batches: nothing doubled, nothing missing").to.equal(9);
        for (let i = 0; i < 9; i++) expect(await readBatchRoot(client, location, i)).to.equal((await service.batch(i)).root);
        expect((await findBatchAnchored(client, location, { fromBlock: 0 })).map((e) => e.index), "one BatchAnchored event per index").to.deep.equal([...Array(9).keys()]);
      }
      expect(events.some((e) => e.type === "retry" && e.chain === "l1"), "the L1's failures were said").to.equal(true);
    } finally {
      await service.close();
      await l2Clients.close();
      await l1Clients.close();
    }
  });
});
