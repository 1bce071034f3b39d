import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link setMaxAnchorDelay}. */
export interface SetMaxAnchorDelayParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** Seconds within which the log promises to anchor each receipt from now on (0: no promise). */
  readonly maxAnchorDelay: number;
}

/** What {@link setMaxAnchorDelay} returns; with `wait`, from when the new promise holds (block time, unix seconds). */
export type SetMaxAnchorDelayReturnType<wait extends boolean = false> = Written<{ readonly since: number }, wait>;

/**
 * Changes the log's declared maximum anchoring delay (the history is kept on-chain). Log admin only.
 * @example
 * const { since } = await setMaxAnchorDelay(walletClient, { receiptLogs, logId, maxAnchorDelay: 600, wait: true });
 */
export async function setMaxAnchorDelay<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: SetMaxAnchorDelayParameters<wait>,
): Promise<SetMaxAnchorDelayReturnType<wait>> {
  const action = "setMaxAnchorDelay";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "setMaxAnchorDelay", args: [params.logId, params.maxAnchorDelay] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as SetMaxAnchorDelayReturnType<wait>;
  const event = requiredEvent<{ since: bigint }>(receipt, request, "MaxAnchorDelayChanged");
  return { hash, receipt, since: Number(event.since) } as unknown as SetMaxAnchorDelayReturnType<wait>;
}
