import type { Address, Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { firstBatchAnchoredSince } from "../public/firstBatchAnchoredSince.js";
import { contractAddress, eventsOf, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link reportSignerCompromise}. */
export interface ReportSignerCompromiseParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The serving node's address (the key that may have leaked). */
  readonly signer: Address;
  /** The earliest moment the key may have leaked (unix seconds); not in the future. */
  readonly since: number;
  /** The first batch not trusted (default: the first batch anchored at or after `since`, read from the chain). */
  readonly fromBatch?: bigint | undefined;
  /** Lowest block considered when `fromBatch` is computed (default 0; only blocks from `since` on are scanned for events). */
  readonly fromBlock?: bigint | undefined;
}

/** What {@link reportSignerCompromise} returns: the batch cut-off used, and (with `wait`) whether the report changed. */
export type ReportSignerCompromiseReturnType<wait extends boolean = false> = Written<{ readonly changed: boolean; readonly fromBatch: bigint }, wait> & { readonly fromBatch: bigint };

/**
 * Reports a serving node's key as compromised since `since`: from then on no receipt it signs is valid unless its
 * batch was anchored before `since`, whatever `issuedAt` it claims; the node is revoked too and can never be granted
 * again. Log admin only. Also revoke the node's access token at the anchoring service (`showwork token revoke`).
 * @example
 * await reportSignerCompromise(walletClient, { receiptLogs, logId, signer, since: leakedAt, wait: true });
 */
export async function reportSignerCompromise<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: ReportSignerCompromiseParameters<wait>,
): Promise<ReportSignerCompromiseReturnType<wait>> {
  const action = "reportSignerCompromise";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const fromBatch = params.fromBatch ?? (await firstBatchAnchoredSince(client, { receiptLogs: address, logId: params.logId, since: params.since, fromBlock: params.fromBlock })).batchIndex;
  const request = { action, address, abi: receiptLogsAbi, functionName: "reportSignerCompromise", args: [params.logId, params.signer, BigInt(params.since), fromBatch] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash, fromBatch } as unknown as ReportSignerCompromiseReturnType<wait>;
  return { hash, receipt, fromBatch, changed: eventsOf(receipt, address, receiptLogsAbi, "SignerCompromised").length > 0 } as unknown as ReportSignerCompromiseReturnType<wait>;
}
