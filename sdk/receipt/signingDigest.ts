/**
 * The EIP-712 digest a serving node signs, computed directly:
 *
 *   digest = keccak256(0x19 ‖ 0x01 ‖ RECEIPT_DOMAIN_SEPARATOR ‖ hashReceipt(receipt))
 *
 * with the domain separator a constant (the domain has no chainId and no verifyingContract)
 * and the struct hash through the SDK's own encoder and WebAssembly keccak — no generic
 * typed-data code on the hot path. Equals viem's `hashTypedData(receiptTypedData(receipt))`
 * (tested on random receipts in `test/sdk/receipt/fastPaths.test.ts`).
 *
 * @module
 */
import type { Hex } from "viem";

import { allocBytes, readHex, writeHex } from "../bytes/hex.js";
import { keccak256Into } from "../hash/keccak.js";
import { RECEIPT_DOMAIN_SEPARATOR, RECEIPT_ENCODED_LENGTH } from "./eip712.js";
import { encodeReceiptInto, type ReceiptLeafFields } from "./hashReceipt.js";

const encoding = allocBytes(RECEIPT_ENCODED_LENGTH);
const envelope = (() => {
  const b = allocBytes(66);
  b[0] = 0x19;
  b[1] = 0x01;
  writeHex(b, 2, RECEIPT_DOMAIN_SEPARATOR, 32);
  return b;
})();

/**
 * Writes the receipt's EIP-712 signing digest (32 bytes) at `out[outOff]`.
 * @throws {InvalidReceiptError} naming the field when a field has the wrong shape.
 */
export function receiptSigningDigestInto(receipt: ReceiptLeafFields, out: Uint8Array, outOff: number): void {
  encodeReceiptInto(receipt, encoding, 0, true);
  keccak256Into(encoding, 0, RECEIPT_ENCODED_LENGTH, envelope, 34);
  keccak256Into(envelope, 0, 66, out, outOff);
}

/**
 * The EIP-712 digest of a receipt: what its serving node signs.
 * @example
 * receiptSigningDigest(receipt) === hashTypedData(receiptTypedData(receipt)); // true
 */
export function receiptSigningDigest(receipt: ReceiptLeafFields): Hex {
  const out = allocBytes(32);
  receiptSigningDigestInto(receipt, out, 0);
  return readHex(out, 0, 32);
}
