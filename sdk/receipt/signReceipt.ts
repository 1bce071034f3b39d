/**
 * EIP-712 signatures of receipts by their serving node. Domain
 * `{ name: "showwork", version: "1" }` (no chainId, no verifyingContract).
 * The signature is not part of the leaf.
 *
 * @module
 */
import { isAddressEqual, recoverTypedDataAddress, type Account, type Address, type Hex } from "viem";

import { InvalidReceiptError, InvalidSignatureError } from "../errors.js";
import { RECEIPT_EIP712_DOMAIN, RECEIPT_EIP712_TYPES } from "./eip712.js";
import { toReceiptStruct } from "./receiptStruct.js";
import type { Receipt } from "./types.js";

/** Something that can sign EIP-712 typed data: a viem local account, or a wallet client with an account. */
export type ReceiptSigner =
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

/**
 * Signs a receipt as its serving node and returns the receipt with `signature` set.
 * @param signer - a viem `LocalAccount` (e.g. `privateKeyToAccount(key)`) or a `WalletClient` with an account.
 * @throws {InvalidSignatureError} (`wrong-signer`) when the signer is not the receipt's `servingNode`.
 * @example
 * const signed = await signReceipt(privateKeyToAccount(key), receipt);
 */
export async function signReceipt(signer: ReceiptSigner, receipt: Receipt): Promise<Receipt> {
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
  return { ...receipt, signature: signature.toLowerCase() as Hex };
}

/**
 * Recovers the address that signed the receipt.
 * @throws {InvalidSignatureError} (`missing` or `malformed`).
 */
export async function recoverReceiptSigner(receipt: Receipt): Promise<Address> {
  if (receipt.signature === undefined) {
    throw new InvalidSignatureError({ reason: "missing", expectedSigner: receipt.servingNode });
  }
  try {
    return await recoverTypedDataAddress({ ...receiptTypedData(receipt), signature: receipt.signature });
  } catch (cause) {
    throw new InvalidSignatureError({ reason: "malformed", expectedSigner: receipt.servingNode, cause });
  }
}

/**
 * Throws unless the receipt carries a valid EIP-712 signature by its `servingNode`.
 * @throws {InvalidSignatureError} with reason `missing`, `malformed` or `wrong-signer` (expected vs recovered).
 */
export async function assertReceiptSignature(receipt: Receipt): Promise<void> {
  const recovered = await recoverReceiptSigner(receipt);
  if (!isAddressEqual(recovered, receipt.servingNode)) {
    throw new InvalidSignatureError({ reason: "wrong-signer", expectedSigner: receipt.servingNode, recoveredSigner: recovered });
  }
}

/** True when the receipt carries a valid EIP-712 signature by its `servingNode` (false when missing or wrong). */
export async function verifyReceiptSignature(receipt: Receipt): Promise<boolean> {
  try {
    await assertReceiptSignature(receipt);
    return true;
  } catch (error) {
    if (error instanceof InvalidSignatureError) return false;
    throw error;
  }
}
