import { expect } from "chai";
import type { Hex } from "viem";

import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { findBatchAnchored, readLogSize } from "../../sdk/service/anchor/receiptLogsReader.js";
import { StoreBindingError } from "../../sdk/service/errors.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { inProcessChain, type InProcessChain } from "./helpers/inProcess.js";
import { makeReceipts } from "./helpers/receipts.js";
import { expectBundleOnChain, openTestService, removeTempDirs, roundsUntil } from "./helpers/service.js";

describe("AnchoringService (in-process chain)", function () {
  let chain: InProcessChain;

  beforeEach(async () => {
    chain = await inProcessChain();
  });
  afterEach(async () => {
    await chain.close();
  });
  after(() => removeTempDirs());

  it("records, batches, anchors and finalizes; every bundle verifies against the chain", async () => {
    const { service, events } = await openTestService(chain, { batching: { maxReceipts: 100, maxDelayMs: 20 } });
    try {
      service.start();
      const receipts = makeReceipts(730);
      const acks = [];
      for (let i = 0; i < receipts.length; i += 200) acks.push(...(await service.record(receipts.slice(i, i + 200))));
      expect(acks.map((a) => a.receiptId)).to.deep.equal(receipts.map((r) => r.receiptId));
      expect(acks.map((a) => a.seq)).to.deep.equal(receipts.map((_, i) => i + 1));
      const deadline = Date.now() + 30_000;
      while ((await service.metrics()).receipts.final < receipts.length) {
        if (Date.now() > deadline) throw new Error("not final in time");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const metrics = await service.metrics();
      expect(metrics.receipts).to.deep.include({ recorded: 0, batched: 0, submitted: 0, anchored: 0, final: 730, total: 730 });
      expect(metrics.batches.lastClosed).to.equal(7);
      expect(metrics.lag).to.deep.equal({ unanchoredReceipts: 0, oldestUnanchoredMs: 0 });
      // The log on chain holds exactly our 8 batches, each index once, with our roots and sizes.
      const log = { contract: chain.contract, logId: chain.logId };
      expect(await readLogSize(chain.clients.publicClient, log)).to.equal(8);
      const anchored = await findBatchAnchored(chain.clients.publicClient, log, { fromBlock: 0 });
      expect(anchored.map((e) => e.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const event of anchored) {
        const batch = await service.batch(event.index);
        expect(event.root).to.equal(batch.root);
        expect(event.leafCount).to.equal(batch.leafCount);
      }
      expect(anchored.reduce((n, e) => n + e.leafCount, 0)).to.equal(730);
      for (const receipt of [receipts[0]!, receipts[99]!, receipts[100]!, receipts[555]!, receipts[729]!]) {
        await expectBundleOnChain(await service.bundle(receipt.receiptId), chain.clients.publicClient, log);
      }
      expect(events.filter((e) => e.type === "batch-closed")).to.have.length(8);
      expect(events.some((e) => e.type === "retry")).to.equal(false);
    } finally {
      await service.close();
    }
  });

  it("moves a receipt through recorded → batched → submitted → anchored → final (and halts while unauthorized)", async () => {
    const { service, events } = await openTestService(chain, { anchoring: { confirmations: 2 } });
    const account = chain.clients.walletClient.account;
    const write = async (functionName: "grantAnchorer" | "revokeAnchorer"): Promise<void> => {
      const hash = await chain.clients.walletClient.writeContract({
        address: chain.contract,
        abi: receiptLogsAbi,
        functionName,
        args: [chain.logId, account.address],
        account,
        chain: chain.clients.walletClient.chain,
      });
      await chain.clients.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    };
    try {
      const [receipt] = makeReceipts(1);
      const id = receipt!.receiptId;
      await service.record(receipt);
      expect((await service.status(id)).state).to.equal("recorded");

      await write("revokeAnchorer");
      service.flush();
      await service.runRound();
      expect((await service.status(id)).state).to.equal("batched");
      expect(service.health().status).to.equal("halted");
      expect(service.health().halted?.reason).to.equal("unauthorized");
      expect(events.some((e) => e.type === "halted")).to.equal(true);

      await write("grantAnchorer");
      await chain.request("evm_setAutomine", [false]);
      await service.runRound();
      const submitted = await service.status(id);
      expect(submitted.state).to.equal("submitted");
      expect(submitted.proofAvailable).to.equal(false);

      await chain.request("evm_mine");
      await service.runRound();
      const anchored = await service.status(id);
      expect(anchored.state).to.equal("anchored");
      expect(anchored.proofAvailable).to.equal(true);
      await expectBundleOnChain(await service.bundle(id), chain.clients.publicClient, { contract: chain.contract, logId: chain.logId });

      await chain.request("evm_mine");
      await service.runRound();
      const final = await service.status(id);
      expect(final.state).to.equal("final");
      expect(final.batch?.finalAt).to.be.a("string");
      expect(service.health().halted).to.equal(null);
    } finally {
      await service.close();
    }
  });

  it("after a restart, tracks the transaction it sent before and does not send another", async () => {
    await chain.request("evm_setAutomine", [false]);
    const first = await openTestService(chain);
    const receipts = makeReceipts(150);
    await first.service.record(receipts);
    first.service.flush();
    await first.service.runRound();
    expect((await first.service.status(receipts[0]!.receiptId)).state).to.equal("submitted");
    await first.service.close();

    const second = await openTestService(chain, { path: first.path });
    try {
      await chain.request("evm_mine");
      await roundsUntil(second.service, async () => (await second.service.metrics()).receipts.final === 150);
      expect(second.events.filter((e) => e.type === "tx-submitted")).to.have.length(0);
      const log = { contract: chain.contract, logId: chain.logId };
      expect(await readLogSize(chain.clients.publicClient, log)).to.equal(2);
      await expectBundleOnChain(await second.service.bundle(receipts[120]!.receiptId), chain.clients.publicClient, log);
    } finally {
      await second.service.close();
    }
  });

  it("resubmits a dropped transaction, and replaces a stuck one with higher fees", async () => {
    await chain.request("evm_setAutomine", [false]);
    const { service, events } = await openTestService(chain, { anchoring: { resendAfterMs: 0, feeBumpAfterMs: 60_000 } });
    try {
      const receipts = makeReceipts(10);
      await service.record(receipts);
      service.flush();
      await service.runRound();
      const submitted = events.find((e) => e.type === "tx-submitted");
      if (submitted?.type !== "tx-submitted") throw new Error("no transaction submitted");
      await chain.request("hardhat_dropTransaction", [submitted.txHash]);
      await service.runRound();
      expect(events.filter((e) => e.type === "retry").map((e) => e.type === "retry" && e.kind)).to.deep.equal(["resubmit-dropped"]);
      const pool = await chain.request<string[]>("eth_pendingTransactions").catch(() => undefined);
      if (pool !== undefined) expect(pool).to.have.length(1);
    } finally {
      await service.close();
    }
    const bumped = await openTestService(chain, {
      path: service.store.location,
      anchoring: { resendAfterMs: 60_000, feeBumpAfterMs: 0 },
    });
    try {
      await bumped.service.runRound();
      const bump = bumped.events.find((e) => e.type === "retry" && e.kind === "fee-bump");
      expect(bump, "a fee bump").to.not.equal(undefined);
      await chain.request("evm_setAutomine", [true]);
      await chain.request("evm_mine");
      await roundsUntil(bumped.service, async () => (await bumped.service.metrics()).receipts.final === 10);
      const batch = await bumped.service.batch(0);
      expect(batch.transaction?.attempts).to.have.length(2);
      expect(BigInt(batch.transaction!.attempts[1]!.maxFeePerGas)).to.be.greaterThan(BigInt(batch.transaction!.attempts[0]!.maxFeePerGas));
      expect(batch.anchor?.txHash, "the replacement was mined").to.equal(batch.transaction!.attempts[1]!.hash);
      expect(await readLogSize(chain.clients.publicClient, { contract: chain.contract, logId: chain.logId })).to.equal(1);
    } finally {
      await bumped.service.close();
    }
  });

  it("when its nonce goes to another transaction, sends the batches again with a new nonce", async () => {
    await chain.request("evm_setAutomine", [false]);
    const { service, events } = await openTestService(chain);
    try {
      const receipts = makeReceipts(20);
      await service.record(receipts);
      service.flush();
      await service.runRound();
      const submitted = events.find((e) => e.type === "tx-submitted");
      if (submitted?.type !== "tx-submitted") throw new Error("no transaction submitted");
      await chain.request("hardhat_dropTransaction", [submitted.txHash]);
      const account = chain.clients.walletClient.account;
      await chain.clients.walletClient.sendTransaction({
        account,
        chain: chain.clients.walletClient.chain,
        to: account.address,
        value: 0n,
        nonce: submitted.nonce,
      });
      await chain.request("evm_mine");
      await service.runRound(); // void (batches back to "batched"), then submitted again with the next nonce
      expect(events.some((e) => e.type === "retry" && e.kind === "nonce-taken")).to.equal(true);
      const again = await service.status(receipts[0]!.receiptId);
      expect(again.state).to.equal("submitted");
      await chain.request("evm_setAutomine", [true]);
      await chain.request("evm_mine");
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 20);
      const submissions = events.filter((e) => e.type === "tx-submitted");
      expect(submissions.map((e) => e.type === "tx-submitted" && e.nonce)).to.deep.equal([submitted.nonce, submitted.nonce + 1]);
      await expectBundleOnChain(await service.bundle(receipts[7]!.receiptId), chain.clients.publicClient, {
        contract: chain.contract,
        logId: chain.logId,
      });
    } finally {
      await service.close();
    }
  });

  it("on a reorg that removes the anchoring transaction, the batch goes back to submitted and is anchored again", async () => {
    const { service, events } = await openTestService(chain, { anchoring: { confirmations: 3 } });
    try {
      const snapshot = await chain.request<Hex>("evm_snapshot");
      const receipts = makeReceipts(60);
      await service.record(receipts);
      service.flush();
      await roundsUntil(service, async () => (await service.status(receipts[0]!.receiptId)).state === "anchored");
      const before = await service.batch(0);
      await chain.request("evm_revert", [snapshot]);
      await chain.request("evm_mine"); // a different block at the same height
      await service.runRound();
      const reorged = await service.status(receipts[0]!.receiptId);
      expect(reorged.state).to.equal("submitted");
      expect(reorged.proofAvailable).to.equal(false);
      expect(events.some((e) => e.type === "retry" && e.kind === "reorg")).to.equal(true);
      await roundsUntil(service, async () => (await service.status(receipts[0]!.receiptId)).state === "anchored");
      await chain.request("evm_mine");
      await chain.request("evm_mine");
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 60);
      const after = await service.batch(0);
      expect(after.anchor?.txHash, "same signed transaction, sent again").to.equal(before.anchor?.txHash);
      expect(after.anchor?.blockHash).to.not.equal(before.anchor?.blockHash);
      const log = { contract: chain.contract, logId: chain.logId };
      expect(await readLogSize(chain.clients.publicClient, log)).to.equal(1);
      await expectBundleOnChain(await service.bundle(receipts[59]!.receiptId), chain.clients.publicClient, log);
    } finally {
      await service.close();
    }
  });

  it("halts, without sending, when another writer took the next index of the log", async () => {
    const { service } = await openTestService(chain);
    try {
      const account = chain.clients.walletClient.account;
      const hash = await chain.clients.walletClient.writeContract({
        address: chain.contract,
        abi: receiptLogsAbi,
        functionName: "anchor",
        args: [chain.logId, 0n, `0x${"11".repeat(32)}`, 5n],
        account,
        chain: chain.clients.walletClient.chain,
      });
      await chain.clients.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      await service.record(makeReceipts(5));
      service.flush();
      await service.runRound();
      expect(service.health().status).to.equal("halted");
      expect(service.health().halted?.reason).to.equal("index-conflict");
      expect((await service.metrics()).receipts.batched).to.equal(5);
    } finally {
      await service.close();
    }
  });

  it("refuses a store bound to another log", async () => {
    const { service, path } = await openTestService(chain);
    await service.close();
    const other = { ...chain, logId: `0x${"22".repeat(32)}` as Hex };
    const store = SqliteReceiptStore.open({ path });
    let caught: unknown;
    try {
      await AnchoringService.open({ store, chain: { ...other.clients, contract: other.contract, logId: other.logId } });
    } catch (error) {
      caught = error;
    } finally {
      await store.close();
    }
    expect(caught).to.be.instanceOf(StoreBindingError);
    expect((caught as StoreBindingError).message).to.include("logId");
  });
});
