/**
 * The set-up checks (sdk/service/chain/checkSetup.ts) that `showwork serve` runs before starting and
 * `showwork doctor` reports: one test per check, with its message and fix, on a real chain over HTTP
 * (the dev chain: EDR served on 127.0.0.1). Then `serve` refusing and `doctor` reporting, as processes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { startDevChain, type DevChain } from "../../sdk/dev/devChain.js";
import { checkSetup, type SetupFinding } from "../../sdk/service/chain/checkSetup.js";
import { createServiceLog, deployReceiptLogs } from "../../sdk/service/chain/setupLog.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/showwork.mjs");

function run(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, SHOWWORK_PRIVATE_KEY: undefined, SHOWWORK_CONFIG: undefined, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const byCheck = (findings: SetupFinding[], check: SetupFinding["check"]): SetupFinding => findings.find((f) => f.check === check)!;

describe("serve's set-up checks and showwork doctor", function () {
  this.timeout(120_000);
  let dir: string;
  let chain: DevChain;
  let client: PublicClient;
  let adminKey: Hex;
  let admin: Address;
  let contract: Address;
  let logId: Hex;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "showwork-checks-"));
    chain = await startDevChain({ dir: path.join(dir, "chain"), port: 0 });
    adminKey = generatePrivateKey();
    admin = privateKeyToAccount(adminKey).address;
    await chain.provider.request({ method: "hardhat_setBalance", params: [admin, "0x3635c9adc5dea00000"] });
    const evm = { id: chain.chainId, name: "dev", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [chain.url] } } } as const;
    client = createPublicClient({ chain: evm, transport: http(chain.url), pollingInterval: 50 }) as PublicClient;
    const wallet = createWalletClient({ account: privateKeyToAccount(adminKey), chain: evm, transport: http(chain.url) });
    contract = await deployReceiptLogs(client, wallet);
    // A log with its admin as anchorer, but no timeline and no serving node.
    logId = await createServiceLog(client, wallet, contract, { salt: "checks", timeline: false, signers: [] });
  });
  after(async () => {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("log-exists: a log that does not exist", async () => {
    const findings = await checkSetup({ publicClient: client, receiptLogs: contract, logId: `0x${"77".repeat(32)}`, anchorer: admin });
    const f = byCheck(findings, "log-exists");
    expect(f.ok).to.equal(false);
    expect(f.message).to.equal(`log 0x${"77".repeat(32)} does not exist in ReceiptLogs ${contract}`);
    expect(f.fix).to.include("showwork log create");
    expect(findings).to.have.length(1);
  });

  it("anchorer-granted and anchorer-funds: an account never granted, with no funds", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const findings = await checkSetup({ publicClient: client, receiptLogs: contract, logId, anchorer: stranger });
    expect(byCheck(findings, "anchorer-granted")).to.deep.include({ ok: false, message: `the anchoring account ${stranger} may not anchor into the log`, fix: `as the log's operator: showwork log grant-anchorer ${stranger}` });
    const funds = byCheck(findings, "anchorer-funds");
    expect(funds.ok).to.equal(false);
    expect(funds.message).to.match(new RegExp(`the anchoring account ${stranger} holds 0 ETH, less than 20 anchoring transactions cost`));
    expect(funds.fix).to.match(new RegExp(`send at least [0-9.]+ ETH to ${stranger}`));
  });

  it("timeline-bound and serving-node: a log without a timeline nor an authorised node; the granted, funded anchorer passes", async () => {
    const findings = await checkSetup({ publicClient: client, receiptLogs: contract, logId, anchorer: admin });
    expect(byCheck(findings, "anchorer-granted").ok).to.equal(true);
    expect(byCheck(findings, "anchorer-funds").ok).to.equal(true);
    expect(byCheck(findings, "timeline-bound")).to.deep.include({ ok: false, message: "the log has no model timeline bound: verifiers cannot check which model version answered" });
    expect(byCheck(findings, "timeline-bound").fix).to.include("showwork log bind-timeline");
    expect(byCheck(findings, "serving-node")).to.deep.include({ ok: false, message: "no serving node is authorised to sign the log's receipts: every receipt would be refused (403 signer-not-authorised)" });
    expect(byCheck(findings, "serving-node").fix).to.include("showwork log grant-signer");
    // Not needed when signatures are not checked against the log.
    expect((await checkSetup({ publicClient: client, receiptLogs: contract, logId, anchorer: admin, needsServingNode: false })).some((f) => f.check === "serving-node")).to.equal(false);
  });

  it("store-log: a store bound to another log", async () => {
    const other = `0x${"55".repeat(32)}` as Hex;
    const binding = { chainId: chain.chainId, contract, logId: other, anchorer: admin, genesisHash: `0x${"00".repeat(32)}` as Hex, firstBatchIndex: 0, fromBlock: 0 };
    const findings = await checkSetup({ publicClient: client, receiptLogs: contract, logId, anchorer: admin, binding });
    expect(byCheck(findings, "store-log")).to.deep.include({
      ok: false,
      message: `the store anchors into log ${other} of ${contract} (chain ${chain.chainId}), not into log ${logId} of ${contract}`,
      fix: "use the store's own log (--receipt-logs/--log), or a new --store for this one",
    });
  });

  it("`showwork serve` refuses to start with the fixes; `showwork doctor` reports the same with Do: lines", async () => {
    const env = { SHOWWORK_ANCHORER_KEY: adminKey };
    const served = await run(["serve", "--rpc", chain.url, "--receipt-logs", contract, "--log", logId, "--store", path.join(dir, "store.sqlite"), "--port", "0"], env, dir);
    expect(served.code).to.equal(1);
    expect(served.stderr).to.include("The service's set-up is not complete: 2 problem(s); not starting.");
    expect(served.stderr).to.include("✗ the log has no model timeline bound");
    expect(served.stderr).to.include("Do: as the log's operator: showwork log grant-signer");
    expect(served.stderr).not.to.include("listening");

    const doctor = await run(["doctor", "--rpc", chain.url, "--receipt-logs", contract, "--log", logId, "--anchorer", admin], {}, dir);
    expect(doctor.code).to.equal(1);
    expect(doctor.stdout).to.include(`✓ log ${logId} exists in ReceiptLogs ${contract}`);
    expect(doctor.stdout).to.include("✗ no serving node is authorised");
    expect(doctor.stdout).to.match(/Do: as the log's operator: showwork log bind-timeline/);
    expect(doctor.stdout).to.include("things to fix.");
  });
});
