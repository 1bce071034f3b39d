import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link grantAnchorer}. */
export interface GrantAnchorerParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The account that may anchor batches in the log. */
  readonly anchorer: Address;
}

/** What {@link grantAnchorer} returns; with `wait`, `changed` says whether the role changed (false: it already was so, no event). */
export type GrantAnchorerReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Authorises an account to anchor batch roots in the log. Log admin only.
 * @example
 * const { changed } = await grantAnchorer(walletClient, { receiptLogs, logId, anchorer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function grantAnchorer<wait extends boolean = false>(client: ShowworkWalletClient, params: GrantAnchorerParameters<wait>): Promise<GrantAnchorerReturnType<wait>> {
  const action = "grantAnchorer";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "grantAnchorer", args: [params.logId, params.anchorer] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as GrantAnchorerReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, receiptLogsAbi, "AnchorerGranted").length > 0 } as unknown as GrantAnchorerReturnType<wait>;
}
