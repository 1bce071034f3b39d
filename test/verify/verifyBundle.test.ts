import { network } from "hardhat";

import { inProcessChain, type TestChain } from "./support/scenario.js";
import { verifierSuite } from "./support/suite.js";

describe("verifyBundle against the in-process chain", () => {
  let chain: TestChain;
  verifierSuite({
    chain: async () => {
      const { viem } = await network.create();
      chain = await inProcessChain(viem);
      return chain;
    },
    verifyWith: () => ({ client: chain.publicClient }),
  });
});
