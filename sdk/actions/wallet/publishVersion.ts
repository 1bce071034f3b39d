import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link publishVersion}. */
export interface PublishVersionParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
  /** The version: a digest of the model's weights. */
  readonly weightsDigest: Hex;
  /** Where the version is described (model card, release notes); may be "". */
  readonly metadataURI?: string | undefined;
}

/** What {@link publishVersion} returns; with `wait`, the version number it got (1-based, publication order). */
export type PublishVersionReturnType<wait extends boolean = false> = Written<{ readonly version: number }, wait>;

/**
 * Publishes a version of a registered model (it is not active until deployed). Log admin or timeline publishers.
 * @example
 * const { version } = await publishVersion(walletClient, { modelTimeline, logId, modelId, weightsDigest, metadataURI: "ipfs://…", wait: true });
 */
export async function publishVersion<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: PublishVersionParameters<wait>,
): Promise<PublishVersionReturnType<wait>> {
  const action = "publishVersion";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = {
    action,
    address,
    abi: modelTimelineAbi,
    functionName: "publishVersion",
    args: [params.logId, params.modelId, params.weightsDigest, params.metadataURI ?? ""],
  } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as PublishVersionReturnType<wait>;
  const event = requiredEvent<{ version: number }>(receipt, request, "VersionPublished");
  return { hash, receipt, version: event.version } as unknown as PublishVersionReturnType<wait>;
}
