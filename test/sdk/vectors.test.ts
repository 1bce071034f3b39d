/**
 * Walks the shared vectors in vectors/ (also read by the Solidity tests) with the
 * SDK, and checks they are exactly what scripts/gen-vectors.ts generates.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { bytesToHex, type Hex } from "viem";

import {
  encodeReceipt,
  hashReceipt,
  InvalidProofError,
  makeMerkleTree,
  parseReceipt,
  processMultiProof,
  processProof,
  ProofMismatchError,
  RECEIPT_TYPEHASH,
  receiptLeaf,
  verifyProof,
  getProof,
  leafPosition,
} from "../../sdk/index.js";

interface ProofCase {
  name: string;
  receipt: unknown;
  receiptHash: Hex;
  leaf: Hex;
  leafMatchesReceipt: boolean;
  leafIndex: number;
  batchSize: number;
  proof: Hex[];
  root: Hex;
  onchainValid: boolean;
  sdkError: string | null;
}

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../vectors/${file}`, import.meta.url), "utf8"));
const receiptsFile = read("receipts.json");
const proofsFile = read("proofs.json");

function outcome(c: ProofCase): string | null {
  if (receiptLeaf(parseReceipt(c.receipt)) !== c.leaf) return "LeafMismatchError";
  try {
    verifyProof({ leaf: c.leaf, proof: c.proof, root: c.root, leafIndex: c.leafIndex, batchSize: c.batchSize });
    return null;
  } catch (error) {
    if (error instanceof ProofMismatchError) return "ProofMismatchError";
    if (error instanceof InvalidProofError) return `InvalidProofError:${error.reason}`;
    throw error;
  }
}

describe("vectors/ (receipts, proofs)", () => {
  it("receipts.json: encoding, receiptHash and leaf of every receipt", () => {
    expect(receiptsFile.typehash).to.equal(RECEIPT_TYPEHASH);
    for (const c of receiptsFile.cases) {
      const receipt = parseReceipt(c.receipt);
      expect(bytesToHex(encodeReceipt(receipt)), c.name).to.equal(c.encoded);
      expect(hashReceipt(receipt), c.name).to.equal(c.receiptHash);
      expect(receiptLeaf(receipt), c.name).to.equal(c.leaf);
    }
  });

  it("proofs.json batches: root and every proof", () => {
    for (const b of proofsFile.batches) {
      const tree = makeMerkleTree(b.leaves);
      expect(tree[0], b.name).to.equal(b.root);
      b.leaves.forEach((leaf: Hex, i: number) => {
        expect(getProof(tree, leafPosition(b.size, i))).to.deep.equal(b.proofs[i]);
        expect(processProof(leaf, b.proofs[i])).to.equal(b.root);
      });
    }
  });

  it("proofs.json cases (incl. mutations): the SDK's verdict and MerkleProof's", () => {
    expect(proofsFile.cases.length).to.be.greaterThan(200);
    for (const c of proofsFile.cases as ProofCase[]) {
      const receipt = parseReceipt(c.receipt);
      expect(hashReceipt(receipt), c.name).to.equal(c.receiptHash);
      expect(receiptLeaf(receipt) === c.leaf, c.name).to.equal(c.leafMatchesReceipt);
      expect(processProof(c.leaf, c.proof) === c.root, c.name).to.equal(c.onchainValid);
      expect(outcome(c), c.name).to.equal(c.sdkError);
    }
  });

  it("proofs.json multiproofs", () => {
    for (const m of proofsFile.multiproofs) expect(processMultiProof(m)).to.equal(m.root);
  });

  it("the files are exactly what scripts/gen-vectors.ts generates", function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "showwork-vectors-"));
    execFileSync(process.execPath, ["--import", "tsx", "scripts/gen-vectors.ts", dir], { stdio: "pipe" });
    for (const file of readdirSync(dir)) {
      expect(readFileSync(join(dir, file), "utf8") === readFileSync(new URL(`../../vectors/${file}`, import.meta.url), "utf8"), file).to.equal(true);
    }
  });
});
