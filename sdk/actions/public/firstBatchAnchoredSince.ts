import type { Address, Hex } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { ShowworkError } from "../../errors.js";
import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link firstBatchAnchoredSince}. */
export interface FirstBatchAnchoredSinceParameters {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** A unix time, seconds. */
  readonly since: number;
  /** Lowest block to consider (default 0): the search for the first block at or after `since` starts there. */
  readonly fromBlock?: bigint | undefined;
  /** Blocks per `eth_getLogs` call (default 10,000; public endpoints limit the range). */
  readonly pageBlocks?: number | undefined;
}

/** The index of the first batch of the log anchored at or after `since`, and the log's size when read. */
export interface FirstBatchAnchoredSinceReturnType {
  readonly batchIndex: bigint;
  readonly logSize: bigint;
  /** The first block whose time is at or after `since` (the head + 1 when none is yet). */
  readonly sinceBlock: bigint;
}

/** The chain's answers do not add up (events missing, or the log's size at the block before `since` disagrees). */
export class BatchCutOffError extends ShowworkError {
  override name = "BatchCutOffError";
}

/**
 * The first batch of a log anchored at or after a time (the log's size if none was): the `fromBatch` of a compromise
 * report ({@link reportSignerCompromise}). Finds the first block at or after `since` by binary search over block
 * times (they never decrease), then reads the log's `BatchAnchored` events from that block to the head only — not
 * from block 0, which public endpoints refuse — in pages. The batches found there must be exactly the last ones of
 * the log (indices up to its size, none missing); where the endpoint keeps that state, the log's size at the block
 * before `since` must be the cut-off too.
 * @throws {BatchCutOffError} when the events do not cover the log's last batches, or the two answers disagree.
 * @example
 * const { batchIndex } = await client.firstBatchAnchoredSince({ logId, since: 1_767_000_000 });
 */
export async function firstBatchAnchoredSince(client: ShowworkReadClient, params: FirstBatchAnchoredSinceParameters): Promise<FirstBatchAnchoredSinceReturnType> {
  const address = contractAddress(params.receiptLogs, "receiptLogs", "firstBatchAnchoredSince");
  const head = await getBlock(client, { blockTag: "latest" });
  const sizeAt = (blockNumber: bigint) => readContract(client, { address, abi: receiptLogsAbi, functionName: "logSize", args: [params.logId], blockNumber });
  const logSize = await sizeAt(head.number);
  const since = BigInt(params.since);
  // The first block at or after `since`.
  let low = params.fromBlock ?? 0n;
  let high = head.number + 1n;
  if (head.timestamp < since) low = high;
  while (low < high) {
    const mid = (low + high) / 2n;
    if ((await getBlock(client, { blockNumber: mid })).timestamp >= since) high = mid;
    else low = mid + 1n;
  }
  const sinceBlock = low;
  const indices: bigint[] = [];
  const page = BigInt(params.pageBlocks ?? 10_000);
  for (let from = sinceBlock; from <= head.number; from += page) {
    const to = from + page - 1n < head.number ? from + page - 1n : head.number;
    const events = await getContractEvents(client, { address, abi: receiptLogsAbi, eventName: "BatchAnchored", args: { logId: params.logId }, fromBlock: from, toBlock: to });
    for (const event of events) indices.push(event.args.index!);
  }
  const batchIndex = indices.length === 0 ? logSize : indices.reduce((a, b) => (b < a ? b : a));
  const distinct = new Set(indices.map(String));
  if (distinct.size !== Number(logSize - batchIndex) || indices.some((i) => i >= logSize)) {
    throw new BatchCutOffError(`The BatchAnchored events of log ${params.logId} from block ${sinceBlock} do not cover its last batches.`, {
      metaMessages: [`Expected: batches ${batchIndex}..${logSize - 1n} (the log holds ${logSize})`, `Found: ${distinct.size} distinct batch events`, "Do: use another RPC endpoint (this one may omit events), or pass fromBatch yourself."],
    });
  }
  // Cross-check with the log's size just before `since`, where the endpoint keeps that state (an archive node).
  if (sinceBlock > 0n && sinceBlock <= head.number) {
    const before = await sizeAt(sinceBlock - 1n).catch(() => undefined);
    if (before !== undefined && before !== batchIndex) {
      throw new BatchCutOffError(`Log ${params.logId} held ${before} batches at block ${sinceBlock - 1n} (the last before ${params.since}), but its events say the first batch at or after that time is #${batchIndex}.`, {
        metaMessages: ["Do: use another RPC endpoint, or pass fromBatch yourself."],
      });
    }
  }
  return { batchIndex, logSize, sinceBlock };
}
