/**
 * Source verification of a recorded deployment on the block explorers
 * hardhat-verify knows for the chain: Etherscan (multichain v2 API, needs
 * ETHERSCAN_API_KEY), Blockscout (no key) and Sourcify (no key).
 *
 * An explorer that cannot be reached, has no instance for the chain, or has
 * no API key is skipped with a message saying why and how to retry; a
 * verification the explorer rejects is a failure.
 */
import { verifyContract } from "@nomicfoundation/hardhat-verify/verify";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CONTRACT_NAMES, type ChainDeployment } from "../../sdk/deployments/index.js";
import { DEPLOY_PLAN } from "./plan.js";

type Provider = "etherscan" | "blockscout" | "sourcify";

/** What happened with one explorer. */
export interface ExplorerOutcome {
  provider: Provider;
  status: "verified" | "skipped" | "failed";
  /** Why it was skipped or failed; or the verified contracts. */
  message: string;
}

// Documented Hardhat error numbers (HHE7, HHE80000, ...).
const ENV_VAR_NOT_FOUND = 7;
const NETWORK_NOT_SUPPORTED = 80000;
const EXPLORER_REQUEST_FAILED = 80001;
const EXPLORER_API_KEY_EMPTY = 80029;

function hardhatErrorNumber(error: unknown): number | undefined {
  if (error instanceof Error && "number" in error && typeof error.number === "number") return error.number;
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

async function etherscanKeyProblem(hre: HardhatRuntimeEnvironment): Promise<string | undefined> {
  if (!hre.config.verify.etherscan.enabled) return "disabled in hardhat.config.ts";
  try {
    const key = await hre.config.verify.etherscan.apiKey.get();
    return key === "" ? "ETHERSCAN_API_KEY is empty" : undefined;
  } catch (error) {
    if (hardhatErrorNumber(error) === ENV_VAR_NOT_FOUND) {
      return "ETHERSCAN_API_KEY is not set (set it with `npx hardhat keystore set ETHERSCAN_API_KEY` or as an environment variable)";
    }
    throw error;
  }
}

/**
 * Verifies every contract of `deployment` on every explorer configured for
 * its chain (hardhat-verify prints its progress). Never throws for an
 * explorer problem: returns one outcome per explorer.
 */
export async function verifySources(hre: HardhatRuntimeEnvironment, deployment: ChainDeployment): Promise<ExplorerOutcome[]> {
  const providers: Provider[] = ["etherscan", "blockscout", "sourcify"];
  const outcomes: ExplorerOutcome[] = [];
  for (const provider of providers) {
    if (provider === "etherscan") {
      const problem = await etherscanKeyProblem(hre);
      if (problem !== undefined) {
        outcomes.push({ provider, status: "skipped", message: problem });
        continue;
      }
    }
    if (!hre.config.verify[provider].enabled) {
      outcomes.push({ provider, status: "skipped", message: "disabled in hardhat.config.ts" });
      continue;
    }
    const verified: string[] = [];
    let outcome: ExplorerOutcome | undefined;
    for (const name of CONTRACT_NAMES) {
      const contract = deployment.contracts[name];
      try {
        await verifyContract(
          {
            address: contract.address,
            constructorArgs: contract.constructorArgs,
            contract: DEPLOY_PLAN[name].fqn,
            provider,
            creationTxHash: contract.txHash,
          },
          hre,
        );
        verified.push(name);
      } catch (error) {
        const n = hardhatErrorNumber(error);
        if (n === NETWORK_NOT_SUPPORTED) {
          outcome = { provider, status: "skipped", message: `no ${provider} instance is known for chain ${deployment.chainId}` };
        } else if (n === EXPLORER_REQUEST_FAILED) {
          outcome = { provider, status: "skipped", message: `explorer not reachable: ${firstLine(error)}` };
        } else if (n === EXPLORER_API_KEY_EMPTY) {
          outcome = { provider, status: "skipped", message: firstLine(error) };
        } else {
          outcome = { provider, status: "failed", message: `${name}: ${firstLine(error)}` };
        }
        break;
      }
    }
    outcomes.push(outcome ?? { provider, status: "verified", message: verified.join(", ") });
  }
  return outcomes;
}
