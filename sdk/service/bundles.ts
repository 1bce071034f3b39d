/**
 * Proof bundles from the store: the receipt, its leaf and proof (from the batch's stored
 * leaves), and where the batch was anchored. Each bundle is checked (leaf and proof lead to
 * the root) before it is returned.
 *
 * @module
 */
import type { Address } from "viem";

import { parseBundle } from "../bundle/parseBundle.js";
import { BUNDLE_FORMAT, type ProofBundle, type ProofBundleJson } from "../bundle/types.js";
import { verifyBundleInclusion } from "../bundle/verifyBundleInclusion.js";
import { InvariantError } from "../errors.js";
import type { ReceiptJson } from "../receipt/types.js";
import { BatchTreeCache, proofOf } from "./batchTree.js";
import { ProofNotAvailableError, ReceiptNotFoundError } from "./errors.js";
import { hasProof } from "./states.js";
import type { ReceiptStore, StoreBinding, StoredReceipt } from "./store/types.js";

/**
 * Builds the proof bundle of a stored receipt.
 * @throws {ProofNotAvailableError} before the receipt is `anchored`.
 */
export async function bundleOfStoredReceipt(args: {
  store: ReceiptStore;
  binding: StoreBinding;
  trees: BatchTreeCache;
  receipt: StoredReceipt;
  timelineContract?: Address | undefined;
}): Promise<ProofBundle> {
  const { receipt, binding } = args;
  const batch = receipt.batch;
  if (!hasProof(receipt.state) || batch === undefined || batch.anchor === undefined || receipt.leafIndex === undefined) {
    throw new ProofNotAvailableError(receipt.receiptId, receipt.state);
  }
  const tree = await args.trees.load(args.store, batch.index, batch.root);
  const { leaf, proof } = proofOf(tree, receipt.leafIndex);
  const json: ProofBundleJson = {
    format: BUNDLE_FORMAT,
    receipt: JSON.parse(receipt.body) as ReceiptJson,
    leaf,
    leafIndex: receipt.leafIndex,
    batchSize: batch.leafCount,
    proof,
    root: batch.root,
    anchors: [
      {
        chainId: binding.chainId,
        contract: binding.contract,
        logId: binding.logId,
        batchIndex: batch.index,
        txHash: batch.anchor.txHash,
        blockNumber: batch.anchor.blockNumber,
        root: batch.root,
      },
    ],
    ...(args.timelineContract === undefined ? {} : { timeline: { contract: args.timelineContract } }),
  };
  const bundle = parseBundle(json);
  const root = verifyBundleInclusion(bundle);
  if (root !== batch.root) throw new InvariantError(`bundle of ${receipt.receiptId} leads to ${root}, batch root is ${batch.root}`);
  return bundle;
}

/**
 * The proof bundle of a receipt, read from a store (any process; no chain needed).
 * @throws {ReceiptNotFoundError}, {@link ProofNotAvailableError}
 */
export async function readBundle(
  store: ReceiptStore,
  receiptId: string,
  options: { timelineContract?: Address; trees?: BatchTreeCache } = {},
): Promise<ProofBundle> {
  const receipt = /^0x[0-9a-fA-F]{64}$/.test(receiptId) ? await store.getReceipt(receiptId as `0x${string}`) : undefined;
  const binding = await store.getBinding();
  if (receipt === undefined || binding === undefined) throw new ReceiptNotFoundError(receiptId);
  return bundleOfStoredReceipt({
    store,
    binding,
    trees: options.trees ?? new BatchTreeCache(),
    receipt,
    timelineContract: options.timelineContract,
  });
}
