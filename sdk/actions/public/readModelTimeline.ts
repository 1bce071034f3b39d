import type { Address, Hex } from "viem";

import { readModelTimeline as readModelTimelineWith } from "../../timeline/readModelTimeline.js";
import type { ModelTimelineView } from "../../timeline/types.js";
import { asPublicClient, type ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link readModelTimeline}. */
export interface ReadModelTimelineParameters {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
  /** Entries per call (default 200). */
  readonly pageSize?: number | undefined;
}

/** The model's timeline: every deployment, rollback (with its reason) and deactivation, oldest first. */
export type ReadModelTimelineReturnType = ModelTimelineView;

/**
 * Reads a model's timeline in a log.
 * @example
 * const view = await client.readModelTimeline({ logId, modelId: modelIdFromName("acme/chat") });
 * for (const a of view.activations) console.log(a.kind, a.label, new Date(a.activatedAt * 1000), a.reason);
 */
export async function readModelTimeline(client: ShowworkReadClient, params: ReadModelTimelineParameters): Promise<ReadModelTimelineReturnType> {
  const contract = contractAddress(params.modelTimeline, "modelTimeline", "readModelTimeline");
  return readModelTimelineWith(asPublicClient(client), {
    contract,
    logId: params.logId,
    modelId: params.modelId,
    ...(params.pageSize === undefined ? {} : { pageSize: params.pageSize }),
  });
}
