/**
 * Clients for the service: over an RPC URL (viem's HTTP transport), or on Hardhat's
 * in-process chain (the "embedded default": no node to start).
 *
 * The service signs with a local account (a private key): it must persist each signed
 * transaction before sending it.
 *
 * @module
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  type Chain,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ServiceConfigError } from "../errors.js";
import type { AnchorWalletClient } from "../anchor/anchorer.js";

/** The public and wallet clients the service uses. */
export interface ServiceClients {
  readonly publicClient: PublicClient;
  readonly walletClient: AnchorWalletClient;
  /** Releases the connection (the in-process chain ends with it). */
  close(): Promise<void>;
}

function chainWithId(id: number, url: string): Chain {
  return defineChain({
    id,
    name: `chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}

/** Checks a private key's shape. @throws {ServiceConfigError} */
export function parsePrivateKey(value: string, source: string): Hex {
  const key = value.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new ServiceConfigError(`${source} is not a private key.`, ["Expected: 0x followed by 64 hex digits"]);
  }
  return key as Hex;
}

/**
 * Clients over an RPC URL. The service does its own retries, so the transport does not retry.
 * @param timeoutMs - per request (default 10,000).
 */
export async function connectRpc(url: string, privateKey: Hex, options: { timeoutMs?: number } = {}): Promise<ServiceClients> {
  const transport = http(url, { retryCount: 0, timeout: options.timeoutMs ?? 10_000 });
  const probe = createPublicClient({ transport });
  let chainId: number | undefined;
  for (let attempt = 1; chainId === undefined; attempt++) {
    try {
      chainId = await probe.getChainId();
    } catch (cause) {
      if (attempt >= 8) {
        throw new ServiceConfigError(`Cannot reach the RPC endpoint ${url}.`, [`Cause: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`]);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** (attempt - 1))));
    }
  }
  const chain = chainWithId(chainId, url);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const walletClient = createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport });
  return { publicClient, walletClient, close: async () => undefined };
}

/**
 * Clients on Hardhat's in-process chain (EDR started from an inline config; the contracts come
 * from the bytecode the package ships). The anchoring account is `privateKey` or a fresh key, funded with
 * `hardhat_setBalance`. Pass `existing` (a Hardhat network connection) to share one in-process
 * chain with other clients (e.g. contracts deployed with hardhat-viem); the caller closes it.
 */
export async function connectEmbedded(
  privateKey?: Hex,
  existing?: { readonly provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> }; close(): Promise<void> },
): Promise<ServiceClients & { readonly privateKey: Hex }> {
  // Without a connection: Hardhat's EDR from an inline config (no Hardhat project needed; works from an installed package).
  const connection = existing ?? (await (await import("../../dev/edr.js")).startEdrChain({ chainId: 31337, hardfork: "prague", initialDate: new Date().toISOString() }));
  const provider = connection.provider as unknown as EIP1193Provider;
  const transport = custom(provider, { retryCount: 0 });
  const probe = createPublicClient({ transport });
  const chain = chainWithId(await probe.getChainId(), "http://in-process");
  const key = privateKey ?? generatePrivateKey();
  const account = privateKeyToAccount(key);
  const request = connection.provider.request.bind(connection.provider) as (args: { method: string; params: unknown[] }) => Promise<unknown>;
  await request({ method: "hardhat_setBalance", params: [account.address, "0x3635c9adc5dea00000"] }); // 1000 ETH
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const walletClient = createWalletClient({ account, chain, transport });
  // A connection passed in belongs to the caller, who closes it.
  return { publicClient, walletClient, privateKey: key, close: existing ? async () => undefined : () => connection.close() };
}
