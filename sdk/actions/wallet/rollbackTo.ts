import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";
import type { ActivationEvent } from "./deployVersion.js";

/** Parameters of {@link rollbackTo}. */
export interface RollbackToParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** keccak256(utf8(model name)): `modelIdFromName(name)`. */
  readonly modelId: Hex;
  /** The earlier version to make active again: its weights digest. */
  readonly weightsDigest: Hex;
  /** Why (recorded on-chain, shown by verifiers and audits; must not be empty). */
  readonly reason: string;
}

/** What {@link rollbackTo} returns; with `wait`, the new timeline entry. */
export type RollbackToReturnType<wait extends boolean = false> = Written<ActivationEvent, wait>;

/**
 * Records on-chain that an earlier version went live again now, and why. Log admin or timeline publishers.
 * @example
 * await rollbackTo(walletClient, { modelTimeline, logId, modelId, weightsDigest: v1, reason: "v2 approves invoices at 100x", wait: true });
 */
export async function rollbackTo<wait extends boolean = false>(client: ShowworkWalletClient, params: RollbackToParameters<wait>): Promise<RollbackToReturnType<wait>> {
  const action = "rollbackTo";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const request = {
    action,
    address,
    abi: modelTimelineAbi,
    functionName: "rollbackTo",
    args: [params.logId, params.modelId, params.weightsDigest, params.reason],
  } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash } as unknown as RollbackToReturnType<wait>;
  const event = requiredEvent<ActivationEvent>(receipt, request, "VersionRolledBack");
  return { hash, receipt, version: event.version, previousVersion: event.previousVersion, activationIndex: event.activationIndex } as unknown as RollbackToReturnType<wait>;
}
