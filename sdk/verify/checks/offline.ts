/**
 * The checks that need no chain: the receipt hashes to the leaf, the proof leads to the root,
 * the serving node's signature, and disclosed content against the receipt's commitments.
 *
 * @module
 */
import type { Hex } from "viem";

import type { ProofBundle } from "../../bundle/types.js";
import { InvalidProofError, ProofMismatchError } from "../../errors.js";
import { checkCommitment, type Content } from "../../receipt/commitment.js";
import { receiptLeaf } from "../../receipt/hashReceipt.js";
import { recoverReceiptSigner } from "../../receipt/signReceipt.js";
import { verifyProof } from "../../tree/verifyProof.js";
import { fail, pass, skipped } from "../check.js";
import type { Check } from "../verdict.js";

/** The receipt's leaf (keccak256 of its EIP-712 hash) equals the bundle's `leaf`. */
export function checkReceiptLeaf(bundle: ProofBundle): Check {
  const computed = receiptLeaf(bundle.receipt);
  const detail = { expected: bundle.leaf, found: computed };
  return computed === bundle.leaf.toLowerCase()
    ? pass("receipt-leaf", "the receipt's fields hash to the bundle's leaf", detail)
    : fail(
        "receipt-leaf",
        "the receipt does not hash to the bundle's leaf: a receipt field or the leaf was changed",
        { ...detail, code: "mismatch" },
      );
}

/**
 * The proof leads from the bundle's leaf to its root, and its length fits the leaf's position
 * in a batch of `batchSize` leaves (the SDK's {@link verifyProof}).
 *
 * NOTE: nodes are hashed as sorted pairs (as OpenZeppelin's MerkleProof does), so the root
 * authenticates membership, not position: a leaf index is checked for being inside the batch
 * and for its depth in the tree, not for its exact place among leaves of the same depth.
 */
export function checkProofRoot(bundle: ProofBundle): Check {
  const { leafIndex, batchSize, proof } = bundle;
  try {
    const root = verifyProof({ leaf: bundle.leaf, proof, root: bundle.root, leafIndex, batchSize });
    return pass("proof-root", `the ${proof.length}-step proof leads from leaf ${leafIndex} of ${batchSize} to the root`, {
      expected: bundle.root,
      found: root,
    });
  } catch (error) {
    if (error instanceof ProofMismatchError) {
      return fail("proof-root", "the proof does not lead from the leaf to the bundle's root: a proof element, the leaf or the root was changed", {
        expected: error.expectedRoot,
        found: error.computedRoot,
        code: "mismatch",
      });
    }
    if (error instanceof InvalidProofError) {
      const what =
        error.reason === "length-mismatch"
          ? `: leaf ${leafIndex} of a ${batchSize}-receipt batch needs another proof length (the proof, the leaf index or the batch size was changed)`
          : "";
      return fail("proof-root", `${error.shortMessage.replace(/\.$/, "")}${what}`, { expected: error.expected, found: error.found, code: error.reason });
    }
    throw error;
  }
}

/** The receipt's EIP-712 signature recovers to its serving node (skipped when unsigned). */
export async function checkSignature(bundle: ProofBundle): Promise<Check> {
  const { receipt } = bundle;
  if (receipt.signature === undefined) return skipped("signature", "the receipt is not signed");
  let signer: string;
  try {
    signer = await recoverReceiptSigner(receipt);
  } catch (error) {
    return fail("signature", `the signature is malformed: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`, {
      expected: `a signature by ${receipt.servingNode}`,
      found: receipt.signature,
      code: "malformed-signature",
    });
  }
  const detail = { expected: receipt.servingNode, found: signer };
  return signer.toLowerCase() === receipt.servingNode.toLowerCase()
    ? pass("signature", `signed by the serving node ${receipt.servingNode}`, detail)
    : fail("signature", `the signature was made by ${signer}, not by the serving node ${receipt.servingNode}`, {
        ...detail,
        code: "wrong-signer",
      });
}

/** One disclosed piece of content: the content and the salt of its commitment. */
export interface DisclosedContent {
  /** The content (UTF-8 text or raw bytes). */
  readonly content: Content;
  /** The 32-byte salt used in the commitment. */
  readonly salt: Hex;
}

/** Content disclosed by the operator, to check against the receipt's commitments. */
export interface Disclosure {
  readonly input?: DisclosedContent;
  readonly output?: DisclosedContent;
  /** Tool calls, by position in the receipt's `tools` list. */
  readonly tools?: readonly { readonly index: number; readonly input?: DisclosedContent; readonly output?: DisclosedContent }[];
}

/** Each disclosed (content, salt) pair hashes to the digest the receipt commits to. */
export function checkDisclosure(bundle: ProofBundle, disclosed: Disclosure | undefined): Check {
  const pieces: { what: string; digest: Hex | undefined; opening: DisclosedContent }[] = [];
  const { receipt } = bundle;
  if (disclosed?.input) pieces.push({ what: "input", digest: receipt.inputDigest, opening: disclosed.input });
  if (disclosed?.output) pieces.push({ what: "output", digest: receipt.outputDigest, opening: disclosed.output });
  for (const tool of disclosed?.tools ?? []) {
    const call = receipt.tools[tool.index];
    const name = call ? `tool #${tool.index} (${call.name})` : `tool #${tool.index}`;
    if (tool.input) pieces.push({ what: `${name} input`, digest: call?.inputDigest, opening: tool.input });
    if (tool.output) pieces.push({ what: `${name} output`, digest: call?.outputDigest, opening: tool.output });
  }
  if (pieces.length === 0) return skipped("disclosure", "no content was disclosed");
  const wrong: string[] = [];
  for (const piece of pieces) {
    if (!opens(piece.digest, piece.opening)) wrong.push(piece.digest === undefined ? `${piece.what} (the receipt has no such tool call)` : piece.what);
  }
  const names = pieces.map((piece) => piece.what).join(", ");
  return wrong.length === 0
    ? pass("disclosure", `the disclosed ${names} match the receipt's commitments`, {
        expected: "keccak256(salt ‖ content) = committed digest",
        found: `${pieces.length} of ${pieces.length} match`,
      })
    : fail("disclosure", `disclosed content does not match the receipt's commitment: ${wrong.join(", ")}`, {
        expected: `${pieces.length} of ${pieces.length} match`,
        found: `${pieces.length - wrong.length} of ${pieces.length} match`,
        code: "mismatch",
      });
}

/** Whether (content, salt) opens `digest`; a malformed salt opens nothing. */
function opens(digest: Hex | undefined, opening: DisclosedContent): boolean {
  if (digest === undefined) return false;
  try {
    return checkCommitment({ digest, content: opening.content, salt: opening.salt });
  } catch {
    return false;
  }
}
