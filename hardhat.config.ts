import { createRequire } from "node:module";

import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatKeystore from "@nomicfoundation/hardhat-keystore";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatVerify from "@nomicfoundation/hardhat-verify";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";

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
  networks: {
    hardhatMainnet: {
      type: "edr-simulated",
      chainType: "l1",
    },
  },
});
