/**
 * buildReceiptTreeParallel (worker threads) against ReceiptTree.of: the same tree (root, every
 * proof, ids), the same errors at the same positions.
 */
import { expect } from "chai";

import { InvalidBatchError, InvalidReceiptError, ReceiptTree, type Receipt } from "../../../sdk/index.js";
import { buildReceiptTreeParallel, closeTreeWorkerPool, treeWorkerPoolSize } from "../../../sdk/tree/buildTreeParallel.js";
import { syntheticReceipts } from "../helpers.js";

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

async function asyncErrorOf(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("buildReceiptTreeParallel", () => {
  for (const [n, threads] of [
    [1, 2],
    [1024, 2],
    [1025, 1],
    [3000, 2],
    [9_999, 3],
  ] as const) {
    it(`builds the same tree as ReceiptTree.of: ${n} receipts, ${threads} worker(s)`, async () => {
      const receipts = syntheticReceipts(n, n);
      const expected = ReceiptTree.of(receipts);
      const tree = await buildReceiptTreeParallel(receipts, { threads });
      expect(tree.root).to.equal(expected.root);
      expect(tree.size).to.equal(n);
      for (const i of [0, 1, Math.floor(n / 2), n - 2, n - 1].filter((k) => k >= 0 && k < n)) {
        expect(tree.getProof(receipts[i]!.receiptId)).to.deep.equal(expected.getProof(receipts[i]!.receiptId));
      }
      expect(tree.dump()).to.deep.equal(expected.dump());
    });
  }

  it("throws what ReceiptTree.of throws, naming the first malformed receipt, wherever it falls (worker or calling thread)", async () => {
    const receipts = syntheticReceipts(6000, 9);
    for (const [at, change] of [
      [5, { inputDigest: "0x12" }],
      [1500, { memoryDigest: `0x${"zz".repeat(32)}` }],
      [3100, { issuedAt: -1 }],
      [4200, { servingNode: `0x${"g".repeat(40)}` }],
      [5999, { promptTemplateVersion: 2 ** 32 }],
    ] as const) {
      const bad: Receipt[] = receipts.slice();
      bad[at] = { ...receipts[at]!, ...change } as unknown as Receipt;
      if (at < 5000) bad[5500] = { ...receipts[5500]!, outputDigest: "0x00" } as unknown as Receipt; // a later one too, in a later chunk
      const expected = errorOf(() => ReceiptTree.of(bad));
      const got = await asyncErrorOf(() => buildReceiptTreeParallel(bad, { threads: 2 }));
      expect(got).to.be.instanceOf(InvalidReceiptError);
      expect(got.message).to.equal(expected.message);
      expect(got.message).to.include(`receipt #${at} of the batch`);
    }
    const duplicated = receipts.slice();
    duplicated[4000] = receipts[10]!;
    const dup = await asyncErrorOf(() => buildReceiptTreeParallel(duplicated, { threads: 2 }));
    expect(dup).to.be.instanceOf(InvalidBatchError);
    expect(dup.message).to.equal(errorOf(() => ReceiptTree.of(duplicated)).message);
    expect((await asyncErrorOf(() => buildReceiptTreeParallel([], { threads: 2 }))).message).to.equal(errorOf(() => ReceiptTree.of([])).message);
    expect(await asyncErrorOf(() => buildReceiptTreeParallel(receipts, { threads: -1 }))).to.be.instanceOf(InvalidReceiptError);
  });

  it("keeps its workers between builds (a persistent pool), also for concurrent builds, until closed", async () => {
    await closeTreeWorkerPool();
    expect(treeWorkerPoolSize()).to.equal(0);
    const a = syntheticReceipts(5000);
    const b = syntheticReceipts(4000).map((r, i) => ({ ...r, receiptId: `0x${(i + 7).toString(16).padStart(64, "0")}` }) as Receipt);
    expect((await buildReceiptTreeParallel(a, { threads: 2 })).root).to.equal(ReceiptTree.of(a).root);
    expect(treeWorkerPoolSize()).to.equal(2);
    // Two builds at once on the same workers: each gets its own tree.
    const [ta, tb] = await Promise.all([buildReceiptTreeParallel(a, { threads: 2 }), buildReceiptTreeParallel(b, { threads: 2 })]);
    expect([ta.root, tb.root]).to.deep.equal([ReceiptTree.of(a).root, ReceiptTree.of(b).root]);
    expect(treeWorkerPoolSize()).to.equal(2);
    // A failed build leaves the pool usable.
    const bad = a.map((r, i) => (i === 4500 ? ({ ...r, modelId: "0x12" } as unknown as Receipt) : r));
    expect(await asyncErrorOf(() => buildReceiptTreeParallel(bad, { threads: 2 }))).to.be.instanceOf(InvalidReceiptError);
    expect((await buildReceiptTreeParallel(b, { threads: 3 })).root).to.equal(ReceiptTree.of(b).root);
    expect(treeWorkerPoolSize()).to.equal(3);
    await closeTreeWorkerPool();
    expect(treeWorkerPoolSize()).to.equal(0);
  });
});
