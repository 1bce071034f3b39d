/**
 * EIP-712 signatures of receipts by their serving node. Domain
 * `{ name: "showwork", version: "1" }` (no chainId, no verifyingContract).
 * The signature is not part of the leaf.
 *
 * Hot paths (see docs/performance.md): the digest is computed directly
 * ({@link receiptSigningDigest}: a constant domain separator, the SDK's encoder and
 * WebAssembly keccak), and signing and recovery run on the fastest secp256k1 back end
 * available ({@link secp256k1Backend}: libsecp256k1's native prebuild under Node, else
 * libsecp256k1 as WebAssembly, @noble/curves in browsers). A viem account or wallet client still works as a signer (through its own
 * `signTypedData`); {@link privateKeyToReceiptSigner} signs on the fast path.
 *
 * @module
 */
import { isAddressEqual, type Account, type Address, type Hex } from "viem";

import { InvalidReceiptError, InvalidSignatureError } from "../errors.js";
import { allocBytes, isHexOfLength, readHex, writeHex } from "../bytes/hex.js";
import { keccak256Into } from "../hash/keccak.js";
import { toChecksumAddress } from "./address.js";
import { RECEIPT_EIP712_DOMAIN, RECEIPT_EIP712_TYPES } from "./eip712.js";
import { toReceiptStruct } from "./receiptStruct.js";
import { inRange, secp256k1Backend } from "./secp256k1.js";
import { receiptSigningDigestInto } from "./signingDigest.js";
import type { Receipt } from "./types.js";
import { isValidatedReceipt, markSignedHere, markValidated } from "./validated.js";

/**
 * A serving node's signer holding its private key: signs receipts synchronously on the fast
 * path (same bytes as viem's `signTypedData` with the same key). From {@link privateKeyToReceiptSigner}.
 */
export interface PrivateKeyReceiptSigner {
  /** The signer's checksummed address. */
  readonly address: Address;
  /**
   * Signs a receipt and returns it with `signature` set.
   * @throws {InvalidSignatureError} (`wrong-signer`) when the receipt's `servingNode` is another address.
   */
  signReceiptSync(receipt: Receipt): Receipt;
}

/**
 * Something that can sign a receipt: a {@link PrivateKeyReceiptSigner} (fast), a viem local
 * account, or a wallet client with an account.
 */
export type ReceiptSigner =
  | PrivateKeyReceiptSigner
  | { readonly address: Address; signTypedData: (args: ReceiptTypedData) => Promise<Hex> }
  | {
      readonly account: Account | undefined;
      signTypedData: (args: ReceiptTypedData & { account: Account }) => Promise<Hex>;
    };

/** The typed data of a receipt, as given to viem's `signTypedData` / `hashTypedData`. */
export type ReceiptTypedData = ReturnType<typeof receiptTypedData>;

/**
 * The EIP-712 typed data of a receipt (domain, types, primaryType, message) for viem.
 * @example
 * await walletClient.signTypedData({ account, ...receiptTypedData(receipt) });
 */
export function receiptTypedData(receipt: Receipt) {
  return {
    domain: RECEIPT_EIP712_DOMAIN,
    types: RECEIPT_EIP712_TYPES,
    primaryType: "Receipt" as const,
    message: toReceiptStruct(receipt),
  };
}

const digestScratch = allocBytes(32);
const keyScratch = new Uint8Array(32);
const sigScratch = allocBytes(65);
const pubScratch = allocBytes(64);
const addressScratch = allocBytes(32);

function addressOfPublicKey(publicKey: Uint8Array, off: number): Address {
  keccak256Into(publicKey, off, 64, addressScratch, 0);
  return toChecksumAddress(readHex(addressScratch, 12, 20))!;
}

/**
 * A receipt signer from a serving node's private key (32-byte hex). Signing runs on the fast
 * path: {@link receiptSigningDigest}, then libsecp256k1 (native, else WebAssembly) under Node
 * or @noble/curves elsewhere; deterministic (RFC 6979) and low-S, byte-identical to viem's
 * `privateKeyToAccount(key).signTypedData(receiptTypedData(receipt))`.
 * @throws {InvalidReceiptError} (`privateKey`) when the key is not 32-byte hex in [1, n).
 * @example
 * const signer = privateKeyToReceiptSigner(process.env.NODE_KEY as Hex);
 * const signed = signer.signReceiptSync(receipt);        // or: await signReceipt(signer, receipt)
 */
export function privateKeyToReceiptSigner(privateKey: Hex): PrivateKeyReceiptSigner {
  const key = new Uint8Array(32);
  if (!writeHex(key, 0, privateKey, 32) || !inRange(key, 0)) {
    // Never echo a secret: say what is wrong, not what was given.
    throw new InvalidReceiptError({
      field: "privateKey",
      expected: "a 0x-prefixed 32-byte hex private key in [1, n) (secp256k1)",
      found: typeof privateKey === "string" ? `a string of ${privateKey.length} characters` : typeof privateKey,
    });
  }
  const backend = secp256k1Backend();
  const publicKey = backend.publicKey(key)!;
  const address = addressOfPublicKey(publicKey, 0);
  return {
    address,
    signReceiptSync(receipt: Receipt): Receipt {
      if (!isAddressEqual(address, receipt.servingNode)) {
        throw new InvalidSignatureError({ reason: "wrong-signer", expectedSigner: receipt.servingNode, recoveredSigner: address });
      }
      receiptSigningDigestInto(receipt, digestScratch, 0);
      keyScratch.set(key);
      try {
        const recoveryId = backend.sign(digestScratch, keyScratch, sigScratch, 0);
        sigScratch[64] = 27 + recoveryId;
      } finally {
        keyScratch.fill(0);
      }
      const signed = { ...receipt, signature: readHex(sigScratch, 0, 65) };
      // Signed here by servingNode's own key: a validated receipt stays validated and is known to verify.
      return isValidatedReceipt(receipt) ? markSignedHere(signed) : signed;
    },
  };
}

/**
 * Signs a receipt as its serving node and returns the receipt with `signature` set.
 * @param signer - a {@link PrivateKeyReceiptSigner} (fast path), a viem `LocalAccount`
 *   (e.g. `privateKeyToAccount(key)`) or a `WalletClient` with an account.
 * @throws {InvalidSignatureError} (`wrong-signer`) when the signer is not the receipt's `servingNode`.
 * @example
 * const signed = await signReceipt(privateKeyToAccount(key), receipt);
 */
export async function signReceipt(signer: ReceiptSigner, receipt: Receipt): Promise<Receipt> {
  if ("signReceiptSync" in signer) return signer.signReceiptSync(receipt);
  const typedData = receiptTypedData(receipt);
  let signerAddress: Address;
  let signature: Hex;
  if ("address" in signer) {
    signerAddress = signer.address;
    if (!isAddressEqual(signerAddress, receipt.servingNode)) {
      throw new InvalidSignatureError({ reason: "wrong-signer", expectedSigner: receipt.servingNode, recoveredSigner: signerAddress });
    }
    signature = await signer.signTypedData(typedData);
  } else {
    const account = signer.account;
    if (account === undefined) {
      throw new InvalidReceiptError({ field: "signer.account", expected: "a wallet client with an account", found: undefined });
    }
    signerAddress = account.address;
    if (!isAddressEqual(signerAddress, receipt.servingNode)) {
      throw new InvalidSignatureError({ reason: "wrong-signer", expectedSigner: receipt.servingNode, recoveredSigner: signerAddress });
    }
    signature = await signer.signTypedData({ account, ...typedData });
  }
  const signed = { ...receipt, signature: signature.toLowerCase() as Hex };
  // A signature from another signer (account, wallet) is not known to verify: validated only when well formed.
  return isValidatedReceipt(receipt) && isHexOfLength(signed.signature, 65) ? markValidated(signed) : signed;
}

/** The outcome of checking one receipt's signature (never thrown: see {@link checkReceiptSignature}). */
export type ReceiptSignatureCheck =
  | { readonly valid: true; readonly signer: Address }
  | {
      readonly valid: false;
      readonly reason: "missing" | "malformed" | "wrong-signer";
      /** What exactly is wrong (e.g. "the v byte is 0x05; expected 0x1b or 0x1c (27/28) or 0/1"). */
      readonly detail: string;
      /** For `wrong-signer`: who did sign the receipt's digest. */
      readonly recoveredSigner?: Address;
    };

/** Writes the receipt's digest into `digestScratch`; returns the field error instead of throwing it. */
function digestOf(receipt: Receipt): InvalidReceiptError | undefined {
  try {
    receiptSigningDigestInto(receipt, digestScratch, 0);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidReceiptError) return error;
    throw error;
  }
}

/** Compares two addresses already known to be 0x + 40 hex digits (the digest checked `servingNode`). */
function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

type Recovered = { readonly signer: Address } | { readonly malformed: string };

/** Why a 65-byte signature is malformed, by code (0 = not malformed); shared with the parallel checker. */
export const MALFORMED_SIGNATURE = [
  "",
  "the v byte is not 0x1b or 0x1c (27 or 28), nor 0 or 1",
  "r is not in [1, n) (the secp256k1 group order)",
  "s is not in [1, n) (the secp256k1 group order)",
  "no public key recovers from it (r is not the x coordinate of a curve point, or the key would be the point at infinity)",
] as const;

/** The detail for a malformed-signature code, naming the v byte when that is what is wrong. */
export function malformedDetail(code: number, v: number): string {
  return code === 1
    ? `the v byte is 0x${v.toString(16).padStart(2, "0")}; expected 0x1b or 0x1c (27 or 28), or 0 or 1`
    : MALFORMED_SIGNATURE[code]!;
}

/** The checksummed address of a 64-byte public key x ‖ y at `publicKey[off]`. */
export function addressOfPublicKeyAt(publicKey: Uint8Array, off: number): Address {
  return addressOfPublicKey(publicKey, off);
}

/**
 * Recovers the signer of a 32-byte digest from a 65-byte signature r ‖ s ‖ v at `sig[sigOff]`,
 * with viem's rules: v is 27/28 (or 0/1); r and s in [1, n); high s accepted.
 * @internal
 */
export function recoverDigestSigner(digest: Uint8Array, sig: Uint8Array, sigOff: number): Recovered {
  const v = sig[sigOff + 64]!;
  const recoveryId = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
  let code = 0;
  if (recoveryId < 0) code = 1;
  else if (!inRange(sig, sigOff)) code = 2;
  else if (!inRange(sig, sigOff + 32)) code = 3;
  else if (!secp256k1Backend().recover(digest, sig, sigOff, recoveryId, pubScratch, 0)) code = 4;
  if (code !== 0) return { malformed: malformedDetail(code, v) };
  return { signer: addressOfPublicKey(pubScratch, 0) };
}

/**
 * Checks a receipt's EIP-712 signature against its `servingNode`, synchronously and without
 * throwing for a bad signature: the fast path the service's ingestion calls per receipt.
 * Agrees with {@link verifyReceiptSignature} (and viem's `recoverTypedDataAddress`) on every input.
 * @throws {InvalidReceiptError} only when a receipt field has the wrong shape (not a parsed receipt).
 * @example
 * const check = checkReceiptSignature(receipt);
 * if (!check.valid) console.log(check.reason, check.detail);
 */
export function checkReceiptSignature(receipt: Receipt): ReceiptSignatureCheck {
  if (receipt.signature === undefined) {
    return { valid: false, reason: "missing", detail: "the receipt has no signature field" };
  }
  if (!writeHex(sigScratch, 0, receipt.signature, 65)) {
    return { valid: false, reason: "malformed", detail: "the signature is not 0x followed by 130 hex digits (65 bytes)" };
  }
  const digestError = digestOf(receipt);
  if (digestError !== undefined) {
    return { valid: false, reason: "malformed", detail: `its digest cannot be computed: ${digestError.shortMessage}` };
  }
  const recovered = recoverDigestSigner(digestScratch, sigScratch, 0);
  if ("malformed" in recovered) return { valid: false, reason: "malformed", detail: recovered.malformed };
  if (!sameAddress(recovered.signer, receipt.servingNode)) {
    return {
      valid: false,
      reason: "wrong-signer",
      detail: `signed by ${recovered.signer}, not by the receipt's servingNode ${receipt.servingNode}`,
      recoveredSigner: recovered.signer,
    };
  }
  return { valid: true, signer: recovered.signer };
}

/**
 * Recovers the address that signed the receipt, synchronously (the fast path of {@link recoverReceiptSigner}).
 * @throws {InvalidSignatureError} (`missing` or `malformed`, with the detail as its cause).
 */
export function recoverReceiptSignerSync(receipt: Receipt): Address {
  if (receipt.signature === undefined) {
    throw new InvalidSignatureError({ reason: "missing", expectedSigner: receipt.servingNode });
  }
  if (!writeHex(sigScratch, 0, receipt.signature, 65)) {
    throw new InvalidSignatureError({
      reason: "malformed",
      expectedSigner: receipt.servingNode,
      cause: new Error("the signature is not 0x followed by 130 hex digits (65 bytes)"),
    });
  }
  const digestError = digestOf(receipt);
  if (digestError !== undefined) {
    throw new InvalidSignatureError({ reason: "malformed", expectedSigner: receipt.servingNode, cause: digestError });
  }
  const recovered = recoverDigestSigner(digestScratch, sigScratch, 0);
  if ("malformed" in recovered) {
    throw new InvalidSignatureError({ reason: "malformed", expectedSigner: receipt.servingNode, cause: new Error(recovered.malformed) });
  }
  return recovered.signer;
}

/**
 * Recovers the address that signed the receipt.
 * @throws {InvalidSignatureError} (`missing` or `malformed`).
 */
export async function recoverReceiptSigner(receipt: Receipt): Promise<Address> {
  return recoverReceiptSignerSync(receipt);
}

/**
 * Throws unless the receipt carries a valid EIP-712 signature by its `servingNode`.
 * @throws {InvalidSignatureError} with reason `missing`, `malformed` or `wrong-signer` (expected vs recovered).
 */
export async function assertReceiptSignature(receipt: Receipt): Promise<void> {
  const recovered = recoverReceiptSignerSync(receipt);
  if (!sameAddress(recovered, receipt.servingNode)) {
    throw new InvalidSignatureError({ reason: "wrong-signer", expectedSigner: receipt.servingNode, recoveredSigner: recovered });
  }
}

/** True when the receipt carries a valid EIP-712 signature by its `servingNode` (false when missing or wrong). */
export async function verifyReceiptSignature(receipt: Receipt): Promise<boolean> {
  return checkReceiptSignature(receipt).valid;
}
