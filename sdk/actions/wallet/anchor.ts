import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link anchor}. */
export interface AnchorParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** The batch's Merkle root (e.g. `ReceiptTree.of(receipts).root`). */
  readonly root: Hex;
  /** How many receipts the batch holds. */
  readonly leafCount: number | bigint;
  /**
   * The index this batch must get (default: the log's current size, read first). The contract
   * rejects the anchor when another batch took the index meanwhile, so a batch is never anchored twice
   * by a retry: pass it explicitly when you retry.
   */
  readonly expectedIndex?: number | bigint | undefined;
}

/** What {@link anchor} returns: the batch index; with `wait`, the log's new head. */
export type AnchorReturnType<wait extends boolean = false> = Written<{ readonly head: Hex }, wait> & { readonly index: bigint };

/**
 * Anchors one batch root in the log, at the next index. Anchorers only. (The anchoring service
 * does this for you, with retries and reorg handling; this is the single transaction.)
 * @example
 * const tree = ReceiptTree.of(receipts);
 * const { index, head } = await anchor(walletClient, { receiptLogs, logId, root: tree.root, leafCount: receipts.length, wait: true });
 */
export async function anchor<wait extends boolean = false>(client: ShowworkWalletClient, params: AnchorParameters<wait>): Promise<AnchorReturnType<wait>> {
  const action = "anchor";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const index =
    params.expectedIndex === undefined
      ? await readContract(client, { address, abi: receiptLogsAbi, functionName: "logSize", args: [params.logId] })
      : BigInt(params.expectedIndex);
  const request = { action, address, abi: receiptLogsAbi, functionName: "anchor", args: [params.logId, index, params.root, BigInt(params.leafCount)] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash, index } as unknown as AnchorReturnType<wait>;
  const event = requiredEvent<{ index: bigint; head: Hex }>(receipt, request, "BatchAnchored");
  return { hash, receipt, index: event.index, head: event.head } as unknown as AnchorReturnType<wait>;
}
