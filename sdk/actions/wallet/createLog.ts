import { encodeAbiParameters, keccak256, toHex, type Address, type Hex } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { MissingAccountError } from "../errors.js";
import { contractAddress, requiredEvent, sendWrite, type ShowworkWalletClient } from "../internal/sendWrite.js";
import type { WriteOptions, Written } from "../types.js";

/** Parameters of {@link createLog}. */
export interface CreateLogParameters<wait extends boolean = false> extends WriteOptions<wait> {
  /** The `ReceiptLogs` contract (default: the decorator's `contracts.receiptLogs`). */
  readonly receiptLogs?: Address | undefined;
  /** Seconds within which the log promises to anchor each receipt (0: no promise). */
  readonly maxAnchorDelay: number;
  /** 32 bytes that, with the sender, make the log id (default: random). */
  readonly salt?: Hex | undefined;
}

/** What {@link createLog} returns: the log id (known before mining: keccak256(abi.encode(sender, salt))). */
export type CreateLogReturnType<wait extends boolean = false> = Written<{ readonly genesisHead: Hex }, wait> & {
  readonly logId: Hex;
  readonly salt: Hex;
  readonly admin: Address;
};

/**
 * Creates a log; the sender becomes its admin.
 * @example
 * const { logId, hash } = await createLog(walletClient, { receiptLogs, maxAnchorDelay: 3600, wait: true });
 */
export async function createLog<wait extends boolean = false>(
  client: ShowworkWalletClient,
  params: CreateLogParameters<wait>,
): Promise<CreateLogReturnType<wait>> {
  const action = "createLog";
  const address = contractAddress(params.receiptLogs, "receiptLogs", action);
  const account = params.account ?? client.account;
  if (account === undefined) throw new MissingAccountError(action);
  const admin = typeof account === "string" ? account : account.address;
  const salt = params.salt ?? toHex(crypto.getRandomValues(new Uint8Array(32)));
  const logId = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [admin, salt]));
  const request = { action, address, abi: receiptLogsAbi, functionName: "createLog", args: [salt, params.maxAnchorDelay] } as const;
  const { hash, receipt } = await sendWrite(client, request, params);
  if (receipt === undefined) return { hash, logId, salt, admin } as unknown as CreateLogReturnType<wait>;
  const event = requiredEvent<{ logId: Hex; genesisHead: Hex }>(receipt, request, "LogCreated");
  return { hash, receipt, logId: event.logId, salt, admin, genesisHead: event.genesisHead } as unknown as CreateLogReturnType<wait>;
}
