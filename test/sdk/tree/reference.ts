/**
 * A slow, obvious reference implementation of the receipt hashing and the tree,
 * written straight from the spec with viem's generic encoder and hex strings,
 * sharing no code with sdk/ (it checks the fast implementation).
 */
import { concatHex, encodeAbiParameters, keccak256, toBytes, type Hex } from "viem";

const RECEIPT_TYPE =
  "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest," +
  "uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest," +
  "bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode," +
  "uint64 issuedAt,uint64 sequence)";

/** The fields the reference needs. */
export interface ReferenceReceipt {
  receiptId: Hex;
  modelId: Hex;
  weightsDigest: Hex;
  promptTemplateDigest: Hex;
  promptTemplateVersion: number;
  retrievalIndexDigest: Hex;
  memoryDigest: Hex;
  toolsDigest: Hex;
  inputDigest: Hex;
  outputDigest: Hex;
  samplingDigest: Hex;
  servingNode: Hex;
  issuedAt: number;
  sequence: bigint | number;
}

export function referenceReceiptHash(r: ReferenceReceipt): Hex {
  const types = ["bytes32", "bytes32", "bytes32", "bytes32", "bytes32", "uint32", "bytes32", "bytes32", "bytes32", "bytes32", "bytes32", "bytes32", "address", "uint64", "uint64"];
  const values = [keccak256(toBytes(RECEIPT_TYPE)), r.receiptId, r.modelId, r.weightsDigest, r.promptTemplateDigest, r.promptTemplateVersion, r.retrievalIndexDigest, r.memoryDigest, r.toolsDigest, r.inputDigest, r.outputDigest, r.samplingDigest, r.servingNode, BigInt(r.issuedAt), BigInt(r.sequence)];
  return keccak256(encodeAbiParameters(types.map((type) => ({ type })), values));
}

export function referenceLeaf(r: ReferenceReceipt): Hex {
  return keccak256(referenceReceiptHash(r));
}

export function referenceNode(a: Hex, b: Hex): Hex {
  const [x, y] = BigInt(a) <= BigInt(b) ? [a, b] : [b, a];
  return keccak256(concatHex([x, y]));
}

/** The whole tree as an array of 2n-1 hex nodes (heap layout, leaf i at 2n-2-i). */
export function referenceTree(leaves: readonly Hex[]): Hex[] {
  const n = leaves.length;
  if (n === 0) throw new Error("empty");
  const tree: Hex[] = new Array<Hex>(2 * n - 1);
  leaves.forEach((leaf, i) => {
    tree[2 * n - 2 - i] = leaf.toLowerCase() as Hex;
  });
  for (let k = n - 2; k >= 0; k--) tree[k] = referenceNode(tree[2 * k + 1]!, tree[2 * k + 2]!);
  return tree;
}

export function referenceProof(tree: readonly Hex[], leafIndex: number): Hex[] {
  const n = (tree.length + 1) / 2;
  let p = 2 * n - 2 - leafIndex;
  const proof: Hex[] = [];
  while (p > 0) {
    proof.push(p % 2 === 1 ? tree[p + 1]! : tree[p - 1]!);
    p = Math.floor((p - 1) / 2);
  }
  return proof;
}

export function referenceRootFromProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((acc, sibling) => referenceNode(acc, sibling), leaf.toLowerCase() as Hex);
}
