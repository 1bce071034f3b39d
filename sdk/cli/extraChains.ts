/**
 * The extra anchoring targets of `serve` / `anchor`: the project config's `chains[1..]`
 * (`chains[0]` is the primary chain, given by `--rpc` & co.). Each entry:
 *
 * ```json
 * { "name": "l1", "chainId": 11155111, "rpc": ["https://a", "https://b"],
 *   "receiptLogs": "0x…", "logId": "0x…", "confirmations": 12,
 *   "cadence": { "batches": 10, "maxWaitMs": 600000, "commit": "head" },
 *   "fees": { "maxFeePerGasWei": "50000000000", "feeBumpPercent": 25, "feeBumpAfterMs": 60000 } }
 * ```
 *
 * The anchoring key of chain NAME is `SHOWWORK_ANCHORER_KEY_<NAME>` (upper case, other characters
 * as `_`) when set, else the primary chain's key. Several `rpc` entries are tried in order (viem's
 * fallback transport).
 *
 * @module
 */
import { createPublicClient, createWalletClient, defineChain, fallback, http, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { ChainConfig } from "../config/types.js";
import type { AnchorerPolicy } from "../service/anchor/anchorer.js";
import type { ServiceExtraChain } from "../service/AnchoringService.js";
import { parsePrivateKey } from "../service/chain/connect.js";
import { ServiceConfigError } from "../service/errors.js";

const isAddress = (value: unknown): value is `0x${string}` => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
const isBytes32 = (value: unknown): value is Hex => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value);

/** The environment variable holding chain `name`'s anchoring key. */
export function anchorerKeyVariable(name: string): string {
  return `SHOWWORK_ANCHORER_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** An extra chain's anchoring policy from its config entry (confirmations, cadence, fees). @throws {ServiceConfigError} */
export function extraChainPolicy(chain: ChainConfig, where: string): Partial<AnchorerPolicy> {
  const policy: { -readonly [K in keyof AnchorerPolicy]?: AnchorerPolicy[K] } = {};
  const bad = (field: string, expected: string): never => {
    throw new ServiceConfigError(`${where}.${field} is not valid.`, [`Expected: ${expected}`]);
  };
  const int = (value: unknown, field: string, min: number): number => (Number.isSafeInteger(value) && (value as number) >= min ? (value as number) : bad(field, `an integer >= ${min}`));
  policy.confirmations = chain.confirmations === undefined ? (chain.chainId === 31337 || chain.chainId === 1337 ? 1 : 12) : int(chain.confirmations, "confirmations", 1);
  const cadence = chain.cadence as { batches?: unknown; maxWaitMs?: unknown; commit?: unknown } | undefined;
  if (cadence !== undefined) {
    if (typeof cadence !== "object" || cadence === null) bad("cadence", '{ "batches": N, "maxWaitMs": M, "commit": "roots" | "head" }');
    if (cadence.batches !== undefined) policy.cadenceBatches = int(cadence.batches, "cadence.batches", 1);
    if (cadence.maxWaitMs !== undefined) policy.cadenceMaxWaitMs = int(cadence.maxWaitMs, "cadence.maxWaitMs", 0);
    // "roots": every batch root (anchorMany); "head": one entry with the primary log's chained head covering them all.
    if (cadence.commit !== undefined) {
      if (cadence.commit !== "roots" && cadence.commit !== "head") bad("cadence.commit", '"roots" (every batch root) or "head" (one commitment to the primary log\'s head)');
      policy.commitHead = cadence.commit === "head";
    }
  }
  const fees = chain.fees as { maxFeePerGasWei?: unknown; feeBumpPercent?: unknown; feeBumpAfterMs?: unknown } | undefined;
  if (fees !== undefined) {
    if (typeof fees !== "object" || fees === null) bad("fees", '{ "maxFeePerGasWei": "…", "feeBumpPercent": N, "feeBumpAfterMs": M }');
    if (fees.maxFeePerGasWei !== undefined) {
      if (typeof fees.maxFeePerGasWei !== "string" || !/^\d+$/.test(fees.maxFeePerGasWei)) bad("fees.maxFeePerGasWei", "a decimal string of wei");
      policy.maxFeePerGasCap = BigInt(fees.maxFeePerGasWei as string);
    }
    if (fees.feeBumpPercent !== undefined) policy.feeBumpPercent = int(fees.feeBumpPercent, "fees.feeBumpPercent", 10);
    if (fees.feeBumpAfterMs !== undefined) policy.feeBumpAfterMs = int(fees.feeBumpAfterMs, "fees.feeBumpAfterMs", 0);
  }
  return policy;
}

/**
 * Connects to each extra chain of the config and describes it for the service.
 * @throws {ServiceConfigError} naming the entry and field that is missing or wrong.
 */
export async function connectExtraChains(
  chains: readonly ChainConfig[],
  defaultKey: Hex,
  env: NodeJS.ProcessEnv = process.env,
  options: { timeoutMs?: number } = {},
): Promise<ServiceExtraChain[]> {
  const out: ServiceExtraChain[] = [];
  for (const [i, chain] of chains.entries()) {
    const where = `chains[${i + 1}] ("${chain.name}")`;
    if (!isAddress(chain.receiptLogs)) throw new ServiceConfigError(`${where} has no receiptLogs address.`, ["Do: deploy ReceiptLogs on that chain and set chains[].receiptLogs."]);
    if (!isBytes32(chain.logId)) throw new ServiceConfigError(`${where} has no logId.`, ["Do: create the log on that chain (`showwork log create`) and set chains[].logId."]);
    if (chain.rpc.length === 0) throw new ServiceConfigError(`${where} has no rpc endpoint.`);
    const variable = anchorerKeyVariable(chain.name);
    const key = env[variable] === undefined ? defaultKey : parsePrivateKey(env[variable], variable);
    const transports = chain.rpc.map((url) => http(url, { retryCount: 0, timeout: options.timeoutMs ?? 10_000 }));
    const transport = transports.length === 1 ? transports[0]! : fallback(transports);
    const viemChain = defineChain({ id: chain.chainId, name: chain.name, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [...chain.rpc] } } });
    const publicClient = createPublicClient({ chain: viemChain, transport, pollingInterval: 250 }) as PublicClient;
    const walletClient = createWalletClient({ account: privateKeyToAccount(key), chain: viemChain, transport });
    out.push({
      name: chain.name,
      publicClient,
      walletClient,
      contract: chain.receiptLogs,
      logId: chain.logId,
      anchoring: extraChainPolicy(chain, where),
    });
  }
  return out;
}
