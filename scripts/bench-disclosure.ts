/**
 * Disclosure benchmarks: building retrieval snapshots (against @openzeppelin/merkle-tree's
 * StandardMerkleTree over the same leaf preimages), proving and checking one document, checking a
 * whole disclosure, and the size of a disclosure file. `npm run bench -- disclosure`.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, stringToHex, toHex, type Hex } from "viem";

import { checkDisclosure, contentDigestOf, RETRIEVAL_DOCUMENT_TYPEHASH, Snapshot, toDisclosureJson } from "../sdk/disclosure/index.js";
import { makeAnswer } from "../test/sdk/disclosure/fixture.js";

function time<T>(fn: () => T, minMs = 300): { ms: number; runs: number; value: T } {
  let value = fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minMs || runs < 3) {
    value = fn();
    runs++;
  }
  return { ms: (performance.now() - start) / runs, runs, value };
}

const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);

console.log("Retrieval snapshots (documents given by content digest, as the evidence store holds them)");
console.log("  documents   Snapshot.of   OZ StandardMerkleTree.of   ratio   prove+check one   proof");
for (const n of [100, 1_000, 10_000, 100_000]) {
  const entries = Array.from({ length: n }, (_, i) => ({ id: `docs/${i}.md`, contentDigest: keccak256(toHex(`document ${i}`)) }));
  const ours = time(() => Snapshot.of("retrieval", entries), n >= 100_000 ? 1 : 300);
  let oz = "—";
  let ratio = "—";
  if (n <= 10_000) {
    const values = entries.map((e) => [RETRIEVAL_DOCUMENT_TYPEHASH, keccak256(stringToHex(e.id)), e.contentDigest] as [Hex, Hex, Hex]);
    const peer = time(() => StandardMerkleTree.of(values, ["bytes32", "bytes32", "bytes32"], { sortLeaves: false }), 300);
    oz = fmt(peer.ms);
    ratio = `${(peer.ms / ours.ms).toFixed(1)}x`;
  }
  const snapshot = ours.value;
  const id = entries[Math.floor(n / 3)]!.id;
  const digest = entries[Math.floor(n / 3)]!.contentDigest;
  const one = time(() => Snapshot.rootFromProof({ kind: "retrieval", id, contentDigest: digest, ...snapshot.prove(id) }) === snapshot.root);
  if (!one.value) throw new Error("a proof did not lead to the root");
  const proof = snapshot.prove(id);
  console.log(
    `  ${String(n).padStart(9)}   ${fmt(ours.ms).padStart(11)}   ${oz.padStart(24)}   ${ratio.padStart(5)}   ${fmt(one.ms).padStart(15)}   ${proof.proof.length} siblings (${JSON.stringify(proof.proof).length} bytes)`,
  );
}

const answer = await makeAnswer();
const check = time(() => checkDisclosure(answer.full));
if (check.value.status !== "pass") throw new Error("the benchmark disclosure does not pass");
const text = JSON.stringify(toDisclosureJson(answer.full), null, 2);
console.log(
  `\ncheckDisclosure of a full disclosure (input, output, 2 tool calls, template, sampling, 1 of 5 documents, 2 memory records; ${check.value.pieces.length} pieces): ${fmt(check.ms)} per disclosure`,
);
console.log(`  its file: ${text.length.toLocaleString("en-US")} bytes (the bundle alone: ${JSON.stringify(toDisclosureJson({ ...answer.full, disclosed: {} }), null, 2).length.toLocaleString("en-US")} bytes)`);
console.log(`  content digest of a 1 MB document: ${fmt(time(() => contentDigestOf(new Uint8Array(1 << 20))).ms)}`);
