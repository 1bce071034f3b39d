/**
 * The store contract: the same suite against both ReceiptStore implementations (SQLite on a temp
 * file; PostgreSQL on a real server, one database for this file, a fresh schema per test), plus
 * what only a shared store must do (several instances at once: gapless seqs, one anchorer with
 * a fencing epoch, schema migrations).
 */
import { join } from "node:path";

import { expect } from "chai";
import pg from "pg";
import type { Hex } from "viem";

import { InvariantError } from "../../../sdk/errors.js";
import { receiptJsonText } from "../../../sdk/receipt/parseReceipt.js";
import type { Receipt } from "../../../sdk/receipt/types.js";
import { isValidatedReceipt } from "../../../sdk/receipt/validated.js";
import { AnchorLeaseLostError, StoreBindingError, StoreSchemaError } from "../../../sdk/service/errors.js";
import { PostgresReceiptStore, SCHEMA_VERSION } from "../../../sdk/service/store/postgres.js";
import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import type { ChainBinding, NewReceipt, ReceiptStore, StoreBinding, TxAttempt } from "../../../sdk/service/store/types.js";
import { freshDatabase } from "../../support/postgres.js";
import { makeNewReceipts } from "../helpers/receipts.js";
import { removeTempDirs, tempDir } from "../helpers/service.js";

const rows = makeNewReceipts;

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

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

let pgUrl: string | undefined;
let schemas = 0;

/** A new empty store of each kind, opened as a writer. `where` reopens the same store. */
interface Kind {
  readonly name: string;
  fresh(): Promise<{ where: string }>;
  open(where: string): Promise<ReceiptStore>;
}

const KINDS: Kind[] = [
  {
    name: "SQLite",
    fresh: async () => ({ where: join(tempDir(), "s.sqlite") }),
    open: async (where) => SqliteReceiptStore.open({ path: where }),
  },
  {
    name: "PostgreSQL",
    fresh: async () => {
      pgUrl ??= await freshDatabase("store_contract");
      return { where: `s${++schemas}` };
    },
    open: async (where) => PostgresReceiptStore.open({ url: pgUrl!, schema: where }),
  },
];

for (const kind of KINDS) {
  describe(`ReceiptStore contract: ${kind.name}`, function () {
    this.timeout(60_000);
    const open: ReceiptStore[] = [];
    async function writer(where?: string): Promise<ReceiptStore> {
      const store = await kind.open(where ?? (await kind.fresh()).where);
      open.push(store);
      await store.acquireWriter("test");
      return store;
    }
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });
    after(() => removeTempDirs());

    it("appends receipts with contiguous seqs, all or nothing, and rejects stored ids", async () => {
      const store = await writer();
      const first = rows(3);
      expect(await store.appendReceipts(first, 1000)).to.deep.equal({ ok: true, firstSeq: 1, lastSeq: 3 });
      const second = [...rows(2), first[1]!];
      const rejected = await store.appendReceipts(second, 2000);
      expect(rejected).to.deep.equal({ ok: false, duplicates: [{ receiptIndex: 2, receiptId: first[1]!.receiptId }] });
      expect(await store.getReceipt(second[0]!.receiptId), "nothing of a rejected call is stored").to.equal(undefined);
      expect(await store.appendReceipts(second.slice(0, 2), 3000)).to.deep.equal({ ok: true, firstSeq: 4, lastSeq: 5 });
      const got = await store.getReceipt(first[2]!.receiptId);
      expect(got).to.deep.include({ seq: 3, recordedAt: 1000, state: "recorded", body: receiptJsonText(first[2]!.receipt), batch: undefined });
      expect(await store.getReceipt(`0x${"00".repeat(32)}`)).to.equal(undefined);
      // The same id twice in one call: the repeat is reported, nothing stored, no seq used.
      const repeated = rows(2);
      expect(await store.appendReceipts([repeated[0]!, repeated[1]!, repeated[0]!], 4000)).to.deep.equal({ ok: false, duplicates: [{ receiptIndex: 2, receiptId: repeated[0]!.receiptId }] });
      expect(await store.getReceipt(repeated[1]!.receiptId), "nothing of a rejected call is stored").to.equal(undefined);
      expect(await store.appendReceipts([], 1)).to.deep.equal({ ok: true, firstSeq: 6, lastSeq: 5 });
      const bodies: string[] = [];
      for await (const chunk of store.readBodies(2, 5, 3)) bodies.push(...chunk);
      expect(bodies).to.deep.equal([first[1]!, first[2]!, second[0]!, second[1]!].map((r) => receiptJsonText(r.receipt)));
      // The receipts themselves, as the tree hashes them: the same fields as recorded (not marked validated).
      const receipts: Receipt[] = [];
      for await (const chunk of store.readReceipts(2, 5, 3)) receipts.push(...chunk);
      expect(receipts).to.deep.equal([first[1]!, first[2]!, second[0]!, second[1]!].map((r) => ({ ...r.receipt })));
      expect(isValidatedReceipt(receipts[0])).to.equal(false);
      expect(await store.recordedAt(4)).to.equal(3000);
      expect(await store.recordedAt(99)).to.equal(undefined);
    });

    it("keeps everything across a reopen", async () => {
      const { where } = await kind.fresh();
      const store = await writer(where);
      await store.claimAnchoring(5_000);
      const stored = rows(5);
      await store.appendReceipts(stored, 10);
      await store.closeBatch({ index: 0, firstSeq: 1, lastSeq: 3, root, leaves: leaves(3), closedAt: 11 });
      await store.close();
      const again = await writer(where);
      expect((await again.getReceipt(stored[4]!.receiptId))?.seq).to.equal(5);
      expect((await again.appendReceipts([stored[0]!], 12)).ok, "duplicates found after reopening").to.equal(false);
      expect(await again.appendReceipts(rows(1), 12)).to.deep.equal({ ok: true, firstSeq: 6, lastSeq: 6 });
      expect(await again.unbatched()).to.deep.equal({ count: 3, firstSeq: 4, oldestRecordedAt: 10 });
    });

    it("lists the receipts of one model version in a time window", async () => {
      const store = await writer();
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
      expect((await store.listReceipts({ weightsDigest: v1 })).map((r) => r.seq)).to.deep.equal([1, 4]);
      expect((await store.listReceipts({ modelId: `0x${"0b".repeat(32)}` as Hex })).length).to.equal(0);
      expect((await store.listReceipts({})).map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    });

    it("closes batches over contiguous ranges and derives receipt states from them", async () => {
      const store = await writer();
      await store.claimAnchoring(5_000);
      await store.appendReceipts(rows(10), 5);
      expect(await store.unbatched()).to.deep.equal({ count: 10, firstSeq: 1, oldestRecordedAt: 5 });
      await store.closeBatch({ index: 4, firstSeq: 1, lastSeq: 6, root, leaves: leaves(6), closedAt: 9 });
      expect(await rejects(store.closeBatch({ index: 6, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 9 })), "no index gaps").to.be.instanceOf(
        InvariantError,
      );
      expect(await rejects(store.closeBatch({ index: 5, firstSeq: 8, lastSeq: 9, root, leaves: leaves(2), closedAt: 9 })), "no seq gaps").to.be.instanceOf(
        InvariantError,
      );
      expect(await rejects(store.closeBatch({ index: 5, firstSeq: 7, lastSeq: 11, root, leaves: leaves(5), closedAt: 9 })), "not past the last receipt").to.be.instanceOf(
        InvariantError,
      );
      await store.closeBatch({ index: 5, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 9 });
      expect(await store.unbatched()).to.deep.include({ count: 2, firstSeq: 9 });
      expect(await store.stateCounts()).to.deep.equal({ recorded: 2, batched: 8, submitted: 0, anchored: 0, final: 0 });
      const ids = (await store.listReceipts({})).map((r) => r.receiptId);
      const seventh = await store.getReceipt(ids[6]!);
      expect(seventh).to.deep.include({ state: "batched", leafIndex: 0 });
      expect(seventh?.batch?.index).to.equal(5);
      expect((await store.getReceipt(ids[9]!))?.state).to.equal("recorded");
      expect((await store.getBatchLeaves(4)).length).to.equal(6 * 32);
      expect((await store.lastBatch())?.index).to.equal(5);
      expect((await store.batchesInState("batched", 10)).map((b) => b.index)).to.deep.equal([4, 5]);
      expect(await store.lastAnchoredBatch()).to.equal(undefined);
    });

    it("moves batches with their transaction: submitted → anchored → (reorg) submitted → anchored → final, or void → batched", async () => {
      const store = await writer();
      await store.claimAnchoring(5_000);
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
      expect(await rejects(store.addTxAttempt(tx.id, attempt(`0x${"09".repeat(32)}`))), "only a pending tx gets attempts").to.be.instanceOf(InvariantError);
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
      expect(stored?.attempts.map((a) => a.hash)).to.deep.equal([`0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`]);

      await store.appendReceipts(rows(2), 1);
      await store.closeBatch({ index: 2, firstSeq: 7, lastSeq: 8, root, leaves: leaves(2), closedAt: 2 });
      const second = await store.createTx({ nonce: 8, firstBatch: 2, lastBatch: 2, createdAtBlock: 3, attempt: attempt(`0x${"03".repeat(32)}`) });
      expect((await store.openTxs()).map((t) => t.id)).to.deep.equal([second.id]);
      await store.voidTx(second.id);
      expect(await store.getBatch(2)).to.deep.include({ state: "batched", txId: undefined });
      expect(await rejects(store.voidTx(second.id)), "void once").to.be.instanceOf(InvariantError);
    });

    it("adopts batches found on chain: a transaction without attempts, included, batches anchored", async () => {
      const store = await writer();
      await store.claimAnchoring(5_000);
      await store.appendReceipts(rows(4), 1);
      await store.closeBatch({ index: 0, firstSeq: 1, lastSeq: 2, root, leaves: leaves(2), closedAt: 2 });
      await store.closeBatch({ index: 1, firstSeq: 3, lastSeq: 4, root, leaves: leaves(2), closedAt: 2 });
      const inclusion = { txHash: `0x${"0c".repeat(32)}` as Hex, blockNumber: 12, blockHash: `0x${"cc".repeat(32)}` as Hex, anchoredAt: 80 };
      const tx = await store.adoptAnchor({ nonce: 3, firstBatch: 0, lastBatch: 1, createdAtBlock: 10, inclusion });
      expect(tx).to.deep.include({ nonce: 3, state: "included", attempts: [], inclusion });
      expect((await store.getBatch(1))?.anchor).to.deep.equal(inclusion);
      expect(await store.stateCounts()).to.deep.include({ anchored: 4 });
      expect(await rejects(store.adoptAnchor({ nonce: 3, firstBatch: 0, lastBatch: 1, createdAtBlock: 10, inclusion })), "only batched batches").to.be.instanceOf(
        InvariantError,
      );
      await store.markTxFinal(tx.id, 90);
      expect((await store.getBatch(0))?.state).to.equal("final");
    });

    it("keeps its binding, and refuses a different one", async () => {
      const store = await writer();
      const binding: StoreBinding = {
        chainId: 1,
        contract: "0x0000000000000000000000000000000000000001",
        logId: `0x${"01".repeat(32)}`,
        anchorer: "0x0000000000000000000000000000000000000002",
        genesisHash: `0x${"03".repeat(32)}`,
        firstBatchIndex: 0,
        fromBlock: 0,
      };
      expect(await store.getBinding()).to.equal(undefined);
      await store.setBinding(binding);
      await store.setBinding(binding);
      expect(await store.getBinding()).to.deep.equal(binding);
      expect(await rejects(store.setBinding({ ...binding, chainId: 2 }))).to.be.instanceOf(StoreBindingError);
    });

    it("keeps each extra chain's state apart: its own transactions and batch states, next to the primary's", async () => {
      const store = await writer();
      await store.claimAnchoring(5_000);
      const binding: ChainBinding = {
        name: "l1",
        chainId: 5,
        contract: "0x0000000000000000000000000000000000000005",
        logId: `0x${"05".repeat(32)}`,
        anchorer: "0x0000000000000000000000000000000000000006",
        genesisHash: `0x${"07".repeat(32)}`,
        firstBatchIndex: 10,
        firstStoreBatch: 1,
        fromBlock: 0,
      };
      await store.setChainBinding(binding);
      await store.setChainBinding(binding);
      expect(await store.getChainBindings()).to.deep.equal([binding]);
      expect(await rejects(store.setChainBinding({ ...binding, chainId: 6 }))).to.be.instanceOf(StoreBindingError);
      await store.appendReceipts(rows(8), 1);
      for (let i = 0; i < 4; i++) await store.closeBatch({ index: i, firstSeq: 2 * i + 1, lastSeq: 2 * i + 2, root, leaves: leaves(2), closedAt: 2 });
      const l1 = store.chainLedger("l1", 1);
      const other = store.chainLedger("l2b", 0);
      expect((await l1.batchesInState("batched", 10)).map((b) => b.index), "from its first store batch on").to.deep.equal([1, 2, 3]);
      expect(await l1.getBatch(0), "before the chain was added").to.equal(undefined);
      const tx = await l1.createTx({ nonce: 0, firstBatch: 1, lastBatch: 2, createdAtBlock: 1, attempt: attempt(`0x${"a1".repeat(32)}`) });
      expect((await l1.batchesInState("batched", 10)).map((b) => b.index)).to.deep.equal([3]);
      expect((await l1.batchesInState("submitted", 10)).map((b) => b.index)).to.deep.equal([1, 2]);
      expect((await other.batchesInState("batched", 10)).map((b) => b.index), "another chain is untouched").to.deep.equal([0, 1, 2, 3]);
      expect((await store.getBatch(1))?.state, "the primary is untouched").to.equal("batched");
      expect(await store.openTxs()).to.deep.equal([]);
      expect(await rejects(l1.createTx({ nonce: 1, firstBatch: 2, lastBatch: 3, createdAtBlock: 1, attempt: attempt(`0x${"a2".repeat(32)}`) })), "never twice").to.be.instanceOf(
        InvariantError,
      );
      await l1.addTxAttempt(tx.id, attempt(`0x${"a3".repeat(32)}`, 300n));
      await l1.markTxSent(tx.id, 5);
      const inclusion = { txHash: `0x${"a3".repeat(32)}` as Hex, blockNumber: 4, blockHash: `0x${"dd".repeat(32)}` as Hex, anchoredAt: 6 };
      await l1.markTxIncluded(tx.id, inclusion);
      expect(await l1.getBatch(2)).to.deep.include({ state: "anchored", anchor: inclusion, txId: tx.id });
      expect((await store.chainStates(2)).map((c) => ({ chain: c.chain, state: c.state }))).to.deep.equal([{ chain: "l1", state: "anchored" }]);
      expect(await l1.lastAnchoredBatch()).to.deep.include({ index: 2 });
      await l1.markTxReorged(tx.id);
      expect((await l1.getBatch(1))?.state).to.equal("submitted");
      await l1.markTxIncluded(tx.id, inclusion);
      await l1.markTxFinal(tx.id, 9);
      expect(await l1.getBatch(1)).to.deep.include({ state: "final", finalAt: 9 });
      expect((await l1.getTx(tx.id))?.attempts.map((a) => a.maxFeePerGas)).to.deep.equal([100n, 300n]);
      expect(await store.getTx(tx.id), "the primary's transactions are apart").to.equal(undefined);
      const second = await l1.createTx({ nonce: 1, firstBatch: 3, lastBatch: 3, createdAtBlock: 1, attempt: attempt(`0x${"a4".repeat(32)}`) });
      await l1.voidTx(second.id);
      expect((await l1.batchesInState("batched", 10)).map((b) => b.index), "void: batched again").to.deep.equal([3]);
      const adopted = await l1.adoptAnchor({ nonce: 1, firstBatch: 3, lastBatch: 3, createdAtBlock: 1, inclusion });
      expect(adopted).to.deep.include({ state: "included", attempts: [] });
      expect((await l1.openTxs()).map((t) => t.id)).to.deep.equal([adopted.id]);
      expect(await l1.batchesInState("batched", 10)).to.deep.equal([]);
    });

    it("holds the anchoring role while it is the writer", async () => {
      const store = await writer();
      const lease = await store.claimAnchoring(5_000);
      expect(lease.held).to.equal(true);
      expect((await store.claimAnchoring(5_000)).epoch, "renewing keeps the epoch").to.equal(lease.epoch);
    });
  });
}

describe("PostgresReceiptStore: several instances on one database", function () {
  this.timeout(120_000);
  const open: PostgresReceiptStore[] = [];
  let url: string;
  before(async () => {
    url = await freshDatabase("store_shared");
  });
  async function instance(schema: string, name: string): Promise<PostgresReceiptStore> {
    const store = await PostgresReceiptStore.open({ url, schema, poolSize: 4 });
    open.push(store);
    await store.acquireWriter(name);
    return store;
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it("concurrent appends from three instances: gapless seqs, each receipt once, duplicates across instances rejected", async () => {
    const stores = await Promise.all(["a", "b", "c"].map((n) => instance("shared_append", n)));
    const all: NewReceipt[] = [];
    const results = await Promise.all(
      stores.map(async (store) => {
        const out: { firstSeq: number; lastSeq: number }[] = [];
        for (let i = 0; i < 20; i++) {
          const chunk = rows(1 + (i % 7));
          all.push(...chunk);
          const r = await store.appendReceipts(chunk, i);
          if (!r.ok) throw new Error("unexpected duplicate");
          out.push(r);
        }
        return out;
      }),
    );
    const ranges = results.flat().sort((x, y) => x.firstSeq - y.firstSeq);
    let next = 1;
    for (const r of ranges) {
      expect(r.firstSeq, "ranges tile 1..n without gaps or overlaps").to.equal(next);
      next = r.lastSeq + 1;
    }
    expect(next - 1).to.equal(all.length);
    // The same receipt arriving at two instances at once: exactly one stores it.
    const twin = rows(1);
    const both = await Promise.all([stores[0]!.appendReceipts(twin, 1), stores[1]!.appendReceipts(twin, 1)]);
    expect(both.filter((r) => r.ok).length).to.equal(1);
    expect(both.filter((r) => !r.ok).length).to.equal(1);
    for (const r of all.slice(0, 30)) expect((await stores[2]!.getReceipt(r.receiptId))?.receiptId).to.equal(r.receiptId);
    expect((await stores[2]!.unbatched()).count).to.equal(all.length + 1);
    // One receipt (with others) racing into three instances, many times: exactly one call stores it; the
    // others, run after it under the lock, are told which of theirs is held (never a unique-index error).
    let stored = all.length + 1;
    for (let round = 0; round < 20; round++) {
      const shared = rows(1)[0]!;
      const calls = stores.map(() => [...rows(round % 4), shared]);
      const outcomes = await Promise.all(stores.map((store, k) => store.appendReceipts(calls[k]!, round)));
      expect(outcomes.filter((r) => r.ok).length, `round ${round}`).to.equal(1);
      outcomes.forEach((r, k) => {
        if (r.ok) stored += calls[k]!.length;
        else expect(r.duplicates).to.deep.equal([{ receiptIndex: calls[k]!.length - 1, receiptId: shared.receiptId }]);
      });
    }
    // The same id twice in one call (caught by the unique index): the repeat is reported, nothing stored.
    const repeated = rows(2);
    expect(await stores[0]!.appendReceipts([repeated[0]!, repeated[1]!, repeated[0]!], 1)).to.deep.equal({ ok: false, duplicates: [{ receiptIndex: 2, receiptId: repeated[0]!.receiptId }] });
    expect(await stores[1]!.getReceipt(repeated[1]!.receiptId), "nothing of a rejected call is stored").to.equal(undefined);
    expect((await stores[2]!.unbatched()).count).to.equal(stored);
    expect(await stores[1]!.appendReceipts(rows(1), 1), "no seq used by rejected calls").to.deep.equal({ ok: true, firstSeq: stored + 1, lastSeq: stored + 1 });
  });

  it("one anchorer at a time: the lease is exclusive, taken over when it lapses, and the old holder's writes are fenced off", async () => {
    const [a, b] = [await instance("shared_lease", "a"), await instance("shared_lease", "b")];
    const first = await a.claimAnchoring(300);
    expect(first.held).to.equal(true);
    const other = await b.claimAnchoring(300);
    expect(other).to.deep.include({ held: false, epoch: first.epoch });
    expect(other.holder).to.match(/^a \(pid \d+ on /);
    await a.appendReceipts(rows(4), 1);
    await a.closeBatch({ index: 0, firstSeq: 1, lastSeq: 2, root, leaves: leaves(2), closedAt: 1 });
    expect(await rejects(b.closeBatch({ index: 1, firstSeq: 3, lastSeq: 4, root, leaves: leaves(2), closedAt: 1 })), "a standby cannot write").to.be.instanceOf(
      AnchorLeaseLostError,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const taken = await b.claimAnchoring(5_000);
    expect(taken).to.deep.include({ held: true, epoch: first.epoch + 1 });
    const lost = (await rejects(a.closeBatch({ index: 1, firstSeq: 3, lastSeq: 4, root, leaves: leaves(2), closedAt: 1 }))) as AnchorLeaseLostError;
    expect(lost, "the old holder is fenced off").to.be.instanceOf(AnchorLeaseLostError);
    expect(lost.heldEpoch).to.equal(first.epoch);
    expect(lost.currentEpoch).to.equal(first.epoch + 1);
    expect(lost.shortMessage).to.match(/moved to b \(pid/);
    expect((await a.claimAnchoring(5_000)).held, "and cannot take it back while b's lease runs").to.equal(false);
    await b.closeBatch({ index: 1, firstSeq: 3, lastSeq: 4, root, leaves: leaves(2), closedAt: 1 });
    expect((await a.lastBatch())?.index).to.equal(1);
    await b.releaseAnchoring();
    expect(await a.claimAnchoring(5_000), "released: taken at once").to.deep.include({ held: true, epoch: first.epoch + 2 });
  });

  it("migrates once when instances start together, and refuses a database of a newer schema", async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresReceiptStore.open({ url, schema: "shared_migrate" })));
    open.push(...stores);
    expect(await stores[0]!.schemaVersion()).to.equal(SCHEMA_VERSION);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: applied } = await client.query("SELECT version FROM shared_migrate.schema_migrations ORDER BY version");
      expect(applied.map((r: { version: number }) => r.version)).to.deep.equal([...Array(SCHEMA_VERSION).keys()].map((i) => i + 1));
      await client.query("INSERT INTO shared_migrate.schema_migrations (version, description) VALUES (99, 'from the future')");
    } finally {
      await client.end();
    }
    const error = await rejects(PostgresReceiptStore.open({ url, schema: "shared_migrate" }));
    expect(error).to.be.instanceOf(StoreSchemaError);
    expect((error as Error).message).to.match(new RegExp(`schema version 99; this showwork reads version ${SCHEMA_VERSION}`));
  });

  it("keeps passwords out of its location", async () => {
    const withPassword = new URL(url);
    withPassword.password = "s3cret";
    const store = await PostgresReceiptStore.open({ url: withPassword.toString(), schema: "shared_pw" });
    open.push(store);
    expect(store.location).to.not.include("s3cret");
    expect(store.location).to.include("***");
  });
});
