/** Merkle trees over receipt batches: the pure core, the ReceiptTree class, verification, the saved form. @module */
export {
  getMultiProof,
  getMultiProofFromNodes,
  getProof,
  getProofFlat,
  hashInternalNodes,
  hashNode,
  hashNodeInto,
  leafPosition,
  makeMerkleTree,
  makeMerkleTreeFlat,
  processMultiProof,
  processProof,
  proofLength,
  type MultiProof,
} from "./core.js";
export { ReceiptTree, type Inclusion, type ReceiptRef, type ReceiptTreeOptions } from "./ReceiptTree.js";
export { ReceiptIdIndex } from "./receiptIdIndex.js";
export {
  checkProofShape,
  isValidProof,
  verifyMultiProof,
  verifyProof,
  verifyReceiptProof,
  type VerifyProofParameters,
} from "./verifyProof.js";
export { BATCH_FORMAT, type BatchDump } from "./batchFormat.js";
