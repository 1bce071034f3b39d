/**
 * Reading and writing the deployments record files.
 *
 * - Public chains go to `deployments/deployments.json`, which is committed and
 *   bundled into the SDK.
 * - Development chains (a `hardhat node`: chain ids 31337 and 1337) go to
 *   `deployments/local.json`, which git ignores, so a rehearsal never lands in
 *   the record that testnet users rely on.
 * - SHOWWORK_DEPLOYMENTS_FILE overrides the path for both.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

import {
  emptyDeploymentsRecord,
  parseDeploymentsRecord,
  type ChainDeployment,
  type DeploymentRecord,
  type DeploymentsRecord,
} from "../../sdk/deployments/index.js";
import { readDeploymentsFile } from "../../sdk/deployments/readDeploymentsFile.js";

/** Chain ids of local development chains (Hardhat's default and the common 1337). */
export const DEVELOPMENT_CHAIN_IDS: readonly number[] = [31337, 1337];

export const COMMITTED_RECORD_PATH = "deployments/deployments.json";
export const LOCAL_RECORD_PATH = "deployments/local.json";

export function isDevelopmentChain(chainId: number): boolean {
  return DEVELOPMENT_CHAIN_IDS.includes(chainId);
}

/** The record file a deployment to `chainId` is written to, absolute. */
export function recordPathFor(root: string, chainId: number): string {
  const override = process.env.SHOWWORK_DEPLOYMENTS_FILE;
  if (override !== undefined && override !== "") return resolve(root, override);
  return resolve(root, isDevelopmentChain(chainId) ? LOCAL_RECORD_PATH : COMMITTED_RECORD_PATH);
}

/** The record at `path`, or an empty one when the file does not exist yet. */
export function loadRecord(path: string): DeploymentsRecord {
  return existsSync(path) ? readDeploymentsFile(path) : emptyDeploymentsRecord();
}

function deploymentPart(entry: ChainDeployment): DeploymentRecord {
  return {
    network: entry.network,
    deploymentBlock: entry.deploymentBlock,
    create2: entry.create2,
    compiler: entry.compiler,
    contracts: entry.contracts,
  };
}

function sameAddresses(a: DeploymentRecord, b: DeploymentRecord): boolean {
  return (Object.keys(a.contracts) as (keyof DeploymentRecord["contracts"])[]).every(
    (name) => a.contracts[name].address === b.contracts[name].address,
  );
}

/**
 * The record with `entry` as the chain's current deployment. A previous
 * deployment at other addresses is kept (newest first) under `previous`, so
 * bundles anchored to it can still be matched; one at the same addresses is
 * replaced.
 */
export function withDeployment(record: DeploymentsRecord, entry: Omit<ChainDeployment, "previous">): DeploymentsRecord {
  const key = String(entry.chainId);
  const existing = record.chains[key];
  let previous: DeploymentRecord[] = [];
  if (existing !== undefined) {
    previous = sameAddresses(existing, entry)
      ? existing.previous
      : [deploymentPart(existing), ...existing.previous.filter((p) => !sameAddresses(p, entry))];
  }
  const chains: Record<string, ChainDeployment> = { ...record.chains, [key]: { ...entry, previous } };
  const sorted = Object.fromEntries(Object.entries(chains).sort(([a], [b]) => Number(a) - Number(b)));
  // Round-trip through the validator: never write a record the SDK would reject.
  return parseDeploymentsRecord({ format: record.format, chains: sorted }, "deployments record to write");
}

/** Writes the record atomically (temp file + rename), pretty-printed with a final newline. */
export async function saveRecord(path: string, record: DeploymentsRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, path);
}
