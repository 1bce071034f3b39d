import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link revokeAnchorer}. */
export interface RevokeAnchorerParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The anchorer to remove. */
  readonly anchorer: Address;
}

/** What {@link revokeAnchorer} returns; with `wait`, `changed` says whether the role changed (false: it already was so, no event). */
export type RevokeAnchorerReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Withdraws an account's right to anchor in the log. Log admin only.
 * @example
 * await revokeAnchorer(walletClient, { receiptLogs, logId, anchorer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function revokeAnchorer<wait extends boolean = false>(client: ShowworkWalletClient, params: RevokeAnchorerParameters<wait>): Promise<RevokeAnchorerReturnType<wait>> {
  const action = "revokeAnchorer";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "revokeAnchorer", args: [params.logId, params.anchorer] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as RevokeAnchorerReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, receiptLogsAbi, "AnchorerRevoked").length > 0 } as unknown as RevokeAnchorerReturnType<wait>;
}
