import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { InvariantError } from "../../../sdk/errors.js";
import { DatabaseSync } from "../../../sdk/nodeSqlite.js";
import { parseReceipt, receiptJsonText } from "../../../sdk/receipt/parseReceipt.js";
import { computeLeaves, treeFromLeaves } from "../../../sdk/service/batchTree.js";
import { StoreSchemaError } from "../../../sdk/service/errors.js";
import { decodeReceiptBody, encodeReceiptBody } from "../../../sdk/service/store/receiptBody.js";
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

  /** What a store file holds, read with plain SQL: user_version, and each body's SQLite type and value. */
  function rawBodies(path: string): { version: number; bodies: { type: string; body: unknown }[] } {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
      const bodies = db.prepare("SELECT typeof(body) AS type, body FROM receipts ORDER BY seq").all() as { type: string; body: unknown }[];
      return { version, bodies };
    } finally {
      db.close();
    }
  }

  // test/fixtures/store-v2.db was written by the schema-2 store (commit 9508ebb, before binary bodies):
  // 45 receipts (signed and unsigned, tools with non-ASCII and escaped names, sequences 2^53+1 and 2^64-1,
  // two model versions), batches 0 (seqs 1..24) and 1 (25..40) closed with their leaves, 41..45 unbatched.
  it("opens a store written by the previous schema (JSON bodies): reads it as before, then adds binary bodies", async () => {
    const path = join(tempDir(), "old.sqlite");
    copyFileSync(fileURLToPath(new URL("../../fixtures/store-v2.db", import.meta.url)), path);
    const before = rawBodies(path);
    expect(before.version).to.equal(2);
    expect(before.bodies.map((b) => b.type)).to.deep.equal(new Array(45).fill("text"));
    const oldTexts = before.bodies.map((b) => String(b.body));

    // A tool reads it read-only without changing it.
    const reader = SqliteReceiptStore.open({ path, readOnly: true });
    const ids = oldTexts.map((t) => (JSON.parse(t) as { receiptId: `0x${string}` }).receiptId);
    expect((await reader.getReceipt(ids[30]!))?.body).to.equal(oldTexts[30]);
    await reader.close();
    expect(rawBodies(path).version, "read-only: not migrated").to.equal(2);

    const store = await openWriter({ path });
    try {
      expect(rawBodies(path).version).to.equal(3);
      // Old rows read back as the very text stored, through every reader.
      for (const [i, id] of ids.entries()) expect((await store.getReceipt(id))?.body).to.equal(oldTexts[i]);
      const texts: string[] = [];
      for await (const chunk of store.readBodies(1, 45, 7)) texts.push(...chunk);
      expect(texts).to.deep.equal(oldTexts);
      // The stored leaves of the closed batches are recomputed from the old rows.
      for (const index of [0, 1]) {
        const batch = (await store.getBatch(index))!;
        const { leaves } = await computeLeaves(store, batch.firstSeq, batch.lastSeq, 5);
        expect(Buffer.from(leaves).equals(Buffer.from(await store.getBatchLeaves(index))), `batch ${index}`).to.equal(true);
        expect(treeFromLeaves(leaves).root).to.equal(batch.root);
      }
      // New receipts go in as binary bodies, next to the old ones; a stored old id is still a duplicate.
      const fresh = rows(6);
      expect(await store.appendReceipts(fresh, 5)).to.deep.equal({ ok: true, firstSeq: 46, lastSeq: 51 });
      expect((await store.appendReceipts([...rows(1), { ...fresh[0]!, receiptId: ids[3]! }], 6)).ok).to.equal(false);
      const mixed: string[] = [];
      for await (const chunk of store.readBodies(44, 51, 3)) mixed.push(...chunk);
      expect(mixed).to.deep.equal([...oldTexts.slice(43), ...fresh.map((r) => receiptJsonText(r.receipt))]);
      const listed = await store.listReceipts({ afterSeq: 43, limit: 4 });
      expect(listed.map((r) => r.body)).to.deep.equal([...oldTexts.slice(43), ...fresh.slice(0, 2).map((r) => receiptJsonText(r.receipt))]);
    } finally {
      await store.close();
    }
    const after = rawBodies(path);
    expect(after.bodies.map((b) => b.type)).to.deep.equal([...new Array(45).fill("text"), ...new Array(6).fill("blob")]);
    expect(after.bodies.slice(0, 45).map((b) => b.body), "no old row rewritten").to.deep.equal(oldTexts);
  });

  it("stores a receipt in about a third of its JSON bytes and gives the same receipt back", async () => {
    const path = join(tempDir(), "size.sqlite");
    const store = await openWriter({ path });
    const fixture = rawBodies(fileURLToPath(new URL("../../fixtures/store-v2.db", import.meta.url))).bodies.map((b) => parseReceipt(JSON.parse(String(b.body))));
    try {
      const stored = fixture.map((receipt) => ({ receiptId: receipt.receiptId, receipt, modelId: receipt.modelId, weightsDigest: receipt.weightsDigest, issuedAt: receipt.issuedAt }));
      expect((await store.appendReceipts(stored, 1)).ok).to.equal(true);
      for (const r of fixture) expect((await store.getReceipt(r.receiptId))?.body).to.equal(receiptJsonText(r));
    } finally {
      await store.close();
    }
    const { bodies } = rawBodies(path);
    for (const [i, b] of bodies.entries()) {
      expect(b.type).to.equal("blob");
      expect(decodeReceiptBody(b.body as Uint8Array)).to.deep.equal({ ...fixture[i]! });
    }
    const signedPlain = fixture.find((r) => r.signature !== undefined && r.tools.length === 0)!;
    expect(encodeReceiptBody(signedPlain).length).to.equal(431);
    expect(receiptJsonText(signedPlain).length).to.be.greaterThan(1100);
  });

  it("says which body is damaged rather than returning a wrong receipt", () => {
    const [receipt] = rows(1).map((r) => r.receipt);
    const body = encodeReceiptBody(receipt!);
    const message = (bytes: Uint8Array): string => {
      try {
        decodeReceiptBody(bytes);
      } catch (error) {
        expect(error).to.be.instanceOf(InvariantError);
        return (error as Error).message;
      }
      throw new Error("decoded a damaged body");
    };
    expect(message(body.subarray(0, 100))).to.match(/damaged: too short/);
    expect(message(Buffer.concat([body, Buffer.from([0])]))).to.match(/damaged: 1 bytes after the last field/);
    const retagged = Buffer.from(body);
    retagged[0] = 9;
    expect(message(retagged)).to.match(/damaged: unknown tag 9/);
    const badTools = Buffer.from(body);
    badTools.writeUInt32BE(3, body.length - 4);
    expect(message(badTools)).to.match(/damaged: tool 0 is cut off/);
  });

  it("refuses a store of a newer schema, naming both versions", () => {
    const path = join(tempDir(), "future.sqlite");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 4");
    db.close();
    expect(() => SqliteReceiptStore.open({ path })).to.throw(StoreSchemaError, /schema version 4; this showwork reads version 3/);
  });
});
