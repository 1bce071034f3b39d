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
  });
});
