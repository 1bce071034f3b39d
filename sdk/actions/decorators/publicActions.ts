import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { readLog, type ReadLogParameters, type ReadLogReturnType } from "../public/readLog.js";
import { readLogAnchorers, type ReadLogAnchorersParameters, type ReadLogAnchorersReturnType } from "../public/readLogAnchorers.js";
import { firstBatchAnchoredSince, type FirstBatchAnchoredSinceParameters, type FirstBatchAnchoredSinceReturnType } from "../public/firstBatchAnchoredSince.js";
import { readModel, type ReadModelParameters, type ReadModelReturnType } from "../public/readModel.js";
import { readModelTimeline, type ReadModelTimelineParameters, type ReadModelTimelineReturnType } from "../public/readModelTimeline.js";
import { verifyBundle, type VerifyBundleParameters, type VerifyBundleReturnType } from "../public/verifyBundle.js";
import type { ShowworkContracts } from "../types.js";

/** Configuration of {@link showworkPublicActions}. */
export interface ShowworkActionsConfig {
  /** The contracts the actions use unless a call names others (e.g. `getDeployment(chainId).contracts` mapped to addresses). */
  readonly contracts: ShowworkContracts;
}

/** The read actions a client gains from {@link showworkPublicActions}. */
export type ShowworkPublicActions = {
  /** {@link verifyBundle}: verify one answer's proof bundle against this chain. */
  verifyBundle(params: VerifyBundleParameters): Promise<VerifyBundleReturnType>;
  /** {@link readLog}: a log's admin, size, head and anchoring promise. */
  readLog(params: ReadLogParameters): Promise<ReadLogReturnType>;
  /** {@link readLogAnchorers}: the accounts that may anchor in a log now. */
  readLogAnchorers(params: ReadLogAnchorersParameters): Promise<ReadLogAnchorersReturnType>;
  /** {@link firstBatchAnchoredSince}: the first batch anchored at or after a time (a compromise report's cut-off). */
  firstBatchAnchoredSince(params: FirstBatchAnchoredSinceParameters): Promise<FirstBatchAnchoredSinceReturnType>;
  /** {@link readModel}: a model's registration, versions and the active one. */
  readModel(params: ReadModelParameters): Promise<ReadModelReturnType>;
  /** {@link readModelTimeline}: a model's deployments, rollbacks and deactivations. */
  readModelTimeline(params: ReadModelTimelineParameters): Promise<ReadModelTimelineReturnType>;
};

/**
 * A viem decorator: the showwork read actions as methods of a public (or wallet) client, with the
 * contracts filled in.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { showworkPublicActions } from "showwork";
 *
 * const client = createPublicClient({ transport: http(rpcUrl) }).extend(showworkPublicActions({ contracts: { receiptLogs, modelTimeline } }));
 * const log = await client.readLog({ logId });
 * const verdict = await client.verifyBundle({ bundle });
 */
export function showworkPublicActions(config: ShowworkActionsConfig): (client: ShowworkReadClient) => ShowworkPublicActions {
  const { receiptLogs, modelTimeline } = config.contracts;
  return (client) => ({
    verifyBundle: (params) => verifyBundle(client, params),
    readLog: (params) => readLog(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    readLogAnchorers: (params) => readLogAnchorers(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    firstBatchAnchoredSince: (params) => firstBatchAnchoredSince(client, { ...params, receiptLogs: params.receiptLogs ?? receiptLogs }),
    readModel: (params) => readModel(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
    readModelTimeline: (params) => readModelTimeline(client, { ...params, modelTimeline: params.modelTimeline ?? modelTimeline }),
  });
}
