/**
 * Property tests over random batches and random single-bit tampering: every proof of
 * an untampered tree verifies; a flipped bit in a receipt field, a proof element, the
 * root, the stated leaf or the index fails with a specific reason.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Hex } from "viem";

import {
  buildBundle,
  InvalidProofError,
  InvalidReceiptError,
  LeafMismatchError,
  parseBundle,
  proofLength,
  ProofMismatchError,
  ReceiptTree,
  receiptLeaf,
  toBundleJson,
  verifyBundleInclusion,
  verifyProof,
  verifyReceiptProof,
  type ProofBundle,
  type Receipt,
} from "../../../sdk/index.js";
import { batchArb, flipHexBit } from "../helpers.js";

const ANCHOR = {
  chainId: 31337,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  logId: `0x${"ab".repeat(32)}`,
  batchIndex: 0,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 7,
} as const;

/** The leaf fields, with how many value bits each has. */
const FIELDS: [keyof Receipt, number][] = [
  ["receiptId", 256],
  ["modelId", 256],
  ["weightsDigest", 256],
  ["promptTemplateDigest", 256],
  ["promptTemplateVersion", 32],
  ["retrievalIndexDigest", 256],
  ["memoryDigest", 256],
  ["toolsDigest", 256],
  ["inputDigest", 256],
  ["outputDigest", 256],
  ["samplingDigest", 256],
  ["servingNode", 160],
  ["issuedAt", 64],
  ["sequence", 64],
];

function flipField(receipt: Receipt, field: keyof Receipt, bit: number): Receipt {
  const value = receipt[field];
  if (typeof value === "string") return { ...receipt, [field]: flipHexBit(value as Hex, bit) };
  if (typeof value === "bigint") return { ...receipt, [field]: value ^ (1n << BigInt(bit)) };
  return { ...receipt, [field]: Number(BigInt(value as number) ^ (1n << BigInt(bit))) };
}

/** Runs `check` and returns the error it threw (failing if it did not throw). */
function failure(check: () => unknown): unknown {
  try {
    check();
  } catch (error) {
    return error;
  }
  expect.fail("expected the check to fail");
}

const batchAndIndex = batchArb(40).chain((receipts) => fc.tuple(fc.constant(receipts), fc.nat({ max: receipts.length - 1 })));

describe("sdk/tree: tampering (property tests)", () => {
  it("every proof of an untampered tree verifies (proof, receipt proof, bundle)", () => {
    fc.assert(
      fc.property(batchArb(40), (receipts) => {
        const tree = ReceiptTree.of(receipts);
        receipts.forEach((receipt, i) => {
          const proof = tree.getProof(receipt.receiptId);
          expect(verifyProof({ leaf: receiptLeaf(receipt), proof, root: tree.root, leafIndex: i, batchSize: receipts.length })).to.equal(tree.root);
          expect(verifyReceiptProof({ receipt, proof, root: tree.root })).to.equal(tree.root);
        });
        const bundle = buildBundle({ tree, receipt: receipts[receipts.length - 1]!, anchor: ANCHOR });
        expect(verifyBundleInclusion(parseBundle(JSON.parse(JSON.stringify(toBundleJson(bundle)))))).to.equal(tree.root);
      }),
      { numRuns: 60 },
    );
  });

  it("a flipped bit in any receipt field: the leaf changes, the proof fails with ProofMismatchError (or the receipt is rejected)", () => {
    fc.assert(
      fc.property(batchAndIndex, fc.nat({ max: FIELDS.length - 1 }), fc.nat({ max: 255 }), ([receipts, i], f, rawBit) => {
        const tree = ReceiptTree.of(receipts);
        const [field, bits] = FIELDS[f]!;
        const tampered = flipField(receipts[i]!, field, rawBit % bits);
        const proof = tree.getProof(i);
        const error = failure(() => verifyReceiptProof({ receipt: tampered, proof, root: tree.root, leafIndex: i, batchSize: receipts.length }));
        if (field === "issuedAt" && rawBit % bits >= 53) {
          // Beyond 2^53 the time is not a safe integer: rejected before hashing.
          expect(error).to.be.instanceOf(InvalidReceiptError).with.property("field", "issuedAt");
        } else {
          expect(error).to.be.instanceOf(ProofMismatchError);
          expect((error as ProofMismatchError).expectedRoot).to.equal(tree.root);
        }
        // In a bundle the stated leaf no longer matches (or, for toolsDigest, the tools no longer match it).
        if (!(field === "issuedAt" && rawBit % bits >= 53)) {
          const json = toBundleJson(buildBundle({ tree, receipt: receipts[i]!, anchor: ANCHOR }));
          const tamperedJson = { ...json, receipt: { ...json.receipt, ...pickJson(tampered, field) } };
          const bundleError = failure(() => verifyBundleInclusion(parseBundle(tamperedJson)));
          if (field === "toolsDigest") {
            expect((bundleError as Error & { field?: string }).field).to.equal("receipt.toolsDigest");
          } else {
            expect(bundleError).to.be.instanceOf(LeafMismatchError);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a flipped bit in a proof element fails with ProofMismatchError (expected vs computed root)", () => {
    fc.assert(
      fc.property(batchArb(40).filter((r) => r.length > 1), fc.nat(), fc.nat(), fc.nat({ max: 255 }), (receipts, pick, element, bit) => {
        const tree = ReceiptTree.of(receipts);
        const i = pick % receipts.length;
        const proof = tree.getProof(i);
        const k = element % proof.length;
        const tampered = proof.map((p, j) => (j === k ? flipHexBit(p, bit) : p));
        const error = failure(() => verifyProof({ leaf: tree.leaf(i), proof: tampered, root: tree.root, leafIndex: i, batchSize: receipts.length }));
        expect(error).to.be.instanceOf(ProofMismatchError);
        expect((error as ProofMismatchError).computedRoot).to.not.equal(tree.root);
      }),
      { numRuns: 150 },
    );
  });

  it("a flipped bit in the root fails with ProofMismatchError; in the stated leaf with LeafMismatchError", () => {
    fc.assert(
      fc.property(batchAndIndex, fc.nat({ max: 255 }), ([receipts, i], bit) => {
        const tree = ReceiptTree.of(receipts);
        const proof = tree.getProof(i);
        const root = flipHexBit(tree.root, bit);
        const error = failure(() => verifyProof({ leaf: tree.leaf(i), proof, root, leafIndex: i, batchSize: receipts.length }));
        expect(error).to.be.instanceOf(ProofMismatchError);
        expect((error as ProofMismatchError).expectedRoot).to.equal(root);
        expect((error as ProofMismatchError).computedRoot).to.equal(tree.root);
        const bundle = buildBundle({ tree, receipt: receipts[i]!, anchor: ANCHOR });
        const tampered: ProofBundle = { ...bundle, leaf: flipHexBit(bundle.leaf, bit) };
        expect(failure(() => verifyBundleInclusion(tampered))).to.be.instanceOf(LeafMismatchError);
      }),
      { numRuns: 100 },
    );
  });

  it("a flipped bit in the index: out of range, or a proof of the wrong depth, fails with InvalidProofError; the same depth is not detectable offline (sorted pairs do not bind position)", () => {
    let detected = 0;
    let sameDepth = 0;
    fc.assert(
      fc.property(batchAndIndex, fc.nat({ max: 52 }), ([receipts, i], bit) => {
        const n = receipts.length;
        const tree = ReceiptTree.of(receipts);
        const proof = tree.getProof(i);
        const index = Number(BigInt(i) ^ (1n << BigInt(bit)));
        const check = () => verifyProof({ leaf: tree.leaf(i), proof, root: tree.root, leafIndex: index, batchSize: n });
        if (index >= n) {
          expect(failure(check)).to.be.instanceOf(InvalidProofError).with.property("reason", "index-out-of-range");
          detected++;
        } else if (proofLength(n, index) !== proof.length) {
          expect(failure(check)).to.be.instanceOf(InvalidProofError).with.property("reason", "length-mismatch");
          detected++;
        } else {
          // The leaf and proof still lead to the root: the index is not authenticated.
          expect(check()).to.equal(tree.root);
          // The tree itself knows better: that index holds another leaf and proof.
          expect(tree.leaf(index)).to.not.equal(tree.leaf(i));
          sameDepth++;
        }
        const bundle = buildBundle({ tree, receipt: receipts[i]!, anchor: ANCHOR });
        if (index >= n) expect(() => parseBundle({ ...toBundleJson(bundle), leafIndex: index })).to.throw(/leafIndex/);
      }),
      { numRuns: 200 },
    );
    expect(detected).to.be.greaterThan(0);
    expect(sameDepth).to.be.greaterThan(0);
  });
});

function pickJson(receipt: Receipt, field: keyof Receipt): Record<string, unknown> {
  const value = receipt[field];
  return { [field]: typeof value === "bigint" ? value.toString() : value };
}
