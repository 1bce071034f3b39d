/**
 * Snapshots as Merkle trees: a retrieval index snapshot (its documents or chunks) and an agent's
 * memory (its records) are each a Merkle tree; the root is the receipt's `retrievalIndexDigest`
 * or `memoryDigest`. One document can then be shown with a proof that it was in the snapshot the
 * answer used, without revealing the other documents.
 *
 *   idHash        = keccak256(utf8(id))
 *   contentDigest = keccak256(content bytes)             (the evidence store's artifact digest)
 *   leaf          = keccak256(keccak256(abi.encode(TYPEHASH, idHash, contentDigest)))
 *   TYPEHASH      = keccak256("showwork.RetrievalDocument(bytes32 idHash,bytes32 contentDigest)")  retrieval
 *                 = keccak256("showwork.MemoryRecord(bytes32 idHash,bytes32 contentDigest)")       memory
 *
 * The typehash keeps a document leaf from passing as a memory leaf (and both from a receipt leaf,
 * whose preimage is 480 bytes under RECEIPT_TYPEHASH); the double hash keeps a leaf from passing as
 * an inner node (a 64-byte preimage). Inner nodes are the SDK's tree core ({@link hashNode}: keccak256
 * of the sorted pair, OpenZeppelin's `Hashes.commutativeKeccak256`). Leaves are ordered by `idHash`
 * (ascending), so the same set of documents always gives the same root, whatever order it came in.
 * An empty snapshot's root is the zero hash (what a receipt carries when nothing was retrieved).
 *
 * NOTE: a proof's siblings are hashes of other documents' (id, content) pairs. They reveal nothing
 * about those documents unless someone guesses an id and its content exactly; a low-entropy record
 * (e.g. "balance: 0") can be confirmed by guessing. Put a random nonce in such records' content.
 *
 * Browser-safe.
 *
 * @module
 */
import { keccak256, stringToHex, zeroHash, type Hex } from "viem";

import { InvalidProofError } from "../errors.js";
import { allocBytes, isHexOfLength, readHex, writeHex } from "../bytes/hex.js";
import { keccak256Hex, keccak256Into, keccak256Of32Into, keccak256Utf8 } from "../hash/keccak.js";
import { getProof, leafPosition, makeMerkleTree, processProof, proofLength } from "../tree/core.js";
import { DisclosureInputError } from "./errors.js";

/** The most entries a snapshot may have (2^31: tree positions stay 32-bit). */
export const MAX_SNAPSHOT_ENTRIES = 2 ** 31;

/** Which kind of snapshot: retrieval documents or memory records. */
export type SnapshotKind = "retrieval" | "memory";

/** Typehash of a retrieval document leaf. */
export const RETRIEVAL_DOCUMENT_TYPEHASH: Hex = keccak256(stringToHex("showwork.RetrievalDocument(bytes32 idHash,bytes32 contentDigest)"));
/** Typehash of a memory record leaf. */
export const MEMORY_RECORD_TYPEHASH: Hex = keccak256(stringToHex("showwork.MemoryRecord(bytes32 idHash,bytes32 contentDigest)"));


/** One entry of a snapshot: its id and content (text as UTF-8, or bytes), or its content's digest. */
export type SnapshotEntry =
  | { readonly id: string; readonly content: string | Uint8Array }
  | { readonly id: string; readonly contentDigest: Hex };

/** The proof that one entry is in a snapshot. */
export interface SnapshotProof {
  /** Position of the leaf in the snapshot (ordered by idHash). */
  readonly index: number;
  /** Number of entries in the snapshot. */
  readonly count: number;
  /** Siblings from the leaf up to the root. */
  readonly proof: readonly Hex[];
}

/** keccak256 of content (text as UTF-8): the content digest of a snapshot entry and the evidence store's artifact digest. */
export function contentDigestOf(content: string | Uint8Array): Hex {
  return typeof content === "string" ? keccak256Utf8(content) : keccak256Hex(content);
}

const TYPEHASH_BYTES: Readonly<Record<SnapshotKind, Uint8Array>> = {
  retrieval: bytesOf(RETRIEVAL_DOCUMENT_TYPEHASH),
  memory: bytesOf(MEMORY_RECORD_TYPEHASH),
};

function bytesOf(hex: Hex): Uint8Array {
  const out = allocBytes(32);
  writeHex(out, 0, hex, 32);
  return out;
}

const leafScratch = allocBytes(96);

/** The leaf from the id's hash (abi.encode of three bytes32 words is their concatenation). */
function leafOf(kind: SnapshotKind, idHash: Hex, contentDigest: Hex, field: string): Hex {
  const buf = leafScratch;
  buf.set(TYPEHASH_BYTES[kind], 0);
  writeHex(buf, 32, idHash, 32);
  if (!writeHex(buf, 64, contentDigest, 32)) {
    throw new DisclosureInputError({ field, expected: "a 0x-prefixed 32-byte hex content digest", found: contentDigest });
  }
  keccak256Into(buf, 0, 96, buf, 0);
  keccak256Of32Into(buf, 0, buf, 0);
  return readHex(buf, 0, 32);
}

/** The leaf of one snapshot entry (see the module comment). */
export function snapshotLeaf(kind: SnapshotKind, id: string, contentDigest: Hex): Hex {
  if (typeof id !== "string") throw new DisclosureInputError({ field: `${kind}.id`, expected: "a string", found: id });
  if (!isHexOfLength(contentDigest, 32)) {
    throw new DisclosureInputError({ field: `${kind}:${id}.contentDigest`, expected: "0x-prefixed 32-byte hex", found: contentDigest });
  }
  return leafOf(kind, keccak256Utf8(id), contentDigest, `${kind}:${id}`);
}

interface Placed {
  readonly id: string;
  readonly idHash: Hex;
  readonly leaf: Hex;
}

/**
 * A snapshot of a retrieval index or a memory: its entries as a Merkle tree.
 * @example
 * const snapshot = Snapshot.of("retrieval", [{ id: "invoices/INV-20311", content: invoiceText }, ...]);
 * snapshot.root;                               // the receipt's retrievalIndexDigest
 * const proof = snapshot.prove("invoices/INV-20311");
 * Snapshot.verify({ kind: "retrieval", root, id, content: invoiceText, ...proof }); // the root, or throws
 */
export class Snapshot {
  /** Retrieval documents or memory records. */
  readonly kind: SnapshotKind;
  /** The Merkle root (zero hash for an empty snapshot). */
  readonly root: Hex;
  private readonly entries: readonly Placed[];
  private readonly byId: ReadonlyMap<string, number>;
  private readonly tree: readonly Hex[];

  private constructor(kind: SnapshotKind, entries: readonly Placed[]) {
    this.kind = kind;
    this.entries = entries;
    this.byId = new Map(entries.map((entry, i) => [entry.id, i]));
    this.tree = entries.length === 0 ? [] : makeMerkleTree(entries.map((entry) => entry.leaf));
    this.root = entries.length === 0 ? zeroHash : (this.tree[0] as Hex);
  }

  /**
   * Builds a snapshot from its entries (any order; ids must be unique).
   * @throws {DisclosureInputError} on a duplicate id or a malformed digest.
   */
  static of(kind: SnapshotKind, entries: readonly SnapshotEntry[]): Snapshot {
    if (entries.length > MAX_SNAPSHOT_ENTRIES) {
      throw new DisclosureInputError({ field: kind, expected: `at most ${MAX_SNAPSHOT_ENTRIES} entries in a snapshot`, found: entries.length });
    }
    const placed: Placed[] = entries.map((entry, i) => {
      if (typeof entry?.id !== "string") throw new DisclosureInputError({ field: `${kind}[${i}].id`, expected: "a string", found: entry?.id });
      const digest = "contentDigest" in entry ? entry.contentDigest : contentDigestOf(entry.content);
      const idHash = keccak256Utf8(entry.id);
      return { id: entry.id, idHash, leaf: leafOf(kind, idHash, digest, `${kind}:${entry.id}`) };
    });
    placed.sort((a, b) => (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0));
    for (let i = 1; i < placed.length; i++) {
      if (placed[i]!.idHash === placed[i - 1]!.idHash) {
        throw new DisclosureInputError({ field: `${kind}:${placed[i]!.id}`, expected: "each id once in a snapshot", found: "the id twice" });
      }
    }
    return new Snapshot(kind, placed);
  }

  /** Number of entries. */
  get count(): number {
    return this.entries.length;
  }

  /** The entries' ids, in tree order. */
  ids(): string[] {
    return this.entries.map((entry) => entry.id);
  }

  /** Whether the snapshot holds an entry with this id. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * The proof that entry `id` is in the snapshot (checked before it is returned).
   * @throws {DisclosureInputError} when there is no such entry.
   */
  prove(id: string): SnapshotProof {
    const index = this.byId.get(id);
    if (index === undefined) {
      throw new DisclosureInputError({ field: `${this.kind}:${id}`, expected: `an id in this ${this.kind} snapshot (${this.count} entries)`, found: id });
    }
    const proof = getProof(this.tree, leafPosition(this.count, index));
    const result = { index, count: this.count, proof };
    if (processProof(this.entries[index]!.leaf, proof) !== this.root) throw new InvalidProofError({ reason: "malformed", message: "Internal: a produced snapshot proof does not lead to the root." });
    return result;
  }

  /**
   * Computes the root a snapshot proof leads to, after checking the proof's shape
   * (index < count, exactly the depth of that index). Does not compare with a root.
   * @throws {InvalidProofError} (`index-out-of-range`, `length-mismatch`, `malformed`).
   */
  static rootFromProof(args: { kind: SnapshotKind; id: string; contentDigest: Hex } & SnapshotProof): Hex {
    const { index, count, proof } = args;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SNAPSHOT_ENTRIES || !Number.isSafeInteger(index) || index < 0 || index >= count) {
      throw new InvalidProofError({
        reason: "index-out-of-range",
        message: "The entry's index is outside the snapshot.",
        expected: `an integer in [0, count - 1] with 1 <= count <= ${MAX_SNAPSHOT_ENTRIES}`,
        found: { index, count },
      });
    }
    const depth = proofLength(count, index);
    if (proof.length !== depth) {
      throw new InvalidProofError({ reason: "length-mismatch", message: "The proof's length is not the depth of this index in a snapshot of this size.", expected: `${depth} siblings (entry ${index} of ${count})`, found: proof.length });
    }
    return processProof(snapshotLeaf(args.kind, args.id, args.contentDigest), proof);
  }
}

