/**
 * The CreateX factory must exist on a chain before anything can be deployed
 * through it. It is already deployed (by its author, with one presigned
 * keyless transaction, at the same address everywhere) on Ethereum Sepolia,
 * Base Sepolia, OP Sepolia and Arbitrum Sepolia. On a local development node
 * (a `hardhat node`, any chain id) this module installs it the same way
 * Hardhat Ignition does on chain 31337: fund the presigned transaction's
 * sender, then broadcast that transaction. Anywhere else a missing factory
 * is an error that says what to do.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import type { EthereumProvider } from "hardhat/types/providers";
import { keccak256, type Hex, type PublicClient } from "viem";

import { CREATEX_ADDRESS, CREATEX_CODE_HASH } from "./create2.js";

/** Sender of CreateX's presigned deployment transaction (gas price 100 gwei, gas limit 3,000,000). */
const CREATEX_PRESIGNED_DEPLOYER = "0xeD456e05CaAb11d66C4c797dD6c1D6f9A7F352b5";
/** Enough to pay 3,000,000 gas at 100 gwei, with margin (what Ignition funds it with). */
const CREATEX_PRESIGNED_FUNDING = 400_000_000_000_000_000n;

export type CreateXStatus = "present" | "installed";

/** True when the node answers Hardhat's development RPC methods (a `hardhat node`). */
export async function isDevelopmentNode(provider: EthereumProvider): Promise<boolean> {
  try {
    await provider.request({ method: "hardhat_metadata" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure CreateX is deployed (with the expected code) at its canonical address.
 * @throws when it is missing on a chain that is not a local development node, or when its code differs.
 */
export async function ensureCreateX(client: PublicClient, provider: EthereumProvider): Promise<CreateXStatus> {
  const code = await client.getCode({ address: CREATEX_ADDRESS });
  if (code !== undefined && code !== "0x") {
    if (keccak256(code) !== CREATEX_CODE_HASH) {
      throw new Error(`The code at ${CREATEX_ADDRESS} is not CreateX (code hash ${keccak256(code)}, expected ${CREATEX_CODE_HASH}).`);
    }
    return "present";
  }
  const chainId = await client.getChainId();
  if (!(await isDevelopmentNode(provider))) {
    throw new Error(
      [
        `The CreateX factory is not deployed on chain ${chainId} (no code at ${CREATEX_ADDRESS}).`,
        "showwork deploys through CreateX so that every chain gets the same addresses.",
        "CreateX is deployed on Ethereum Sepolia, Base Sepolia, OP Sepolia and Arbitrum Sepolia; for another chain,",
        "have it deployed with CreateX's presigned transaction first (see the CreateX repository, \"New Deployments\").",
      ].join("\n"),
    );
  }
  const rawTx = await loadCreateXPresignedTx();
  await provider.request({
    method: "hardhat_setBalance",
    params: [CREATEX_PRESIGNED_DEPLOYER, `0x${CREATEX_PRESIGNED_FUNDING.toString(16)}`],
  });
  const hash = (await provider.request({ method: "eth_sendRawTransaction", params: [rawTx] })) as Hex;
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || receipt.contractAddress?.toLowerCase() !== CREATEX_ADDRESS.toLowerCase()) {
    throw new Error(`Installing CreateX failed (tx ${hash}, status ${receipt.status}, created ${receipt.contractAddress}).`);
  }
  const installed = await client.getCode({ address: CREATEX_ADDRESS });
  if (installed === undefined || keccak256(installed) !== CREATEX_CODE_HASH) {
    throw new Error("Installed CreateX but its code hash is not the expected one.");
  }
  return "installed";
}

/**
 * CreateX's presigned deployment transaction, as shipped inside
 * @nomicfoundation/ignition-core (which uses it for the same purpose).
 */
async function loadCreateXPresignedTx(): Promise<Hex> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@nomicfoundation/ignition-core/package.json"));
  const file = join(root, "dist/src/internal/execution/strategy/createx-artifact.js");
  const source = await readFile(file, "utf8");
  const match = /export const presignedTx = "(0x[0-9a-fA-F]+)"/.exec(source);
  if (match?.[1] === undefined) {
    throw new Error(`Could not find CreateX's presigned transaction in ${file} (did @nomicfoundation/ignition-core change?).`);
  }
  return match[1] as Hex;
}
