/**
 * Proof bundles from the store: the receipt, its leaf and proof (from the batch's stored
 * leaves), and where the batch was anchored. Each bundle is checked (leaf and proof lead to
 * the root) before it is returned.
 *
 * @module
 */
import { decodeFunctionData, parseTransaction, type Address } from "viem";

import { receiptLogsAbi } from "../contracts/abis.js";

import { parseBundle } from "../bundle/parseBundle.js";
import { BUNDLE_FORMAT, type BundleAnchorV2Json, type ProofBundle, type ProofBundleJson } from "../bundle/types.js";
import { verifyBundleInclusion } from "../bundle/verifyBundleInclusion.js";
import { InvariantError } from "../errors.js";
import type { ReceiptJson } from "../receipt/types.js";
import { BatchTreeCache, proofOf } from "./batchTree.js";
import { ProofNotAvailableError, ReceiptNotFoundError } from "./errors.js";
import { hasProof } from "./states.js";
import type { BatchRecord, ChainBatchState, ReceiptStore, StoreBinding, StoredReceipt } from "./store/types.js";

/** Builds the bundle anchor of a batch on a head-commitment chain (by chain name); undefined when it cannot now. */
export type CommitmentAnchors = ReadonlyMap<string, (batch: BatchRecord, state: ChainBatchState) => Promise<BundleAnchorV2Json | undefined>>;

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
  /** Builders of the anchors of head-commitment chains (by chain name; the service's). */
  commitments?: CommitmentAnchors | undefined;
}): Promise<ProofBundle> {
  const { receipt, binding } = args;
  const batch = receipt.batch;
  if (batch === undefined || receipt.leafIndex === undefined) throw new ProofNotAvailableError(receipt.receiptId, receipt.state);
  const anchors = await anchorsOf(args.store, binding, batch, args.commitments);
  if (anchors.length === 0) throw new ProofNotAvailableError(receipt.receiptId, receipt.state);
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
    anchors,
    ...(args.timelineContract === undefined ? {} : { timeline: { contract: args.timelineContract } }),
  };
  const bundle = parseBundle(json);
  const root = verifyBundleInclusion(bundle);
  if (root !== batch.root) throw new InvariantError(`bundle of ${receipt.receiptId} leads to ${root}, batch root is ${batch.root}`);
  return bundle;
}

/**
 * Every anchor of a batch: the primary chain's first (when anchored there), then each extra chain's
 * where the batch is anchored, in the order the chains were bound. Empty until it is anchored somewhere.
 * A bundle fetched later carries the anchors that landed since.
 */
export async function anchorsOf(store: ReceiptStore, binding: StoreBinding, batch: BatchRecord, commitments?: CommitmentAnchors): Promise<BundleAnchorV2Json[]> {
  const anchors: BundleAnchorV2Json[] = [];
  if (hasProof(batch.state) && batch.anchor !== undefined) {
    anchors.push({
      chainId: binding.chainId,
      contract: binding.contract,
      logId: binding.logId,
      batchIndex: batch.index,
      txHash: batch.anchor.txHash,
      blockNumber: batch.anchor.blockNumber,
      root: batch.root,
    });
  }
  const bindings = await store.getChainBindings();
  if (bindings.length === 0) return anchors;
  const states = await store.chainStates(batch.index);
  for (const chain of bindings) {
    const state = states.find((s) => s.chain === chain.name);
    if (state === undefined || !hasProof(state.state) || state.anchor === undefined) continue;
    const commitment = commitments?.get(chain.name);
    if (commitment !== undefined) {
      const anchor = await commitment(batch, state);
      if (anchor !== undefined) anchors.push(anchor);
      continue;
    }
    if (batch.index < chain.firstStoreBatch) continue;
    // A head commitment's transaction (anchor(logId, entry, head, n) with another root than the batch's) is no per-batch
    // anchor: without its builder (a reader of the store alone) the bundle leaves it out rather than name a wrong root.
    if (state.txId !== undefined) {
      const raw = (await store.chainLedger(chain.name, chain.firstStoreBatch).getTx(state.txId))?.attempts.at(-1)?.raw;
      const data = raw === undefined ? undefined : parseTransaction(raw).data;
      const call = data === undefined ? undefined : decodeFunctionData({ abi: receiptLogsAbi, data });
      if (call?.functionName === "anchor" && call.args[2].toLowerCase() !== batch.root.toLowerCase()) continue;
    }
    anchors.push({
      chainId: chain.chainId,
      contract: chain.contract,
      logId: chain.logId,
      batchIndex: batch.index - chain.firstStoreBatch + chain.firstBatchIndex,
      txHash: state.anchor.txHash,
      blockNumber: state.anchor.blockNumber,
      root: batch.root,
    });
  }
  return anchors;
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
