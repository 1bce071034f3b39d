import { join } from "node:path";

import { expect } from "chai";

import { SqliteReceiptStore } from "../../../sdk/service/store/sqlite.js";
import type { NewReceipt } from "../../../sdk/service/store/types.js";
import { makeNewReceipts } from "../helpers/receipts.js";
import { removeTempDirs, tempDir } from "../helpers/service.js";

const rows = makeNewReceipts;

async function openWriter(options: { indexEvery?: number; path?: string } = {}): Promise<SqliteReceiptStore> {
  const store = SqliteReceiptStore.open({ path: options.path ?? join(tempDir(), "s.sqlite"), indexEvery: options.indexEvery ?? 50_000 });
  await store.acquireWriter("test");
  return store;
}

// The behaviour both stores share is in contract.test.ts; this file covers what only SQLite does.
describe("SqliteReceiptStore", () => {
  after(() => removeTempDirs());

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

});
