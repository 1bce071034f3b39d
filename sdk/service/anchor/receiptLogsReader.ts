/**
 * Reads of a `ReceiptLogs` log that the anchoring service reconciles against:
 * the log's size, a batch's root, and where a batch was anchored (its event).
 *
 * @module
 */
import type { Address, Hex, PublicClient } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";

/** Where to read a log. */
export interface LogLocation {
  readonly contract: Address;
  readonly logId: Hex;
}

const ZERO_ROOT = `0x${"0".repeat(64)}`;

/**
 * The number of batches anchored in the log (= the next batch index), at `blockNumber` (default: latest).
 * Pin the reads of one decision to one block: behind a load balancer, two "latest" reads can come
 * from nodes at different heights.
 */
export async function readLogSize(client: PublicClient, log: LogLocation, blockNumber?: bigint): Promise<number> {
  const size = await client.readContract({
    address: log.contract,
    abi: receiptLogsAbi,
    functionName: "logSize",
    args: [log.logId],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  return Number(size);
}

/** The root anchored at `index` (at `blockNumber`, default latest), or undefined when none. */
export async function readBatchRoot(client: PublicClient, log: LogLocation, index: number, blockNumber?: bigint): Promise<Hex | undefined> {
  const root = await client.readContract({
    address: log.contract,
    abi: receiptLogsAbi,
    functionName: "batchRoot",
    args: [log.logId, BigInt(index)],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  return root === ZERO_ROOT ? undefined : (root.toLowerCase() as Hex);
}

/** A `BatchAnchored` event of the log. */
export interface BatchAnchoredEvent {
  readonly index: number;
  readonly root: Hex;
  readonly leafCount: number;
  /** The log's head after this batch. */
  readonly head: Hex;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
}

/**
 * The `BatchAnchored` events of the log from `fromBlock` on, optionally for one index.
 * (On the canonical chain each index has at most one.)
 */
export async function findBatchAnchored(
  client: PublicClient,
  log: LogLocation,
  options: { fromBlock: number; toBlock?: number; index?: number },
): Promise<BatchAnchoredEvent[]> {
  const events = await client.getContractEvents({
    address: log.contract,
    abi: receiptLogsAbi,
    eventName: "BatchAnchored",
    args: options.index === undefined ? { logId: log.logId } : { logId: log.logId, index: BigInt(options.index) },
    fromBlock: BigInt(options.fromBlock),
    toBlock: options.toBlock === undefined ? "latest" : BigInt(options.toBlock),
    strict: true,
  });
  return events.map((e) => ({
    index: Number(e.args.index),
    root: e.args.root.toLowerCase() as Hex,
    leafCount: Number(e.args.leafCount),
    head: e.args.head.toLowerCase() as Hex,
    txHash: e.transactionHash,
    blockNumber: Number(e.blockNumber),
    blockHash: e.blockHash,
  }));
}
