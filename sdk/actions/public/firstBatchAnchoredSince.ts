import type { Address, Hex } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";

import { receiptLogsAbi } from "../../contracts/abis.js";
import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link firstBatchAnchoredSince}. */
export interface FirstBatchAnchoredSinceParameters {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** A unix time, seconds. */
  readonly since: number;
  /** First block to scan for `BatchAnchored` (default 0; public endpoints limit log queries: pass the deployment block). */
  readonly fromBlock?: bigint | undefined;
}

/** The index of the first batch of the log anchored at or after `since`, and the log's size when read. */
export interface FirstBatchAnchoredSinceReturnType {
  readonly batchIndex: bigint;
  readonly logSize: bigint;
}

/**
 * The first batch of a log anchored at or after a time (the log's size if none was): the `fromBatch` of a compromise
 * report ({@link reportSignerCompromise}). Reads the log's `BatchAnchored` events and binary-searches their blocks'
 * times (block times never decrease).
 * @example
 * const { batchIndex } = await client.firstBatchAnchoredSince({ logId, since: 1_767_000_000 });
 */
export async function firstBatchAnchoredSince(client: ShowworkReadClient, params: FirstBatchAnchoredSinceParameters): Promise<FirstBatchAnchoredSinceReturnType> {
  const address = contractAddress(params.receiptLogs, "receiptLogs", "firstBatchAnchoredSince");
  const head = await getBlock(client, { blockTag: "latest" });
  const logSize = await readContract(client, { address, abi: receiptLogsAbi, functionName: "logSize", args: [params.logId], blockNumber: head.number });
  const events = await getContractEvents(client, {
    address,
    abi: receiptLogsAbi,
    eventName: "BatchAnchored",
    args: { logId: params.logId },
    fromBlock: params.fromBlock ?? 0n,
    toBlock: head.number,
  });
  const anchored = events
    .map((event) => ({ index: event.args.index!, blockNumber: event.blockNumber }))
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
  if (BigInt(anchored.length) !== logSize) {
    throw new Error(`ReceiptLogs ${address} holds ${logSize} batches of log ${params.logId} but ${anchored.length} BatchAnchored events were found from block ${params.fromBlock ?? 0n}: pass an earlier fromBlock`);
  }
  const times = new Map<bigint, bigint>();
  const timeOf = async (blockNumber: bigint): Promise<bigint> => {
    let time = times.get(blockNumber);
    if (time === undefined) {
      time = (await getBlock(client, { blockNumber })).timestamp;
      times.set(blockNumber, time);
    }
    return time;
  };
  let low = 0;
  let high = anchored.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((await timeOf(anchored[mid]!.blockNumber)) >= BigInt(params.since)) high = mid;
    else low = mid + 1;
  }
  return { batchIndex: low < anchored.length ? anchored[low]!.index : logSize, logSize };
}
