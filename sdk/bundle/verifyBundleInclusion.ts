/**
 * Offline checks of a proof bundle: the receipt's leaf, the proof's shape and the root
 * it leads to, and the receipt's signature. (Whether the root is anchored on-chain is
 * the verifier's job: it needs an RPC endpoint.)
 *
 * @module
 */
import type { Hex } from "viem";

import { LeafMismatchError } from "../errors.js";
import { receiptLeaf } from "../receipt/hashReceipt.js";
import { assertReceiptSignature } from "../receipt/signReceipt.js";
import { verifyProof } from "../tree/verifyProof.js";
import type { ProofBundle } from "./types.js";

/**
 * Checks, offline, that the bundle's receipt is included under the bundle's root:
 * leaf = leaf(receipt), the proof has the depth of `leafIndex` in a batch of `batchSize`,
 * and the proof leads from the leaf to `root`.
 * @returns the root (to compare with the anchored one).
 * @throws {LeafMismatchError}, {@link InvalidProofError}, {@link ProofMismatchError}.
 */
export function verifyBundleInclusion(bundle: ProofBundle): Hex {
  const leaf = receiptLeaf(bundle.receipt);
  if (leaf !== bundle.leaf.toLowerCase()) throw new LeafMismatchError({ expectedLeaf: bundle.leaf, computedLeaf: leaf });
  return verifyProof({ leaf, proof: bundle.proof, root: bundle.root, leafIndex: bundle.leafIndex, batchSize: bundle.batchSize });
}

/**
 * All offline checks of a bundle: {@link verifyBundleInclusion}, plus the receipt's
 * signature by its serving node when present (or always, with `requireSignature`).
 * @returns the root.
 * @throws as {@link verifyBundleInclusion}, and {@link InvalidSignatureError}.
 */
export async function verifyBundleOffline(bundle: ProofBundle, options: { requireSignature?: boolean } = {}): Promise<Hex> {
  const root = verifyBundleInclusion(bundle);
  if (bundle.receipt.signature !== undefined || options.requireSignature) await assertReceiptSignature(bundle.receipt);
  return root;
}
