/**
 * `npm run deploy:verify -- --network NAME`
 *
 * Verifies the sources of the deployment recorded for the network's chain on
 * its block explorers (Etherscan with ETHERSCAN_API_KEY, Blockscout,
 * Sourcify). Anyone with a checkout can run it: it needs only the record and
 * an RPC URL, no deployer key.
 */
import hre from "hardhat";

import { getDeployment } from "../../sdk/deployments/index.js";
import { DEPLOY_BUILD_PROFILE } from "./plan.js";
import { isDevelopmentChain, loadRecord, recordPathFor } from "./record-file.js";
import { verifySources } from "./verify-sources.js";

if (hre.globalOptions.buildProfile !== DEPLOY_BUILD_PROFILE) {
  throw new Error(`Verification must use --build-profile ${DEPLOY_BUILD_PROFILE} (use \`npm run deploy:verify\`).`);
}
const connection = await hre.network.create();
const chainId = await (await connection.viem.getPublicClient()).getChainId();
if (isDevelopmentChain(chainId)) {
  console.log(`Nothing to verify: chain ${chainId} is a local development chain (no block explorer).`);
} else {
  const deployment = getDeployment(chainId, { record: loadRecord(recordPathFor(hre.config.paths.root, chainId)) });
  console.log(`Verifying the showwork contracts on chain ${chainId} (${deployment.chainName})...`);
  const outcomes = await verifySources(hre, deployment);
  for (const o of outcomes) console.log(`  ${o.provider.padEnd(10)} ${o.status}: ${o.message}`);
  if (outcomes.some((o) => o.status === "failed")) process.exitCode = 1;
}
