/**
 * The in-process chain for service tests: clients for a fresh funded key, ReceiptLogs
 * deployed and a log created (that key is admin and anchorer), and raw JSON-RPC access.
 */
import type { Address, Hex } from "viem";

import { connectEmbedded, type ServiceClients } from "../../../sdk/service/chain/connect.js";
import { setupServiceLog } from "../../../sdk/service/chain/setupLog.js";

export interface InProcessChain {
  readonly clients: ServiceClients & { readonly privateKey: Hex };
  readonly contract: Address;
  readonly logId: Hex;
  /** A raw JSON-RPC call (evm_mine, evm_snapshot, hardhat_dropTransaction, ...). */
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function inProcessChain(): Promise<InProcessChain> {
  const clients = await connectEmbedded();
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: "test" });
  const request = <T,>(method: string, params: unknown[] = []): Promise<T> =>
    (clients.publicClient.request as unknown as (args: { method: string; params: unknown[] }) => Promise<T>)({ method, params });
  return { clients, contract, logId, request, close: () => clients.close() };
}
