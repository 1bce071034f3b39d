/** Receipts (format v1): types, validation, building, hashing, commitments and signatures. @module */
export { RECEIPT_FORMAT, type Receipt, type ReceiptJson, type ToolCall } from "./types.js";
export {
  RECEIPT_EIP712_DOMAIN,
  RECEIPT_DOMAIN_SEPARATOR,
  RECEIPT_EIP712_TYPES,
  RECEIPT_ENCODED_LENGTH,
  RECEIPT_LEAF_ABI_TYPES,
  RECEIPT_TYPEHASH,
  RECEIPT_TYPE_STRING,
} from "./eip712.js";
export {
  encodeReceipt,
  encodeReceiptInto,
  hashReceipt,
  leafFromReceiptHash,
  receiptLeaf,
  type ReceiptLeafFields,
} from "./hashReceipt.js";
export { parseReceipt, toReceiptJson, RECEIPT_JSON_FIELDS } from "./parseReceipt.js";
export { validateBatch } from "./validateBatch.js";
export {
  buildReceipt,
  type BuildReceiptParameters,
  type BuildReceiptReturnType,
  type ReceiptOpenings,
  type ToolCallContent,
} from "./buildReceipt.js";
export {
  assertCommitment,
  checkCommitment,
  commitContent,
  commitmentDigest,
  randomSalt,
  type Commitment,
  type Content,
} from "./commitment.js";
export { computeToolsDigest } from "./toolsDigest.js";
export { canonicalJson, computeSamplingDigest, type JsonValue } from "./samplingDigest.js";
export { modelIdFromName } from "./modelId.js";
export {
  assertReceiptSignature,
  checkReceiptSignature,
  privateKeyToReceiptSigner,
  receiptTypedData,
  recoverReceiptSigner,
  recoverReceiptSignerSync,
  signReceipt,
  verifyReceiptSignature,
  type PrivateKeyReceiptSigner,
  type ReceiptSignatureCheck,
  type ReceiptSigner,
  type ReceiptTypedData,
} from "./signReceipt.js";
export { receiptSigningDigest, receiptSigningDigestInto } from "./signingDigest.js";
export { checkAddress, toChecksumAddress } from "./address.js";
export { EMPTY_TOOLS_DIGEST } from "./toolsDigest.js";
export {
  secp256k1Backend,
  signatureBackend,
  type Secp256k1Backend,
  type Secp256k1BackendName,
  type SignatureBackendReport,
} from "./secp256k1.js";
export { toReceiptStruct } from "./receiptStruct.js";
