/**
 * `npm run deploy:addresses`
 *
 * Prints where `npm run deploy` puts each contract on ANY chain, computed
 * from this checkout alone (production build, CreateX, the fixed salt): no
 * network, no key. A third party can compare it with the deployments record
 * and with the code on chain.
 */
import hre from "hardhat";

import { CONTRACT_NAMES } from "../../sdk/deployments/index.js";
import { CREATE2_SALT, CREATEX_ADDRESS } from "./create2.js";
import { compilerRecord, DEPLOY_BUILD_PROFILE, predictDeployment } from "./plan.js";

if (hre.globalOptions.buildProfile !== DEPLOY_BUILD_PROFILE) {
  throw new Error(`Addresses depend on the build: use --build-profile ${DEPLOY_BUILD_PROFILE} (\`npm run deploy:addresses\`).`);
}
const predicted = await predictDeployment(hre);
const compiler = await compilerRecord(hre);
console.log(
  JSON.stringify(
    {
      create2: { factory: CREATEX_ADDRESS, salt: CREATE2_SALT },
      compiler,
      contracts: Object.fromEntries(
        CONTRACT_NAMES.map((n) => [
          n,
          { address: predicted[n].address, initCodeHash: predicted[n].initCodeHash, constructorArgs: predicted[n].constructorArgs },
        ]),
      ),
    },
    null,
    2,
  ),
);
