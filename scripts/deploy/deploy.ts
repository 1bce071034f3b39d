/**
 * `npm run deploy -- --network NAME`
 *
 * Deploys ReceiptLogs, ModelTimeline and AnswerEscrow with Hardhat Ignition's
 * create2 strategy (CreateX factory, one fixed salt: the same addresses on
 * every chain), records them in the deployments record, then verifies the
 * sources on the chain's block explorers.
 *
 * Idempotent: a contract that already has code at its predicted address is
 * never sent again (its creation transaction comes from the record, or from
 * the factory's events). Each missing contract is deployed by its own Ignition
 * module (ignition/modules/<Contract>.ts) under its own deployment id,
 * `showwork-<chainId>-<Contract>-<8 hex digits of its init code hash>`, so an
 * interrupted run resumes from Ignition's journal and a changed contract gets
 * a fresh journal (and a new address) instead of a reconciliation error.
 *
 * Environment:
 *   SHOWWORK_DEPLOYMENTS_FILE          record path (default: deployments/deployments.json,
 *                                      deployments/local.json for chains 31337 and 1337)
 *   SHOWWORK_SKIP_VERIFY=1             do not verify sources
 *   HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1  do not ask for confirmation (non-interactive runs)
 */
import path from "node:path";
import { createInterface } from "node:readline/promises";

import { listTransactions } from "@nomicfoundation/ignition-core";
import hre from "hardhat";
import { formatEther, getAddress, parseAbiItem, type Hex, type PublicClient } from "viem";

import { CONTRACT_NAMES, type ChainDeployment, type ContractName, type ExplorerRecord } from "../../sdk/deployments/index.js";
import { CREATE2_SALT, CREATEX_ADDRESS } from "./create2.js";
import { ensureCreateX } from "./createx.js";
import { compilerRecord, DEPLOY_BUILD_PROFILE, DEPLOY_PLAN, predictDeployment, type PredictedContract } from "./plan.js";
import { isDevelopmentChain, loadRecord, recordPathFor, saveRecord, withDeployment } from "./record-file.js";
import { verifySources } from "./verify-sources.js";

type Predicted = Record<ContractName, PredictedContract>;

function say(line = ""): void {
  console.log(line);
}

async function main(): Promise<void> {
  if (hre.globalOptions.buildProfile !== DEPLOY_BUILD_PROFILE) {
    throw new Error(`Deployments must be built with --build-profile ${DEPLOY_BUILD_PROFILE} (use \`npm run deploy\`).`);
  }
  const connection = await hre.network.create();
  const { networkName, provider, viem } = connection;
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const development = isDevelopmentChain(chainId);
  const root = hre.config.paths.root;
  const recordPath = recordPathFor(root, chainId);
  const descriptor = hre.config.chainDescriptors.get(BigInt(chainId));
  const chainName = descriptor?.name ?? (development ? `Local development chain (${networkName})` : networkName);

  const [wallet] = await viem.getWalletClients();
  if (wallet === undefined) throw new Error(`Network ${networkName} has no account to deploy from.`);
  const deployer = getAddress(wallet.account.address);
  const balance = await publicClient.getBalance({ address: deployer });

  say(`showwork deploy → network ${networkName}, chain ${chainId} (${chainName})`);
  say(`  deployer  ${deployer}  balance ${formatEther(balance)}`);
  say(`  factory   CreateX ${CREATEX_ADDRESS}, salt ${CREATE2_SALT}`);
  say(`  record    ${path.relative(root, recordPath)}`);

  const predicted = await predictDeployment(hre);
  const missing: ContractName[] = [];
  say();
  for (const name of CONTRACT_NAMES) {
    const code = await publicClient.getCode({ address: predicted[name].address });
    const deployed = code !== undefined && code !== "0x";
    if (!deployed) missing.push(name);
    say(`  ${name.padEnd(14)}${predicted[name].address}  ${deployed ? "deployed" : "not deployed yet"}`);
  }
  say();

  const recorded = loadRecord(recordPath).chains[String(chainId)];
  const recordedTx = (name: ContractName): Hex | undefined =>
    recorded?.contracts[name].address === predicted[name].address ? recorded.contracts[name].txHash : undefined;

  let entry: Omit<ChainDeployment, "previous">;
  if (missing.length === 0 && recorded !== undefined && CONTRACT_NAMES.every((n) => recordedTx(n) !== undefined)) {
    say("Nothing to deploy: every contract is at its address and in the record.");
    entry = recorded;
  } else {
    if (missing.length > 0) {
      if (balance === 0n) {
        throw new Error(`The deployer ${deployer} has no funds on chain ${chainId}: fund it first (see docs/deployment.md).`);
      }
      await confirm(`Deploy ${missing.join(", ")} to ${networkName} (chain ${chainId}) from ${deployer}?`, chainId);
      const factory = await ensureCreateX(publicClient, provider);
      if (factory === "installed") say("Installed the CreateX factory on this development node (presigned transaction).");
    } else {
      say("Nothing to deploy: every contract is at its address. Recording it.");
    }
    const txHashes = {} as Record<ContractName, Hex>;
    for (const name of CONTRACT_NAMES) {
      txHashes[name] = missing.includes(name)
        ? await deployWithIgnition(chainId, predicted[name])
        : (recordedTx(name) ?? (await creationTransactionFromEvents(publicClient, predicted[name])));
    }
    entry = await deploymentEntry(publicClient, { chainId, chainName, networkName, predicted, txHashes });
  }

  const explorers: ExplorerRecord[] = [];
  for (const [kind, explorer] of Object.entries(descriptor?.blockExplorers ?? {})) {
    if (explorer?.url !== undefined) explorers.push({ name: explorer.name ?? kind, url: explorer.url });
  }
  entry = { ...entry, chainName, explorers };
  await saveRecord(recordPath, withDeployment(loadRecord(recordPath), entry));
  say(`Recorded chain ${chainId} in ${path.relative(root, recordPath)}.`);

  say();
  if (development) {
    say(`Source verification skipped: chain ${chainId} is a local development chain (no block explorer).`);
    return;
  }
  if (process.env.SHOWWORK_SKIP_VERIFY === "1") {
    say(`Source verification skipped (SHOWWORK_SKIP_VERIFY=1). Run \`npm run deploy:verify -- --network ${networkName}\` later.`);
    return;
  }
  say("Verifying sources on the block explorers...");
  const outcomes = await verifySources(hre, { ...entry, previous: [] });
  for (const o of outcomes) say(`  ${o.provider.padEnd(10)} ${o.status}: ${o.message}`);
  if (outcomes.some((o) => o.status === "failed")) {
    process.exitCode = 1;
    say(`Some verifications failed; retry with \`npm run deploy:verify -- --network ${networkName}\`.`);
  } else if (outcomes.some((o) => o.status === "skipped")) {
    say(`Retry skipped explorers later with \`npm run deploy:verify -- --network ${networkName}\`.`);
  }
}

/**
 * Asks once before sending anything to a non-development chain (Ignition's own
 * per-module prompt is then turned off). HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1
 * answers yes; without a terminal and without it, the run stops.
 */
async function confirm(question: string, chainId: number): Promise<void> {
  if (isDevelopmentChain(chainId) || process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT !== undefined) {
    process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT ??= "1";
    return;
  }
  if (!process.stdin.isTTY) {
    throw new Error(`${question}\nNo terminal to confirm on: set HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 to deploy non-interactively.`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
  rl.close();
  if (answer !== "y" && answer !== "yes") throw new Error("Deployment cancelled.");
  process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT = "1";
}

/** The Ignition deployment id of one contract's code on one chain. */
function ignitionDeploymentId(chainId: number, contract: PredictedContract): string {
  return `showwork-${chainId}-${contract.name}-${contract.initCodeHash.slice(2, 10)}`;
}

/** Runs the contract's Ignition module with the create2 strategy; returns its creation transaction. */
async function deployWithIgnition(chainId: number, contract: PredictedContract): Promise<Hex> {
  const root = hre.config.paths.root;
  const plan = DEPLOY_PLAN[contract.name];
  const deploymentId = ignitionDeploymentId(chainId, contract);
  const ignitionDir = path.join(hre.config.paths.ignition, "deployments", deploymentId);
  say(`Deploying ${contract.name} (Ignition deployment ${deploymentId})`);
  const result = (await hre.tasks.getTask(["ignition", "deploy"]).run({
    modulePath: path.join(root, plan.modulePath),
    parameters: JSON.stringify({ [contract.name]: contract.parameters }),
    strategy: "create2",
    deploymentId,
  })) as { type: string; contracts?: Record<string, { address: string }> } | null;
  if (result === null) throw new Error("Deployment cancelled.");
  const futureId = `${contract.name}#${contract.name}`;
  const deployed = result.contracts?.[futureId];
  if (result.type !== "SUCCESSFUL_DEPLOYMENT" || deployed === undefined) {
    throw new Error(`Ignition did not deploy ${contract.name} (${result.type}); see its output above. Re-run to resume.`);
  }
  const address = getAddress(deployed.address);
  if (address !== contract.address) {
    throw new Error(
      `${contract.name} was deployed at ${address} but ${contract.address} was predicted: the bytecode or constructor ` +
        "arguments differ from the plan (compiler settings? scripts/deploy/plan.ts vs ignition/modules?).",
    );
  }
  const transactions = await listTransactions(ignitionDir, {
    loadArtifact: () => Promise.reject(new Error("not needed to list deployment transactions")),
  });
  const tx = transactions.find((t) => t.status === "SUCCESS" && t.address !== undefined && getAddress(t.address) === address);
  if (tx === undefined) throw new Error(`No successful transaction for ${contract.name} in ${ignitionDir}.`);
  return tx.txHash as Hex;
}

const CONTRACT_CREATION_EVENT = parseAbiItem("event ContractCreation(address indexed newContract, bytes32 indexed salt)");

/**
 * Finds a contract's creation transaction from the CreateX
 * `ContractCreation(address indexed newContract, bytes32 indexed salt)` event,
 * so a deployment made from another checkout can be recorded from chain data alone.
 */
async function creationTransactionFromEvents(client: PublicClient, contract: PredictedContract): Promise<Hex> {
  let logs;
  try {
    logs = await client.getLogs({
      address: CREATEX_ADDRESS,
      event: CONTRACT_CREATION_EVENT,
      args: { newContract: contract.address },
      fromBlock: 0n,
      toBlock: "latest",
    });
  } catch (cause) {
    throw new Error(
      `Could not search the chain for ${contract.name}'s creation (the RPC refused eth_getLogs from block 0). ` +
        "Restore the deployments record from git instead.",
      { cause },
    );
  }
  const log = logs[0];
  if (log === undefined) throw new Error(`${contract.name} has code at ${contract.address} but CreateX logged no ContractCreation for it.`);
  say(`Found ${contract.name}'s creation transaction from the factory's events: ${log.transactionHash}`);
  return log.transactionHash;
}

/** The record entry for a deployment whose creation transactions are known. */
async function deploymentEntry(
  client: PublicClient,
  { chainId, chainName, networkName, predicted, txHashes }: {
    chainId: number;
    chainName: string;
    networkName: string;
    predicted: Predicted;
    txHashes: Record<ContractName, Hex>;
  },
): Promise<Omit<ChainDeployment, "previous">> {
  const contracts = {} as ChainDeployment["contracts"];
  for (const name of CONTRACT_NAMES) {
    const receipt = await client.getTransactionReceipt({ hash: txHashes[name] });
    if (receipt.status !== "success") throw new Error(`${name}'s creation transaction ${txHashes[name]} did not succeed.`);
    contracts[name] = {
      address: predicted[name].address,
      sourceName: predicted[name].sourceName,
      constructorArgs: predicted[name].constructorArgs.map((a) => getAddress(a)),
      initCodeHash: predicted[name].initCodeHash,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
    };
  }
  return {
    chainId,
    chainName,
    network: networkName,
    deploymentBlock: Math.min(...CONTRACT_NAMES.map((n) => contracts[n].blockNumber)),
    create2: { factory: CREATEX_ADDRESS, salt: CREATE2_SALT },
    compiler: await compilerRecord(hre),
    contracts,
    explorers: [],
  };
}

await main();
