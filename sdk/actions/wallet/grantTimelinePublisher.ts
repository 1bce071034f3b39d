import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link grantTimelinePublisher}. */
export interface GrantTimelinePublisherParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** The account that may register models and publish, deploy and roll back versions for the log. */
  readonly publisher: Address;
}

/** What {@link grantTimelinePublisher} returns; with `wait`, `changed` says whether the role changed (false: it already was so, no event). */
export type GrantTimelinePublisherReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean }, wait>;

/**
 * Authorises an account to write the log's model timeline. Log admin only.
 * @example
 * await grantTimelinePublisher(walletClient, { modelTimeline, logId, publisher: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", wait: true });
 */
export async function grantTimelinePublisher<wait extends boolean = false>(client: ShowworkWalletClient, params: GrantTimelinePublisherParameters<wait>): Promise<GrantTimelinePublisherReturnType<wait>> {
  const action = "grantTimelinePublisher";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = { action, address, abi: modelTimelineAbi, functionName: "grantTimelinePublisher", args: [params.logId, params.publisher] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as GrantTimelinePublisherReturnType<wait>;
  return { hash, receipt, changed: eventsOf(receipt, address, modelTimelineAbi, "TimelinePublisherGranted").length > 0 } as unknown as GrantTimelinePublisherReturnType<wait>;
}
