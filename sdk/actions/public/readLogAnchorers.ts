import type { Address, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";

import { receiptLogsAbi } from "../../contracts/abis.js";
import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link readLogAnchorers}. */
export interface ReadLogAnchorersParameters {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  readonly logId: Hex;
  /**
   * First block to scan for grants (default 0). Public RPC endpoints limit log queries: pass the
   * deployments record's `deploymentBlock` (or the log's creation block).
   */
  readonly fromBlock?: bigint | undefined;
}

/** The accounts authorised to anchor in the log now, in the order they were (last) granted. */
export type ReadLogAnchorersReturnType = readonly Address[];

/**
 * Lists the log's current anchorers: every account an `AnchorerGranted` event names, kept when
 * `isAnchorer` still says true (the contract, not the event history, decides).
 * @example
 * const anchorers = await client.readLogAnchorers({ logId, fromBlock: deployment.deploymentBlock });
 */
export async function readLogAnchorers(client: ShowworkReadClient, params: ReadLogAnchorersParameters): Promise<ReadLogAnchorersReturnType> {
  const address = contractAddress(params.receiptLogs, "receiptLogs", "readLogAnchorers");
  const granted = await getContractEvents(client, {
    address,
    abi: receiptLogsAbi,
    eventName: "AnchorerGranted",
    args: { logId: params.logId },
    fromBlock: params.fromBlock ?? 0n,
    toBlock: "latest",
  });
  const accounts = [...new Set(granted.map((event) => event.args.account).filter((a): a is Address => a !== undefined))];
  const still = await Promise.all(
    accounts.map((account) => readContract(client, { address, abi: receiptLogsAbi, functionName: "isAnchorer", args: [params.logId, account] })),
  );
  return accounts.filter((_, i) => still[i]);
}
