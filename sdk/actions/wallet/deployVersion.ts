import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link deployVersion}. */
export interface DeployVersionParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
  /** The published version to make active: its weights digest. Must be newer than the active one. */
  readonly weightsDigest: Hex;
}

/** What a timeline activation (deploy, rollback, deactivation) returns once mined. */
export interface ActivationEvent {
  /** The version number active from now on (0 after a deactivation). */
  readonly version: number;
  /** The version number active before (0: none). */
  readonly previousVersion: number;
  /** The entry's position in the model's timeline. */
  readonly activationIndex: bigint;
}

/** What {@link deployVersion} returns; with `wait`, the new timeline entry. */
export type DeployVersionReturnType<wait extends boolean = false> = Written<ActivationEvent, wait>;

/**
 * Records on-chain that a newer version went live now. Log admin or timeline publishers.
 * @example
 * const { version, previousVersion } = await deployVersion(walletClient, { modelTimeline, logId, modelId, weightsDigest, wait: true });
 */
export async function deployVersion<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: DeployVersionParameters<wait>,
): Promise<DeployVersionReturnType<wait>> {
  const action = "deployVersion";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = { action, address, abi: modelTimelineAbi, functionName: "deployVersion", args: [params.logId, params.modelId, params.weightsDigest] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as DeployVersionReturnType<wait>;
  const event = requiredEvent<ActivationEvent>(receipt, request, "VersionDeployed");
  return { hash, receipt, version: event.version, previousVersion: event.previousVersion, activationIndex: event.activationIndex } as unknown as DeployVersionReturnType<wait>;
}
