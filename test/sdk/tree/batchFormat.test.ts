import { readFileSync } from "node:fs";

import { expect } from "chai";
import fc from "fast-check";

import {
  BATCH_FORMAT,
  InvalidDocumentError,
  parseBundle,
  ReceiptTree,
  receiptLeaf,
  toBundleJson,
  toBundleV2,
  UnsupportedFormatError,
  verifyBundleInclusion,
  verifyBundleOffline,
  verifyProof,
} from "../../../sdk/index.js";
import { batchArb } from "../helpers.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8"));

/** Roots of the frozen fixtures, written down when they were made: the format and hashing must never change them. */
const FROZEN_ROOTS: Record<string, string> = {
  "batch-v1-five.json": "0x33fa5076892c44fe7257ab8c2240e1c6e06da9e0d3d1bd5bb839f8766ec9d7ef",
  "batch-v1-single.json": "", // filled below from its only receipt's leaf
};

describe("sdk/tree: saved batch form (showwork/batch@1)", () => {
  for (const name of ["batch-v1-five.json", "batch-v1-single.json"]) {
    it(`reloads the frozen fixture ${name}: same root, every proof verifies, dump() is byte-identical`, () => {
      const saved = fixture(name);
      const tree = ReceiptTree.load(saved);
      const expectedRoot = FROZEN_ROOTS[name] || receiptLeaf(tree.receipt(0));
      expect(tree.root).to.equal(expectedRoot);
      expect(saved.root).to.equal(expectedRoot);
      for (let i = 0; i < tree.size; i++) {
        verifyProof({ leaf: receiptLeaf(tree.receipt(i)), proof: tree.getProof(i), root: tree.root, leafIndex: i, batchSize: tree.size });
      }
      expect(JSON.stringify(tree.dump(), null, 2) + "\n").to.equal(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8"));
    });
  }

  it("reloads the frozen proof bundle fixture and verifies it offline (with its signature)", async () => {
    const bundle = parseBundle(fixture("bundle-v1.json"));
    expect(verifyBundleInclusion(bundle)).to.equal(FROZEN_ROOTS["batch-v1-five.json"]);
    expect(await verifyBundleOffline(bundle, { requireSignature: true })).to.equal(bundle.root);
  });

  it("reloads the frozen v2 bundle fixture (two anchors): normalised, anchor = anchors[0], written back byte-identical", async () => {
    const text = readFileSync(new URL("../../fixtures/bundle-v2.json", import.meta.url), "utf8");
    const bundle = parseBundle(JSON.parse(text));
    expect(bundle.format).to.equal("showwork/bundle@2");
    expect(bundle.anchors).to.have.length(2);
    expect(bundle.anchor).to.equal(bundle.anchors[0]);
    expect(bundle.anchors.map((a) => [a.chainId, a.batchIndex, a.root])).to.deep.equal([
      [31337, 0, FROZEN_ROOTS["batch-v1-five.json"]],
      [11155111, 7, FROZEN_ROOTS["batch-v1-five.json"]],
    ]);
    expect(bundle.anchors[0]!.anchoredAt).to.equal(1767225660);
    expect(verifyBundleInclusion(bundle)).to.equal(FROZEN_ROOTS["batch-v1-five.json"]);
    expect(await verifyBundleOffline(bundle, { requireSignature: true })).to.equal(bundle.root);
    expect(JSON.stringify(toBundleJson(bundle), null, 2) + "\n").to.equal(text);
  });

  it("reads the frozen v1 fixture as the normalised v2 shape and writes it back as v1", () => {
    const text = readFileSync(new URL("../../fixtures/bundle-v1.json", import.meta.url), "utf8");
    const bundle = parseBundle(JSON.parse(text));
    expect(bundle.format).to.equal("showwork/bundle@1");
    expect(bundle.anchors).to.have.length(1);
    expect(bundle.anchor).to.equal(bundle.anchors[0]);
    expect(bundle.anchor.root).to.equal(bundle.root);
    expect(JSON.stringify(toBundleJson(bundle), null, 2) + "\n").to.equal(text);
    const v2 = toBundleJson(toBundleV2(bundle));
    expect(v2.format).to.equal("showwork/bundle@2");
    expect(parseBundle(v2).anchors).to.deep.equal(bundle.anchors);
  });

  it("dump → JSON → load round-trips random batches", () => {
    fc.assert(
      fc.property(batchArb(25), (receipts) => {
        const tree = ReceiptTree.of(receipts);
        const loaded = ReceiptTree.load(JSON.parse(JSON.stringify(tree.dump())));
        expect(loaded.root).to.equal(tree.root);
        expect(loaded.receipts()).to.deep.equal(receipts);
      }),
      { numRuns: 25 },
    );
  });

  describe("load() rejects", () => {
    const saved = () => fixture("batch-v1-five.json");
    it("an unknown format", () => {
      expect(() => ReceiptTree.load({ ...saved(), format: "showwork/batch@2" })).to.throw(UnsupportedFormatError);
      expect(() => ReceiptTree.load({ ...saved(), format: undefined })).to.throw(UnsupportedFormatError);
      expect(BATCH_FORMAT).to.equal("showwork/batch@1");
    });
    it("a root that is not the receipts' root", () => {
      const bad = { ...saved(), root: `0x${"00".repeat(32)}` };
      expect(() => ReceiptTree.load(bad)).to.throw(InvalidDocumentError).with.property("field", "root");
    });
    it("a wrong size", () => {
      expect(() => ReceiptTree.load({ ...saved(), size: 4 })).to.throw(InvalidDocumentError).with.property("field", "size");
    });
    it("a malformed receipt, naming it", () => {
      const bad = saved();
      (bad.receipts as Record<string, unknown>[])[3]!.outputDigest = "0x12";
      expect(() => ReceiptTree.load(bad)).to.throw(InvalidDocumentError).with.property("field", "receipts[3].outputDigest");
    });
    it("a receipt whose tools no longer match its toolsDigest", () => {
      const bad = saved();
      ((bad.receipts as Record<string, unknown>[])[1]!.tools as Record<string, unknown>[])[0]!.name = "other";
      expect(() => ReceiptTree.load(bad)).to.throw(InvalidDocumentError).with.property("field", "receipts[1].toolsDigest");
    });
    it("duplicate receipt ids and empty batches", () => {
      const dup = saved();
      const receipts = dup.receipts as Record<string, unknown>[];
      receipts[2] = receipts[0]!;
      const error = (() => {
        try {
          ReceiptTree.load(dup);
        } catch (e) {
          return e as InvalidDocumentError;
        }
      })();
      expect(error).to.be.instanceOf(InvalidDocumentError);
      expect(error!.walk()).to.have.property("reason", "duplicate-receipt-id");
      expect(() => ReceiptTree.load({ ...saved(), receipts: [], size: 0 })).to.throw(InvalidDocumentError);
    });
    it("unknown fields and non-objects", () => {
      expect(() => ReceiptTree.load({ ...saved(), extra: 1 })).to.throw(InvalidDocumentError).with.property("field", "extra");
      expect(() => ReceiptTree.load([])).to.throw(InvalidDocumentError);
    });
  });
});
