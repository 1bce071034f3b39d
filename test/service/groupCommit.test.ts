/**
 * Group commit (issue #26): concurrent `record()` calls are stored in one store transaction,
 * while each call keeps its own outcome (contiguous seqs in call order; a call with a stored
 * or repeated id fails alone, nothing of it stored). On both stores: SQLite on a temp file and
 * PostgreSQL on a real server.
 */
import { join } from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { RecordRejectedError } from "../../sdk/service/errors.js";
import { PostgresReceiptStore } from "../../sdk/service/store/postgres.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import type { ReceiptStore } from "../../sdk/service/store/types.js";
import { freshDatabase } from "../support/postgres.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

let pgUrl: string | undefined;
let schemas = 0;
const KINDS: { name: string; open(): Promise<ReceiptStore> }[] = [
  { name: "SQLite", open: async () => SqliteReceiptStore.open({ path: join(tempDir(), "s.sqlite") }) },
  {
    name: "PostgreSQL",
    open: async () => {
      pgUrl ??= await freshDatabase("group_commit");
      return PostgresReceiptStore.open({ url: pgUrl, schema: `g${++schemas}` });
    },
  },
];

/** A service whose store counts its appendReceipts transactions. */
async function countingService(store: ReceiptStore): Promise<{ service: AnchoringService; appends: () => number }> {
  let appends = 0;
  const append = store.appendReceipts.bind(store);
  store.appendReceipts = (rows, recordedAt) => {
    appends++;
    return append(rows, recordedAt);
  };
  const service = await AnchoringService.open({ store, ingestion: { signatures: "off", issuedAtWindow: false } });
  return { service, appends: () => appends };
}

async function outcome<T>(promise: Promise<T>): Promise<T | RecordRejectedError> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
}

for (const kind of KINDS) {
  describe(`group commit of concurrent record() calls: ${kind.name}`, function () {
    this.timeout(60_000);
    const services: AnchoringService[] = [];
    afterEach(async () => {
      for (const service of services.splice(0)) await service.close();
    });
    after(() => removeTempDirs());

    it("stores 50 concurrent calls in one transaction, each call's receipts contiguous and in call order", async () => {
      const { service, appends } = await countingService(await kind.open());
      services.push(service);
      const calls = Array.from({ length: 50 }, () => makeReceipts(3));
      const acks = await Promise.all(calls.map((receipts) => service.record(receipts)));
      expect(appends()).to.equal(1);
      const seqs = acks.flat().map((a) => a.seq);
      expect(seqs).to.deep.equal(Array.from({ length: 150 }, (_, i) => i + 1));
      for (const [k, ack] of acks.entries()) {
        expect(ack.map((a) => a.receiptId)).to.deep.equal(calls[k]!.map((r) => r.receiptId));
        for (const a of ack) expect((await service.store.getReceipt(a.receiptId as Hex))?.seq).to.equal(a.seq);
      }
      // Later calls form the next group.
      const more = await Promise.all([service.record(makeReceipts(2)), service.record(makeReceipts(1))]);
      expect(more.flat().map((a) => a.seq)).to.deep.equal([151, 152, 153]);
      expect(appends()).to.equal(2);
    });

    it("a call holding an already stored id fails alone; the other calls of its group are stored", async () => {
      const { service } = await countingService(await kind.open());
      services.push(service);
      const stored = makeReceipts(2);
      await service.record(stored);
      const calls = [makeReceipts(2), [...makeReceipts(2), stored[1]!], makeReceipts(3), [stored[0]!]];
      const results = await Promise.all(calls.map((receipts) => outcome(service.record(receipts))));
      expect(results[0]).to.be.an("array").with.length(2);
      expect(results[2]).to.be.an("array").with.length(3);
      const bad = results[1] as RecordRejectedError;
      expect(bad).to.be.instanceOf(RecordRejectedError);
      expect([bad.reason, bad.receiptIndex]).to.deep.equal(["duplicate-receipt-id", 2]);
      expect(bad.duplicates).to.deep.equal([{ receiptId: stored[1]!.receiptId, receiptIndex: 2, alreadyStored: true }]);
      expect((results[3] as RecordRejectedError).receiptIndex).to.equal(0);
      // Nothing of the failed call was stored; the stored calls got contiguous seqs after the first two.
      for (const r of calls[1]!.slice(0, 2)) expect(await service.store.getReceipt(r.receiptId as Hex)).to.equal(undefined);
      const seqs = [...(results[0] as { seq: number }[]), ...(results[2] as { seq: number }[])].map((a) => a.seq);
      expect(seqs).to.deep.equal([3, 4, 5, 6, 7]);
      expect((await service.store.stateCounts()).recorded).to.equal(7);
    });

    it("the same new id in two concurrent calls: the earlier call is stored, the later fails as a duplicate", async () => {
      const { service } = await countingService(await kind.open());
      services.push(service);
      const shared = makeReceipts(1)[0]!;
      const first = [...makeReceipts(1), shared];
      const second = [shared, ...makeReceipts(2)];
      const [a, b] = await Promise.all([outcome(service.record(first)), outcome(service.record(second))]);
      expect((a as { seq: number }[]).map((x) => x.seq)).to.deep.equal([1, 2]);
      expect(b).to.be.instanceOf(RecordRejectedError);
      expect((b as RecordRejectedError).duplicates).to.deep.equal([{ receiptId: shared.receiptId, receiptIndex: 0, alreadyStored: true }]);
      for (const r of second.slice(1)) expect(await service.store.getReceipt(r.receiptId as Hex)).to.equal(undefined);
    });
  });
}
