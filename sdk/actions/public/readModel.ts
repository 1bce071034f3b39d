import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";

import { modelTimelineAbi } from "../../contracts/abis.js";
import type { ShowworkReadClient } from "../internal/asPublicClient.js";
import { contractAddress } from "../internal/sendWrite.js";

/** Parameters of {@link readModel}. */
export interface ReadModelParameters {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
}

/** One published version. */
export interface ModelVersion {
  /** 1-based, publication order. */
  readonly version: number;
  readonly weightsDigest: Hex;
  /** Unix seconds. */
  readonly publishedAt: number;
  readonly metadataURI: string;
}

/** A model in a log's timeline: registration, published versions and the active one. */
export interface ReadModelReturnType {
  readonly modelTimeline: Address;
  readonly logId: Hex;
  readonly modelId: Hex;
  /** false: the model is not registered in this log (every other field is then empty). */
  readonly registered: boolean;
  readonly name: string;
  /** Unix seconds (0 when not registered). */
  readonly registeredAt: number;
  /** Published versions, oldest first. */
  readonly versions: readonly ModelVersion[];
  /** The active version now (undefined: none deployed, or deactivated). */
  readonly active: ModelVersion | undefined;
  /** Timeline entries (deployments, rollbacks, deactivations) so far. */
  readonly activationCount: bigint;
}

/**
 * Reads a model's registration, its published versions and the active one.
 * @example
 * const model = await client.readModel({ logId, modelId: modelIdFromName("acme/chat") });
 * console.log(model.active ? `v${model.active.version} is live` : "no version is live");
 */
export async function readModel(client: ShowworkReadClient, params: ReadModelParameters): Promise<ReadModelReturnType> {
  const address = contractAddress(params.modelTimeline, "modelTimeline", "readModel");
  const contract = { address, abi: modelTimelineAbi } as const;
  const info = await readContract(client, { ...contract, functionName: "modelInfo", args: [params.logId, params.modelId] });
  const records =
    info.versionCount === 0
      ? []
      : await readContract(client, { ...contract, functionName: "versions", args: [params.logId, params.modelId, 0n, BigInt(info.versionCount)] });
  const versions: ModelVersion[] = records.map((v) => ({
    version: v.version,
    weightsDigest: v.weightsDigest,
    publishedAt: Number(v.publishedAt),
    metadataURI: v.metadataURI,
  }));
  return {
    modelTimeline: address,
    logId: params.logId,
    modelId: params.modelId,
    registered: info.registered,
    name: info.name,
    registeredAt: Number(info.registeredAt),
    versions,
    active: versions.find((v) => v.version === info.activeVersion),
    activationCount: info.activationCount,
  };
}
