import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link bindTimeline}. */
export interface BindTimelineParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The ModelTimeline to bind (default: the decorator's `contracts.modelTimeline`); it must serve this ReceiptLogs. */
  readonly timeline?: Address | undefined;
}

/** What {@link bindTimeline} returns. */
export type BindTimelineReturnType<wait extends boolean = false> = Written<{ readonly timeline: Address }, wait>;

/**
 * Binds the log, for good, to its ModelTimeline: verifiers read the log's model versions there and nowhere else.
 * Log admin only, once (the contract refuses a second binding and a timeline of another ReceiptLogs).
 * @example
 * await bindTimeline(walletClient, { receiptLogs, logId, timeline: modelTimeline, wait: true });
 */
export async function bindTimeline<wait extends boolean = false>(client: ShowworkWalletClient, params: BindTimelineParameters<wait>): Promise<BindTimelineReturnType<wait>> {
  const action = "bindTimeline";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const timeline = contractAddress(params.timeline, "modelTimeline", action);
  const request = { action, address, abi: receiptLogsAbi, functionName: "bindTimeline", args: [params.logId, timeline] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as BindTimelineReturnType<wait>;
  return { hash, receipt, timeline } as unknown as BindTimelineReturnType<wait>;
}
