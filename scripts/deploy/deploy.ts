/**
 * `npm run deploy -- --network NAME`
 *
 * Deploys ReceiptLogs, ModelTimeline and AnswerEscrow with Hardhat Ignition's
 * create2 strategy (CreateX factory, one fixed salt: the same addresses on
 * every chain), records them in the deployments record, then verifies the
 * sources on the chain's block explorers.
 *
 * Idempotent: when every contract already has code at its predicted address,
 * nothing is sent (a missing record entry is rebuilt from the factory's
 * events); otherwise Ignition resumes from its journal
 * (ignition/deployments/chain-<id>/) and sends only what is missing.
 *
 * Environment:
 *   SHOWWORK_DEPLOYMENTS_FILE          record path (default: deployments/deployments.json,
 *                                      deployments/local.json for chains 31337 and 1337)
 *   SHOWWORK_SKIP_VERIFY=1             do not verify sources
 *   HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1  skip Ignition's confirmation prompt (non-interactive runs)
 */
import path from "node:path";

import { listTransactions } from "@nomicfoundation/ignition-core";
import hre from "hardhat";
import { formatEther, getAddress, parseAbiItem, type Address, type Hex, type PublicClient } from "viem";

import { CONTRACT_NAMES, type ChainDeployment, type ContractName, type ExplorerRecord } from "../../sdk/deployments/index.js";
import { CREATE2_SALT, CREATEX_ADDRESS } from "./create2.js";
import { ensureCreateX } from "./createx.js";
import { compilerRecord, DEPLOY_BUILD_PROFILE, DEPLOY_MODULE_PATH, DEPLOY_PLAN, predictDeployment } from "./plan.js";
import { isDevelopmentChain, loadRecord, recordPathFor, saveRecord, withDeployment } from "./record-file.js";
import { verifySources } from "./verify-sources.js";

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
  const deployer = wallet.account.address;
  const balance = await publicClient.getBalance({ address: deployer });

  say(`showwork deploy → network ${networkName}, chain ${chainId} (${chainName})`);
  say(`  deployer  ${getAddress(deployer)}  balance ${formatEther(balance)}`);
  say(`  factory   CreateX ${CREATEX_ADDRESS}, salt ${CREATE2_SALT}`);
  say(`  record    ${path.relative(root, recordPath)}`);

  const predicted = await predictDeployment(hre);
  const codes = await Promise.all(CONTRACT_NAMES.map((n) => publicClient.getCode({ address: predicted[n].address })));
  const deployedNow = CONTRACT_NAMES.filter((_, i) => codes[i] !== undefined && codes[i] !== "0x");
  say();
  for (const name of CONTRACT_NAMES) {
    say(`  ${name.padEnd(14)}${predicted[name].address}  ${deployedNow.includes(name) ? "deployed" : "not deployed yet"}`);
  }
  say();

  const record = loadRecord(recordPath);
  const recorded = record.chains[String(chainId)];
  const recordIsCurrent =
    recorded !== undefined && CONTRACT_NAMES.every((n) => recorded.contracts[n].address === predicted[n].address);

  let entry: Omit<ChainDeployment, "previous">;
  if (deployedNow.length === CONTRACT_NAMES.length && recordIsCurrent) {
    say("Nothing to deploy: every contract is at its address and in the record.");
    entry = recorded;
  } else if (deployedNow.length === CONTRACT_NAMES.length) {
    say("Nothing to deploy: every contract is at its address. Recording it from the factory's ContractCreation events.");
    const txHashes = await creationTransactionsFromEvents(publicClient, predicted);
    entry = await deploymentEntry(publicClient, { chainId, chainName, networkName, predicted, txHashes });
  } else {
    if (balance === 0n) {
      throw new Error(`The deployer ${deployer} has no funds on chain ${chainId}: fund it first (see README, "Deployment").`);
    }
    const factory = await ensureCreateX(publicClient, provider);
    if (factory === "installed") say("Installed the CreateX factory on this development node (presigned transaction).");
    const txHashes = await deployWithIgnition(chainId, predicted);
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
    say("Source verification skipped (SHOWWORK_SKIP_VERIFY=1). Run `npm run deploy:verify -- --network " + `${networkName}\` later.`);
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

type Predicted = Awaited<ReturnType<typeof predictDeployment>>;

/** Runs the Ignition module with the create2 strategy; returns each contract's creation transaction. */
async function deployWithIgnition(chainId: number, predicted: Predicted): Promise<Record<ContractName, Hex>> {
  const root = hre.config.paths.root;
  const ignitionDir = path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`);
  const result = (await hre.tasks.getTask(["ignition", "deploy"]).run({
    modulePath: path.join(root, DEPLOY_MODULE_PATH),
    strategy: "create2",
  })) as { type: string; contracts?: Record<string, { address: string }> } | null;
  if (result === null) throw new Error("Deployment cancelled.");
  if (result.type !== "SUCCESSFUL_DEPLOYMENT" || result.contracts === undefined) {
    throw new Error(
      [
        `Ignition did not complete the deployment (${result.type}); see its output above.`,
        `If some contracts are already deployed at their addresses but ${path.relative(root, ignitionDir)}`,
        "does not know them (deployed from another checkout), restore that journal from git.",
      ].join("\n"),
    );
  }
  const transactions = await listTransactions(ignitionDir, {
    loadArtifact: () => Promise.reject(new Error("not needed to list deployment transactions")),
  });
  const txHashes = {} as Record<ContractName, Hex>;
  for (const name of CONTRACT_NAMES) {
    const deployed = result.contracts[DEPLOY_PLAN[name].futureId];
    if (deployed === undefined) throw new Error(`Ignition's result has no ${DEPLOY_PLAN[name].futureId}.`);
    const address = getAddress(deployed.address);
    if (address !== predicted[name].address) {
      throw new Error(
        `${name} was deployed at ${address} but ${predicted[name].address} was predicted: the bytecode or ` +
          "constructor arguments differ from the plan (compiler settings? scripts/deploy/plan.ts vs ignition/modules?).",
      );
    }
    const tx = transactions.find((t) => t.status === "SUCCESS" && t.address !== undefined && getAddress(t.address) === address);
    if (tx === undefined) throw new Error(`No successful transaction for ${name} in ${ignitionDir}.`);
    txHashes[name] = tx.txHash as Hex;
  }
  return txHashes;
}

/**
 * Finds each contract's creation transaction from the CreateX
 * `ContractCreation(address indexed newContract, bytes32 indexed salt)` event,
 * so a deployment made from another checkout can be recorded from chain data alone.
 */
async function creationTransactionsFromEvents(client: PublicClient, predicted: Predicted): Promise<Record<ContractName, Hex>> {
  const txHashes = {} as Record<ContractName, Hex>;
  for (const name of CONTRACT_NAMES) {
    let logs;
    try {
      logs = await client.getLogs({
        address: CREATEX_ADDRESS,
        event: CONTRACT_CREATION_EVENT,
        args: { newContract: predicted[name].address },
        fromBlock: 0n,
        toBlock: "latest",
      });
    } catch (cause) {
      throw new Error(
        `Could not search the chain for ${name}'s creation (the RPC refused eth_getLogs from block 0). ` +
          "Restore the deployments record (or the Ignition journal) from git instead.",
        { cause },
      );
    }
    const log = logs[0];
    if (log === undefined) throw new Error(`${name} has code at ${predicted[name].address} but CreateX logged no ContractCreation for it.`);
    txHashes[name] = log.transactionHash;
  }
  return txHashes;
}

const CONTRACT_CREATION_EVENT = parseAbiItem("event ContractCreation(address indexed newContract, bytes32 indexed salt)");

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
      constructorArgs: predicted[name].constructorArgs.map((a: Address) => getAddress(a)),
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
