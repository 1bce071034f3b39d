/**
 * The deployments record: where the showwork contracts live on each chain.
 *
 * `deployments/deployments.json` is written by `npm run deploy -- --network NAME`
 * and committed. Its saved form is versioned JSON (`format:
 * "showwork/deployments@1"`): {@link parseDeploymentsRecord} rejects unknown
 * formats and re-validates every field, so a hand-edited or truncated record
 * fails loudly instead of pointing a verifier at the wrong contract.
 *
 * @module
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";

import { InvalidDeploymentsRecordError } from "./errors.js";

/** The `format` tag of a version-1 deployments record. */
export const DEPLOYMENTS_FORMAT = "showwork/deployments@1";

/** The contracts every showwork deployment consists of. */
export const CONTRACT_NAMES = ["ReceiptLogs", "ModelTimeline", "AnswerEscrow"] as const;

/** The name of one of the {@link CONTRACT_NAMES}. */
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** One deployed contract. */
export interface ContractDeployment {
  /** Checksummed address. */
  address: Address;
  /** Source file, relative to the repository root, e.g. `contracts/ReceiptLogs.sol`. */
  sourceName: string;
  /** Constructor arguments as deployed (addresses as checksummed strings). */
  constructorArgs: string[];
  /**
   * keccak256 of the init code (creation bytecode ‖ ABI-encoded constructor
   * arguments). Together with `create2.factory` and `create2.salt` it
   * determines `address`: anyone can recompute it from a checkout.
   */
  initCodeHash: Hex;
  /** Hash of the transaction that created the contract (a call to the CREATE2 factory). */
  txHash: Hex;
  /** Block of that transaction. */
  blockNumber: number;
}

/** How the contracts were compiled: identical settings give identical bytecode, hence identical addresses. */
export interface CompilerRecord {
  /** Full solc version, e.g. `0.8.30+commit.73712a01`. */
  solcVersion: string;
  /** Hardhat build profile the contracts were built with (always `production` for deployments). */
  buildProfile: string;
  /**
   * The solc `settings` (optimizer, evmVersion, ...) minus `outputSelection` and the remappings Hardhat
   * generates per build from the imports (dependency versions come from the lockfile).
   */
  settings: Record<string, unknown>;
}

/** Where an explorer shows a chain's contracts (and their verified source). */
export interface ExplorerRecord {
  name: string;
  url: string;
}

/** The contracts of one deployment on one chain. */
export interface DeploymentRecord {
  /** Hardhat network name used to deploy (e.g. `sepolia`). */
  network: string;
  /** Lowest block holding any of the contracts: start log scans here. */
  deploymentBlock: number;
  /** CREATE2 factory and salt shared by all contracts. */
  create2: { factory: Address; salt: Hex };
  compiler: CompilerRecord;
  contracts: Record<ContractName, ContractDeployment>;
}

/** Everything recorded for one chain: the current deployment plus superseded ones. */
export interface ChainDeployment extends DeploymentRecord {
  chainId: number;
  /** Human name of the chain, e.g. `Sepolia`. */
  chainName: string;
  /** Block explorers for this chain (empty for local chains). */
  explorers: ExplorerRecord[];
  /**
   * Earlier deployments on this chain, newest first. A bundle anchored to a
   * superseded contract still verifies against that contract.
   */
  previous: DeploymentRecord[];
}

/** The whole record: chain id (decimal string) → {@link ChainDeployment}. */
export interface DeploymentsRecord {
  format: typeof DEPLOYMENTS_FORMAT;
  chains: Record<string, ChainDeployment>;
}

/** An empty record. */
export function emptyDeploymentsRecord(): DeploymentsRecord {
  return { format: DEPLOYMENTS_FORMAT, chains: {} };
}

/**
 * Validates a parsed deployments record (e.g. the result of `JSON.parse`)
 * and returns it with addresses checksummed.
 *
 * @throws {InvalidDeploymentsRecordError} on an unknown format or any invalid field, naming the field.
 * @example
 * const record = parseDeploymentsRecord(JSON.parse(await readFile("deployments/deployments.json", "utf8")));
 */
export function parseDeploymentsRecord(value: unknown, source = "deployments record"): DeploymentsRecord {
  const v = new Validator(source);
  const root = v.object(value, "");
  if (root.format !== DEPLOYMENTS_FORMAT) {
    v.fail("format", `expected ${JSON.stringify(DEPLOYMENTS_FORMAT)}`, root.format);
  }
  const chainsIn = v.object(root.chains, "chains");
  const chains: Record<string, ChainDeployment> = {};
  for (const [key, entry] of Object.entries(chainsIn)) {
    const path = `chains.${key}`;
    if (!/^[1-9][0-9]*$/.test(key)) v.fail(path, "expected a decimal chain id as key", key);
    const e = v.object(entry, path);
    const chainId = v.integer(e.chainId, `${path}.chainId`);
    if (String(chainId) !== key) v.fail(`${path}.chainId`, `expected ${key} (the key of this entry)`, chainId);
    const previousIn = e.previous === undefined ? [] : v.array(e.previous, `${path}.previous`);
    chains[key] = {
      chainId,
      chainName: v.string(e.chainName, `${path}.chainName`),
      ...parseDeployment(v, e, path),
      explorers: v.array(e.explorers, `${path}.explorers`).map((x, i) => {
        const o = v.object(x, `${path}.explorers[${i}]`);
        return { name: v.string(o.name, `${path}.explorers[${i}].name`), url: v.string(o.url, `${path}.explorers[${i}].url`) };
      }),
      previous: previousIn.map((p, i) => parseDeployment(v, v.object(p, `${path}.previous[${i}]`), `${path}.previous[${i}]`)),
    };
  }
  return { format: DEPLOYMENTS_FORMAT, chains };
}

function parseDeployment(v: Validator, e: Record<string, unknown>, path: string): DeploymentRecord {
  const create2 = v.object(e.create2, `${path}.create2`);
  const compiler = v.object(e.compiler, `${path}.compiler`);
  const contractsIn = v.object(e.contracts, `${path}.contracts`);
  const contracts = {} as Record<ContractName, ContractDeployment>;
  for (const name of CONTRACT_NAMES) {
    const cp = `${path}.contracts.${name}`;
    const c = v.object(contractsIn[name], cp);
    contracts[name] = {
      address: v.address(c.address, `${cp}.address`),
      sourceName: v.string(c.sourceName, `${cp}.sourceName`),
      constructorArgs: v.array(c.constructorArgs, `${cp}.constructorArgs`).map((a, i) => v.string(a, `${cp}.constructorArgs[${i}]`)),
      initCodeHash: v.bytes32(c.initCodeHash, `${cp}.initCodeHash`),
      txHash: v.bytes32(c.txHash, `${cp}.txHash`),
      blockNumber: v.integer(c.blockNumber, `${cp}.blockNumber`),
    };
  }
  for (const extra of Object.keys(contractsIn)) {
    if (!(CONTRACT_NAMES as readonly string[]).includes(extra)) {
      v.fail(`${path}.contracts.${extra}`, `expected only ${CONTRACT_NAMES.join(", ")}`, extra);
    }
  }
  const deploymentBlock = v.integer(e.deploymentBlock, `${path}.deploymentBlock`);
  const lowest = Math.min(...CONTRACT_NAMES.map((n) => contracts[n].blockNumber));
  if (deploymentBlock !== lowest) {
    v.fail(`${path}.deploymentBlock`, `expected ${lowest} (the lowest contract blockNumber)`, deploymentBlock);
  }
  return {
    network: v.string(e.network, `${path}.network`),
    deploymentBlock,
    create2: { factory: v.address(create2.factory, `${path}.create2.factory`), salt: v.bytes32(create2.salt, `${path}.create2.salt`) },
    compiler: {
      solcVersion: v.string(compiler.solcVersion, `${path}.compiler.solcVersion`),
      buildProfile: v.string(compiler.buildProfile, `${path}.compiler.buildProfile`),
      settings: v.object(compiler.settings, `${path}.compiler.settings`),
    },
    contracts,
  };
}

class Validator {
  constructor(private readonly source: string) {}

  fail(path: string, expected: string, found: unknown): never {
    throw new InvalidDeploymentsRecordError({ source: this.source, path: path || "(root)", expected, found });
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) this.fail(path, "expected an object", value);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, "expected an array", value);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string" || value.length === 0) this.fail(path, "expected a non-empty string", value);
    return value;
  }

  integer(value: unknown, path: string): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      this.fail(path, "expected a non-negative integer", value);
    }
    return value;
  }

  address(value: unknown, path: string): Address {
    if (typeof value !== "string" || !isAddress(value, { strict: false })) this.fail(path, "expected a 20-byte hex address", value);
    return getAddress(value);
  }

  bytes32(value: unknown, path: string): Hex {
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) this.fail(path, "expected 32 bytes of 0x-prefixed hex", value);
    return value.toLowerCase() as Hex;
  }
}
