import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { expect } from "chai";

import { SOLC_VERSION } from "../../hardhat.config.js";

const require = createRequire(import.meta.url);
const root = new URL("../../", import.meta.url);

describe("toolchain", () => {
  it("compiles with the exactly pinned npm solc named in hardhat.config.ts", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
    const installed = require("solc/package.json").version as string;
    expect(pkg.devDependencies.solc, "package.json pins solc exactly").to.equal(SOLC_VERSION);
    expect(installed, "installed solc").to.equal(SOLC_VERSION);
  });

  it("keeps every optional platform package in the lockfile (npm ci refuses the lockfile otherwise)", () => {
    // Throws (non-zero exit) and names the missing entries when one is absent.
    execFileSync(process.execPath, ["scripts/lockfile-platforms.mjs", "--check"], { cwd: root, stdio: "pipe" });
  });

  it("declares Node >= 22.13 in engines and runs on it", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
    expect(pkg.engines.node).to.equal(">=22.13.0");
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    expect(major > 22 || (major === 22 && minor >= 13), `node ${process.versions.node}`).to.equal(true);
  });
});
