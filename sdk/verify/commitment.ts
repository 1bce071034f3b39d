/**
 * Head commitments: one anchoring on a slow chain (an L1) that covers many batches of a log on another
 * chain (an L2), through that log's on-chain chained head.
 *
 * `ReceiptLogs` chains every batch onto the log's head: head(i) = size i+1 in the top 64 bits, the low
 * 192 bits of keccak256(abi.encode(head(i−1), i, root(i), leafCount(i), timestamp(i), blockNumber(i))),
 * where timestamp and block number are those of the block that anchored batch i. A commitment anchors
 * head(b) as the root of an entry of the L1 log: it covers every batch up to b (the head's size says b+1).
 * The head before batch 0 is the log's genesis head (size 0; keccak256(abi.encode(chainId, contract, logId))).
 * A bundle's commitment anchor carries head(i−1) and the links i..b (root, leafCount, timestamp, block of
 * each batch); the verifier recomputes head(b) from them, starting with the bundle's own root and batch
 * size, and checks that the L1 log holds it. The L1 then proves: the operator committed, by the L1
 * block's time, that batch i of its log had this root.
 *
 * Browser-safe.
 *
 * @module
 */
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/** One batch of the covered log, as chained into its head. */
export interface CommitmentLink {
  readonly root: Hex;
  readonly leafCount: number;
  /** The anchoring block's timestamp on the covered log's chain, unix seconds. */
  readonly timestamp: number;
  /** The anchoring block's number on the covered log's chain. */
  readonly blockNumber: number;
}

/** What a commitment anchor carries (bundle field `anchors[].commitment`). */
export interface HeadCommitment {
  /** Index of the bundle's batch in the covered log (the first link's index). */
  readonly batchIndex: number;
  /** The covered log's head before that batch (zero for batch 0). */
  readonly previousHead: Hex;
  /** The batches from the bundle's own up to the last one the commitment covers, in order. */
  readonly links: readonly CommitmentLink[];
}

/** The most links a bundle's commitment may carry (a cap against hostile bundles; a commitment covers at most this many batches past the bundle's). */
export const MAX_COMMITMENT_LINKS = 100_000;

/**
 * The head after batch `index` is chained onto `previousHead` — the TypeScript twin of
 * `IReceiptLogs.computeHead` (contracts/ReceiptLogs.sol): size `index + 1` in the top 64 bits,
 * the low 192 bits of keccak256(abi.encode(previousHead, index, root, leafCount, timestamp, blockNumber)).
 */
export function computeHead(previousHead: Hex, index: number, root: Hex, leafCount: number, timestamp: number, blockNumber: number): Hex {
  const digest = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint64" }, { type: "bytes32" }, { type: "uint64" }, { type: "uint64" }, { type: "uint64" }],
      [previousHead, BigInt(index), root, BigInt(leafCount), BigInt(timestamp), BigInt(blockNumber)],
    ),
  );
  const head = (BigInt(index + 1) << 192n) | (BigInt(digest) & ((1n << 192n) - 1n));
  return `0x${head.toString(16).padStart(64, "0")}`;
}

/** A log's head before its first batch (`ReceiptLogs.createLog`): size 0, the low 192 bits of keccak256(abi.encode(chainId, contract, logId)). */
export function genesisHead(chainId: number, contract: Address, logId: Hex): Hex {
  const digest = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bytes32" }], [BigInt(chainId), contract, logId]));
  return `0x${(BigInt(digest) & ((1n << 192n) - 1n)).toString(16).padStart(64, "0")}`;
}

/** The log size a head commits to (its top 64 bits): the head after batch b has size b+1. */
export function headSize(head: Hex): number {
  return Number(BigInt(head) >> 192n);
}

/** The head the commitment's links lead to (head of its last batch). */
export function headOfCommitment(commitment: HeadCommitment): Hex {
  let head = commitment.previousHead;
  commitment.links.forEach((link, k) => {
    head = computeHead(head, commitment.batchIndex + k, link.root, link.leafCount, link.timestamp, link.blockNumber);
  });
  return head;
}

/** The last batch index of the covered log that the commitment covers. */
export function lastCoveredBatch(commitment: HeadCommitment): number {
  return commitment.batchIndex + commitment.links.length - 1;
}

/**
 * Why a commitment cannot stand for a bundle of batch root `root` with `batchSize` receipts, or
 * undefined when it can: its first link must be that batch, and head(i−1) must have size i.
 */
export function commitmentMismatch(commitment: HeadCommitment, root: Hex, batchSize: number): string | undefined {
  const [first] = commitment.links;
  if (first === undefined) return "the commitment carries no link";
  if (first.root.toLowerCase() !== root.toLowerCase()) return `its first link is root ${first.root.slice(0, 10)}…, not the bundle's batch root ${root.slice(0, 10)}…`;
  if (first.leafCount !== batchSize) return `its first link has ${first.leafCount} receipts, the bundle's batch ${batchSize}`;
  // head(i−1) has size i (for batch 0 the log's genesis head, size 0: keccak of chain id, contract and log id).
  if (headSize(commitment.previousHead) !== commitment.batchIndex) {
    return `the previous head has size ${headSize(commitment.previousHead)}, not ${commitment.batchIndex}`;
  }
  return undefined;
}

/**
 * The root an anchor's log entry must hold for this bundle: the bundle's batch root, or for a head commitment the head its
 * links lead to. `mismatch` says why a commitment cannot stand for the bundle's batch (then no root is expected).
 */
export function expectedAnchorRoot(
  bundle: { readonly root: Hex; readonly batchSize: number },
  anchor: { readonly commitment?: HeadCommitment | undefined },
): { readonly root: Hex; readonly what: string; readonly mismatch?: undefined } | { readonly root?: undefined; readonly mismatch: string } {
  const c = anchor.commitment;
  if (c === undefined) return { root: bundle.root.toLowerCase() as Hex, what: "the bundle's root" };
  const mismatch = commitmentMismatch(c, bundle.root, bundle.batchSize);
  if (mismatch !== undefined) return { mismatch: `the anchor's head commitment does not cover this batch: ${mismatch}` };
  return {
    root: headOfCommitment(c).toLowerCase() as Hex,
    what: `the head committing to batches up to ${lastCoveredBatch(c)} of the primary log (this batch is ${c.batchIndex})`,
  };
}
