/**
 * Batch trees in the service: leaves computed from the store in chunks with the SDK's
 * `ReceiptTree` (a batch of 10^6 receipts never holds 10^6 receipt objects), persisted,
 * the batch tree built over them, rebuilt from the stored leaves for proofs, and the most
 * recent trees cached.
 *
 * Hashing and tree layout are the SDK's (`ReceiptTree`, `makeMerkleTreeFlat`,
 * `getProofFlat`, `leafPosition`): the service adds no hashing of its own.
 *
 * @module
 */
import type { Hex } from "viem";

import { allocBytes, readHex, writeHex } from "../bytes/hex.js";
import { InvariantError } from "../errors.js";
import { ReceiptTree } from "../tree/ReceiptTree.js";
import { getProofFlat, leafPosition, makeMerkleTreeFlat } from "../tree/core.js";
import type { ReceiptStore } from "./store/types.js";

/** A batch's tree: the flat node array (root first) and its size. */
export interface BatchTree {
  readonly nodes: Uint8Array;
  readonly leafCount: number;
  readonly root: Hex;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Computes the leaves of receipts `[firstSeq, lastSeq]` from the store, a chunk at a time
 * (each chunk through the SDK's `ReceiptTree`, its fast path), letting the event loop run
 * between chunks.
 * @returns `(lastSeq - firstSeq + 1) * 32` bytes, leaf i at offset 32 i, and, when the batch
 *   fit in one chunk, the root `ReceiptTree` computed (a cross-check for {@link treeFromLeaves}).
 */
export async function computeLeaves(
  store: ReceiptStore,
  firstSeq: number,
  lastSeq: number,
  chunkSize = 10_000,
): Promise<{ leaves: Uint8Array; singleChunkRoot: Hex | undefined }> {
  const count = lastSeq - firstSeq + 1;
  const leaves = allocBytes(count * 32);
  let i = 0;
  let singleChunkRoot: Hex | undefined;
  for await (const receipts of store.readReceipts(firstSeq, lastSeq, chunkSize)) {
    const tree = ReceiptTree.of(receipts, { retainReceipts: false });
    if (receipts.length === count) singleChunkRoot = tree.root;
    for (let k = 0; k < tree.size; k++) {
      if (!writeHex(leaves, i * 32, tree.leaf(k), 32)) throw new InvariantError("a leaf is not 32 bytes");
      i++;
    }
    await yieldToEventLoop();
  }
  if (i !== count) throw new InvariantError(`expected ${count} receipts for seqs ${firstSeq}..${lastSeq}, read ${i}`);
  return { leaves, singleChunkRoot };
}

/** Builds the tree over leaves (32 bytes each, batch order). */
export function treeFromLeaves(leaves: Uint8Array): BatchTree {
  const nodes = makeMerkleTreeFlat(leaves);
  return { nodes, leafCount: leaves.length / 32, root: readHex(nodes, 0, 32) };
}

/** The leaf and the proof (siblings bottom-up) of leaf `leafIndex`. */
export function proofOf(tree: BatchTree, leafIndex: number): { leaf: Hex; proof: Hex[] } {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.leafCount) {
    throw new InvariantError(`leaf ${leafIndex} is outside a batch of ${tree.leafCount}`);
  }
  const position = leafPosition(tree.leafCount, leafIndex);
  return { leaf: readHex(tree.nodes, position * 32, 32), proof: getProofFlat(tree.nodes, position) };
}

/** The most recently used batch trees, bounded by their total size in bytes. */
export class BatchTreeCache {
  private readonly trees = new Map<number, BatchTree>();
  private bytes = 0;
  /** @param maxBytes - total node bytes kept (default 256 MiB). */
  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  get(batchIndex: number): BatchTree | undefined {
    const tree = this.trees.get(batchIndex);
    if (tree !== undefined) {
      this.trees.delete(batchIndex);
      this.trees.set(batchIndex, tree);
    }
    return tree;
  }

  set(batchIndex: number, tree: BatchTree): void {
    if (tree.nodes.length > this.maxBytes) return;
    const old = this.trees.get(batchIndex);
    if (old !== undefined) {
      this.bytes -= old.nodes.length;
      this.trees.delete(batchIndex);
    }
    this.trees.set(batchIndex, tree);
    this.bytes += tree.nodes.length;
    for (const [index, evicted] of this.trees) {
      if (this.bytes <= this.maxBytes) break;
      this.trees.delete(index);
      this.bytes -= evicted.nodes.length;
    }
  }

  /** Loads from the cache, or rebuilds from the stored leaves and checks the root. */
  async load(store: ReceiptStore, batchIndex: number, expectedRoot: Hex): Promise<BatchTree> {
    const cached = this.get(batchIndex);
    if (cached !== undefined) return cached;
    const tree = treeFromLeaves(await store.getBatchLeaves(batchIndex));
    if (tree.root !== expectedRoot.toLowerCase()) {
      throw new InvariantError(`batch ${batchIndex}: stored leaves give root ${tree.root}, stored root is ${expectedRoot}`);
    }
    this.set(batchIndex, tree);
    return tree;
  }
}
