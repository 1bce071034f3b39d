/**
 * docs/spec.md is enough for a second implementation: test/spec/independent.ts implements it without
 * any SDK code, and here it walks every conformance vector the package ships (vectors/*.json) and
 * agrees with every case — the values of the valid ones and the named check of every tampered one.
 */
import { readdirSync, readFileSync } from "node:fs";

import { expect } from "chai";

import {
  buildTree,
  canonicalJson,
  checkDisclosure,
  checkSignature,
  commitment,
  DOMAIN_SEPARATOR,
  encodeReceipt,
  firstFailingCheck,
  fromHex,
  keccakHex,
  parseReceipt,
  proofOf,
  proofShape,
  RECEIPT_TYPE,
  RECEIPT_TYPEHASH,
  receiptHash,
  receiptLeaf,
  Refused,
  rootFromMultiproof,
  rootFromProof,
  samplingDigest,
  signingDigest,
  SNAPSHOT_TYPEHASH,
  snapshotLeaf,
  snapshotOf,
  snapshotRootFromProof,
  toHex,
  toolsDigest,
  utf8,
  ZERO_HASH,
  type SnapshotKind,
} from "./independent.js";

const DIR = new URL("../../vectors/", import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = (file: string): any => JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
const SPEC = readFileSync(new URL("../../docs/spec.md", import.meta.url), "utf8");
const bytesOf = (e: { content?: string; contentHex?: string }) => (e.content !== undefined ? utf8(e.content) : fromHex(e.contentHex!));

describe("docs/spec.md, implemented a second time (test/spec/independent.ts) against every conformance vector", () => {
  it("shares no code with the SDK: no import from sdk/, viem or @openzeppelin", () => {
    const source = readFileSync(new URL("./independent.ts", import.meta.url), "utf8");
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.sort()).to.deep.equal(["@noble/secp256k1", "ajv", "js-sha3", "node:fs"]);
  });

  it("the constants the spec states are the ones computed from its definitions", () => {
    expect(SPEC).to.include(RECEIPT_TYPE);
    expect(SPEC).to.include(RECEIPT_TYPEHASH);
    expect(SPEC).to.include(DOMAIN_SEPARATOR);
    const receipts = read("receipts.json");
    expect(receipts.typeString).to.equal(RECEIPT_TYPE);
    expect(receipts.typehash).to.equal(RECEIPT_TYPEHASH);
    expect(read("signatures.json").domainSeparator).to.equal(DOMAIN_SEPARATOR);
    const snapshots = read("snapshots.json");
    expect(snapshots.typehashes).to.deep.equal(SNAPSHOT_TYPEHASH);
    expect(snapshots.emptyRoot).to.equal(ZERO_HASH);
  });

  it("index.json: every file listed, each a showwork/vectors@1 file", () => {
    const index = read("index.json");
    const files = readdirSync(DIR).filter((f) => f !== "index.json");
    expect(index.files.map((f: { file: string }) => f.file).sort()).to.deep.equal(files.sort());
    for (const f of files) expect(read(f).format).to.equal("showwork/vectors@1");
  });

  it("receipts.json: encoding, receiptHash, leaf (1)", () => {
    const f = read("receipts.json");
    for (const c of f.cases) {
      const r = parseReceipt(c.receipt);
      expect(toHex(encodeReceipt(r)), c.name).to.equal(c.encoded);
      expect(toHex(receiptHash(r)), c.name).to.equal(c.receiptHash);
      expect(receiptLeaf(r), c.name).to.equal(c.leaf);
    }
    expect(f.cases.length).to.be.greaterThan(5);
  });

  it("commitments.json: salted commitments, RFC 8785 sampling, tools, model ids, templates (2)", () => {
    const f = read("commitments.json");
    for (const c of f.salted) expect(commitment(bytesOf(c), c.salt), c.name).to.equal(c.digest);
    for (const c of f.sampling) {
      expect(canonicalJson(c.sampling), c.name).to.equal(c.canonical);
      expect(samplingDigest(c.sampling), c.name).to.equal(c.digest);
    }
    for (const c of f.tools) expect(toolsDigest(c.tools), c.name).to.equal(c.toolsDigest);
    for (const c of f.modelIds) expect(keccakHex(utf8(c.name)), c.name).to.equal(c.modelId);
    for (const c of f.templates) expect(keccakHex(utf8(c.text))).to.equal(c.digest);
  });

  it("signatures.json: every case's verdict, reason and recovered signer (3)", () => {
    const f = read("signatures.json");
    const reasons = new Set<string>();
    for (const c of f.cases) {
      const r = parseReceipt(c.receipt);
      if (c.signingDigest) expect(signingDigest(r), c.name).to.equal(c.signingDigest);
      const verdict = checkSignature(r);
      expect(verdict, c.name).to.deep.equal(c.expected);
      if (!verdict.valid) reasons.add(verdict.reason);
    }
    expect([...reasons].sort()).to.deep.equal(["malformed", "missing", "wrong-signer"]);
  });

  it("proofs.json: trees, every proof, every mutated case's outcome, multiproofs (4)", () => {
    const f = read("proofs.json");
    for (const b of f.batches) {
      const tree = buildTree(b.leaves);
      expect(toHex(tree[0]!), b.name).to.equal(b.root);
      b.leaves.forEach((leaf: string, i: number) => {
        expect(proofOf(tree, i), `${b.name} ${i}`).to.deep.equal(b.proofs[i]);
        expect(rootFromProof(leaf, b.proofs[i])).to.equal(b.root);
      });
    }
    for (const c of f.cases) {
      const leaf = receiptLeaf(parseReceipt(c.receipt));
      expect(leaf === c.leaf, c.name).to.equal(c.leafMatchesReceipt);
      expect(rootFromProof(c.leaf, c.proof) === c.root, `${c.name} (on-chain: index not seen)`).to.equal(c.onchainValid);
      // the offline bundle check: leaf, then proof shape, then root
      const shape = proofShape(c.leafIndex, c.batchSize, c.proof.length);
      const outcome = leaf !== c.leaf ? "LeafMismatchError" : shape !== null ? `InvalidProofError:${shape}` : rootFromProof(c.leaf, c.proof) !== c.root ? "ProofMismatchError" : null;
      expect(outcome, c.name).to.equal(c.sdkError);
    }
    for (const m of f.multiproofs) expect(rootFromMultiproof(m.leaves, m.proof, m.proofFlags), m.batch).to.equal(m.root);
  });

  it("snapshots.json: leaves, tree order, roots, proofs; every tamper's outcome (5)", () => {
    const f = read("snapshots.json");
    for (const c of f.cases) {
      const kind = c.kind as SnapshotKind;
      const snapshot = snapshotOf(kind, c.entries.map((e: { id: string; content?: string; contentHex?: string }) => ({ id: e.id, content: bytesOf(e) })));
      expect(snapshot.root, c.name).to.equal(c.root);
      expect(snapshot.order, c.name).to.deep.equal(c.order);
      for (const e of c.entries) {
        expect(keccakHex(utf8(e.id))).to.equal(e.idHash);
        expect(keccakHex(bytesOf(e))).to.equal(e.contentDigest);
        expect(snapshotLeaf(kind, e.id, e.contentDigest)).to.equal(e.leaf);
      }
      for (const p of c.proofs) {
        expect(snapshot.prove(p.id), `${c.name} ${p.id}`).to.deep.equal({ index: p.index, count: p.count, proof: p.proof });
        const e = c.entries.find((x: { id: string }) => x.id === p.id);
        expect(snapshotRootFromProof(kind, p.id, bytesOf(e), p.index, p.count, p.proof)).to.equal(c.root);
      }
    }
    for (const t of f.tampers) {
      let outcome: string;
      try {
        outcome = snapshotRootFromProof(t.kind, t.id, bytesOf(t), t.index, t.count, t.proof) === t.root ? "valid" : "root-mismatch";
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        outcome = `InvalidProofError:${error.message.split(": ")[1]}`;
      }
      expect(outcome, t.mutation).to.equal(t.expected);
    }
  });

  it("bundles.json: valid v1 and v2 pass every offline check; each tamper fails the check it names (6)", () => {
    const f = read("bundles.json");
    for (const c of f.valid) expect(firstFailingCheck(c.bundle), c.name).to.equal("none");
    const checks = new Set<string>();
    for (const c of f.tampered) {
      const check = firstFailingCheck(c.bundle);
      expect(check, c.name).to.equal(c.expected.check);
      checks.add(check.split(":")[0]!);
    }
    expect([...checks].sort()).to.deep.equal(["format", "leaf", "proof-shape", "receipt", "root", "schema", "signature"]);
  });

  it("disclosures.json: status, every piece with its code, what was not shown (7)", () => {
    const f = read("disclosures.json");
    for (const c of [...f.valid, ...f.tampered]) {
      expect(firstFailingCheck(c.disclosure.bundle), `${c.name}: its bundle`).to.equal("none");
      expect(checkDisclosure(c.disclosure), c.name).to.deep.equal(c.expected);
    }
    expect(f.tampered.length).to.be.greaterThan(8);
  });
});
