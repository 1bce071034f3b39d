/**
 * Fast recovery of a receipt's signer for the monitor, which checks every receipt of a log:
 * the EIP-712 digest keccak256(0x1901 ‖ domainSeparator ‖ hashReceipt(receipt)) with the domain
 * separator computed once, and secp256k1 public-key recovery with @noble/curves. Same result as
 * {@link recoverReceiptSigner} (viem's `recoverTypedDataAddress`); a test compares them.
 *
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { getAddress, hashDomain, type Address, type Hex } from "viem";

import { allocBytes, readHex, writeHex } from "../bytes/hex.js";
import { keccak256Into } from "../hash/keccak.js";
import { RECEIPT_EIP712_DOMAIN } from "../receipt/eip712.js";
import { hashReceipt } from "../receipt/hashReceipt.js";
import type { Receipt } from "../receipt/types.js";

const DIGEST_INPUT = (() => {
  const b = allocBytes(66);
  b[0] = 0x19;
  b[1] = 0x01;
  writeHex(b, 2, hashDomain({ domain: RECEIPT_EIP712_DOMAIN, types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }] } }), 32);
  return b;
})();

/** The EIP-712 digest a serving node signs for `receipt`. */
export function receiptSigningDigest(receipt: Receipt): Uint8Array {
  writeHex(DIGEST_INPUT, 34, hashReceipt(receipt), 32);
  const out = allocBytes(32);
  keccak256Into(DIGEST_INPUT, 0, 66, out, 0);
  return out;
}

const SIG = allocBytes(65);
const ADDRESS_HASH = allocBytes(32);

/**
 * The address whose key made `signature` (65 bytes r ‖ s ‖ v, v = 27/28 or 0/1) over the receipt,
 * or undefined when the signature is malformed or recovers no key.
 */
export function recoverSignerFast(receipt: Receipt, signature: Hex): Address | undefined {
  if (signature.length !== 132 || !writeHex(SIG, 1, signature.slice(0, 130), 64)) return undefined;
  const v = parseInt(signature.slice(130, 132), 16);
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return undefined;
  SIG[0] = recovery;
  let publicKey: Uint8Array;
  try {
    const compressed = secp256k1.recoverPublicKey(SIG, receiptSigningDigest(receipt), { prehash: false });
    publicKey = secp256k1.Point.fromBytes(compressed).toBytes(false);
  } catch {
    return undefined;
  }
  keccak256Into(publicKey, 1, 64, ADDRESS_HASH, 0);
  return getAddress(readHex(ADDRESS_HASH, 12, 20));
}
