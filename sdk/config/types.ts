/**
 * The project config: `.showwork/config.json` (committable, no secrets) and
 * `.showwork/secrets.json` (mode 0600, ignored by git through `.showwork/.gitignore`).
 * Every command and the capture helpers read it by default; environment variables override it,
 * flags override both. See docs/configuration.md.
 *
 * @module
 */
import type { Address, Hex } from "viem";

import type { ModelManifestEntry } from "../capture/manifest.js";

/** The config format tag. */
export const CONFIG_FORMAT = "showwork/config@1";

/** One anchoring target. `chains[0]` is the primary chain; more entries are extra targets. */
export interface ChainConfig {
  /** A name people say ("local", "sepolia"). */
  readonly name: string;
  readonly chainId: number;
  /** JSON-RPC endpoints, tried in order (at least one). */
  readonly rpc: readonly string[];
  /** The ReceiptLogs contract. */
  readonly receiptLogs?: Address | undefined;
  /** The ModelTimeline bound to the log. */
  readonly modelTimeline?: Address | undefined;
  /** The log (0x + 64 hex digits). */
  readonly logId?: Hex | undefined;
  /** Confirmations for "final". */
  readonly confirmations?: number | undefined;
  /** Block of the first deployment (where event scans start), when known. */
  readonly deploymentBlock?: number | undefined;
  /** Other fields (multichain: cadence, ...), kept as they are. */
  readonly [extra: string]: unknown;
}

/** `.showwork/config.json`. Paths are relative to the project root (the folder holding `.showwork/`). */
export interface ShowworkConfig {
  readonly format: typeof CONFIG_FORMAT;
  /** The operator: the account that administers the log (what verifiers pin). */
  readonly operator?: Address | undefined;
  readonly chains: readonly ChainConfig[];
  readonly service?: { readonly url?: string | undefined; readonly store?: string | undefined; readonly [extra: string]: unknown } | undefined;
  readonly evidence?: { readonly store?: string | undefined; readonly [extra: string]: unknown } | undefined;
  readonly capture?:
    | {
        readonly queue?: string | undefined;
        readonly models?: Readonly<Record<string, ModelManifestEntry>> | undefined;
        /** The serving node's address (its key is `nodeKey` in the secrets). */
        readonly node?: Address | undefined;
        readonly [extra: string]: unknown;
      }
    | undefined;
  /** Trust roots / checkpoints file (offline verification). */
  readonly trust?: string | undefined;
  /** Set by `showwork dev`: the local chain it runs. */
  readonly dev?: { readonly port?: number; readonly journal?: string; readonly [extra: string]: unknown } | undefined;
  readonly [extra: string]: unknown;
}

/** `.showwork/secrets.json`. Each key says whose it is. */
export interface ShowworkSecrets {
  /** The operator's key: administers the log (grants, timeline, models). */
  readonly operatorKey?: Hex | undefined;
  /** The anchoring account's key: the service's transactions. */
  readonly anchorerKey?: Hex | undefined;
  /** The serving node's key: signs receipts. */
  readonly nodeKey?: Hex | undefined;
  /** A token of the service's HTTP API. */
  readonly serviceToken?: string | undefined;
  /** The evidence store's encryption key. */
  readonly evidenceKey?: string | undefined;
}

/** The secret names, in the order they are printed. */
export const SECRET_NAMES = ["operatorKey", "anchorerKey", "nodeKey", "serviceToken", "evidenceKey"] as const satisfies readonly (keyof ShowworkSecrets)[];

/** Where a resolved value came from: a file (and field), an environment variable, or a default. */
export type ValueSource = { readonly kind: "file"; readonly file: string; readonly field: string } | { readonly kind: "env"; readonly name: string } | { readonly kind: "default" };
