import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";
import type { ActivationEvent } from "./deployVersion.js";

/** Parameters of {@link deactivateModel}. */
export interface DeactivateModelParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
  /** Why (recorded on-chain; must not be empty). */
  readonly reason: string;
}

/** What {@link deactivateModel} returns; with `wait`, the new timeline entry (`version` 0). */
export type DeactivateModelReturnType<wait extends boolean = false> = Written<ActivationEvent, wait>;

/**
 * Records on-chain that no version of the model is active from now on, and why. Log admin or timeline publishers.
 * @example
 * await deactivateModel(walletClient, { modelTimeline, logId, modelId, reason: "retired", wait: true });
 */
export async function deactivateModel<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: DeactivateModelParameters<wait>,
): Promise<DeactivateModelReturnType<wait>> {
  const action = "deactivateModel";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = { action, address, abi: modelTimelineAbi, functionName: "deactivateModel", args: [params.logId, params.modelId, params.reason] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as DeactivateModelReturnType<wait>;
  const event = requiredEvent<{ previousVersion: number; activationIndex: bigint }>(receipt, request, "ModelDeactivated");
  return { hash, receipt, version: 0, previousVersion: event.previousVersion, activationIndex: event.activationIndex } as unknown as DeactivateModelReturnType<wait>;
}
