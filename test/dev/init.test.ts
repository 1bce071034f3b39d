/**
 * `showwork init --rpc URL` against a real `hardhat node` over HTTP: says what it will send and spend and sends
 * nothing without --yes; with --yes sets everything up (the anchoring account funded, a service token issued)
 * and writes the config; a second run sends nothing; `showwork doctor` then finds the set-up complete.
 * The operator's key from the Hardhat keystore (written by `npx hardhat keystore set`, read with no Hardhat
 * project), and the contracts from a deployments record.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ROOT, rpc, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";
import { hardhatKeystoreSet } from "../support/hardhatKeystore.js";

function run(args: string[], env: Record<string, string | undefined>, cwd: string, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/showwork.mjs"), ...args], {
      cwd,
      env: { ...process.env, SHOWWORK_PRIVATE_KEY: undefined, SHOWWORK_OPERATOR_KEY: undefined, SHOWWORK_CONFIG: undefined, SHOWWORK_KEYSTORE_PASSWORD: undefined, ...env },
      stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
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
    expect(plan.stdout).to.match(/10 transaction\(s\) to send, at most \d+ gas, at most [0-9.]+ ETH at today's fees \([0-9.]+ of it to the anchoring account\)/);
    expect(plan.stdout).to.match(/- send [0-9.]+ ETH to the anchoring account 0x[0-9a-fA-F]{40} \(40 anchoring transactions at today's gas price\)/);
    expect(plan.stdout).to.include(`operator ${operator} (key from SHOWWORK_OPERATOR_KEY)`);
    expect(plan.stdout).to.include("Nothing sent. Run again with --yes");
    expect(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "latest"])).to.equal("0x0");

    const sent = await run(["init", "--rpc", node.url, "--model", "gpt-4o-mini", "--yes"], env, dir);
    expect(sent.code, sent.stderr).to.equal(0);
    expect(sent.stdout).to.include("10 transaction(s) sent");
    // A hardhat node mines one block per transaction, a second apart: the set-up's blocks run ahead of the wall
    // clock, and an answer issued before the last one's time would predate the model's activation (FAILED). init
    // returns only once the wall clock has passed the chain's latest block time, and says that it waited.
    const latest = await rpc<{ timestamp: string }>(node.url, "eth_getBlockByNumber", ["latest", false]);
    expect(Number(BigInt(latest.timestamp)) * 1000, "init returned before the chain's latest block time").to.be.below(Date.now());
    if (/waiting [\d.]+ s: the chain's clock is ahead/.test(sent.stdout)) expect(sent.stdout).to.include("the set-up counts from its blocks' times");
    expect(sent.stdout).to.include("an access token issued for the service");
    const config = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { operator: string; chains: { rpc: string[]; logId: string }[]; service: { url: string; anchorer: string } };
    expect(config.operator).to.equal(operator);
    expect(config.chains[0]!.rpc).to.deep.equal([node.url]);
    expect(config.service.url).to.equal("http://127.0.0.1:8787");
    const secrets = JSON.parse(readFileSync(path.join(dir, ".showwork/secrets.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(secrets).sort()).to.deep.equal(["anchorerKey", "nodeKey", "operatorKey", "serviceToken"]);

    const again = await run(["init", "--rpc", node.url, "--yes"], env, dir);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include("nothing to send: everything is in place");
    expect(again.stdout).to.include("0 transaction(s) sent");
    expect(await rpc<string>(node.url, "eth_getTransactionCount", [operator, "latest"])).to.equal("0xa");
    expect(JSON.parse(readFileSync(path.join(dir, ".showwork/secrets.json"), "utf8")).serviceToken).to.equal(secrets.serviceToken);

    const doctor = await run(["doctor"], {}, dir);
    expect(doctor.stdout).to.include(`✓ log ${config.chains[0]!.logId} exists`);
    expect(doctor.stdout).to.include(`✓ the anchoring account ${config.service.anchorer} may anchor into the log`);
    expect(doctor.stdout).to.match(/✓ the anchoring account holds [0-9.]+ ETH/);
    expect(doctor.stdout, doctor.stdout).not.to.match(/✗ (the log|no serving node|the anchoring account)/);
    expect(doctor.stdout).to.include("✗ the anchoring service at http://127.0.0.1:8787 does not answer");
    operatorKey = key;
  });

  it("reads the operator's key from the Hardhat keystore (no Hardhat project in the folder), and never copies it into the secrets", async () => {
    const key = generatePrivateKey();
    const operator = privateKeyToAccount(key).address;
    await rpc(node.url, "hardhat_setBalance", [operator, "0x3635c9adc5dea00000"]);
    const home = mkdtempSync(path.join(tmpdir(), "showwork-keystore-"));
    const project = path.join(home, "project");
    mkdirSync(project);
    try {
      await hardhatKeystoreSet({ xdgConfigHome: home, entry: "DEPLOYER_KEY", value: key, password: "correct horse battery" });
      const env = { XDG_CONFIG_HOME: home };
      const wrong = await run(["init", "--rpc", node.url, "--keystore", "DEPLOYER_KEY", "--model", "m"], env, project, "not the password\n");
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.include('Could not read "DEPLOYER_KEY" from the Hardhat keystore: wrong password (the password typed)');
      const missing = await run(["init", "--rpc", node.url, "--keystore", "NO_SUCH", "--model", "m"], env, project, "correct horse battery\n");
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.include('it has no entry "NO_SUCH"');
      expect(missing.stderr).to.include("the entries DEPLOYER_KEY");

      // The password typed (standard input), or SHOWWORK_KEYSTORE_PASSWORD.
      const sent = await run(["init", "--rpc", node.url, "--keystore", "DEPLOYER_KEY", "--model", "m", "--yes"], env, project, "correct horse battery\n");
      expect(sent.code, sent.stderr).to.equal(0);
      expect(sent.stdout).to.include(`operator ${operator} (key from the Hardhat keystore entry DEPLOYER_KEY)`);
      expect(sent.stdout).to.include("10 transaction(s) sent");
      const config = JSON.parse(readFileSync(path.join(project, ".showwork/config.json"), "utf8")) as { operator: string };
      expect(config.operator).to.equal(operator);
      const secrets = JSON.parse(readFileSync(path.join(project, ".showwork/secrets.json"), "utf8")) as Record<string, string>;
      expect(secrets.operatorKey).to.equal(undefined);
      expect(readFileSync(path.join(project, ".showwork/secrets.json"), "utf8")).not.to.include(key.slice(2));

      const again = await run(["init", "--rpc", node.url, "--keystore", "DEPLOYER_KEY"], { ...env, SHOWWORK_KEYSTORE_PASSWORD: "correct horse battery" }, project);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.include("nothing to send: everything is in place");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("takes the contracts from a deployments record (--deployments / SHOWWORK_DEPLOYMENTS_FILE) instead of deploying", async () => {
    // The contracts the first case deployed, written into a record for chain 31337 (shape: the v1 fixture).
    const first = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { chains: { receiptLogs: string; modelTimeline: string }[] };
    const fixture = JSON.parse(readFileSync(path.join(ROOT, "test/deploy/fixtures/deployments-v1.json"), "utf8")) as { chains: Record<string, Record<string, unknown> & { contracts: Record<string, { address: string }> }> };
    const entry = structuredClone(fixture.chains["84532"]!) as Record<string, unknown> & { contracts: Record<string, { address: string }> };
    Object.assign(entry, { chainId: 31337, chainName: "Hardhat", network: "localhost", deploymentBlock: 1, explorers: [] });
    for (const contract of Object.values(entry.contracts)) Object.assign(contract, { blockNumber: 1 });
    entry.contracts.ReceiptLogs!.address = first.chains[0]!.receiptLogs;
    entry.contracts.ModelTimeline!.address = first.chains[0]!.modelTimeline;
    const project = mkdtempSync(path.join(tmpdir(), "showwork-init-record-"));
    const elsewhereDir = mkdtempSync(path.join(tmpdir(), "showwork-init-other-"));
    try {
      const record = path.join(project, "deployments.json");
      writeFileSync(record, JSON.stringify({ format: "showwork/deployments@1", chains: { "31337": entry } }));
      const key = generatePrivateKey();
      await rpc(node.url, "hardhat_setBalance", [privateKeyToAccount(key).address, "0x3635c9adc5dea00000"]);
      const plan = await run(["init", "--rpc", node.url, "--model", "m"], { SHOWWORK_OPERATOR_KEY: key, SHOWWORK_DEPLOYMENTS_FILE: record }, project);
      expect(plan.stdout, plan.stderr).to.include(`contracts from ${record} (chain 31337): ReceiptLogs ${first.chains[0]!.receiptLogs}, ModelTimeline ${first.chains[0]!.modelTimeline}`);
      expect(plan.stdout).not.to.include("deploy ReceiptLogs");
      expect(plan.stdout).not.to.include("deploy ModelTimeline");
      expect(plan.stdout).to.include("8 transaction(s) to send");
      const sent = await run(["init", "--rpc", node.url, "--model", "m", "--deployments", record, "--yes"], { SHOWWORK_OPERATOR_KEY: key }, project);
      expect(sent.code, sent.stderr).to.equal(0);
      const config = JSON.parse(readFileSync(path.join(project, ".showwork/config.json"), "utf8")) as { chains: { receiptLogs: string; deploymentBlock: number }[] };
      expect(config.chains[0]!.receiptLogs).to.equal(first.chains[0]!.receiptLogs);
      expect(config.chains[0]!.deploymentBlock).to.equal(1);
      const elsewhere = await run(["init", "--rpc", node.url, "--deployments", path.join(ROOT, "test/deploy/fixtures/deployments-v1.json")], { SHOWWORK_OPERATOR_KEY: key }, elsewhereDir);
      expect(elsewhere.code).to.equal(1);
      expect(elsewhere.stderr).to.include("lists no showwork deployment for chain 31337");
    } finally {
      rmSync(project, { recursive: true, force: true });
      rmSync(elsewhereDir, { recursive: true, force: true });
    }
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
      expect(added.stdout).to.include("10 transaction(s) sent"); // 9 set-up + funding the anchoring account there
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
