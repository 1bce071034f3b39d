import { expect } from "chai";
import { readFile } from "node:fs/promises";

import { ABIS_FILE, CODE_HASHES_FILE, renderAbisFile, renderCodeHashesFile } from "../../scripts/export-abis.js";

describe("sdk/contracts/abis.ts", () => {
  it("is in sync with the compiled contracts (fix: npx hardhat build && npm run abis)", async () => {
    const expected = await renderAbisFile();
    const actual = await readFile(ABIS_FILE, "utf8");
    expect(actual === expected, "sdk/contracts/abis.ts is stale: run `npx hardhat build && npm run abis`").to.equal(
      true,
    );
  });

  it("sdk/contracts/codeHashes.ts holds the code hashes of the compiled contracts (fix: npm run abis)", async () => {
    const expected = await renderCodeHashesFile();
    const actual = await readFile(CODE_HASHES_FILE, "utf8");
    expect(actual === expected, "sdk/contracts/codeHashes.ts is stale: run `npm run abis`").to.equal(true);
  });
});
