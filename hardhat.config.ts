import { createRequire } from "node:module";

import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatKeystore from "@nomicfoundation/hardhat-keystore";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatVerify from "@nomicfoundation/hardhat-verify";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { configVariable, defineConfig } from "hardhat/config";

import { CREATE2_SALT } from "./scripts/deploy/create2.js";

/**
 * The Solidity compiler comes from the exactly pinned npm package `solc`
 * (its WASM build, `soljson.js`): no compiler is downloaded. Keep
 * SOLC_VERSION equal to the `solc` version in package.json.
 */
export const SOLC_VERSION = "0.8.30";
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");

export default defineConfig({
  plugins: [
    hardhatViem,
    hardhatMocha,
    hardhatNetworkHelpers,
    hardhatKeystore,
    hardhatIgnitionViem,
    hardhatVerify,
  ],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: {
          evmVersion: "prague",
          optimizer: { enabled: true, runs: 200 },
        },
      },
      production: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: {
          evmVersion: "prague",
          optimizer: { enabled: true, runs: 10_000 },
        },
      },
    },
  },
  paths: {
    tests: {
      mocha: "test",
      solidity: "test",
    },
  },
  test: {
    mocha: {
      timeout: 120_000,
    },
  },
  // Networks (see README "Deployment"). Secrets and RPC URLs come only from
  // configuration variables: an environment variable of that name, else the
  // Hardhat keystore (`npx hardhat keystore set NAME`). Nothing secret lives in
  // a file. Block explorers for the testnets below are built into Hardhat's
  // chain descriptors, so hardhat-verify needs only the API key.
  networks: {
    // In-process simulated chains (tests, demos).
    hardhatMainnet: {
      type: "edr-simulated",
      chainType: "l1",
    },
    hardhatOp: {
      type: "edr-simulated",
      chainType: "op",
    },
    // A `npx hardhat node` on this machine; signs with the node's unlocked accounts.
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // Any EVM chain where the CreateX factory exists, reached at CUSTOM_RPC_URL
    // and signed with DEPLOYER_PRIVATE_KEY: the same code path as a testnet.
    // The deployment rehearsal test points it at a local `hardhat node`.
    custom: {
      type: "http",
      url: configVariable("CUSTOM_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      chainId: 11155111,
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      chainId: 84532,
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    opSepolia: {
      type: "http",
      chainType: "op",
      chainId: 11155420,
      url: configVariable("OP_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      chainId: 421614,
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
  // Source verification (hardhat-verify): Etherscan's multichain v2 API with
  // one key for all four testnets; Blockscout needs no key; Sourcify is keyless.
  verify: {
    etherscan: {
      apiKey: configVariable("ETHERSCAN_API_KEY"),
    },
  },
  // Deterministic addresses: `ignition deploy --strategy create2` deploys
  // through the CreateX factory with this salt (scripts/deploy/create2.ts).
  ignition: {
    strategyConfig: {
      create2: { salt: CREATE2_SALT },
    },
  },
});
