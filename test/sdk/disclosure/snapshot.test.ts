import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import { keccak256, stringToHex, zeroHash, type Hex } from "viem";

import {
  contentDigestOf,
  DisclosureInputError,
  MEMORY_RECORD_TYPEHASH,
  RETRIEVAL_DOCUMENT_TYPEHASH,
  Snapshot,
  snapshotLeaf,
} from "../../../sdk/disclosure/index.js";
import { hashNode, InvalidProofError } from "../../../sdk/index.js";

const entriesArb = fc.uniqueArray(fc.record({ id: fc.string({ maxLength: 16 }), content: fc.string({ maxLength: 40 }) }), {
  minLength: 1,
  maxLength: 33,
  selector: (e) => e.id,
});

const flip = (hex: Hex, at = 10): Hex => `${hex.slice(0, at)}${hex[at] === "0" ? "1" : "0"}${hex.slice(at + 1)}` as Hex;

describe("disclosure: snapshots as Merkle trees", () => {
  it("every entry's proof leads to the root, for snapshots of 1..33 entries (fuzzed)", () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const snapshot = Snapshot.of("retrieval", entries);
        expect(snapshot.count).to.equal(entries.length);
        for (const entry of entries) {
          const proof = snapshot.prove(entry.id);
          expect(Snapshot.rootFromProof({ kind: "retrieval", id: entry.id, contentDigest: contentDigestOf(entry.content), ...proof })).to.equal(snapshot.root);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("the root does not depend on the order the entries come in", () => {
    fc.assert(
      fc.property(entriesArb, fc.integer(), (entries, seed) => {
        const shuffled = [...entries].sort((a, b) => ((a.id.length * 31 + seed) % 7) - ((b.id.length * 31 + seed) % 7));
        expect(Snapshot.of("memory", shuffled).root).to.equal(Snapshot.of("memory", entries).root);
      }),
      { numRuns: 40 },
    );
  });

  it("matches @openzeppelin/merkle-tree (StandardMerkleTree over [typehash, idHash, contentDigest], leaves in idHash order)", () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const values = entries
          .map((e) => [RETRIEVAL_DOCUMENT_TYPEHASH, keccak256(stringToHex(e.id)), contentDigestOf(e.content)] as [Hex, Hex, Hex])
          .sort((a, b) => (a[1] < b[1] ? -1 : 1));
        const oz = StandardMerkleTree.of(values, ["bytes32", "bytes32", "bytes32"], { sortLeaves: false });
        const ours = Snapshot.of("retrieval", entries);
        expect(ours.root).to.equal(oz.root);
        const first = entries[0]!;
        const index = values.findIndex((v) => v[1] === keccak256(stringToHex(first.id)));
        expect(ours.prove(first.id).proof).to.deep.equal(oz.getProof(index));
      }),
      { numRuns: 40 },
    );
  });

  it("an empty snapshot's root is the zero hash; one entry is its own root", () => {
    expect(Snapshot.of("retrieval", []).root).to.equal(zeroHash);
    const one = Snapshot.of("retrieval", [{ id: "a", content: "b" }]);
    expect(one.root).to.equal(snapshotLeaf("retrieval", "a", contentDigestOf("b")));
    expect(one.prove("a")).to.deep.equal({ index: 0, count: 1, proof: [] });
  });

  it("domain-separates leaves: retrieval vs memory, and a leaf is never an inner node of the same pair", () => {
    expect(RETRIEVAL_DOCUMENT_TYPEHASH).to.not.equal(MEMORY_RECORD_TYPEHASH);
    const digest = contentDigestOf("same content");
    expect(snapshotLeaf("retrieval", "x", digest)).to.not.equal(snapshotLeaf("memory", "x", digest));
    const memory = Snapshot.of("memory", [{ id: "x", content: "same content" }, { id: "y", content: "z" }]);
    const retrieval = Snapshot.of("retrieval", [{ id: "x", content: "same content" }, { id: "y", content: "z" }]);
    expect(memory.root).to.not.equal(retrieval.root);
    // The memory proof does not prove a retrieval document (and vice versa).
    const proof = memory.prove("x");
    expect(Snapshot.rootFromProof({ kind: "retrieval", id: "x", contentDigest: digest, ...proof })).to.not.equal(memory.root);
    const a = snapshotLeaf("retrieval", "x", digest);
    const b = snapshotLeaf("retrieval", "y", contentDigestOf("z"));
    expect(hashNode(a, b)).to.equal(retrieval.root);
    expect([a, b]).to.not.include(retrieval.root);
  });

  it("a changed content, id, proof element, index or count does not lead to the root", () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ id: `doc-${i}`, content: `content ${i}` }));
    const snapshot = Snapshot.of("retrieval", entries);
    const proof = snapshot.prove("doc-4");
    const base = { kind: "retrieval" as const, id: "doc-4", contentDigest: contentDigestOf("content 4"), ...proof };
    expect(Snapshot.rootFromProof(base)).to.equal(snapshot.root);
    expect(Snapshot.rootFromProof({ ...base, contentDigest: contentDigestOf("content 4 ") })).to.not.equal(snapshot.root);
    expect(Snapshot.rootFromProof({ ...base, id: "doc-5" })).to.not.equal(snapshot.root);
    for (let i = 0; i < proof.proof.length; i++) {
      const tampered = proof.proof.map((p, j) => (j === i ? flip(p) : p));
      expect(Snapshot.rootFromProof({ ...base, proof: tampered })).to.not.equal(snapshot.root);
    }
    expect(() => Snapshot.rootFromProof({ ...base, index: 11 })).to.throw(InvalidProofError).with.property("reason", "index-out-of-range");
    expect(() => Snapshot.rootFromProof({ ...base, proof: proof.proof.slice(1) })).to.throw(InvalidProofError).with.property("reason", "length-mismatch");
  });

  it("rejects a duplicate id and an unknown id, naming the field", () => {
    expect(() => Snapshot.of("memory", [{ id: "a", content: "1" }, { id: "a", content: "2" }]))
      .to.throw(DisclosureInputError)
      .with.property("field", "memory:a");
    const error = (() => {
      try {
        Snapshot.of("retrieval", [{ id: "a", content: "1" }]).prove("nope");
      } catch (e) {
        return e as DisclosureInputError;
      }
      return undefined;
    })();
    expect(error).to.be.instanceOf(DisclosureInputError);
    expect(error?.field).to.equal("retrieval:nope");
    expect(error?.message).to.match(/Expected: an id in this retrieval snapshot \(1 entries\)/);
  });

  it("accepts entries given by content digest (as the evidence store holds them)", () => {
    const byContent = Snapshot.of("retrieval", [{ id: "a", content: "alpha" }, { id: "b", content: new Uint8Array([1, 2, 3]) }]);
    const byDigest = Snapshot.of("retrieval", [
      { id: "a", contentDigest: keccak256(stringToHex("alpha")) },
      { id: "b", contentDigest: keccak256(new Uint8Array([1, 2, 3])) },
    ]);
    expect(byDigest.root).to.equal(byContent.root);
  });
});
