/**
 * The conformance vectors shipped as `showwork/vectors` (vectors/*.json, docs/spec.md): every file
 * is read back by the SDK, every valid case passes, and every tampered case fails with the check
 * it names. (receipts.json and proofs.json are walked by test/sdk/vectors.test.ts and, on the
 * Solidity side, test/contracts/vectors.test.ts; all files are regenerated and compared there.)
 */
import { readdirSync, readFileSync } from "node:fs";

import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";

import { parseBundle, verifyBundleOffline } from "../../sdk/bundle/index.js";
import { checkDisclosure, parseDisclosure, promptTemplateDigestOf } from "../../sdk/disclosure/index.js";
import { contentDigestOf, Snapshot, snapshotLeaf } from "../../sdk/disclosure/snapshot.js";
import { InvalidDocumentError, InvalidProofError, InvalidReceiptError, InvalidSignatureError, LeafMismatchError, ProofMismatchError, UnsupportedFormatError } from "../../sdk/errors.js";
import {
  canonicalJson,
  checkReceiptSignature,
  commitmentDigest,
  computeSamplingDigest,
  computeToolsDigest,
  modelIdFromName,
  parseReceipt,
  RECEIPT_DOMAIN_SEPARATOR,
  receiptSigningDigest,
  type JsonValue,
} from "../../sdk/receipt/index.js";

const DIR = new URL("../../vectors/", import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = (file: string): any => JSON.parse(readFileSync(new URL(file, DIR), "utf8"));

/** The first offline check a bundle fails, named as bundles.json names it. */
async function firstFailingCheck(json: unknown): Promise<string> {
  let bundle;
  try {
    bundle = parseBundle(json);
  } catch (error) {
    if (error instanceof UnsupportedFormatError) return "format";
    if (error instanceof InvalidDocumentError) return error.field.startsWith("receipt") ? "receipt" : "schema";
    throw error;
  }
  try {
    await verifyBundleOffline(bundle, { requireSignature: true });
    return "none";
  } catch (error) {
    if (error instanceof LeafMismatchError) return "leaf";
    if (error instanceof InvalidProofError) return `proof-shape:${error.reason}`;
    if (error instanceof ProofMismatchError) return "root";
    if (error instanceof InvalidSignatureError) return `signature:${error.reason}`;
    throw error;
  }
}

describe("conformance vectors (showwork/vectors)", () => {
  it("index.json lists every file; each is a versioned showwork/vectors@1 file", () => {
    const index = read("index.json");
    const onDisk = readdirSync(DIR).filter((f) => f.endsWith(".json") && f !== "index.json").sort();
    expect(index.files.map((f: { file: string }) => f.file).sort()).to.deep.equal(onDisk);
    for (const file of ["index.json", ...onDisk]) {
      const body = read(file);
      expect(body.format, file).to.equal("showwork/vectors@1");
      expect(body.description, file).to.be.a("string").with.length.above(40);
    }
  });

  it("commitments.json: salted commitments, sampling (RFC 8785), tools, model ids, template digests", () => {
    const f = read("commitments.json");
    for (const c of f.salted) {
      const content = c.content !== undefined ? c.content : Buffer.from(c.contentHex.slice(2), "hex");
      expect(commitmentDigest(content, c.salt), c.name).to.equal(c.digest);
    }
    for (const c of f.sampling) {
      expect(canonicalJson(c.sampling as JsonValue), c.name).to.equal(c.canonical);
      expect(keccak256(stringToHex(c.canonical)), c.name).to.equal(c.digest);
      expect(computeSamplingDigest(c.sampling), c.name).to.equal(c.digest);
    }
    for (const c of f.tools) expect(computeToolsDigest(c.tools), c.name).to.equal(c.toolsDigest);
    for (const c of f.modelIds) expect(modelIdFromName(c.name)).to.equal(c.modelId);
    for (const c of f.templates) expect(promptTemplateDigestOf(c.text)).to.equal(c.digest);
    expect(f.salted.length + f.sampling.length + f.tools.length).to.be.greaterThan(10);
  });

  it("signatures.json: valid signatures recover servingNode; each tamper fails as named", () => {
    const f = read("signatures.json");
    expect(f.domainSeparator).to.equal(RECEIPT_DOMAIN_SEPARATOR);
    let failures = 0;
    for (const c of f.cases) {
      let receipt;
      try {
        receipt = parseReceipt(c.receipt);
      } catch (error) {
        expect(error, c.name).to.be.instanceOf(InvalidReceiptError);
        expect((error as InvalidReceiptError).field, c.name).to.equal("signature");
        expect(c.expected, c.name).to.deep.equal({ valid: false, reason: "malformed" });
        failures++;
        continue;
      }
      if (c.signingDigest) expect(receiptSigningDigest(receipt), c.name).to.equal(c.signingDigest);
      const check = checkReceiptSignature(receipt);
      expect(check.valid, c.name).to.equal(c.expected.valid);
      if (check.valid) expect(check.signer, c.name).to.equal(c.expected.signer);
      else {
        failures++;
        expect(check.reason, c.name).to.equal(c.expected.reason);
        if (c.expected.recoveredSigner) expect(check.recoveredSigner, c.name).to.equal(c.expected.recoveredSigner);
      }
    }
    expect(failures).to.be.greaterThan(7);
  });

  it("snapshots.json: leaves, roots and proofs; each tamper fails as named", () => {
    const f = read("snapshots.json");
    for (const c of f.cases) {
      const snapshot = Snapshot.of(c.kind, c.entries);
      expect(snapshot.root, c.name).to.equal(c.root);
      expect(snapshot.ids(), c.name).to.deep.equal(c.order);
      for (const e of c.entries) {
        expect(keccak256(stringToHex(e.id))).to.equal(e.idHash);
        expect(contentDigestOf(e.content)).to.equal(e.contentDigest);
        expect(snapshotLeaf(c.kind, e.id, e.contentDigest)).to.equal(e.leaf);
      }
      for (const p of c.proofs) {
        expect(snapshot.prove(p.id), `${c.name} ${p.id}`).to.deep.equal({ index: p.index, count: p.count, proof: p.proof });
        const entry = c.entries.find((e: { id: string }) => e.id === p.id);
        expect(Snapshot.rootFromProof({ kind: c.kind, id: p.id, contentDigest: entry.contentDigest, ...p })).to.equal(c.root);
      }
    }
    for (const t of f.tampers) {
      let outcome: string;
      try {
        outcome = Snapshot.rootFromProof({ kind: t.kind, id: t.id, contentDigest: contentDigestOf(t.content), index: t.index, count: t.count, proof: t.proof as Hex[] }) === t.root ? "valid" : "root-mismatch";
      } catch (error) {
        if (!(error instanceof InvalidProofError)) throw error;
        outcome = `InvalidProofError:${error.reason}`;
      }
      expect(outcome, t.mutation).to.equal(t.expected);
    }
  });

  it("bundles.json: valid v1 and v2 bundles pass every offline check; each tamper fails the check it names", async () => {
    const f = read("bundles.json");
    const formats = new Set<string>();
    for (const c of f.valid) {
      expect(await firstFailingCheck(c.bundle), c.name).to.equal("none");
      formats.add(c.bundle.format);
    }
    expect([...formats].sort()).to.deep.equal(["showwork/bundle@1", "showwork/bundle@2"]);
    const checks = new Set<string>();
    for (const c of f.tampered) {
      const check = await firstFailingCheck(c.bundle);
      expect(check, c.name).to.equal(c.expected.check);
      expect(check, c.name).to.not.equal("none");
      checks.add(check.split(":")[0]!);
    }
    expect([...checks].sort()).to.deep.equal(["format", "leaf", "proof-shape", "receipt", "root", "schema", "signature"]);
  });

  it("disclosures.json: valid disclosures pass; each tamper fails with the piece and code it names", () => {
    const f = read("disclosures.json");
    const walk = (c: { name: string; disclosure: unknown; expected: { status: string; pieces: { field: string; status: string; code?: string }[]; notShown: string[] } }) => {
      const report = checkDisclosure(parseDisclosure(c.disclosure));
      expect(report.status, c.name).to.equal(c.expected.status);
      expect(report.pieces.map((p) => ({ field: p.field, status: p.status, ...(p.code ? { code: p.code } : {}) })), c.name).to.deep.equal(c.expected.pieces);
      expect(report.notShown, c.name).to.deep.equal(c.expected.notShown);
      return report;
    };
    for (const c of f.valid) expect(walk(c).status).to.equal("pass");
    for (const c of f.tampered) {
      const report = walk(c);
      expect(report.status, c.name).to.equal("fail");
      expect(report.pieces.filter((p) => p.status === "fail"), c.name).to.have.length(1);
    }
  });
});
