/**
 * Reads a model's timeline (deployments, rollbacks, deactivations) from a ModelTimeline contract.
 *
 * Browser-safe (viem only).
 *
 * @module
 */
import type { Address, Hex, PublicClient } from "viem";

import { modelTimelineAbi } from "../contracts/abis.js";
import type { ModelTimelineView, TimelineActivation } from "./types.js";

/** Parameters of {@link readModelTimeline}. */
export interface ReadModelTimelineParameters {
  /** The ModelTimeline contract. */
  readonly contract: Address;
  /** The log whose timeline to read. */
  readonly logId: Hex;
  /** keccak256(utf8(model name)). */
  readonly modelId: Hex;
  /** Entries per call (default 200). */
  readonly pageSize?: number;
  /** Read at this block (default: latest). The monitor pins every read to one block. */
  readonly blockNumber?: bigint;
}

const KINDS = ["deployment", "rollback", "deactivation"] as const;

/**
 * Every entry of the model's timeline, oldest first, with each version's number and metadata URI.
 * @example
 * const view = await readModelTimeline(client, { contract, logId, modelId: modelIdFromName("acme-chat") });
 * for (const a of view.activations) console.log(a.kind, a.label, new Date(a.activatedAt * 1000));
 */
export async function readModelTimeline(client: PublicClient, params: ReadModelTimelineParameters): Promise<ModelTimelineView> {
  const timeline = { address: params.contract, abi: modelTimelineAbi, ...(params.blockNumber !== undefined ? { blockNumber: params.blockNumber } : {}) } as const;
  const pageSize = BigInt(params.pageSize ?? 200);
  const info = await client.readContract({ ...timeline, functionName: "modelInfo", args: [params.logId, params.modelId] });
  const [entries, versions] = await Promise.all([
    pages((start) => client.readContract({ ...timeline, functionName: "activations", args: [params.logId, params.modelId, start, pageSize] }), info.activationCount, pageSize),
    pages((start) => client.readContract({ ...timeline, functionName: "versions", args: [params.logId, params.modelId, start, pageSize] }), BigInt(info.versionCount), pageSize),
  ]);
  const uri = new Map(versions.map((v) => [v.version, v.metadataURI]));
  const activations: TimelineActivation[] = entries.map((entry, index) => ({
    index,
    kind: KINDS[entry.kind] ?? "deployment",
    versionNumber: entry.version,
    version: entry.weightsDigest,
    activatedAt: Number(entry.activatedAt),
    reason: entry.reason,
    label: entry.version > 0 ? `v${entry.version}` : "none",
    metadataURI: uri.get(entry.version) || undefined,
  }));
  return {
    contract: params.contract,
    logId: params.logId,
    modelId: params.modelId,
    name: info.name,
    registered: info.registered,
    activations,
    versions: versions.map((v) => ({ version: v.version, weightsDigest: v.weightsDigest, publishedAt: Number(v.publishedAt), metadataURI: v.metadataURI })),
  };
}

async function pages<T>(read: (start: bigint) => Promise<readonly T[]>, total: bigint, pageSize: bigint): Promise<T[]> {
  const starts: bigint[] = [];
  for (let start = 0n; start < total; start += pageSize) starts.push(start);
  return (await Promise.all(starts.map(read))).flat();
}
