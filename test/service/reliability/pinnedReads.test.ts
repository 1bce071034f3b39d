/**
 * Reads of one anchoring decision are pinned to one block. Behind a load-balanced RPC, two
 * "latest" reads can come from nodes at different heights: here a proxy in front of a hardhat
 * node plays a balancer whose lagging node answers receipts, `eth_call` and `eth_getLogs` at
 * "latest" one block behind, while the transaction count comes fresh. Unpinned, the anchorer
 * saw "nonce used, root not there" and voided a transaction that did anchor. And when the log
 * already holds a batch's root that the store lost track of, the batch is adopted, not halted on.
 */
import { createServer, type Server } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type PublicClient } from "viem";

import { AnchoringService } from "../../../sdk/service/AnchoringService.js";
import { findBatchAnchored } from "../../../sdk/service/anchor/receiptLogsReader.js";
import { connectRpc } from "../../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import { setupTestLog } from "../helpers/chain.js";
import { killAll, rpc, startHardhatNode, type HardhatNode } from "../helpers/processes.js";
import { makeReceipts } from "../helpers/receipts.js";
import { expectBundleOnChain, removeTempDirs, roundsUntil, tempDir } from "../helpers/service.js";

interface RpcRequest {
  jsonrpc: string;
  id: unknown;
  method: string;
  params?: unknown[];
}

/** A "load balancer" whose lagging node answers receipts, calls and logs at latest one block behind. */
async function startLaggingBalancer(upstream: string): Promise<{ url: string; lagging: { on: boolean }; rewritten: { n: number }; close(): Promise<void> }> {
  const lagging = { on: true };
  const rewritten = { n: 0 };
  const call = async (request: RpcRequest): Promise<{ result?: unknown; error?: unknown }> => {
    const response = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    return (await response.json()) as { result?: unknown };
  };
  const head = async (): Promise<number> => Number((await call({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })).result);
  const answer = async (request: RpcRequest): Promise<unknown> => {
    const params = [...(request.params ?? [])];
    if (lagging.on && request.method === "eth_call" && (params[1] === undefined || params[1] === "latest")) {
      params[1] = `0x${((await head()) - 1).toString(16)}`;
      rewritten.n++;
    }
    if (lagging.on && request.method === "eth_getLogs") {
      const filter = { ...(params[0] as Record<string, unknown>) };
      if (filter.toBlock === undefined || filter.toBlock === "latest") {
        filter.toBlock = `0x${((await head()) - 1).toString(16)}`;
        params[0] = filter;
        rewritten.n++;
      }
    }
    const reply = await call({ ...request, params });
    if (lagging.on && request.method === "eth_getTransactionReceipt" && reply.result !== null && reply.result !== undefined) {
      if (Number((reply.result as { blockNumber: string }).blockNumber) >= (await head())) {
        rewritten.n++;
        return { jsonrpc: "2.0", id: request.id, result: null };
      }
    }
    return { jsonrpc: "2.0", id: request.id, ...reply };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
        const out = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    lagging,
    rewritten,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("anchorer reads pinned to one block (a lagging load-balanced RPC)", function () {
  this.timeout(120_000);
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

  it("does not void a transaction that anchored when the count and the roots come from nodes at different heights", async () => {
    const log = await setupTestLog(node.url);
    const balancer = await startLaggingBalancer(node.url);
    const clients = await connectRpc(balancer.url, log.privateKey);
    const events: ServiceEvent[] = [];
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }),
      chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract: log.contract, logId: log.logId },
      batching: { maxReceipts: 50, maxDelayMs: 0 },
      anchoring: { resendAfterMs: 60_000 },
      onEvent: (event) => events.push(event),
      // Test receipts (unsigned or with chosen issuedAt): a trusted in-process caller, said explicitly.
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    try {
      const receipts = makeReceipts(50);
      await service.record(receipts);
      // Rounds while the anchoring block is the newest: its receipt is hidden, the count is fresh.
      await roundsUntil(service, async () => events.some((e) => e.type === "tx-submitted"));
      for (let i = 0; i < 10; i++) await service.runRound();
      expect(balancer.rewritten.n, "the balancer did lag").to.be.greaterThan(0);
      expect((await service.batch(0)).state, "still submitted, not voided").to.equal("submitted");
      // The next block: the lagging node catches up to the anchoring block.
      await rpc(node.url, "evm_mine");
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 50);
      const kinds = events.flatMap((e) => (e.type === "retry" ? [e.kind] : []));
      expect(kinds, "never voided").to.not.include("nonce-taken");
      expect(events.filter((e) => e.type === "tx-submitted"), "one transaction").to.have.length(1);
      expect(service.health().halted).to.equal(null);
      const onChain = await findBatchAnchored(direct, log, { fromBlock: 0 });
      expect(onChain.map((e) => e.index)).to.deep.equal([0]);
      await expectBundleOnChain(await service.bundle(receipts[7]!.receiptId), direct, log);
    } finally {
      await service.close();
      await clients.close();
      await balancer.close();
    }
  });

  it("adopts batches the log already holds with the store's roots (a transaction the store lost track of) instead of halting", async () => {
    const log = await setupTestLog(node.url);
    const path = join(tempDir(), "store.sqlite");
    const clients = await connectRpc(node.url, log.privateKey);
    const events: ServiceEvent[] = [];
    const open = async (): Promise<AnchoringService> =>
      AnchoringService.open({
        store: SqliteReceiptStore.open({ path }),
        chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract: log.contract, logId: log.logId },
        batching: { maxReceipts: 30, maxDelayMs: 0 },
        onEvent: (event) => events.push(event),
        // Test receipts (unsigned or with chosen issuedAt): a trusted in-process caller, said explicitly.
        ingestion: { issuedAtWindow: false, signatures: "off" },
      });
    let service = await open();
    const receipts = makeReceipts(60);
    try {
      await service.record(receipts);
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 60);
      const anchoredTx = (await service.batch(1)).anchor!.txHash;
      await service.close();
      // The state an unpinned read left behind: the transaction voided, its batches back to "batched".
      const db = new DatabaseSync(path);
      db.exec("UPDATE txs SET state = 'void'; UPDATE batches SET state = 'batched', tx_id = NULL, anchor_tx_hash = NULL, anchor_block_number = NULL, anchor_block_hash = NULL, anchored_at = NULL, final_at = NULL");
      db.close();
      events.length = 0;
      service = await open();
      expect((await service.metrics()).receipts.batched).to.equal(60);
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 60);
      expect(service.health().halted, "not halted").to.equal(null);
      expect(events.filter((e) => e.type === "tx-submitted"), "nothing sent again").to.have.length(0);
      expect(events.some((e) => e.type === "retry" && e.kind === "adopted")).to.equal(true);
      expect((await service.batch(1)).anchor?.txHash, "the transaction that anchored it").to.equal(anchoredTx);
      await expectBundleOnChain(await service.bundle(receipts[45]!.receiptId), direct, log);
      expect((await findBatchAnchored(direct, log, { fromBlock: 0 })).map((e) => e.index)).to.deep.equal([0, 1]);
    } finally {
      await service.close();
      await clients.close();
    }
  });
});
