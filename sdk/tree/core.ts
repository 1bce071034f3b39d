/**
 * The pure Merkle core over 32-byte hashes, in OpenZeppelin's layout.
 *
 * A tree over `n` leaves is a flat array of `2n - 1` nodes (complete binary
 * tree, heap order): leaf `i` (batch order, no sorting) sits at position
 * `2n - 2 - i`, node `k` is `hash(node 2k+1, node 2k+2)`, the root is at 0.
 * `hash(a, b) = keccak256(min(a, b) ‖ max(a, b))` (OpenZeppelin
 * `Hashes.commutativeKeccak256`, `@openzeppelin/merkle-tree` `standardNodeHash`).
 * A single leaf is its own root. A proof lists the siblings bottom-up.
 *
 * Two forms: the binary form (`*Flat` / `*Bytes`) works on one `Uint8Array` of
 * `(2n-1) * 32` bytes, which is what {@link ReceiptTree} uses; the hex form
 * (`makeMerkleTree`, `getProof`, `processProof`, ...) mirrors `@openzeppelin/merkle-tree`'s core.
 *
 * @module
 */
import type { Hex } from "viem";

import { InvalidProofError } from "../errors.js";
import { allocBytes, compare32, readHex, writeHex } from "../bytes/hex.js";
import { keccak256PairInto } from "../hash/keccak.js";
import { WASM_LAYOUT } from "../hash/keccakWasm.generated.js";
import { newWasm, sharedWasm, viewOf } from "../hash/wasmInstance.js";

/** A multiproof in OpenZeppelin's format (`MerkleProof.multiProofVerify`). */
export interface MultiProof<L = Hex> {
  /** The proven leaves, in the order the proof consumes them. */
  readonly leaves: readonly L[];
  /** Sibling hashes the proof needs. */
  readonly proof: readonly Hex[];
  /** For each hashing step: true = take the next value from leaves/computed stack, false = from `proof`. */
  readonly proofFlags: readonly boolean[];
}

/** Position of leaf `index` (batch order) in the flat array of a tree with `leafCount` leaves. */
export function leafPosition(leafCount: number, index: number): number {
  return 2 * leafCount - 2 - index;
}

/** Number of siblings in the proof of leaf `index` of a tree with `leafCount` leaves (its depth). */
export function proofLength(leafCount: number, index: number): number {
  return 31 - Math.clz32(leafPosition(leafCount, index) + 1);
}

/** node = keccak256(sorted(a, b)): hashes the 32-byte values at `a[aOff]` and `b[bOff]` into `out[outOff]`. */
export function hashNodeInto(
  a: Uint8Array,
  aOff: number,
  b: Uint8Array,
  bOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  if (compare32(a, aOff, b, bOff) <= 0) keccak256PairInto(a, aOff, b, bOff, out, outOff);
  else keccak256PairInto(b, bOff, a, aOff, out, outOff);
}

/** node = keccak256(sorted(a, b)) for hex values. */
export function hashNode(a: Hex, b: Hex): Hex {
  const buf = allocBytes(64);
  if (!writeHex(buf, 0, a, 32) || !writeHex(buf, 32, b, 32)) {
    throw new InvalidProofError({ reason: "malformed", message: "A node must be 32 bytes.", expected: "0x-prefixed 32-byte hex", found: [a, b] });
  }
  hashNodeInto(buf, 0, buf, 32, buf, 0);
  return readHex(buf, 0, 32);
}

/**
 * Fills the internal nodes of a flat tree whose leaves are already in place
 * (leaf `i` at position `2n-2-i`). Positions `0 .. n-2` are computed bottom-up.
 */
export function hashInternalNodes(nodes: Uint8Array, leafCount: number): void {
  for (let k = leafCount - 2; k >= 0; k--) {
    hashNodeInto(nodes, (2 * k + 1) * 32, nodes, (2 * k + 2) * 32, nodes, k * 32);
  }
}

/**
 * Builds a flat tree from leaves given back to back (`leafCount * 32` bytes, batch order).
 * @returns the `(2n-1) * 32` bytes of the tree; the root is the first 32 bytes.
 */
export function makeMerkleTreeFlat(leaves: Uint8Array): Uint8Array {
  if (leaves.length === 0 || leaves.length % 32 !== 0) {
    throw new InvalidProofError({ reason: "malformed", message: "Leaves must be a non-empty sequence of 32-byte hashes.", expected: "a multiple of 32 bytes, at least 32", found: leaves.length });
  }
  const n = leaves.length / 32;
  const wasm = newWasm();
  if (wasm) {
    // The tree lives in the memory of its own instance (released with the returned view).
    const base = WASM_LAYOUT.FREE;
    wasm.ensure(base + (2 * n - 1) * 32);
    const mem = wasm.bytes;
    for (let i = 0; i < n; i++) mem.set(leaves.subarray(i * 32, i * 32 + 32), base + leafPosition(n, i) * 32);
    wasm.exports.buildNodes(base, n);
    return viewOf(wasm.exports.memory.buffer, base, (2 * n - 1) * 32);
  }
  const nodes = allocBytes((2 * n - 1) * 32);
  for (let i = 0; i < n; i++) nodes.set(leaves.subarray(i * 32, i * 32 + 32), leafPosition(n, i) * 32);
  hashInternalNodes(nodes, n);
  return nodes;
}

/** The siblings of flat-tree position `position` (a leaf position), bottom-up, as hex. */
export function getProofFlat(nodes: Uint8Array, position: number): Hex[] {
  const depth = 31 - Math.clz32(position + 1);
  const scratch = depth * 32 <= proofScratch.length ? proofScratch : allocBytes(depth * 32);
  let p = position;
  for (let level = 0; level < depth; level++) {
    const sibling = (p & 1) === 1 ? p + 1 : p - 1;
    scratch.set(nodes.subarray(sibling * 32, sibling * 32 + 32), level * 32);
    p = (p - 1) >> 1;
  }
  // One hex conversion for the whole proof, then cheap slices.
  const hex = readHex(scratch, 0, depth * 32);
  const proof: Hex[] = new Array<Hex>(depth);
  for (let level = 0; level < depth; level++) proof[level] = `0x${hex.slice(2 + 64 * level, 66 + 64 * level)}`;
  return proof;
}

const proofScratch = allocBytes(64 * 32);

/**
 * Computes the root a proof leads to: folds `hashNode` over the proof starting at the leaf.
 * Does not compare with any root (see {@link verifyProof}).
 * @throws {InvalidProofError} (`malformed`) when the leaf or a proof element is not 32-byte hex.
 */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  const wasm = sharedWasm();
  const base = WASM_LAYOUT.FREE;
  let buf: Uint8Array;
  if (wasm) {
    wasm.ensure(base + 64 + proof.length * 32);
    buf = wasm.bytes;
  } else {
    buf = allocBytes(64);
  }
  if (!writeHex(buf, wasm ? base : 0, leaf, 32)) {
    throw new InvalidProofError({ reason: "malformed", message: "The leaf is not a 32-byte hash.", expected: "0x-prefixed 32-byte hex", found: leaf });
  }
  for (let i = 0; i < proof.length; i++) {
    const element = proof[i]!;
    const at = wasm ? base + 64 + i * 32 : 32;
    if (!writeHex(buf, at, element, 32)) {
      throw new InvalidProofError({ reason: "malformed", message: `Proof element ${i} is not a 32-byte hash.`, expected: "0x-prefixed 32-byte hex", found: element });
    }
    if (!wasm) hashNodeInto(buf, 0, buf, 32, buf, 0);
  }
  if (!wasm) return readHex(buf, 0, 32);
  wasm.exports.processProof(base, base + 64, proof.length, base + 32);
  return readHex(buf, base + 32, 32);
}

/** Builds a tree (hex form, OpenZeppelin `makeMerkleTree` layout) from leaves in batch order. */
export function makeMerkleTree(leaves: readonly Hex[]): Hex[] {
  const flat = allocBytes(leaves.length * 32);
  leaves.forEach((leaf, i) => {
    if (!writeHex(flat, i * 32, leaf, 32)) {
      throw new InvalidProofError({ reason: "malformed", message: `Leaf ${i} is not a 32-byte hash.`, expected: "0x-prefixed 32-byte hex", found: leaf });
    }
  });
  const nodes = makeMerkleTreeFlat(flat);
  return Array.from({ length: 2 * leaves.length - 1 }, (_, k) => readHex(nodes, k * 32, 32));
}

/** The proof (siblings bottom-up) of tree position `position` in a hex tree (OpenZeppelin `getProof`). */
export function getProof(tree: readonly Hex[], position: number): Hex[] {
  checkLeafPosition(tree.length, position);
  const proof: Hex[] = [];
  let p = position;
  while (p > 0) {
    proof.push(tree[p % 2 === 1 ? p + 1 : p - 1]!);
    p = (p - 1) >> 1;
  }
  return proof;
}

function checkLeafPosition(nodeCount: number, position: number): void {
  if (!Number.isInteger(position) || position < 0 || position >= nodeCount || 2 * position + 1 < nodeCount) {
    throw new InvalidProofError({
      reason: "index-out-of-range",
      message: "Not a leaf position of this tree.",
      expected: `an integer in [${(nodeCount - 1) / 2}, ${nodeCount - 1}]`,
      found: position,
    });
  }
}

/**
 * A multiproof for several leaf positions, in OpenZeppelin's format (same algorithm
 * as `@openzeppelin/merkle-tree` `getMultiProof`). Leaves come out in decreasing
 * tree position, i.e. increasing batch index.
 * @param nodeAt - reads node `k` as hex.
 */
export function getMultiProofFromNodes(nodeCount: number, nodeAt: (k: number) => Hex, positions: readonly number[]): MultiProof {
  positions.forEach((p) => checkLeafPosition(nodeCount, p));
  const sorted = [...positions].sort((a, b) => b - a);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new InvalidProofError({ reason: "invalid-multiproof", message: "Cannot prove the same leaf twice in one multiproof.", expected: "distinct leaves", found: sorted[i] });
    }
  }
  // A queue with a moving head (OpenZeppelin uses shift(); this is the same order without O(n) shifts).
  const queue = [...sorted];
  let head = 0;
  const proof: Hex[] = [];
  const proofFlags: boolean[] = [];
  while (head < queue.length && queue[head]! > 0) {
    const j = queue[head++]!;
    const s = j % 2 === 1 ? j + 1 : j - 1;
    const parent = (j - 1) >> 1;
    if (head < queue.length && queue[head] === s) {
      proofFlags.push(true);
      head++;
    } else {
      proofFlags.push(false);
      proof.push(nodeAt(s));
    }
    queue.push(parent);
  }
  if (sorted.length === 0) proof.push(nodeAt(0));
  return { leaves: sorted.map((p) => nodeAt(p)), proof, proofFlags };
}

/** A multiproof over a hex tree (OpenZeppelin `getMultiProof`). */
export function getMultiProof(tree: readonly Hex[], positions: readonly number[]): MultiProof {
  return getMultiProofFromNodes(tree.length, (k) => tree[k]!, positions);
}

/**
 * Computes the root a multiproof leads to (OpenZeppelin `processMultiProof` /
 * `MerkleProof.processMultiProof`).
 * @throws {InvalidProofError} (`invalid-multiproof` or `malformed`) when the multiproof is not well formed.
 */
export function processMultiProof(multiproof: MultiProof): Hex {
  const { leaves, proof, proofFlags } = multiproof;
  const falseFlags = proofFlags.reduce((count, flag) => count + (flag ? 0 : 1), 0);
  if (proof.length < falseFlags || leaves.length + proof.length !== proofFlags.length + 1) {
    throw new InvalidProofError({
      reason: "invalid-multiproof",
      message: "The multiproof is not well formed.",
      expected: "leaves + proof = proofFlags + 1, and at least as many proof elements as false flags",
      found: { leaves: leaves.length, proof: proof.length, proofFlags: proofFlags.length, falseFlags },
    });
  }
  const total = leaves.length + proofFlags.length;
  const values = allocBytes(Math.max(total, 1) * 32);
  const proofBytes = allocBytes(Math.max(proof.length, 1) * 32);
  leaves.forEach((leaf, i) => {
    if (!writeHex(values, i * 32, leaf, 32)) {
      throw new InvalidProofError({ reason: "malformed", message: `Multiproof leaf ${i} is not a 32-byte hash.`, expected: "0x-prefixed 32-byte hex", found: leaf });
    }
  });
  proof.forEach((element, i) => {
    if (!writeHex(proofBytes, i * 32, element, 32)) {
      throw new InvalidProofError({ reason: "malformed", message: `Multiproof element ${i} is not a 32-byte hash.`, expected: "0x-prefixed 32-byte hex", found: element });
    }
  });
  let read = 0;
  let write = leaves.length;
  let proofPos = 0;
  const exhausted = () =>
    new InvalidProofError({ reason: "invalid-multiproof", message: "The multiproof's flags consume more values than available.", expected: "a consistent multiproof", found: proofFlags });
  for (const flag of proofFlags) {
    if (read >= write) throw exhausted();
    const aOff = read++ * 32;
    let bSource: Uint8Array;
    let bOff: number;
    if (flag) {
      if (read >= write) throw exhausted();
      bSource = values;
      bOff = read++ * 32;
    } else {
      bSource = proofBytes;
      bOff = proofPos++ * 32;
    }
    hashNodeInto(values, aOff, bSource, bOff, values, write++ * 32);
  }
  if (proofFlags.length > 0) {
    if (proofPos !== proof.length) throw exhausted();
    return readHex(values, (write - 1) * 32, 32);
  }
  if (leaves.length > 0) return readHex(values, 0, 32);
  return readHex(proofBytes, 0, 32);
}
