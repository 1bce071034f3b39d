/**
 * The one canonical encoding of a receipt, its EIP-712 hash and its Merkle leaf.
 *
 *   encoded     = abi.encode(RECEIPT_TYPEHASH, receiptId, modelId, weightsDigest, promptTemplateDigest,
 *                            promptTemplateVersion, retrievalIndexDigest, memoryDigest, toolsDigest,
 *                            inputDigest, outputDigest, samplingDigest, servingNode, issuedAt, sequence)
 *                 (15 static words = 480 bytes)
 *   receiptHash = keccak256(encoded)            (EIP-712 hashStruct)
 *   leaf        = keccak256(receiptHash)        (double hash: a 64-byte node preimage is never a leaf)
 *
 * The Solidity twin is `ReceiptHashing.sol`. The encoder writes the words
 * directly (no generic ABI encoder): every field is a static 32-byte word.
 *
 * @module
 */
import type { Hex } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { allocBytes, readHex, writeHex } from "../bytes/hex.js";
import { keccak256Into } from "../hash/keccak.js";
import { RECEIPT_ENCODED_LENGTH, RECEIPT_TYPEHASH } from "./eip712.js";
import type { Receipt } from "./types.js";

/** The fields that enter the leaf (a {@link Receipt} without `tools`, `format` and `signature` is enough). */
export type ReceiptLeafFields = Pick<
  Receipt,
  | "receiptId"
  | "modelId"
  | "weightsDigest"
  | "promptTemplateDigest"
  | "promptTemplateVersion"
  | "retrievalIndexDigest"
  | "memoryDigest"
  | "toolsDigest"
  | "inputDigest"
  | "outputDigest"
  | "samplingDigest"
  | "servingNode"
  | "issuedAt"
> & { readonly sequence: bigint | number };

const TYPEHASH_BYTES = (() => {
  const b = allocBytes(32);
  writeHex(b, 0, RECEIPT_TYPEHASH, 32);
  return b;
})();

const TWO_POW_32 = 4294967296;
const UINT64_MAX = (1n << 64n) - 1n;

function bytes32(buf: Uint8Array, off: number, value: string, field: string): void {
  if (!writeHex(buf, off, value, 32)) {
    throw new InvalidReceiptError({ field, expected: "0x-prefixed 32-byte hex string (66 characters)", found: value });
  }
}

function writeUint64(buf: Uint8Array, off: number, hi: number, lo: number): void {
  buf[off + 24] = hi >>> 24;
  buf[off + 25] = (hi >>> 16) & 255;
  buf[off + 26] = (hi >>> 8) & 255;
  buf[off + 27] = hi & 255;
  buf[off + 28] = lo >>> 24;
  buf[off + 29] = (lo >>> 16) & 255;
  buf[off + 30] = (lo >>> 8) & 255;
  buf[off + 31] = lo & 255;
}

/**
 * Writes `abi.encode(RECEIPT_TYPEHASH, ...fields)` (480 bytes) into `target` at `offset`.
 *
 * Checks, without allocating, that every field has the right shape (32-byte hex,
 * 20-byte address, integers in range) and throws {@link InvalidReceiptError} naming
 * the field otherwise. It does not check `toolsDigest` against `tools`
 * (that is {@link parseReceipt}'s job).
 *
 * @param zeroPadding - false to skip rewriting the zero padding bytes (only when `target`
 *   is a buffer reserved for receipt encodings whose padding is already zero and typehash already written).
 */
export function encodeReceiptInto(
  receipt: ReceiptLeafFields,
  target: Uint8Array,
  offset = 0,
  zeroPadding = true,
): void {
  if (zeroPadding) {
    target.fill(0, offset, offset + RECEIPT_ENCODED_LENGTH);
    target.set(TYPEHASH_BYTES, offset);
  }
  bytes32(target, offset + 32, receipt.receiptId, "receiptId");
  bytes32(target, offset + 64, receipt.modelId, "modelId");
  bytes32(target, offset + 96, receipt.weightsDigest, "weightsDigest");
  bytes32(target, offset + 128, receipt.promptTemplateDigest, "promptTemplateDigest");
  const version = receipt.promptTemplateVersion;
  if (!Number.isInteger(version) || version < 0 || version >= TWO_POW_32) {
    throw new InvalidReceiptError({
      field: "promptTemplateVersion",
      expected: "an integer in [0, 2^32-1] (uint32)",
      found: version,
    });
  }
  target[offset + 188] = version >>> 24;
  target[offset + 189] = (version >>> 16) & 255;
  target[offset + 190] = (version >>> 8) & 255;
  target[offset + 191] = version & 255;
  bytes32(target, offset + 192, receipt.retrievalIndexDigest, "retrievalIndexDigest");
  bytes32(target, offset + 224, receipt.memoryDigest, "memoryDigest");
  bytes32(target, offset + 256, receipt.toolsDigest, "toolsDigest");
  bytes32(target, offset + 288, receipt.inputDigest, "inputDigest");
  bytes32(target, offset + 320, receipt.outputDigest, "outputDigest");
  bytes32(target, offset + 352, receipt.samplingDigest, "samplingDigest");
  if (!writeHex(target, offset + 396, receipt.servingNode, 20)) {
    throw new InvalidReceiptError({
      field: "servingNode",
      expected: "0x-prefixed 20-byte address (42 characters)",
      found: receipt.servingNode,
    });
  }
  const issuedAt = receipt.issuedAt;
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) {
    throw new InvalidReceiptError({
      field: "issuedAt",
      expected: "unix time in seconds: an integer in [0, 2^53-1]",
      found: issuedAt,
    });
  }
  writeUint64(target, offset + 416, Math.floor(issuedAt / TWO_POW_32), issuedAt >>> 0);
  const sequence = receipt.sequence;
  if (typeof sequence === "number" && Number.isSafeInteger(sequence) && sequence >= 0) {
    writeUint64(target, offset + 448, Math.floor(sequence / TWO_POW_32), sequence >>> 0);
  } else if (typeof sequence === "bigint" && sequence >= 0n && sequence <= UINT64_MAX) {
    writeUint64(target, offset + 448, Number(sequence >> 32n), Number(sequence & 0xffffffffn));
  } else {
    throw new InvalidReceiptError({
      field: "sequence",
      expected: "an integer in [0, 2^64-1] (uint64; bigint, or a number below 2^53)",
      found: sequence,
    });
  }
}

/** Returns the canonical 480-byte encoding `abi.encode(RECEIPT_TYPEHASH, ...fields)`. */
export function encodeReceipt(receipt: ReceiptLeafFields): Uint8Array {
  const out = allocBytes(RECEIPT_ENCODED_LENGTH);
  encodeReceiptInto(receipt, out, 0, true);
  return out;
}

/**
 * The receipt hash: EIP-712 `hashStruct(Receipt)` = keccak256(abi.encode(RECEIPT_TYPEHASH, ...fields)).
 * Equals viem's `hashStruct({ primaryType: "Receipt", types: RECEIPT_EIP712_TYPES, data })`.
 */
export function hashReceipt(receipt: ReceiptLeafFields): Hex {
  const out = allocBytes(32);
  keccak256Into(encodeReceipt(receipt), 0, RECEIPT_ENCODED_LENGTH, out, 0);
  return readHex(out, 0, 32);
}

/** The Merkle leaf of a receipt: keccak256(receiptHash) (OpenZeppelin standardLeafHash of the same values). */
export function receiptLeaf(receipt: ReceiptLeafFields): Hex {
  const buf = allocBytes(32);
  keccak256Into(encodeReceipt(receipt), 0, RECEIPT_ENCODED_LENGTH, buf, 0);
  keccak256Into(buf, 0, 32, buf, 0);
  return readHex(buf, 0, 32);
}

/** The Merkle leaf of a receipt hash: keccak256(receiptHash). */
export function leafFromReceiptHash(receiptHash: Hex): Hex {
  const buf = allocBytes(32);
  if (!writeHex(buf, 0, receiptHash, 32)) {
    throw new InvalidReceiptError({ field: "receiptHash", expected: "0x-prefixed 32-byte hex", found: receiptHash });
  }
  keccak256Into(buf, 0, 32, buf, 0);
  return readHex(buf, 0, 32);
}
