/**
 * Operations: /metrics in the Prometheus text format (JSON still at /v1/metrics), chain friction
 * said plainly (the node's answer and what to do, in the log, /health and the CLI), the
 * low-balance warning, and JSON-lines logs. Against a real hardhat node; the CLI as real processes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { connectRpc, type ServiceClients } from "../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { LOOPBACK_HOSTS } from "../../sdk/service/http/door.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { setupTestLog, type TestLog } from "./helpers/chain.js";
import { exited, killAll, ROOT, rpc, spawnTracked, startHardhatNode, waitForLine, type HardhatNode } from "./helpers/processes.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, roundsUntil, tempDir } from "./helpers/service.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("operations: metrics, chain friction, low balance, JSON logs", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  before(async () => {
    node = await startHardhatNode();
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  async function open(log: TestLog, extra: Partial<Parameters<typeof AnchoringService.open>[0]> = {}): Promise<{ service: AnchoringService; clients: ServiceClients; events: ServiceEvent[] }> {
    const clients = await connectRpc(node.url, log.privateKey);
    const events: ServiceEvent[] = [];
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }),
      chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract: log.contract, logId: log.logId },
      batching: { maxReceipts: 25, maxDelayMs: 0 },
      balanceCheckEveryMs: 0,
      onEvent: (event) => events.push(event),
      // Test receipts (unsigned or with chosen issuedAt): a trusted in-process caller, said explicitly.
      ingestion: { issuedAtWindow: false, signatures: "off" },
      ...extra,
    });
    return { service, clients, events };
  }

  it("serves /metrics in the Prometheus text format: receipts per state, batches, lag, retries, RPC errors, gas spent, balance, role", async () => {
    const log = await setupTestLog(node.url);
    const { service, clients } = await open(log);
    try {
      await service.record(makeReceipts(60));
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 60);
      const app = createServiceApp(service, { door: { auth: "none", allowedHosts: LOOPBACK_HOSTS } });
      const response = await app.request("/metrics");
      expect(response.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const value = (line: string): number => {
        const match = new RegExp(`^${line.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text);
        if (match === null) throw new Error(`no line ${line} in:\n${text}`);
        return Number(match[1]);
      };
      expect(value('showwork_receipts{state="final"}')).to.equal(60);
      expect(value('showwork_receipts{state="recorded"}')).to.equal(0);
      expect(value("showwork_receipts_stored")).to.equal(60);
      expect(value("showwork_batches_closed")).to.equal(3);
      expect(value("showwork_last_anchored_batch_index")).to.equal(2);
      expect(value("showwork_anchor_lag_seconds")).to.equal(0);
      expect(value("showwork_gas_used_total")).to.be.greaterThan(21_000);
      expect(value("showwork_gas_spent_wei_total")).to.be.greaterThan(0);
      expect(value("showwork_anchor_transactions_total")).to.be.at.least(1);
      expect(value(`showwork_account_balance_wei{account="${clients.walletClient.account.address}"}`)).to.be.greaterThan(0);
      expect(value("showwork_balance_batches_left")).to.be.greaterThan(1000);
      expect(value("showwork_anchoring_role")).to.equal(1);
      expect(value("showwork_halted")).to.equal(0);
      expect(text).to.match(/^# TYPE showwork_retries_total counter$/m);
      expect(text).to.match(/^# TYPE showwork_rpc_errors_total counter$/m);
      expect(text).to.match(/^# HELP showwork_anchor_lag_seconds /m);
      // JSON stays available.
      const json = (await (await app.request("/v1/metrics")).json()) as { receipts: { final: number }; gas: { transactions: number; feeWei: string }; balance: { batchesLeft: number } };
      expect(json.receipts.final).to.equal(60);
      expect(json.gas.transactions).to.be.at.least(1);
      expect(BigInt(json.gas.feeWei) > 0n, "fees paid").to.equal(true);
      const negotiated = (await (await app.request("/metrics", { headers: { accept: "application/json" } })).json()) as { receipts: { final: number } };
      expect(negotiated.receipts.final).to.equal(60);
    } finally {
      await service.close();
      await clients.close();
    }
  });

  it("an unfunded account: the log, /health and the metrics say what the node answered and what to do; funded, anchoring resumes", async () => {
    const log = await setupTestLog(node.url);
    const account = privateKeyToAccount(log.privateKey).address;
    await rpc(node.url, "hardhat_setBalance", [account, "0x0"]);
    const { service, clients, events } = await open(log, { pollIntervalMs: 20, maxBackoffMs: 100 });
    try {
      await service.record(makeReceipts(25));
      service.start();
      for (const deadline = Date.now() + 20_000; service.health().chain === null; await sleep(20)) {
        if (Date.now() > deadline) throw new Error(`no chain problem reported: ${JSON.stringify(service.health())}`);
      }
      const health = service.health();
      expect(health.status).to.equal("degraded");
      expect(health.chain).to.deep.include({ problem: "insufficient-funds", account, balanceWei: "0" });
      expect(health.chain!.nodeSaid, "the node's own words").to.match(/enough funds|insufficient funds/i);
      expect(health.chain!.todo).to.match(new RegExp(`send at least .* ETH .* to ${account}`));
      const warning = events.find((e) => e.type === "warning" && e.kind === "tx-rejected");
      expect(warning, "a warning event (the log line)").to.not.equal(undefined);
      expect((await service.metrics()).rpcErrors.rejected).to.be.greaterThan(0);
      const text = await (await createServiceApp(service, { door: { auth: "none", allowedHosts: LOOPBACK_HOSTS } }).request("/metrics")).text();
      expect(text).to.match(/^showwork_chain_rejected 1$/m);
      expect(text).to.match(/^showwork_rpc_errors_total\{kind="rejected"\} [1-9]/m);
      // Funded: the same persisted transaction goes out, the problem clears.
      await rpc(node.url, "hardhat_setBalance", [account, "0x3635c9adc5dea00000"]);
      for (const deadline = Date.now() + 20_000; (await service.metrics()).receipts.final < 25; await sleep(20)) {
        if (Date.now() > deadline) throw new Error("not anchored after funding");
      }
      expect(service.health().chain).to.equal(null);
      expect(service.health().status).to.equal("ok");
    } finally {
      await service.close();
      await clients.close();
    }
  });

  it("warns when the balance lasts few batches, saying how many", async () => {
    const log = await setupTestLog(node.url);
    const account = privateKeyToAccount(log.privateKey).address;
    const { service, clients, events } = await open(log);
    try {
      await service.record(makeReceipts(25));
      await roundsUntil(service, async () => (await service.metrics()).receipts.final === 25);
      const fee = BigInt((await service.metrics()).gas.feeWei);
      await rpc(node.url, "hardhat_setBalance", [account, `0x${(fee * 5n).toString(16)}`]);
      await service.runRound();
      const balance = (await service.metrics()).balance!;
      expect(balance.low).to.equal(true);
      expect(balance.batchesLeft).to.be.within(4, 5);
      const warning = events.find((e) => e.type === "warning" && e.kind === "low-balance") as Extract<ServiceEvent, { type: "warning" }> | undefined;
      expect(warning?.message).to.match(new RegExp(`Low balance: ${account} has .* ETH, about [45] more batches at ${fee} wei per transaction`));
      expect(service.health().warnings).to.have.length(1);
    } finally {
      await service.close();
      await clients.close();
    }
  });

  it("showwork serve --deploy with an unfunded key stops at once with the node's answer and what to do (text and JSON logs)", async () => {
    const key = generatePrivateKey();
    const address = privateKeyToAccount(key).address;
    for (const format of ["text", "json"]) {
      const started = Date.now();
      const child = spawnTracked(
        process.execPath,
        [join(ROOT, "bin/showwork.mjs"), "serve", "--rpc", node.url, "--deploy", "--store", join(tempDir(), "s.sqlite"), "--port", "0", "--log-format", format],
        { env: { SHOWWORK_ANCHORER_KEY: key } },
      );
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout?.resume();
      await exited(child);
      const took = Date.now() - started;
      expect(child.exitCode, stderr).to.equal(1);
      expect(took, "not 120 s of silent retries").to.be.below(30_000);
      expect(stderr).to.match(/Deploying ReceiptLogs: the node refused the transaction \(insufficient-funds\)/);
      expect(stderr).to.include(`Account: ${address} on chain 31337`);
      expect(stderr).to.match(/Do: send at least [0-9.]+ ETH/);
      expect(stderr).to.not.include(key.slice(2));
      if (format === "json") {
        const line = stderr.split("\n").find((l) => l.startsWith("{"));
        const parsed = JSON.parse(line!) as { event: string; level: string; kind: string; nodeSaid: string };
        expect(parsed).to.deep.include({ event: "error", level: "error", kind: "insufficient-funds" });
        expect(parsed.nodeSaid).to.match(/enough funds|insufficient funds/i);
      }
    }
  });

  it("showwork anchor with an unfunded account: the progress says what the node answered and what to do; funded, it finishes", async () => {
    const log = await setupTestLog(node.url);
    const account = privateKeyToAccount(log.privateKey).address;
    await rpc(node.url, "hardhat_setBalance", [account, "0x0"]);
    const file = join(tempDir(), "receipts.jsonl");
    writeFileSync(file, `${makeReceipts(30).map((r) => JSON.stringify(r)).join("\n")}\n`);
    const child = spawnTracked(
      process.execPath,
      [
        join(ROOT, "bin/showwork.mjs"),
        "anchor",
        file,
        ...["--rpc", node.url, "--receipt-logs", log.contract, "--log", log.logId, "--store", join(tempDir(), "s.sqlite"), "--max-delay", "50", "--poll", "30"],
      ],
      { env: { SHOWWORK_ANCHORER_KEY: log.privateKey } },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout?.resume();
    await waitForLine(child, /WARNING \(tx-rejected\)/, 60_000);
    await sleep(300);
    expect(stderr).to.match(/the node refused the transaction \(insufficient-funds\)/);
    expect(stderr).to.include(`Account: ${account} on chain 31337`);
    expect(stderr).to.match(/Do: send at least [0-9.]+ ETH/);
    await rpc(node.url, "hardhat_setBalance", [account, "0x3635c9adc5dea00000"]);
    await exited(child);
    expect(child.exitCode, stderr).to.equal(0);
    expect(stderr).to.match(/final 30/);
  });

  it("--log-format json: one JSON object a line, with a stable event field, and no secrets", async () => {
    const log = await setupTestLog(node.url);
    const child = spawnTracked(
      process.execPath,
      [
        join(ROOT, "bin/showwork.mjs"),
        "serve",
        ...["--rpc", node.url, "--receipt-logs", log.contract, "--log", log.logId, "--store", join(tempDir(), "s.sqlite")],
        ...["--port", "0", "--max-batch", "10", "--max-delay", "50", "--poll", "30", "--log-format", "json"],
        // Unsigned test receipts with fixed past issuedAt (the ingestion checks have their own tests).
        ...["--signatures", "off", "--issued-at-window", "off"],
      ],
      { env: { SHOWWORK_ANCHORER_KEY: log.privateKey } },
    );
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const url = (await waitForLine(child, /showwork serve: listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1]!;
    // The store has no token: on loopback, serve prints a dev token on stdout (never in the logs).
    const devToken = /dev token \(this process only; the store has no tokens\): (\S+)/.exec(stdout)![1]!;
    expect(stderr).to.not.include(devToken);
    const response = await fetch(`${url}/v1/receipts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${devToken}` },
      body: JSON.stringify(makeReceipts(20)),
    });
    expect(response.status).to.equal(201);
    for (const deadline = Date.now() + 30_000; !/"event":"final"/.test(stderr); await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`no final event logged:\n${stderr}`);
    }
    child.kill("SIGTERM");
    await exited(child);
    const lines = stderr.trim().split("\n");
    const objects = lines.map((l) => JSON.parse(l) as { time: string; level: string; event: string; message: string; [k: string]: unknown });
    const names = objects.map((o) => o.event);
    expect(names).to.include.members(["service", "listening", "batch-closed", "tx-submitted", "anchored", "final", "stopping"]);
    for (const o of objects) {
      expect(o.time).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(["info", "warn", "error"]).to.include(o.level);
      expect(o.message).to.be.a("string");
    }
    const anchored = objects.find((o) => o.event === "anchored")!;
    expect(anchored).to.include.keys("txHash", "blockNumber", "firstBatch", "lastBatch", "receipts", "gasUsed", "feeWei");
    expect(stderr).to.not.include((log.privateKey as Hex).slice(2));
  });
});
