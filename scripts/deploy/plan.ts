/**
 * What a showwork deployment consists of, and where each contract lands.
 *
 * The Ignition modules (ignition/modules/<Contract>.ts) say how to deploy one
 * contract; this file says which module, with which constructor arguments, so
 * that addresses can be predicted before any transaction and checked after
 * Ignition ran. The deploy script refuses a result that differs from the
 * prediction.
 */
import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { encodeDeployData, keccak256, type Abi, type Address, type Hex } from "viem";

import { CONTRACT_NAMES, type CompilerRecord, type ContractName } from "../../sdk/deployments/index.js";
import { CREATE2_SALT, predictCreate2Address } from "./create2.js";

/** The build profile deployments are compiled with (fixed: it determines the bytecode, hence the addresses). */
export const DEPLOY_BUILD_PROFILE = "production";

interface PlannedContract {
  /** Fully qualified name of the artifact. */
  fqn: string;
  /** The Ignition module that deploys it alone (ignition/modules/<name>.ts); its id is the contract name. */
  modulePath: string;
  /** Constructor arguments, given the addresses of the contracts before it. */
  args: (addresses: Partial<Record<ContractName, Address>>) => Address[];
  /** The module's parameters, given the same addresses (must produce the same constructor arguments). */
  parameters: (addresses: Partial<Record<ContractName, Address>>) => Record<string, string>;
}

/** In deployment order. */
export const DEPLOY_PLAN: Record<ContractName, PlannedContract> = {
  ReceiptLogs: {
    fqn: "contracts/ReceiptLogs.sol:ReceiptLogs",
    modulePath: "ignition/modules/ReceiptLogs.ts",
    args: () => [],
    parameters: () => ({}),
  },
  ModelTimeline: {
    fqn: "contracts/ModelTimeline.sol:ModelTimeline",
    modulePath: "ignition/modules/ModelTimeline.ts",
    args: (a) => [required(a, "ReceiptLogs")],
    parameters: (a) => ({ receiptLogs: required(a, "ReceiptLogs") }),
  },
  AnswerEscrow: {
    fqn: "contracts/examples/AnswerEscrow.sol:AnswerEscrow",
    modulePath: "ignition/modules/AnswerEscrow.ts",
    args: (a) => [required(a, "ReceiptLogs")],
    parameters: (a) => ({ receiptLogs: required(a, "ReceiptLogs") }),
  },
};

function required(addresses: Partial<Record<ContractName, Address>>, name: ContractName): Address {
  const address = addresses[name];
  if (address === undefined) throw new Error(`${name} must be planned before the contracts that take its address`);
  return address;
}

/** A contract's predicted deployment. */
export interface PredictedContract {
  name: ContractName;
  fqn: string;
  /** Ignition parameters of the contract's module. */
  parameters: Record<string, string>;
  sourceName: string;
  abi: Abi;
  constructorArgs: Address[];
  initCode: Hex;
  initCodeHash: Hex;
  address: Address;
}

/** Predicted addresses of all contracts, from the compiled artifacts (build with the production profile first). */
export async function predictDeployment(hre: HardhatRuntimeEnvironment): Promise<Record<ContractName, PredictedContract>> {
  const addresses: Partial<Record<ContractName, Address>> = {};
  const predicted = {} as Record<ContractName, PredictedContract>;
  for (const name of CONTRACT_NAMES) {
    const plan = DEPLOY_PLAN[name];
    const artifact = await hre.artifacts.readArtifact(plan.fqn);
    const abi = artifact.abi as Abi;
    const constructorArgs = plan.args(addresses);
    const parameters = plan.parameters(addresses);
    const initCode = encodeDeployData({ abi, bytecode: artifact.bytecode as Hex, args: constructorArgs });
    const address = predictCreate2Address(initCode, CREATE2_SALT);
    addresses[name] = address;
    predicted[name] = {
      name,
      fqn: plan.fqn,
      parameters,
      sourceName: artifact.sourceName,
      abi,
      constructorArgs,
      initCode,
      initCodeHash: keccak256(initCode),
      address,
    };
  }
  return predicted;
}

/**
 * The compiler version and settings the contracts were built with, read from
 * their build info (minus outputSelection and the generated remappings). All
 * contracts must share them (one record per chain).
 */
export async function compilerRecord(hre: HardhatRuntimeEnvironment): Promise<CompilerRecord> {
  let record: CompilerRecord | undefined;
  for (const name of CONTRACT_NAMES) {
    const fqn = DEPLOY_PLAN[name].fqn;
    const id = await hre.artifacts.getBuildInfoId(fqn);
    const path = id === undefined ? undefined : await hre.artifacts.getBuildInfoPath(id);
    if (path === undefined) throw new Error(`No build info for ${fqn}: run \`npx hardhat build --build-profile production\``);
    const buildInfo = JSON.parse(await readFile(path, "utf8")) as {
      solcLongVersion: string;
      input: { settings: Record<string, unknown> };
    };
    // outputSelection does not change the bytecode; remappings are generated per isolated build from the
    // imports (they name the locked dependency versions, e.g. @openzeppelin/contracts@5.7.0).
    const { outputSelection: _outputSelection, remappings: _remappings, ...settings } = buildInfo.input.settings;
    const current: CompilerRecord = {
      solcVersion: buildInfo.solcLongVersion,
      buildProfile: DEPLOY_BUILD_PROFILE,
      settings,
    };
    if (record === undefined) {
      record = current;
    } else if (JSON.stringify(record) !== JSON.stringify(current)) {
      throw new Error(
        `${fqn} was compiled with other settings than ${DEPLOY_PLAN.ReceiptLogs.fqn}:\n` +
          `${JSON.stringify(current)}\nvs\n${JSON.stringify(record)}`,
      );
    }
  }
  if (record === undefined) throw new Error("no contracts planned");
  return record;
}
