/**
 * The SDK's test vectors (vectors/*.json, made by scripts/gen-vectors.ts) walked through the Solidity side:
 * ReceiptHashing must give every receipt's hash and leaf, ReceiptLogs must accept exactly the proofs and
 * multiproofs the vectors call valid once their batch roots are anchored.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { type Hex, keccak256, stringToHex } from "viem";

import { parseReceipt } from "../../sdk/receipt/index.js";
import { h, receiptStruct } from "./fixtures.js";

const VECTORS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "vectors");

interface ReceiptVectors {
  readonly typeString: string;
  readonly typehash: Hex;
  readonly cases: readonly { name: string; receipt: unknown; encoded: Hex; receiptHash: Hex; leaf: Hex }[];
}

interface ProofVectors {
  readonly batches: readonly { name: string; size: number; leaves: Hex[]; root: Hex; proofs: Hex[][] }[];
  readonly cases: readonly {
    name: string;
    batch: string;
    receipt: unknown;
    leaf: Hex;
    proof: Hex[];
    root: Hex;
    leafMatchesReceipt: boolean;
    onchainValid: boolean;
  }[];
  readonly multiproofs: readonly { batch: string; leaves: Hex[]; proof: Hex[]; proofFlags: boolean[]; root: Hex }[];
}

const load = async <T>(file: string): Promise<T> => JSON.parse(await readFile(path.join(VECTORS, file), "utf8")) as T;

const { viem } = await network.create();

describe("SDK test vectors on the Solidity side (vectors/)", () => {
  it("receipts.json: ReceiptHashing gives every receipt's encoding hash, hash, leaf and tools digest", async () => {
    const vectors = await load<ReceiptVectors>("receipts.json");
    const mock = await viem.deployContract("ReceiptHashingMock", []);
    expect(await mock.read.receiptType()).to.equal(vectors.typeString);
    expect(await mock.read.receiptTypehash()).to.equal(vectors.typehash);
    expect(vectors.cases.length).to.be.greaterThan(5);
    for (const c of vectors.cases) {
      const receipt = parseReceipt(c.receipt);
      expect(keccak256(c.encoded), c.name).to.equal(c.receiptHash);
      expect(await mock.read.hashReceipt([receiptStruct(receipt)]), c.name).to.equal(c.receiptHash);
      expect(await mock.read.leafCalldata([receiptStruct(receipt)]), c.name).to.equal(c.leaf);
      const tools = receipt.tools.map((t) => ({ nameHash: keccak256(stringToHex(t.name)), inputDigest: t.inputDigest, outputDigest: t.outputDigest }));
      expect(await mock.read.toolsDigest([tools]), c.name).to.equal(receipt.toolsDigest);
    }
  });

  it("proofs.json: anchored batches accept exactly the proofs and multiproofs the vectors call valid", async () => {
    const vectors = await load<ProofVectors>("proofs.json");
    const [admin] = await viem.getWalletClients();
    const logs = await viem.deployContract("ReceiptLogs", []);
    const mock = await viem.deployContract("ReceiptHashingMock", []);
    await logs.write.createLog([h("vectors"), 0]);
    const logId = await logs.read.computeLogId([admin!.account.address, h("vectors")]);
    await logs.write.grantAnchorer([logId, admin!.account.address]);
    const batchIndex = new Map<string, bigint>();
    const batchRoot = new Map<string, Hex>();
    for (const [i, batch] of vectors.batches.entries()) {
      await logs.write.anchor([logId, BigInt(i), batch.root, BigInt(batch.size)]);
      batchIndex.set(batch.name, BigInt(i));
      batchRoot.set(batch.name, batch.root);
      for (const [leafIndex, proof] of batch.proofs.entries()) {
        const ok = await logs.read.verifyInclusion([logId, BigInt(i), batch.leaves[leafIndex]!, proof]);
        expect(ok, `${batch.name} leaf ${leafIndex}`).to.equal(true);
      }
    }
    // A case's root may be mutated: anchor every root a case names, so verifyInclusion checks the case as stated.
    const rootIndex = new Map<Hex, bigint>([...batchRoot.entries()].map(([name, root]) => [root, batchIndex.get(name)!]));
    let next = BigInt(vectors.batches.length);
    let valid = 0;
    for (const c of vectors.cases) {
      const receipt = parseReceipt(c.receipt);
      expect((await mock.read.leaf([receiptStruct(receipt)])) === c.leaf, `${c.name}: leafMatchesReceipt`).to.equal(
        c.leafMatchesReceipt,
      );
      expect((await logs.read.processProof([c.leaf, c.proof])) === c.root, `${c.name}: processProof`).to.equal(c.onchainValid);
      if (!rootIndex.has(c.root)) {
        await logs.write.anchor([logId, next, c.root, 1n]);
        rootIndex.set(c.root, next++);
      }
      const included = await logs.read.verifyInclusion([logId, rootIndex.get(c.root)!, c.leaf, c.proof]);
      expect(included, `${c.name}: verifyInclusion`).to.equal(c.onchainValid);
      if (included) valid++;
    }
    expect(valid, "some cases are valid").to.be.greaterThan(0);
    for (const m of vectors.multiproofs) {
      expect(m.root).to.equal(batchRoot.get(m.batch));
      const ok = await logs.read.verifyMultiProof([logId, batchIndex.get(m.batch)!, m.proof, m.proofFlags, m.leaves]);
      expect(ok, `multiproof in ${m.batch}`).to.equal(true);
    }
  });
});
