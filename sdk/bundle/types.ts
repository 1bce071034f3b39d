/**
 * Proof bundle formats v1 and v2: the single file a third party receives for one answer.
 *
 * v2 (`showwork/bundle@2`) replaces v1's single `anchor` by `anchors` (one per chain the batch
 * root was anchored on; `anchors[0]` is the primary chain) and lets each anchor carry the chain's
 * own evidence (`chainProof`: block headers and Merkle-Patricia account/storage proofs), so a
 * verifier holding a trusted checkpoint needs no RPC endpoint at all. `parseBundle` reads both
 * formats and returns one normalised {@link ProofBundle} (with `anchors`, and `anchor` =
 * `anchors[0]` for code written against v1).
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { Receipt, ReceiptJson } from "../receipt/types.js";
import type { HeadCommitment } from "../verify/commitment.js";

/** Format tag of a v1 proof bundle (still read; written only when a v1 bundle is re-serialised unchanged). */
export const BUNDLE_FORMAT_V1 = "showwork/bundle@1" as const;
/** Format tag of a v2 proof bundle (self-contained: anchors[] with optional chain proofs). */
export const BUNDLE_FORMAT_V2 = "showwork/bundle@2" as const;
/** The format this version of showwork writes. */
export const BUNDLE_FORMAT = BUNDLE_FORMAT_V2;
/** Every bundle format this version reads, oldest first. */
export const BUNDLE_FORMATS = [BUNDLE_FORMAT_V1, BUNDLE_FORMAT_V2] as const;
/** A bundle format tag this version reads. */
export type BundleFormat = (typeof BUNDLE_FORMATS)[number];

/** Where the batch root was anchored (v1's `anchor`; the common part of every v2 anchor). */
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

/** One storage slot of an account, with its Merkle-Patricia proof against the account's storage root. */
export interface ChainStorageProof {
  /** The slot (32-byte hex; see docs/bundle.md "Storage layout" for how each slot is derived). */
  readonly slot: Hex;
  /** The slot's value, 32-byte hex (zero when the slot is empty: the proof then proves absence). */
  readonly value: Hex;
  /** RLP-encoded trie nodes from the storage root down (eth_getProof's `storageProof[i].proof`). */
  readonly proof: readonly Hex[];
}

/** One account at one block: its Merkle-Patricia proof against that block's state root, and storage proofs. */
export interface ChainAccountProof {
  /** The block whose header's `stateRoot` the proof is checked against (one of `chainProof.headers`). */
  readonly blockNumber: number;
  /** The account (a showwork contract). */
  readonly address: Address;
  /** RLP-encoded trie nodes from the state root down (eth_getProof's `accountProof`). */
  readonly accountProof: readonly Hex[];
  /** Slots proven against the account's storage root (taken from the proven account, never from the bundle). */
  readonly storage: readonly ChainStorageProof[];
  /** The account's runtime code, when the verifier needs more than its hash (a ModelTimeline's immutables); checked against the proven code hash. */
  readonly code?: Hex | undefined;
}

/**
 * The chain's own evidence for one anchor: consecutive block headers and state proofs at some of
 * those blocks. A verifier trusts one block hash (its checkpoint), checks the header chain back
 * from it (each header's `parentHash` is the keccak256 of the RLP of the one before), and then
 * every proof against the `stateRoot` of its block. See docs/bundle.md.
 */
export interface ChainProof {
  /**
   * RLP-encoded block headers of consecutive blocks, oldest first. They start at the block
   * before the anchoring block (its state shows the batch's root slot still empty) and end at
   * the block the state proofs were taken at, or later.
   */
  readonly headers: readonly Hex[];
  /** Account and storage proofs, each at one of the blocks of `headers`. */
  readonly accounts: readonly ChainAccountProof[];
}

/** Where the batch root was anchored, in v2: v1's fields, the root as anchored there, and optional evidence. */
export interface BundleAnchorV2 extends BundleAnchor {
  /** The root as anchored on this chain (for a bundle read from v1: the bundle's `root`). */
  readonly root: Hex;
  /** The anchoring block's timestamp, unix seconds (informational; a verifier takes it from the chain or its header). */
  readonly anchoredAt?: number | undefined;
  /** The chain's own evidence (headers and state proofs): lets the anchor be verified offline from a checkpoint. */
  readonly chainProof?: ChainProof | undefined;
  /**
   * Set when this anchor is a head commitment (an L1 entry covering many batches of the primary log, see
   * sdk/verify/commitment.ts): `root` is then the primary log's head after the last covered batch, `batchIndex`
   * the entry's index in this chain's log, and the links lead from the bundle's batch to that head.
   */
  readonly commitment?: HeadCommitment | undefined;
}

/** Optional pointer to the model-version timeline. */
export interface BundleTimeline {
  /** Address of the `ModelTimeline` contract. */
  readonly contract: Address;
}

/** A validated proof bundle, normalised to v2's shape whatever format it was read from (see docs/bundle.md). */
export interface ProofBundle {
  /** The format the bundle was read in (`toBundleJson` writes v1 back only while it still fits v1). */
  readonly format: BundleFormat;
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
  /** The batch's Merkle root. */
  readonly root: Hex;
  /** Where the root was anchored (at least one; `anchors[0]` is the primary chain). */
  readonly anchors: readonly BundleAnchorV2[];
  /** Alias of `anchors[0]` (read-only; code written for v1's `anchor` keeps working). */
  readonly anchor: BundleAnchorV2;
  /** Where the model-version timeline lives (optional). */
  readonly timeline?: BundleTimeline | undefined;
}

/** The JSON form of a v1 anchor. */
export interface BundleAnchorJson {
  chainId: number;
  contract: string;
  logId: string;
  batchIndex: number;
  txHash: string;
  blockNumber: number;
}

/** The JSON form of a chain proof (same shape as {@link ChainProof}). */
export interface ChainProofJson {
  headers: string[];
  accounts: {
    blockNumber: number;
    address: string;
    accountProof: string[];
    storage: { slot: string; value: string; proof: string[] }[];
    code?: string;
  }[];
}

/** The JSON form of a v2 anchor. */
export interface BundleAnchorV2Json extends BundleAnchorJson {
  root: string;
  anchoredAt?: number;
  chainProof?: ChainProofJson;
  commitment?: { batchIndex: number; previousHead: string; links: { root: string; leafCount: number; timestamp: number; blockNumber: number }[] };
}

interface ProofBundleJsonCommon {
  receipt: ReceiptJson;
  leaf: string;
  leafIndex: number;
  batchSize: number;
  proof: string[];
  root: string;
  timeline?: { contract: string };
}

/** The JSON form of a v1 proof bundle. */
export interface ProofBundleV1Json extends ProofBundleJsonCommon {
  format: typeof BUNDLE_FORMAT_V1;
  anchor: BundleAnchorJson;
}

/** The JSON form of a v2 proof bundle. */
export interface ProofBundleV2Json extends ProofBundleJsonCommon {
  format: typeof BUNDLE_FORMAT_V2;
  anchors: BundleAnchorV2Json[];
}

/** The JSON form of a proof bundle, either format. */
export type ProofBundleJson = ProofBundleV1Json | ProofBundleV2Json;
