import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link revokeSigner}. */
export interface RevokeSignerParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The serving node's address (the key that signs receipts). */
  readonly signer: Address;
}

/** What {@link revokeSigner} returns; with `wait`, `changed` says whether the authorisation changed (false: it already was so, no event). */
export type RevokeSignerReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Withdraws a serving node's authorisation for the log from this block's time on; receipts it signed before stay valid. Log admin only.
 * @example
 * const { changed } = await revokeSigner(walletClient, { receiptLogs, logId, signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function revokeSigner<wait extends boolean = false>(client: ShowworkWalletClient, params: RevokeSignerParameters<wait>): Promise<RevokeSignerReturnType<wait>> {
  const action = "revokeSigner";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "revokeSigner", args: [params.logId, params.signer] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as RevokeSignerReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, receiptLogsAbi, "SignerRevoked").length > 0 } as unknown as RevokeSignerReturnType<wait>;
}
