import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link revokeTimelinePublisher}. */
export interface RevokeTimelinePublisherParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** The publisher to remove. */
  readonly publisher: Address;
}

/** What {@link revokeTimelinePublisher} returns; with `wait`, `changed` says whether the role changed (false: it already was so, no event). */
export type RevokeTimelinePublisherReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Withdraws an account's right to write the log's model timeline. Log admin only.
 * @example
 * await revokeTimelinePublisher(walletClient, { modelTimeline, logId, publisher: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function revokeTimelinePublisher<wait extends boolean = false>(client: ShowworkWalletClient, params: RevokeTimelinePublisherParameters<wait>): Promise<RevokeTimelinePublisherReturnType<wait>> {
  const action = "revokeTimelinePublisher";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = { action, address, abi: modelTimelineAbi, functionName: "revokeTimelinePublisher", args: [params.logId, params.publisher] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as RevokeTimelinePublisherReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, modelTimelineAbi, "TimelinePublisherRevoked").length > 0 } as unknown as RevokeTimelinePublisherReturnType<wait>;
}
