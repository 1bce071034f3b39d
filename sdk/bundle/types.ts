/**
 * Proof bundle format v1: the single file a third party receives for one answer.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { Receipt, ReceiptJson } from "../receipt/types.js";

/** Format tag of a v1 proof bundle. */
export const BUNDLE_FORMAT = "showwork/bundle@1" as const;

/** Where the batch root was anchored. */
export interface BundleAnchor {
  /** EIP-155 chain id of the chain holding the anchor. */
  readonly chainId: number;
  /** Address of the `ReceiptLogs` contract. */
  readonly contract: Address;
  /** The log's id (keccak256(abi.encode(creator, salt))). */
  readonly logId: Hex;
  /** Index of the batch in the log (`batchRoot(logId, batchIndex)` returns the root). */
  readonly batchIndex: number;
  /** Hash of the transaction that anchored the batch. */
  readonly txHash: Hex;
  /** Number of the block that includes that transaction. */
  readonly blockNumber: number;
}

/** Optional pointer to the model-version timeline. */
export interface BundleTimeline {
  /** Address of the `ModelTimeline` contract. */
  readonly contract: Address;
}

/** A validated v1 proof bundle (see docs/bundle.md). */
export interface ProofBundle {
  readonly format: typeof BUNDLE_FORMAT;
  /** The receipt being proven. */
  readonly receipt: Receipt;
  /** Its leaf: keccak256(keccak256(abi.encode(RECEIPT_TYPEHASH, ...fields))). */
  readonly leaf: Hex;
  /** Position of the receipt in its batch (0-based). */
  readonly leafIndex: number;
  /** Number of receipts in the batch. */
  readonly batchSize: number;
  /** Siblings from the leaf up to the root. */
  readonly proof: readonly Hex[];
  /** The batch's Merkle root, as anchored. */
  readonly root: Hex;
  /** Where the root was anchored. */
  readonly anchor: BundleAnchor;
  /** Where the model-version timeline lives (optional). */
  readonly timeline?: BundleTimeline | undefined;
}

/** The JSON form of a v1 proof bundle. */
export interface ProofBundleJson {
  format: typeof BUNDLE_FORMAT;
  receipt: ReceiptJson;
  leaf: string;
  leafIndex: number;
  batchSize: number;
  proof: string[];
  root: string;
  anchor: {
    chainId: number;
    contract: string;
    logId: string;
    batchIndex: number;
    txHash: string;
    blockNumber: number;
  };
  timeline?: { contract: string };
}
