/**
 * Offline proof verification. Computing and checking are separate: {@link processProof}
 * returns the root a proof leads to; the functions here compare it with the expected
 * root and fail with {@link ProofMismatchError} (expected vs computed root).
 *
 * @module
 */
import type { Hex } from "viem";

import { InvalidProofError, ProofMismatchError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";
import { receiptLeaf, type ReceiptLeafFields } from "../receipt/hashReceipt.js";
import { processMultiProof, processProof, proofLength, type MultiProof } from "./core.js";

/** Parameters of {@link verifyProof}. */
export interface VerifyProofParameters {
  /** The leaf (keccak256(receiptHash)). */
  readonly leaf: Hex;
  /** Siblings, bottom-up. */
  readonly proof: readonly Hex[];
  /** The expected root (e.g. the anchored batch root). */
  readonly root: Hex;
  /**
   * The leaf's index in its batch and the batch size, when known. Then the index must be
   * in range and the proof must have exactly the depth of that index in a tree of that size.
   *
   * NOTE: with sorted-pair hashing (OpenZeppelin's scheme) a proof authenticates
   * membership, not position: only the proof's depth depends on the index, so an index
   * that is in range and at the same depth as the true one is not detected.
   */
  readonly leafIndex?: number;
  readonly batchSize?: number;
}

/** The 2^53 limit keeps indices exact; OpenZeppelin's layout needs 2n-1 positions. */
const MAX_BATCH_SIZE = 2 ** 52;

/**
 * Checks a leaf index against a batch size and the proof's length.
 * @throws {InvalidProofError} `index-out-of-range` or `length-mismatch`.
 */
export function checkProofShape(args: { leafIndex: number; batchSize: number; proofLength: number }): void {
  const { leafIndex, batchSize } = args;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new InvalidProofError({ reason: "index-out-of-range", message: "The batch size is not a positive integer.", expected: "an integer >= 1", found: batchSize });
  }
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= batchSize) {
    throw new InvalidProofError({
      reason: "index-out-of-range",
      message: "The leaf index is outside the batch.",
      expected: `an integer in [0, ${batchSize - 1}]`,
      found: leafIndex,
    });
  }
  const expected = proofLength(batchSize, leafIndex);
  if (args.proofLength !== expected) {
    throw new InvalidProofError({
      reason: "length-mismatch",
      message: "The proof's length is not the depth of this leaf index in a batch of this size.",
      expected: `${expected} siblings (leaf ${leafIndex} of ${batchSize})`,
      found: args.proofLength,
    });
  }
}

/**
 * Verifies an inclusion proof and returns the root it computes (equal to `root`).
 * @throws {InvalidProofError} when the leaf, root or a proof element is malformed, or the
 *   index/size/length do not fit; {@link ProofMismatchError} when the computed root differs.
 * @example
 * verifyProof({ leaf, proof, root, leafIndex: 5, batchSize: 1000 });
 */
export function verifyProof(params: VerifyProofParameters): Hex {
  if (!isHexOfLength(params.root, 32)) {
    throw new InvalidProofError({ reason: "malformed", message: "The root is not a 32-byte hash.", expected: "0x-prefixed 32-byte hex", found: params.root });
  }
  if (params.leafIndex !== undefined || params.batchSize !== undefined) {
    if (params.leafIndex === undefined || params.batchSize === undefined) {
      throw new InvalidProofError({ reason: "malformed", message: "leafIndex and batchSize go together.", expected: "both or neither", found: { leafIndex: params.leafIndex, batchSize: params.batchSize } });
    }
    checkProofShape({ leafIndex: params.leafIndex, batchSize: params.batchSize, proofLength: params.proof.length });
  }
  const computed = processProof(params.leaf, params.proof);
  const expected = params.root.toLowerCase() as Hex;
  if (computed !== expected) throw new ProofMismatchError({ expectedRoot: expected, computedRoot: computed });
  return computed;
}

/** Like {@link verifyProof} but returns false instead of throwing on an invalid or mismatching proof. */
export function isValidProof(params: VerifyProofParameters): boolean {
  try {
    verifyProof(params);
    return true;
  } catch (error) {
    if (error instanceof InvalidProofError || error instanceof ProofMismatchError) return false;
    throw error;
  }
}

/**
 * Verifies that a receipt is included under `root`: computes its leaf, then {@link verifyProof}.
 * @returns the computed root.
 */
export function verifyReceiptProof(params: Omit<VerifyProofParameters, "leaf"> & { readonly receipt: ReceiptLeafFields }): Hex {
  const { receipt, ...rest } = params;
  return verifyProof({ ...rest, leaf: receiptLeaf(receipt) });
}

/**
 * Verifies a multiproof (OpenZeppelin format, leaves as leaf hashes) against `root`.
 * @returns the computed root.
 * @throws {InvalidProofError} (`invalid-multiproof`, `malformed`), {@link ProofMismatchError}.
 */
export function verifyMultiProof(params: { readonly multiproof: MultiProof; readonly root: Hex }): Hex {
  if (!isHexOfLength(params.root, 32)) {
    throw new InvalidProofError({ reason: "malformed", message: "The root is not a 32-byte hash.", expected: "0x-prefixed 32-byte hex", found: params.root });
  }
  const computed = processMultiProof(params.multiproof);
  const expected = params.root.toLowerCase() as Hex;
  if (computed !== expected) throw new ProofMismatchError({ expectedRoot: expected, computedRoot: computed, what: "multiproof" });
  return computed;
}
