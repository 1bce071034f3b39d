import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import keccak256 from "keccak256";
import { MerkleTree } from "merkletreejs";
import type { Hex } from "viem";

import {
  getMultiProof,
  getProof,
  hashNode,
  InvalidBatchError,
  InvalidProofError,
  InvalidReceiptError,
  isValidProof,
  leafPosition,
  makeMerkleTree,
  processMultiProof,
  processProof,
  ProofMismatchError,
  proofLength,
  RECEIPT_LEAF_ABI_TYPES,
  ReceiptTree,
  receiptLeaf,
  ShowworkError,
  verifyMultiProof,
  verifyProof,
  type Receipt,
} from "../../../sdk/index.js";
import { buildTree, textWriter } from "../../../sdk/tree/buildTree.js";
import { batchArb, syntheticReceipts } from "../helpers.js";
import { ozLeafValues } from "./ozValues.js";
import { referenceLeaf, referenceProof, referenceRootFromProof, referenceTree } from "./reference.js";

/**
 * The order in which merkletreejs (complete: true) must receive the leaves to build
 * OpenZeppelin's heap: left to right in the drawn tree, i.e. the deepest level
 * (leaves 2n-1-2^d .. 0) then the level above (leaves n-1 .. 2n-2^d).
 */
function merkletreejsOrder(n: number): number[] {
  const deepest = 2 ** Math.floor(Math.log2(2 * n - 1));
  const order: number[] = [];
  for (let i = 2 * n - 1 - deepest; i >= 0; i--) order.push(i);
  for (let i = n - 1; i >= 2 * n - deepest; i--) order.push(i);
  return order;
}

describe("sdk/tree", () => {
  describe("ReceiptTree against the reference implementation", () => {
    for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1025]) {
      it(`size ${size}: same leaves, nodes, root and every proof`, () => {
        const receipts = syntheticReceipts(size, size);
        const tree = ReceiptTree.of(receipts);
        const leaves = receipts.map(referenceLeaf);
        const ref = referenceTree(leaves);
        expect(tree.size).to.equal(size);
        expect(tree.root).to.equal(ref[0]);
        for (let k = 0; k < ref.length; k++) expect(tree.node(k)).to.equal(ref[k]);
        const step = Math.max(1, Math.floor(size / 50));
        for (let i = 0; i < size; i += step) {
          expect(tree.leaf(i)).to.equal(leaves[i]);
          expect(tree.leaf(receipts[i]!.receiptId)).to.equal(leaves[i]);
          const proof = tree.getProof(receipts[i]!.receiptId);
          expect(proof).to.deep.equal(referenceProof(ref, i));
          expect(proof.length).to.equal(proofLength(size, i));
          expect(referenceRootFromProof(leaves[i]!, proof)).to.equal(tree.root);
          expect(verifyProof({ leaf: leaves[i]!, proof, root: tree.root, leafIndex: i, batchSize: size })).to.equal(tree.root);
        }
        tree.validate();
      });
    }

    it("without Node's Buffer, receipt text is written with TextEncoder (non-ASCII shows)", () => {
      const view = new Uint8Array(80);
      const writer = textWriter(view);
      expect(writer).to.not.equal(view);
      expect(writer.utf8Write(`0x${"ab".repeat(32)}`, 4, 66)).to.equal(66);
      expect(Buffer.from(view.subarray(4, 70)).toString("latin1")).to.equal(`0x${"ab".repeat(32)}`);
      const written = writer.utf8Write(`0x${"a".repeat(63)}\u0161`, 0, 66);
      expect(written < 66 || view.subarray(0, 66).some((b) => b >= 0x80)).to.equal(true);
      const buffer = Buffer.alloc(8);
      expect(textWriter(buffer)).to.equal(buffer);
    });

    it("a single leaf is its own root, with an empty proof", () => {
      const [receipt] = syntheticReceipts(1);
      const tree = ReceiptTree.of([receipt!]);
      expect(tree.root).to.equal(receiptLeaf(receipt!));
      expect(tree.getProof(0)).to.deep.equal([]);
      expect(verifyProof({ leaf: tree.root, proof: [], root: tree.root, leafIndex: 0, batchSize: 1 })).to.equal(tree.root);
    });

    it("the WebAssembly and JS back ends build identical trees (random batches)", () => {
      fc.assert(
        fc.property(batchArb(40), (receipts) => {
          const wasm = buildTree(receipts, false, "wasm");
          const js = buildTree(receipts, false, "js");
          expect(Buffer.from(wasm.nodes).equals(Buffer.from(js.nodes))).to.equal(true);
          expect(Buffer.from(wasm.ids).equals(Buffer.from(js.ids))).to.equal(true);
        }),
        { numRuns: 40 },
      );
    });

    it("builds the same tree from an array and from a streamed iterable (several chunks)", () => {
      const receipts = syntheticReceipts(2500, 7);
      const fromArray = ReceiptTree.of(receipts);
      const streamed = ReceiptTree.of((function* () {
        yield* receipts;
      })());
      expect(streamed.root).to.equal(fromArray.root);
      expect(streamed.getProof(receipts[1234]!.receiptId)).to.deep.equal(fromArray.getProof(1234));
      expect(() => streamed.dump()).to.throw(ShowworkError, /did not retain/);
      const retained = ReceiptTree.of(new Set(receipts), { retainReceipts: true });
      expect(retained.receipt(5)).to.equal(receipts[5]);
    });
  });

  describe("agreement with the peers", () => {
    it("@openzeppelin/merkle-tree (sortLeaves: false): same root, proofs and multiproofs; its verify accepts ours", () => {
      fc.assert(
        fc.property(batchArb(33), fc.array(fc.nat(), { maxLength: 6 }), (receipts, picks) => {
          const tree = ReceiptTree.of(receipts);
          const values = ozLeafValues(receipts);
          const oz = StandardMerkleTree.of(values, [...RECEIPT_LEAF_ABI_TYPES], { sortLeaves: false });
          expect(tree.root).to.equal(oz.root);
          receipts.forEach((r, i) => {
            const proof = tree.getProof(r.receiptId);
            expect(proof).to.deep.equal(oz.getProof(i));
            expect(StandardMerkleTree.verify(tree.root, [...RECEIPT_LEAF_ABI_TYPES], values[i]!, proof)).to.equal(true);
          });
          const indices = [...new Set(picks.map((p) => p % receipts.length))];
          const ours = tree.getMultiProof(indices);
          const theirs = oz.getMultiProof([...indices]);
          expect(ours.proof).to.deep.equal(theirs.proof);
          expect(ours.proofFlags).to.deep.equal(theirs.proofFlags);
          expect(ours.leafIndices).to.deep.equal([...indices].sort((a, b) => a - b));
          expect(
            StandardMerkleTree.verifyMultiProof(tree.root, [...RECEIPT_LEAF_ABI_TYPES], {
              leaves: ours.leafIndices.map((i) => values[i]!),
              proof: [...ours.proof],
              proofFlags: [...ours.proofFlags],
            }),
          ).to.equal(true);
          expect(verifyMultiProof({ multiproof: ours, root: tree.root })).to.equal(tree.root);
        }),
        { numRuns: 30 },
      );
    });

    it("merkletreejs (keccak256 package, sortPairs, complete): same root and proofs, leaves given in the heap's left-to-right order", () => {
      fc.assert(
        fc.property(batchArb(40), (receipts) => {
          const tree = ReceiptTree.of(receipts);
          const leaves = receipts.map((r) => Buffer.from(receiptLeaf(r).slice(2), "hex"));
          const order = merkletreejsOrder(leaves.length);
          const mt = new MerkleTree(order.map((i) => leaves[i]!), keccak256, { sortPairs: true, complete: true });
          expect(mt.getHexRoot()).to.equal(tree.root);
          const limit = 2 * leaves.length - 2 ** Math.ceil(Math.log2(leaves.length));
          order.forEach((leafIndex, position) => {
            const proof = tree.getProof(leafIndex);
            // Our proofs pass merkletreejs's verifier for every leaf.
            expect(mt.verify(proof, leaves[leafIndex]!, tree.root)).to.equal(true);
            // merkletreejs 0.6's getProof ignores the leaves its complete tree carries up a level
            // (its own verify rejects those proofs), so proofs are compared where its proofs are valid:
            // all leaves of a power-of-two batch, the deepest-level leaves otherwise.
            const theirs = mt.getHexProof(leaves[leafIndex]!, position);
            if (limit === leaves.length || position < limit) expect(theirs).to.deep.equal(proof);
          });
        }),
        { numRuns: 30 },
      );
    });

    it("merkletreejs given leaves in batch order builds OpenZeppelin's tree only for some sizes (documented)", () => {
      const same: number[] = [];
      for (let n = 1; n <= 20; n++) {
        const receipts = syntheticReceipts(n, 3);
        const leaves = receipts.map((r) => Buffer.from(receiptLeaf(r).slice(2), "hex"));
        const mt = new MerkleTree(leaves, keccak256, { sortPairs: true, complete: true });
        if (mt.getHexRoot() === ReceiptTree.of(receipts).root) same.push(n);
      }
      expect(same).to.deep.equal([1, 2, 3, 4, 6, 8, 12, 16]);
    });
  });

  describe("core (hex form, like @openzeppelin/merkle-tree's core)", () => {
    it("makeMerkleTree / getProof / processProof / multiproofs agree with the reference", () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 5 }), (raw, picks) => {
          const leaves = raw.map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
          const tree = makeMerkleTree(leaves);
          expect(tree).to.deep.equal(referenceTree(leaves));
          leaves.forEach((leaf, i) => {
            const proof = getProof(tree, leafPosition(leaves.length, i));
            expect(processProof(leaf, proof)).to.equal(tree[0]);
          });
          const positions = [...new Set(picks.map((p) => leafPosition(leaves.length, p % leaves.length)))];
          const multiproof = getMultiProof(tree, positions);
          expect(processMultiProof(multiproof)).to.equal(tree[0]);
        }),
        { numRuns: 60 },
      );
    });

    it("hashNode sorts the pair (commutative)", () => {
      const a = `0x${"11".repeat(32)}` as Hex;
      const b = `0x${"ff".repeat(32)}` as Hex;
      expect(hashNode(a, b)).to.equal(hashNode(b, a));
    });

    it("an empty multiproof of a tree is its root; malformed multiproofs are rejected", () => {
      const tree = ReceiptTree.of(syntheticReceipts(5));
      const empty = tree.getMultiProof([]);
      expect(empty.proof).to.deep.equal([tree.root]);
      expect(processMultiProof(empty)).to.equal(tree.root);
      const good = tree.getMultiProof([0, 3]);
      expect(() => processMultiProof({ ...good, proofFlags: [...good.proofFlags, true] })).to.throw(InvalidProofError).with.property("reason", "invalid-multiproof");
      expect(() => processMultiProof({ ...good, proofFlags: good.proofFlags.map(() => true) })).to.throw(InvalidProofError);
      expect(() => tree.getMultiProof([1, 1])).to.throw(InvalidProofError, /twice/);
    });
  });

  describe("errors", () => {
    it("rejects an empty batch", () => {
      expect(() => ReceiptTree.of([])).to.throw(InvalidBatchError).with.property("reason", "empty");
      expect(() => ReceiptTree.of(new Set<Receipt>())).to.throw(InvalidBatchError).with.property("reason", "empty");
    });

    it("rejects duplicate receipt ids, naming both positions (case-insensitive)", () => {
      const receipts = syntheticReceipts(10);
      const copy = { ...receipts[7]!, receiptId: receipts[2]!.receiptId.toUpperCase().replace("0X", "0x") as Hex };
      receipts[7] = copy;
      try {
        ReceiptTree.of(receipts);
        expect.fail("expected InvalidBatchError");
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidBatchError);
        expect((error as InvalidBatchError).reason).to.equal("duplicate-receipt-id");
        expect((error as InvalidBatchError).indices).to.deep.equal([2, 7]);
      }
    });

    const bad: [string, Partial<Record<keyof Receipt, unknown>>, string][] = [
      ["short digest", { inputDigest: "0x1234" }, "inputDigest"],
      ["non-hex digest", { modelId: `0x${"zz".repeat(32)}` }, "modelId"],
      ["non-ASCII look-alike digest", { memoryDigest: `0x${"a".repeat(63)}\u0161` }, "memoryDigest"],
      ["missing 0x", { toolsDigest: "ab".repeat(33) }, "toolsDigest"],
      ["number instead of hex", { weightsDigest: 12 }, "weightsDigest"],
      ["bad address", { servingNode: "0x1234" }, "servingNode"],
      ["uint32 overflow", { promptTemplateVersion: 2 ** 32 }, "promptTemplateVersion"],
      ["fractional time", { issuedAt: 1.5 }, "issuedAt"],
      ["negative sequence", { sequence: -1n }, "sequence"],
      ["uint64 overflow", { sequence: 1n << 64n }, "sequence"],
      ["wrong format", { format: "showwork/receipt@2" }, "format"],
    ];
    const base = syntheticReceipts(1500);
    for (const backend of ["wasm", "js"] as const) {
      for (const [name, patch, field] of bad) {
        it(`${backend}: rejects a receipt with ${name}, naming the field and the receipt's position`, () => {
          const receipts = base.slice();
          receipts[1300] = { ...receipts[1300]!, ...patch } as Receipt;
          try {
            buildTree(receipts, false, backend);
            expect.fail("expected InvalidReceiptError");
          } catch (error) {
            expect(error).to.be.instanceOf(InvalidReceiptError);
            expect((error as InvalidReceiptError).field).to.equal(field);
            expect((error as Error).message).to.contain("receipt #1300");
          }
        });
      }
    }

    it("verifyProof reports expected and computed roots, and malformed input", () => {
      const receipts = syntheticReceipts(6);
      const tree = ReceiptTree.of(receipts);
      const proof = tree.getProof(2);
      const wrongRoot = tree.node(1);
      try {
        verifyProof({ leaf: tree.leaf(2), proof, root: wrongRoot });
        expect.fail("expected ProofMismatchError");
      } catch (error) {
        expect(error).to.be.instanceOf(ProofMismatchError);
        expect((error as ProofMismatchError).expectedRoot).to.equal(wrongRoot);
        expect((error as ProofMismatchError).computedRoot).to.equal(tree.root);
      }
      expect(() => verifyProof({ leaf: "0x12", proof, root: tree.root })).to.throw(InvalidProofError).with.property("reason", "malformed");
      expect(() => verifyProof({ leaf: tree.leaf(2), proof: [...proof.slice(0, -1), "0xzz" as Hex], root: tree.root })).to.throw(InvalidProofError);
      expect(() => verifyProof({ leaf: tree.leaf(2), proof, root: tree.root, leafIndex: 6, batchSize: 6 })).to.throw(InvalidProofError).with.property("reason", "index-out-of-range");
      expect(() => verifyProof({ leaf: tree.leaf(2), proof: proof.slice(1), root: tree.root, leafIndex: 2, batchSize: 6 })).to.throw(InvalidProofError).with.property("reason", "length-mismatch");
      expect(isValidProof({ leaf: tree.leaf(2), proof, root: tree.root })).to.equal(true);
      expect(isValidProof({ leaf: tree.leaf(3), proof, root: tree.root })).to.equal(false);
      expect(() => tree.getProof(`0x${"00".repeat(32)}`)).to.throw(InvalidProofError).with.property("reason", "unknown-receipt");
      expect(() => tree.getProof(6)).to.throw(InvalidProofError).with.property("reason", "index-out-of-range");
      expect(tree.has(receipts[4]!.receiptId)).to.equal(true);
      expect(tree.receiptIdAt(4)).to.equal(receipts[4]!.receiptId);
    });
  });
});
