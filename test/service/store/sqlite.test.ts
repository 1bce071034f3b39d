import { join } from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";

import { InvariantError } from "../../../sdk/errors.js";
import { StoreBindingError } from "../../../sdk/service/errors.js";
import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import type { NewReceipt, StoreBinding, TxAttempt } from "../../../sdk/service/store/types.js";
import { makeReceipts } from "../helpers/receipts.js";
import { removeTempDirs, tempDir } from "../helpers/service.js";

const rows = (n: number, overrides = {}): NewReceipt[] =>
  makeReceipts(n, overrides).map((r) => ({ receiptId: r.receiptId as Hex, body: JSON.stringify(r) }));

const leaves = (n: number): Uint8Array => new Uint8Array(n * 32).fill(7);
const root = `0x${"aa".repeat(32)}` as Hex;
const attempt = (hash: string, fee = 100n): TxAttempt => ({
  hash: hash as Hex,
  raw: "0x02f8" as Hex,
  maxFeePerGas: fee,
  maxPriorityFeePerGas: 1n,
  gas: 90_000n,
  createdAt: 1,
});

async function openWriter(options: { indexEvery?: number; path?: string } = {}): Promise<SqliteReceiptStore> {
  const store = SqliteReceiptStore.open({ path: options.path ?? join(tempDir(), "s.sqlite"), indexEvery: options.indexEvery ?? 50_000 });
  await store.acquireWriter("test");
  return store;
}

describe("SqliteReceiptStore", () => {
  after(() => removeTempDirs());

  it("appends receipts with contiguous seqs, all or nothing, and rejects stored ids", async () => {
    const store = await openWriter();
    try {
      const first = rows(3);
      expect(await store.appendReceipts(first, 1000)).to.deep.equal({ ok: true, firstSeq: 1, lastSeq: 3 });
      const second = [...rows(2), first[1]!];
      const rejected = await store.appendReceipts(second, 2000);
      expect(rejected).to.deep.equal({ ok: false, duplicates: [{ receiptIndex: 2, receiptId: first[1]!.receiptId }] });
      expect(await store.getReceipt(second[0]!.receiptId), "nothing of a rejected call is stored").to.equal(undefined);
      expect(await store.appendReceipts(second.slice(0, 2), 3000)).to.deep.equal({ ok: true, firstSeq: 4, lastSeq: 5 });
      const got = await store.getReceipt(first[2]!.receiptId);
      expect(got).to.deep.include({ seq: 3, recordedAt: 1000, state: "recorded", body: first[2]!.body, batch: undefined });
    } finally {
      await store.close();
    }
  });

  it("finds receipts and duplicates the same way before and after bulk indexing, and after reopening", async () => {
    const path = join(tempDir(), "s.sqlite");
    const store = await openWriter({ indexEvery: 10, path });
    const all: NewReceipt[] = [];
    try {
      for (let i = 0; i < 9; i++) {
        const chunk = rows(7);
        all.push(...chunk);
        expect((await store.appendReceipts(chunk, i)).ok).to.equal(true);
        await store.maintain();
      }
      // Some are in the bulk index, the last ones in the tail.
      for (const [i, r] of all.entries()) expect((await store.getReceipt(r.receiptId))?.seq).to.equal(i + 1);
      for (const probe of [all[0]!, all[30]!, all[62]!]) {
        const result = await store.appendReceipts([...rows(1), probe], 99);
        expect(result.ok).to.equal(false);
      }
      expect(await store.getReceipt(`0x${"00".repeat(32)}`)).to.equal(undefined);
    } finally {
      await store.close();
    }
    const reopened = await openWriter({ indexEvery: 10, path });
    try {
      for (const probe of [all[5]!, all[62]!]) expect((await reopened.appendReceipts([probe], 1)).ok).to.equal(false);
      const reader = SqliteReceiptStore.open({ path });
      expect((await reader.getReceipt(all[62]!.receiptId))?.seq, "a second process reads the tail too").to.equal(63);
      expect((await reader.getReceipt(all[3]!.receiptId))?.seq).to.equal(4);
      await reader.close();
    } finally {
      await reopened.close();
    }
  });

  it("lists the receipts of one model version in a time window (indexed part and tail)", async () => {
    const store = await openWriter({ indexEvery: 5 });
    try {
      const model = `0x${"0a".repeat(32)}` as Hex;
      const v1 = `0x${"01".repeat(32)}` as Hex;
      const v2 = `0x${"02".repeat(32)}` as Hex;
      const mk = (weightsDigest: Hex, issuedAt: number): NewReceipt[] => rows(1, { modelId: model, weightsDigest, issuedAt });
      const batch = [...mk(v1, 100), ...mk(v2, 110), ...mk(v2, 120), ...mk(v1, 130), ...mk(v2, 200), ...mk(v2, 150)];
      await store.appendReceipts(batch.slice(0, 4), 1);
      await store.maintain();
      await store.appendReceipts(batch.slice(4, 6), 2);
      const found = await store.listReceipts({ modelId: model, weightsDigest: v2, issuedFrom: 110, issuedTo: 160 });
      expect(found.map((r) => r.seq)).to.deep.equal([2, 3, 6]);
      const paged = await store.listReceipts({ modelId: model, weightsDigest: v2, issuedFrom: 0, issuedTo: 1000, limit: 2 });
      expect(paged.map((r) => r.seq)).to.deep.equal([2, 3]);
      const next = await store.listReceipts({ modelId: model, weightsDigest: v2, issuedFrom: 0, issuedTo: 1000, afterSeq: 3 });
      expect(next.map((r) => r.seq)).to.deep.equal([5, 6]);
    } finally {
      await store.close();
    }
  });

  it("closes batches over contiguous ranges and derives receipt states from them", async () => {
    const store = await openWriter();
    try {
      await store.appendReceipts(rows(10), 5);
      expect(await store.unbatched()).to.deep.equal({ count: 10, firstSeq: 1, oldestRecordedAt: 5 });
      await store.closeBatch({ index: 4, firstSeq: 1, lastSeq: 6, root, leaves: leaves(6), closedAt: 9 });
      let caught: unknown;
      try {
        await store.closeBatch({ index: 6, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 9 });
      } catch (error) {
        caught = error;
      }
      expect(caught, "batch indices have no gaps").to.be.instanceOf(InvariantError);
      await store.closeBatch({ index: 5, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 9 });
      expect(await store.unbatched()).to.deep.include({ count: 2, firstSeq: 9 });
      expect(await store.stateCounts()).to.deep.equal({ recorded: 2, batched: 8, submitted: 0, anchored: 0, final: 0 });
      const ids = (await store.listReceipts({})).map((r) => r.receiptId);
      const seventh = await store.getReceipt(ids[6]!);
      expect(seventh).to.deep.include({ state: "batched", leafIndex: 0 });
      expect(seventh?.batch?.index).to.equal(5);
      expect((await store.getBatchLeaves(4)).length).to.equal(6 * 32);
    } finally {
      await store.close();
    }
  });

  it("moves batches with their transaction: submitted → anchored → (reorg) submitted → anchored → final, or void → batched", async () => {
    const store = await openWriter();
    try {
      await store.appendReceipts(rows(6), 1);
      await store.closeBatch({ index: 0, firstSeq: 1, lastSeq: 3, root, leaves: leaves(3), closedAt: 2 });
      await store.closeBatch({ index: 1, firstSeq: 4, lastSeq: 6, root, leaves: leaves(3), closedAt: 2 });
      const tx = await store.createTx({ nonce: 7, firstBatch: 0, lastBatch: 1, createdAtBlock: 3, attempt: attempt(`0x${"01".repeat(32)}`) });
      expect(tx).to.deep.include({ nonce: 7, state: "pending", lastSentAt: 0 });
      expect((await store.stateCounts()).submitted).to.equal(6);
      await store.addTxAttempt(tx.id, attempt(`0x${"02".repeat(32)}`, 200n));
      await store.markTxSent(tx.id, 50);
      const inclusion = { txHash: `0x${"02".repeat(32)}` as Hex, blockNumber: 9, blockHash: `0x${"bb".repeat(32)}` as Hex, anchoredAt: 60 };
      await store.markTxIncluded(tx.id, inclusion);
      expect((await store.getBatch(1))?.anchor).to.deep.equal(inclusion);
      expect(await store.lastAnchoredBatch()).to.deep.include({ index: 1, state: "anchored" });
      await store.markTxReorged(tx.id);
      expect(await store.getTx(tx.id)).to.deep.include({ state: "pending", lastSentAt: 0, inclusion: undefined });
      expect((await store.getBatch(0))?.state).to.equal("submitted");
      await store.markTxIncluded(tx.id, inclusion);
      await store.markTxFinal(tx.id, 70);
      expect(await store.stateCounts()).to.deep.equal({ recorded: 0, batched: 0, submitted: 0, anchored: 0, final: 6 });
      expect(await store.openTxs()).to.deep.equal([]);
      const stored = await store.getTx(tx.id);
      expect(stored?.attempts.map((a) => a.maxFeePerGas)).to.deep.equal([100n, 200n]);

      await store.appendReceipts(rows(2), 1);
      await store.closeBatch({ index: 2, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 2 });
      const second = await store.createTx({ nonce: 8, firstBatch: 2, lastBatch: 2, createdAtBlock: 3, attempt: attempt(`0x${"03".repeat(32)}`) });
      await store.voidTx(second.id);
      expect(await store.getBatch(2)).to.deep.include({ state: "batched", txId: undefined });
    } finally {
      await store.close();
    }
  });

  it("keeps its binding, and refuses a different one", async () => {
    const store = await openWriter();
    try {
      const binding: StoreBinding = {
        chainId: 1,
        contract: "0x0000000000000000000000000000000000000001",
        logId: `0x${"01".repeat(32)}`,
        anchorer: "0x0000000000000000000000000000000000000002",
        genesisHash: `0x${"03".repeat(32)}`,
        firstBatchIndex: 0,
        fromBlock: 0,
      };
      await store.setBinding(binding);
      await store.setBinding(binding);
      expect(await store.getBinding()).to.deep.equal(binding);
      let caught: unknown;
      try {
        await store.setBinding({ ...binding, chainId: 2 });
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(StoreBindingError);
    } finally {
      await store.close();
    }
  });
});
