import { zeroAddress, type Address, type Hex } from "viem";
import { readContract } from "viem/actions";

import { receiptLogsAbi } from "../../contracts/abis.js";
import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link readLog}. */
export interface ReadLogParameters {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /** Read at this block (default: latest). */
  readonly blockNumber?: bigint | undefined;
}

/** A log's state. `exists: false` means no log has this id in this contract (the other fields are then empty). */
export interface ReadLogReturnType {
  readonly receiptLogs: Address;
  readonly logId: Hex;
  readonly exists: boolean;
  /** The account that manages anchorers and the anchoring promise. */
  readonly admin: Address;
  /** An admin transfer waiting to be accepted (zero address: none). */
  readonly pendingAdmin: Address;
  /** Batches anchored so far (the next batch gets this index). */
  readonly size: bigint;
  /** The chained head over every anchored batch. */
  readonly head: Hex;
  /** The declared maximum anchoring delay now, seconds (0: no promise). */
  readonly maxAnchorDelay: number;
  /** The ModelTimeline bound to the log (`bindTimeline`; zero address: none bound yet). Verifiers read versions only from it. */
  readonly timeline: Address;
}

/**
 * Reads a log's state from `ReceiptLogs`: admin, size, head, declared maximum anchoring delay, bound timeline.
 * @example
 * const log = await client.readLog({ logId });
 * if (!log.exists) throw new Error("no such log");
 * console.log(`${log.size} batches, admin ${log.admin}`);
 */
export async function readLog(client: ShowworkReadClient, params: ReadLogParameters): Promise<ReadLogReturnType> {
  const address = contractAddress(params.receiptLogs, "receiptLogs", "readLog");
  const at = params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber };
  const exists = await readContract(client, { address, abi: receiptLogsAbi, functionName: "logExists", args: [params.logId], ...at });
  if (!exists) {
    return { receiptLogs: address, logId: params.logId, exists, admin: zeroAddress, pendingAdmin: zeroAddress, size: 0n, head: `0x${"0".repeat(64)}`, maxAnchorDelay: 0, timeline: zeroAddress };
  }
  const call = <name extends "logAdmin" | "pendingLogAdmin" | "logSize" | "logHead" | "maxAnchorDelay" | "logTimeline">(functionName: name) =>
    ({ address, abi: receiptLogsAbi, functionName, args: [params.logId], ...at }) as const;
  const [admin, pendingAdmin, size, head, maxAnchorDelay, timeline] = await Promise.all([
    readContract(client, call("logAdmin")),
    readContract(client, call("pendingLogAdmin")),
    readContract(client, call("logSize")),
    readContract(client, call("logHead")),
    readContract(client, call("maxAnchorDelay")),
    readContract(client, call("logTimeline")),
  ]);
  return { receiptLogs: address, logId: params.logId, exists, admin, pendingAdmin, size, head, maxAnchorDelay, timeline };
}
