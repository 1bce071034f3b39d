import type { Address, Hex } from "viem";

import { modelTimelineAbi } from "../../contracts/abis.js";
import { modelIdFromName } from "../../receipt/modelId.js";
import { contractAddress, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link registerModel}. */
export interface RegisterModelParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ModelTimeline` contract (default: the decorator's `contracts.modelTimeline`). */
  readonly modelTimeline?: Address | undefined;
  readonly logId: Hex;
  /** The model's name, as receipts name it (its id is keccak256(utf8(name))). */
  readonly name: string;
}

/** What {@link registerModel} returns: the model id. */
export type RegisterModelReturnType<wait extends boolean = false> = Written<object, wait> & { readonly modelId: Hex };

/**
 * Registers a model in the log's timeline. Log admin or timeline publishers.
 * @example
 * const { modelId } = await registerModel(walletClient, { modelTimeline, logId, name: "acme/chat", wait: true });
 */
export async function registerModel<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: RegisterModelParameters<wait>,
): Promise<RegisterModelReturnType<wait>> {
  const action = "registerModel";
  const address = contractAddress(params.modelTimeline, "modelTimeline", action);
  const modelId = modelIdFromName(params.name);
  const request = { action, address, abi: modelTimelineAbi, functionName: "registerModel", args: [params.logId, modelId, params.name] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  return (receipt === undefined ? { hash, modelId } : { hash, receipt, modelId }) as unknown as RegisterModelReturnType<wait>;
}
