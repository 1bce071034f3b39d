import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link grantSigner}. */
export interface GrantSignerParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The serving node's address (the key that signs receipts). */
  readonly signer: Address;
}

/** What {@link grantSigner} returns; with `wait`, `changed` says whether the authorisation changed (false: it already was so, no event). */
export type GrantSignerReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Authorises a serving node to sign the log's receipts, from this block's time on (a new period in its on-chain history). Log admin only.
 * @example
 * const { changed } = await grantSigner(walletClient, { receiptLogs, logId, signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function grantSigner<wait extends boolean = false>(client: ShowworkWalletClient, params: GrantSignerParameters<wait>): Promise<GrantSignerReturnType<wait>> {
  const action = "grantSigner";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "grantSigner", args: [params.logId, params.signer] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as GrantSignerReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, receiptLogsAbi, "SignerGranted").length > 0 } as unknown as GrantSignerReturnType<wait>;
}
