/**
 * Building a proof bundle from a tree and where its root was anchored.
 *
 * @module
 */
import { InvalidDocumentError, LeafMismatchError } from "../errors.js";
import { receiptLeaf } from "../receipt/hashReceipt.js";
import type { Receipt } from "../receipt/types.js";
import type { ReceiptRef, ReceiptTree } from "../tree/ReceiptTree.js";
import { makeBundle, parseBundle, toBundleJson } from "./parseBundle.js";
import { BUNDLE_FORMAT, type BundleAnchor, type BundleAnchorV2, type BundleTimeline, type ProofBundle } from "./types.js";

/** Parameters of {@link buildBundle}. */
export interface BuildBundleParameters {
  /** The batch's tree. */
  readonly tree: ReceiptTree;
  /** The receipt to prove: the receipt itself, or its id / batch index when the tree retained its receipts. */
  readonly receipt: Receipt | ReceiptRef;
  /** Where the batch root was anchored (`root` defaults to the tree's root). Give this or `anchors`. */
  readonly anchor?: BundleAnchor & Partial<BundleAnchorV2>;
  /** Every chain the batch root was anchored on, the primary first (`root` defaults to the tree's root). */
  readonly anchors?: readonly (BundleAnchor & Partial<BundleAnchorV2>)[];
  /** Where the model-version timeline lives (optional). */
  readonly timeline?: BundleTimeline;
}

/**
 * Builds (and validates) the proof bundle of one receipt, in the current format (v2).
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
  const given = params.anchors ?? (params.anchor === undefined ? [] : [params.anchor]);
  if (given.length === 0) {
    throw new InvalidDocumentError({ document: "bundle", field: "anchors", expected: "`anchor` or a non-empty `anchors`: where the batch root was anchored", found: given });
  }
  const anchors: BundleAnchorV2[] = given.map((a) => ({ ...a, root: a.root ?? inclusion.root }));
  const bundle = makeBundle({
    format: BUNDLE_FORMAT,
    receipt,
    leaf,
    leafIndex: inclusion.leafIndex,
    batchSize: inclusion.batchSize,
    proof: inclusion.proof,
    root: inclusion.root,
    anchors,
    ...(params.timeline === undefined ? {} : { timeline: params.timeline }),
  });
  // Normalizes (checksums, lowercase) and checks the anchor's shape.
  return parseBundle(toBundleJson(bundle));
}
