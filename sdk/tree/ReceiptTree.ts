/**
 * A Merkle tree over one batch of receipts: build it, get the root, get the proof
 * of any receipt by its id (O(1)), multiproofs, verification, and a saved form.
 *
 * @module
 */
import type { Hex } from "viem";

import {
  InvalidDocumentError,
  InvalidProofError,
  InvalidReceiptError,
  InvariantError,
  ShowworkError,
  UnsupportedFormatError,
} from "../errors.js";
import { allocBytes, equal32, readHex } from "../bytes/hex.js";
import { receiptLeaf, type ReceiptLeafFields } from "../receipt/hashReceipt.js";
import { parseReceipt, toReceiptJson } from "../receipt/parseReceipt.js";
import type { Receipt } from "../receipt/types.js";
import { BATCH_FORMAT, type BatchDump } from "./batchFormat.js";
import {
  getMultiProofFromNodes,
  getProofFlat,
  hashNodeInto,
  leafPosition,
  processProof,
  type MultiProof,
} from "./core.js";
import { buildTree, type BuiltTree } from "./buildTree.js";
import { ReceiptIdIndex } from "./receiptIdIndex.js";
import { verifyProof } from "./verifyProof.js";

/** Options of {@link ReceiptTree.of}. */
export interface ReceiptTreeOptions {
  /**
   * Keep references to the receipts (needed by `receipt()`, `receipts()` and `dump()`).
   * Default: true for an array, false for any other iterable (streaming: a batch of
   * 10^6 receipts then takes ~100 MB: 96 bytes per receipt for nodes and ids, plus an 8 MB id index).
   */
  readonly retainReceipts?: boolean;
}

/** Everything needed to prove one receipt: what a proof bundle carries besides the anchor. */
export interface Inclusion {
  readonly receiptId: Hex;
  readonly leaf: Hex;
  readonly leafIndex: number;
  readonly batchSize: number;
  readonly proof: Hex[];
  readonly root: Hex;
}

/** A receipt id (hex) or a batch index. */
export type ReceiptRef = Hex | number;

/**
 * A Merkle tree over a batch of receipts, in OpenZeppelin's layout (see `core.ts`):
 * leaf `i` is receipt `i`'s leaf, keccak256(keccak256(abi.encode(RECEIPT_TYPEHASH, ...fields))).
 * Equal to `StandardMerkleTree.of(values, RECEIPT_LEAF_ABI_TYPES, { sortLeaves: false })`.
 *
 * Memory: one buffer of `(2n-1) * 32` bytes for the nodes plus the id index (40 bytes per receipt).
 *
 * @example
 * const tree = ReceiptTree.of(receipts);
 * const proof = tree.getProof(receipt.receiptId);
 * verifyProof({ leaf: receiptLeaf(receipt), proof, root: tree.root });
 */
export class ReceiptTree {
  private readonly nodes: Uint8Array;
  private readonly index: ReceiptIdIndex;
  private readonly retained: readonly Receipt[] | undefined;
  /** Number of receipts (leaves). */
  readonly size: number;

  private constructor(nodes: Uint8Array, size: number, index: ReceiptIdIndex, retained: readonly Receipt[] | undefined) {
    this.nodes = nodes;
    this.size = size;
    this.index = index;
    this.retained = retained;
  }

  /**
   * Builds the tree of a batch, in batch order.
   *
   * Each receipt is checked for shape while it is encoded (format tag, 32-byte hex
   * fields, address, integer ranges); receipt ids must be unique. `toolsDigest` is
   * not recomputed from `tools` here (the leaf commits to `toolsDigest`; receipts from
   * JSON went through {@link parseReceipt}, which checks it, and {@link ReceiptTree.load} re-checks it).
   *
   * @throws {InvalidBatchError} (`empty`, `duplicate-receipt-id`), {@link InvalidReceiptError} (with the receipt's position).
   */
  static of(receipts: Iterable<Receipt>, options: ReceiptTreeOptions = {}): ReceiptTree {
    return ReceiptTree.fromBuilt(buildTree(receipts, options.retainReceipts ?? Array.isArray(receipts)));
  }

  /**
   * A tree from an already built flat tree (see `buildTree`, `buildReceiptTreeParallel`).
   * @internal
   */
  static fromBuilt(built: BuiltTree): ReceiptTree {
    const index = new ReceiptIdIndex(built.ids, built.size);
    return new ReceiptTree(built.nodes, built.size, index, built.receipts);
  }

  /**
   * Loads a saved batch (see {@link BatchDump}): checks the format, re-validates every
   * receipt with {@link parseReceipt} (including `toolsDigest`), rebuilds the tree and
   * compares root and size with the saved ones.
   * @throws {UnsupportedFormatError} on an unknown `format`; {@link InvalidDocumentError} otherwise
   *   (its `cause` is the underlying receipt/batch error).
   */
  static load(dump: unknown): ReceiptTree {
    if (dump === null || typeof dump !== "object" || Array.isArray(dump)) {
      throw new InvalidDocumentError({ document: "batch", field: "", expected: "a saved batch object", found: dump });
    }
    const record = dump as Record<string, unknown>;
    if (record.format !== BATCH_FORMAT) {
      throw new UnsupportedFormatError({ what: "saved batch", expected: [BATCH_FORMAT], found: record.format });
    }
    for (const key of Object.keys(record)) {
      if (!["format", "root", "size", "receipts"].includes(key)) {
        throw new InvalidDocumentError({ document: "batch", field: key, expected: "no such field (format, root, size, receipts)", found: record[key] });
      }
    }
    if (!Array.isArray(record.receipts)) {
      throw new InvalidDocumentError({ document: "batch", field: "receipts", expected: "an array of receipts", found: record.receipts });
    }
    const receipts = record.receipts.map((json: unknown, i: number) => {
      try {
        return parseReceipt(json);
      } catch (cause) {
        const field = cause instanceof InvalidReceiptError ? `receipts[${i}].${cause.field}` : `receipts[${i}]`;
        throw new InvalidDocumentError({ document: "batch", field, expected: "a valid receipt", found: json, cause });
      }
    });
    let tree: ReceiptTree;
    try {
      tree = ReceiptTree.of(receipts);
    } catch (cause) {
      if (cause instanceof ShowworkError) {
        throw new InvalidDocumentError({ document: "batch", field: "receipts", expected: "a valid batch", found: `${receipts.length} receipts`, cause });
      }
      throw cause;
    }
    if (record.size !== tree.size) {
      throw new InvalidDocumentError({ document: "batch", field: "size", expected: `${tree.size} (the number of receipts)`, found: record.size });
    }
    if (typeof record.root !== "string" || record.root.toLowerCase() !== tree.root) {
      throw new InvalidDocumentError({ document: "batch", field: "root", expected: `${tree.root} (the root recomputed from the receipts)`, found: record.root });
    }
    return tree;
  }

  /**
   * The saved form of the batch ({@link BatchDump}); `ReceiptTree.load(tree.dump())` rebuilds it.
   * @throws {ShowworkError} when the tree was built without retaining its receipts.
   */
  dump(): BatchDump {
    return { format: BATCH_FORMAT, root: this.root, size: this.size, receipts: this.receipts().map(toReceiptJson) };
  }

  /** The Merkle root (lowercase hex). */
  get root(): Hex {
    return readHex(this.nodes, 0, 32);
  }

  /** The receipts, in batch order (only when retained, see {@link ReceiptTreeOptions}). */
  receipts(): readonly Receipt[] {
    if (this.retained === undefined) {
      throw new ShowworkError("This tree did not retain its receipts.", {
        metaMessages: ["Do: build it with ReceiptTree.of(receipts, { retainReceipts: true }) to use receipt(), receipts() or dump()."],
      });
    }
    return this.retained;
  }

  /** The receipt at a batch index or with a receipt id (only when retained). */
  receipt(ref: ReceiptRef): Receipt {
    return this.receipts()[this.indexOf(ref)]!;
  }

  /** True when a receipt with this id is in the batch. */
  has(receiptId: Hex): boolean {
    return this.index.get(receiptId) !== -1;
  }

  /**
   * The batch index of a receipt id (O(1)), or checks a given index.
   * @throws {InvalidProofError} (`unknown-receipt` or `index-out-of-range`).
   */
  indexOf(ref: ReceiptRef): number {
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref < 0 || ref >= this.size) {
        throw new InvalidProofError({ reason: "index-out-of-range", message: "No receipt at this batch index.", expected: `an integer in [0, ${this.size - 1}]`, found: ref });
      }
      return ref;
    }
    const i = this.index.get(ref);
    if (i === -1) {
      throw new InvalidProofError({ reason: "unknown-receipt", message: "No receipt with this id in the batch.", expected: "the id of a receipt in this batch", found: ref });
    }
    return i;
  }

  /** The receipt id at a batch index. */
  receiptIdAt(index: number): Hex {
    return this.index.idAt(this.indexOf(index));
  }

  /** The leaf of the receipt at a batch index / with a receipt id. */
  leaf(ref: ReceiptRef): Hex {
    return readHex(this.nodes, leafPosition(this.size, this.indexOf(ref)) * 32, 32);
  }

  /** The node at a flat-array position (0 = root), for tools and tests. */
  node(position: number): Hex {
    if (!Number.isInteger(position) || position < 0 || position >= 2 * this.size - 1) {
      throw new InvalidProofError({ reason: "index-out-of-range", message: "No node at this position.", expected: `an integer in [0, ${2 * this.size - 2}]`, found: position });
    }
    return readHex(this.nodes, position * 32, 32);
  }

  /** The proof (siblings bottom-up) of a receipt, by id (O(1) lookup) or batch index. */
  getProof(ref: ReceiptRef): Hex[] {
    return getProofFlat(this.nodes, leafPosition(this.size, this.indexOf(ref)));
  }

  /** Everything needed to prove one receipt (leaf, index, size, proof, root). */
  getInclusion(ref: ReceiptRef): Inclusion {
    const leafIndex = this.indexOf(ref);
    const position = leafPosition(this.size, leafIndex);
    return {
      receiptId: this.index.idAt(leafIndex),
      leaf: readHex(this.nodes, position * 32, 32),
      leafIndex,
      batchSize: this.size,
      proof: getProofFlat(this.nodes, position),
      root: this.root,
    };
  }

  /**
   * A multiproof for several receipts (ids or indices), in OpenZeppelin's format; `leaves`
   * are leaf hashes in increasing batch index. Checked before it is returned.
   */
  getMultiProof(refs: readonly ReceiptRef[]): MultiProof & { readonly leafIndices: readonly number[] } {
    const indices = refs.map((ref) => this.indexOf(ref));
    const multiproof = getMultiProofFromNodes(
      2 * this.size - 1,
      (k) => readHex(this.nodes, k * 32, 32),
      indices.map((i) => leafPosition(this.size, i)),
    );
    const leafIndices = [...new Set(indices)].sort((a, b) => a - b);
    return { ...multiproof, leafIndices };
  }

  /**
   * Verifies a proof of a receipt (or of a leaf) against this tree's root.
   * @returns the computed root. @throws like {@link verifyProof}.
   */
  verify(receiptOrLeaf: ReceiptLeafFields | Hex, proof: readonly Hex[]): Hex {
    const leaf = typeof receiptOrLeaf === "string" ? receiptOrLeaf : receiptLeaf(receiptOrLeaf);
    return verifyProof({ leaf, proof, root: this.root });
  }

  /** Recomputes the root from a leaf and proof without comparing (see `processProof`). */
  static processProof(leaf: Hex, proof: readonly Hex[]): Hex {
    return processProof(leaf, proof);
  }

  /** Checks the whole tree against its leaves (every internal node recomputed). @throws {InvariantError} */
  validate(): void {
    const check = allocBytes(32);
    for (let k = this.size - 2; k >= 0; k--) {
      hashNodeInto(this.nodes, (2 * k + 1) * 32, this.nodes, (2 * k + 2) * 32, check, 0);
      if (!equal32(check, 0, this.nodes, k * 32)) throw new InvariantError(`node ${k} does not hash its children`);
    }
  }
}
