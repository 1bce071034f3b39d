/**
 * How every showwork write action sends its transaction: `writeContract` (viem: gas is estimated
 * first, so a revert arrives as viem's ContractFunctionExecutionError with the contract's decoded
 * custom error), then, when asked, the wait for the receipt and the decoding of one event.
 *
 * @module
 */
import { isAddressEqual, parseEventLogs, type Abi, type Account, type Address, type Chain, type Client, type Hex, type Log, type TransactionReceipt, type Transport } from "viem";
import { waitForTransactionReceipt, writeContract } from "viem/actions";

import { EventNotFoundError, MissingAccountError, MissingContractError, TransactionRevertedError } from "../errors.js";
import type { WriteOptions } from "../types.js";

/** A client that can sign and send: a viem wallet client (local or JSON-RPC account). */
export type ShowworkWalletClient = Client<Transport, Chain | undefined, Account | undefined>;

/** The address passed, else the configured one. @throws {MissingContractError} */
export function contractAddress(value: Address | undefined, contract: "receiptLogs" | "modelTimeline", action: string): Address {
  if (value === undefined) throw new MissingContractError({ contract, action });
  return value;
}

/** What one sent write is. */
export interface WriteRequest<abi extends Abi> {
  readonly action: string;
  readonly address: Address;
  readonly abi: abi;
  readonly functionName: string;
  readonly args: readonly unknown[];
}

/** Sends the write; with `wait`, waits for the receipt and returns the decoded logs of `address` too. */
export async function sendWrite<abi extends Abi>(
  client: ShowworkWalletClient,
  request: WriteRequest<abi>,
  options: WriteOptions,
): Promise<{ hash: Hex; receipt?: TransactionReceipt }> {
  const account = options.account ?? client.account;
  if (account === undefined) throw new MissingAccountError(request.action);
  const hash = await writeContract(client, {
    address: request.address,
    abi: request.abi as Abi,
    functionName: request.functionName,
    args: request.args,
    account,
    chain: client.chain ?? null,
  } as unknown as Parameters<typeof writeContract>[1]);
  if (!options.wait) return { hash };
  const receipt = await waitForTransactionReceipt(client, {
    hash,
    confirmations: options.confirmations ?? 1,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (receipt.status !== "success") throw new TransactionRevertedError({ action: request.action, hash, blockNumber: receipt.blockNumber });
  return { hash, receipt };
}

/** The events named `eventName` that `address` emitted in the receipt, decoded. */
export function eventsOf<abi extends Abi>(receipt: TransactionReceipt, address: Address, abi: abi, eventName: string): Log[] {
  const own = receipt.logs.filter((log) => isAddressEqual(log.address, address));
  return parseEventLogs({ abi: abi as Abi, logs: own, eventName }) as unknown as Log[];
}

/** The one event named `eventName` the write must have emitted, decoded. @throws {EventNotFoundError} */
export function requiredEvent<args>(receipt: TransactionReceipt, request: WriteRequest<Abi>, eventName: string): args {
  const [event] = eventsOf(receipt, request.address, request.abi, eventName) as unknown as { args: args }[];
  if (event === undefined) throw new EventNotFoundError({ action: request.action, hash: receipt.transactionHash, eventName });
  return event.args;
}
