/**
 * Building a proof bundle from a tree and where its root was anchored.
 *
 * @module
 */
import { LeafMismatchError } from "../errors.js";
import { receiptLeaf } from "../receipt/hashReceipt.js";
import type { Receipt } from "../receipt/types.js";
import type { ReceiptRef, ReceiptTree } from "../tree/ReceiptTree.js";
import { parseBundle, toBundleJson } from "./parseBundle.js";
import { BUNDLE_FORMAT, type BundleAnchor, type BundleTimeline, type ProofBundle } from "./types.js";

/** Parameters of {@link buildBundle}. */
export interface BuildBundleParameters {
  /** The batch's tree. */
  readonly tree: ReceiptTree;
  /** The receipt to prove: the receipt itself, or its id / batch index when the tree retained its receipts. */
  readonly receipt: Receipt | ReceiptRef;
  /** Where the batch root was anchored. */
  readonly anchor: BundleAnchor;
  /** Where the model-version timeline lives (optional). */
  readonly timeline?: BundleTimeline;
}

/**
 * Builds (and validates) the proof bundle of one receipt.
 * @throws {LeafMismatchError} when a given receipt's leaf is not the tree's leaf for its id;
 *   {@link InvalidProofError} (`unknown-receipt`) when the receipt is not in the tree.
 * @example
 * const bundle = buildBundle({ tree, receipt, anchor: { chainId, contract, logId, batchIndex, txHash, blockNumber } });
 */
export function buildBundle(params: BuildBundleParameters): ProofBundle {
  const { tree } = params;
  const receipt = typeof params.receipt === "object" ? params.receipt : tree.receipt(params.receipt);
  const inclusion = tree.getInclusion(receipt.receiptId);
  const leaf = receiptLeaf(receipt);
  if (leaf !== inclusion.leaf) throw new LeafMismatchError({ expectedLeaf: inclusion.leaf, computedLeaf: leaf });
  const bundle: ProofBundle = {
    format: BUNDLE_FORMAT,
    receipt,
    leaf,
    leafIndex: inclusion.leafIndex,
    batchSize: inclusion.batchSize,
    proof: inclusion.proof,
    root: inclusion.root,
    anchor: params.anchor,
    ...(params.timeline === undefined ? {} : { timeline: params.timeline }),
  };
  // Normalizes (checksums, lowercase) and checks the anchor's shape.
  return parseBundle(toBundleJson(bundle));
}
