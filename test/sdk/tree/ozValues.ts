/**
 * The leaf preimages `[RECEIPT_TYPEHASH, ...fields]` of receipts as @openzeppelin/merkle-tree's StandardMerkleTree
 * takes them (types: RECEIPT_LEAF_ABI_TYPES); its standardLeafHash of each equals our leaf.
 */
import { RECEIPT_TYPEHASH, type Receipt } from "../../../sdk/receipt/index.js";

export function ozLeafValues(receipts: readonly Receipt[]) {
  return receipts.map((r) => [
    RECEIPT_TYPEHASH,
    r.receiptId,
    r.modelId,
    r.weightsDigest,
    r.promptTemplateDigest,
    r.promptTemplateVersion,
    r.retrievalIndexDigest,
    r.memoryDigest,
    r.toolsDigest,
    r.inputDigest,
    r.outputDigest,
    r.samplingDigest,
    r.servingNode,
    BigInt(r.issuedAt),
    r.sequence,
  ]);
}
