/**
 * Hardhat's EDR network in this process, from an inline config: no Hardhat project of the user's,
 * no config file, no compilation (the contracts are deployed from the bytecode the package ships).
 * Used by `showwork dev` (served over HTTP, journaled) and by the service's embedded default.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ServiceConfigError } from "../service/errors.js";

/** A minimal EIP-1193 provider. */
export interface Eip1193Like {
  request(args: { readonly method: string; readonly params?: readonly unknown[] | object }): Promise<unknown>;
}

/** An EDR chain in this process. */
export interface EdrChain {
  readonly provider: Eip1193Like;
  readonly chainId: number;
  close(): Promise<void>;
}

/** What fixes a dev chain's genesis (and so its block hashes). */
export interface EdrGenesis {
  readonly chainId: number;
  /** The genesis block's time (ISO 8601, whole seconds). */
  readonly initialDate: string;
  /** Pinned so that a Hardhat upgrade does not change the chain's rules under a journal. */
  readonly hardfork: string;
}

/** The hardfork dev chains use. */
export const DEV_HARDFORK = "prague";

/** The folder of the showwork package (its package.json): Hardhat wants an npm project root. */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) {
      try {
        if ((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name === "showwork") return dir;
      } catch {
        // keep looking
      }
    }
    if (dirname(dir) === dir) return process.cwd();
  }
}

/** The version of EDR Hardhat runs (recorded in a dev chain's journal), or "unknown". */
export function edrVersion(): string {
  try {
    const require = createRequire(createRequire(join(packageRoot(), "package.json")).resolve("hardhat"));
    const main = require.resolve("@nomicfoundation/edr");
    for (let dir = dirname(main); dirname(dir) !== dir; dir = dirname(dir)) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "@nomicfoundation/edr") return pkg.version ?? "unknown";
      }
    }
  } catch {
    // not resolvable from here
  }
  return "unknown";
}

/**
 * Starts an EDR chain with `genesis` and no prefunded accounts (fund with `hardhat_setBalance`).
 * Transactions that revert are mined and reported in their receipts, as on a real node.
 * @throws {ServiceConfigError} when Hardhat cannot be loaded (with what to do).
 */
export async function startEdrChain(genesis: EdrGenesis): Promise<EdrChain> {
  let hreModule: typeof import("hardhat/hre");
  try {
    hreModule = await import("hardhat/hre");
  } catch (cause) {
    throw new ServiceConfigError("Cannot load Hardhat, which runs the local chain.", [
      `Cause: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
      "Do: reinstall showwork (`npm install showwork`; hardhat is one of its dependencies), under Node.js >= 22.13.",
    ]);
  }
  const hre = await hreModule.createHardhatRuntimeEnvironment(
    {
      networks: {
        showworkDev: {
          type: "edr-simulated",
          chainId: genesis.chainId,
          hardfork: genesis.hardfork,
          initialDate: genesis.initialDate,
          accounts: [],
          mining: { auto: true, interval: 0 },
          throwOnTransactionFailures: false,
          // Blocks keep the wall clock's time (several in one second share it), as on a real chain: a set-up of
          // nine transactions must not push the chain's clock ahead of the receipts' issuedAt.
          allowBlocksWithSameTimestamp: true,
        },
      },
    },
    {},
    packageRoot(),
  );
  const connection = await hre.network.create({ network: "showworkDev" });
  return {
    provider: connection.provider as unknown as Eip1193Like,
    chainId: genesis.chainId,
    close: () => connection.close(),
  };
}
