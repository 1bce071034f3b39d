/**
 * `showwork init --rpc URL` against a real `hardhat node` over HTTP: says what it will send and spend and sends
 * nothing without --yes; with --yes sets everything up and writes the config; a second run sends nothing;
 * `showwork doctor` then finds only the unfunded anchoring account to fix.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ROOT, rpc, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";

function run(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/showwork.mjs"), ...args], { cwd, env: { ...process.env, SHOWWORK_PRIVATE_KEY: undefined, SHOWWORK_CONFIG: undefined, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("showwork init --rpc (against a hardhat node)", function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let dir: string;
  /** The operator of the first case (the second builds on its project). */
  let operatorKey: `0x${string}`;
  before(async () => {
    node = await startHardhatNode();
    dir = mkdtempSync(path.join(tmpdir(), "showwork-init-"));
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans and says the spend first, sends only with --yes, is idempotent, and writes the config", async () => {
    const key = generatePrivateKey();
    const operator = privateKeyToAccount(key).address;
    await rpc(node.url, "hardhat_setBalance", [operator, "0x3635c9adc5dea00000"]);
    const env = { SHOWWORK_OPERATOR_KEY: key };
    const plan = await run(["init", "--rpc", node.url, "--model", "gpt-4o-mini"], env, dir);
    expect(plan.code, plan.stderr).to.equal(1);
    expect(plan.stdout).to.match(/9 transaction\(s\) to send, at most \d+ gas, at most [0-9.]+ ETH at today's fees/);
    expect(plan.stdout).to.include("Nothing sent. Run again with --yes");
    expect(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "latest"])).to.equal("0x0");

    const sent = await run(["init", "--rpc", node.url, "--model", "gpt-4o-mini", "--yes"], env, dir);
    expect(sent.code, sent.stderr).to.equal(0);
    expect(sent.stdout).to.include("9 transaction(s) sent");
    const config = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { operator: string; chains: { rpc: string[]; logId: string }[] };
    expect(config.operator).to.equal(operator);
    expect(config.chains[0]!.rpc).to.deep.equal([node.url]);

    const again = await run(["init", "--rpc", node.url, "--yes"], env, dir);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include("nothing to send: everything is in place");
    expect(again.stdout).to.include("0 transaction(s) sent");
    expect(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "latest"])).to.equal("0x9");

    const doctor = await run(["doctor"], {}, dir);
    expect(doctor.stdout).to.include(`✓ log ${config.chains[0]!.logId} exists`);
    expect(doctor.stdout).to.match(/✗ the anchoring account 0x[0-9a-fA-F]{40} holds 0 ETH/);
    operatorKey = key;
  });

  it("--also sets up an extra anchoring chain (chains[1], its own contracts and log, cadence and head commitments); the primary and the extra entry survive later runs", async () => {
    const second = await startHardhatNode({ chainId: 31_339 });
    try {
      const operator = privateKeyToAccount(operatorKey).address;
      await rpc(second.url, "hardhat_setBalance", [operator, "0x3635c9adc5dea00000"]);
      const env = { SHOWWORK_OPERATOR_KEY: operatorKey };
      const before = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { chains: Record<string, unknown>[] };
      const refused = await run(["init", "--rpc", second.url, "--name", "l1", "--commit", "head", "--yes"], env, dir);
      expect(refused.code).to.not.equal(0);
      expect(refused.stderr).to.match(/--cadence and --commit are for an extra chain: add --also/);
      const added = await run(["init", "--rpc", second.url, "--name", "l1", "--also", "--cadence", "4:60000", "--commit", "head", "--model", "gpt-4o-mini", "--yes"], env, dir);
      expect(added.code, added.stderr).to.equal(0);
      expect(added.stdout).to.include("9 transaction(s) sent");
      expect(added.stdout).to.match(/Chain l1 is chains\[1\]: `npx showwork serve` anchors every batch there too/);
      type Config = { chains: { name: string; chainId: number; logId: string; receiptLogs: string; cadence?: unknown }[] };
      const config = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as Config;
      expect(config.chains.map((c) => [c.name, c.chainId])).to.deep.equal([
        ["testnet", 31_337],
        ["l1", 31_339],
      ]);
      expect(config.chains[0]).to.deep.equal(before.chains[0], "the primary entry is kept as it was");
      expect(config.chains[1]!.cadence).to.deep.equal({ batches: 4, maxWaitMs: 60_000, commit: "head" });
      // Its own log (another salt; the contract may sit at the same address: same deployer, same nonce on a fresh chain).
      expect(config.chains[1]!.logId).to.not.equal(config.chains[0]!.logId);
      expect(await rpc<string>(second.url, "eth_getCode", [config.chains[1]!.receiptLogs, "latest"])).to.not.equal("0x");

      // Again: nothing to send on either chain, both entries kept.
      const extraAgain = await run(["init", "--rpc", second.url, "--name", "l1", "--also", "--yes"], env, dir);
      expect(extraAgain.code, extraAgain.stderr).to.equal(0);
      expect(extraAgain.stdout).to.include("nothing to send: everything is in place");
      const primaryAgain = await run(["init", "--rpc", node.url, "--yes"], env, dir);
      expect(primaryAgain.code, primaryAgain.stderr).to.equal(0);
      expect(primaryAgain.stdout).to.include("nothing to send: everything is in place");
      const after = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as Config;
      expect(after.chains).to.deep.equal(config.chains);
      const primaryName = await run(["init", "--rpc", second.url, "--name", "testnet", "--also"], env, dir);
      expect(primaryName.stderr).to.match(/"testnet" is the primary chain's name/);
    } finally {
      await second.stop();
    }
  });
});
