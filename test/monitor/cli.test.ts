/**
 * Publishing and monitoring end to end, as an operator and a third party run them: the anchoring service
 * records signed receipts on a `hardhat node` and anchors them; `showwork publish --out DIR` writes the
 * folder; `showwork monitor` (a child process) checks it from the folder and from the service's own
 * HTTP routes, with --json and --state, and its exit code says whether anything was found.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { connectRpc, type ServiceClients } from "../../sdk/service/chain/connect.js";
import { setupServiceLog } from "../../sdk/service/chain/setupLog.js";
import { startHttpServer, type RunningServer } from "../../sdk/service/http/server.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { batchPath } from "../../sdk/publish/layout.js";
import type { MonitorReport } from "../../sdk/monitor/types.js";
import { modelTimelineAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt, modelIdFromName, signReceipt, type Receipt } from "../../sdk/receipt/index.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { rpc } from "../service/helpers/processes.js";
import { roundsUntil } from "../service/helpers/service.js";

const BIN = path.resolve("bin/showwork.mjs");
const MODEL_ID = modelIdFromName("cli-model");
const WEIGHTS = `0x${"11".repeat(32)}` as const;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("showwork publish + showwork monitor (CLI, service, hardhat node)", function () {
  this.timeout(240_000);
  let node: HardhatNodeProcess;
  let clients: ServiceClients;
  let service: AnchoringService;
  let server: RunningServer;
  let contract: `0x${string}`;
  let logId: `0x${string}`;
  let storePath: string;
  const servingNode = privateKeyToAccount(generatePrivateKey());
  let sequence = 0n;

  const record = async (count: number): Promise<Receipt[]> => {
    const now = Number((await clients.publicClient.getBlock()).timestamp);
    const receipts: Receipt[] = [];
    for (let i = 0; i < count; i++) {
      const { receipt } = buildReceipt({
        model: { name: "cli-model", weightsDigest: WEIGHTS },
        promptTemplate: { digest: `0x${"22".repeat(32)}`, version: 1 },
        retrievalIndexDigest: `0x${"33".repeat(32)}`,
        memoryDigest: `0x${"44".repeat(32)}`,
        tools: [],
        input: `q${sequence}`,
        output: `a${sequence}`,
        sampling: {},
        servingNode: servingNode.address,
        sequence: sequence++,
        issuedAt: now,
      });
      receipts.push(await signReceipt(servingNode, receipt));
    }
    await service.record(receipts);
    service.flush();
    await roundsUntil(service, async () => (await service.metrics()).lag.unanchoredReceipts === 0, 60_000);
    return receipts;
  };

  before(async () => {
    node = await startHardhatNode();
    const key = generatePrivateKey();
    clients = await connectRpc(node.url, key);
    await rpc(node.url, "hardhat_setBalance", [clients.walletClient.account.address, "0x3635c9adc5dea00000"]);
    const setup = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: "cli monitor", signers: [servingNode.address] });
    ({ contract, logId } = setup);
    // The model and its version in the log's bound timeline (otherwise the monitor reports an unknown model).
    const timeline = { address: setup.timeline!, abi: modelTimelineAbi } as const;
    const wallet = clients.walletClient;
    for (const [functionName, args] of [
      ["registerModel", [logId, MODEL_ID, "cli-model"]],
      ["publishVersion", [logId, MODEL_ID, WEIGHTS, "ipfs://cli-model/v1"]],
      ["deployVersion", [logId, MODEL_ID, WEIGHTS]],
    ] as const) {
      const hash = await wallet.writeContract({ ...timeline, functionName, args, account: wallet.account, chain: wallet.chain } as never);
      expect((await clients.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
    }
    storePath = path.join(await mkdtemp(path.join(tmpdir(), "showwork-cli-monitor-")), "store.sqlite");
    service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: storePath }),
      chain: { publicClient: clients.publicClient, walletClient: clients.walletClient, contract, logId },
      batching: { maxReceipts: 3, maxDelayMs: 0 },
      anchoring: { confirmations: 1 },
      pollIntervalMs: 20,
      // Test receipts (unsigned or with chosen issuedAt): a trusted in-process caller, said explicitly.
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    // Only its public reads are used (the monitor follows the publication routes).
    server = await startHttpServer(service, { port: 0, auth: { devToken: generateAccessToken().token } });
    await record(7); // batches of 3, 3, 1
  });
  after(async () => {
    await server?.close();
    await service?.close();
    await clients?.close();
    await node?.stop();
  });

  const monitorArgs = (source: string, extra: string[] = []): string[] => ["monitor", "--rpc", node.url, "--contract", contract, "--log", logId, "--source", source, "--json", ...extra];

  it("publishes the store into a folder and the monitor passes it (and the service's own HTTP routes)", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "showwork-published-"));
    const published = await run(["publish", "--store", storePath, "--out", out, "--json"]);
    expect(published.code, published.stderr).to.equal(0);
    const summary = JSON.parse(published.stdout) as { batches: number; receipts: number; written: number[]; bytes: number };
    expect(summary).to.include({ batches: 3, receipts: 7 });
    expect(summary.written).to.deep.equal([0, 1, 2]);

    for (const source of [out, server.url]) {
      const result = await run(monitorArgs(source));
      expect(result.code, result.stderr + result.stdout).to.equal(0);
      const report = JSON.parse(result.stdout) as MonitorReport;
      expect(report.findings).to.deep.equal([]);
      expect(report.checked).to.include({ batches: 3, receipts: 7 });
      expect(report.unchecked).to.deep.equal([]);
      expect(report.status).to.equal("clean");
    }

    const human = await run(["monitor", "--rpc", node.url, "--contract", contract, "--log", logId, "--source", out]);
    expect(human.stdout).to.contain("checked 3 batches, 7 receipts");
  });

  it("resumes from --state, and exits 1 naming a file altered after anchoring", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "showwork-published-"));
    const stateFile = path.join(out, "monitor-state.json");
    expect((await run(["publish", "--store", storePath, "--out", out])).code).to.equal(0);
    const first = await run(monitorArgs(out, ["--state", stateFile]));
    expect(first.code, first.stderr).to.equal(0);

    await record(2); // batch 3
    const incremental = await run(["publish", "--store", storePath, "--out", out, "--json"]);
    expect((JSON.parse(incremental.stdout) as { written: number[] }).written).to.deep.equal([3]);
    const second = await run(monitorArgs(out, ["--state", stateFile]));
    const report = JSON.parse(second.stdout) as MonitorReport;
    expect(report.checked).to.include({ batches: 1, receipts: 2 });
    expect(report.totals).to.include({ batches: 4, receipts: 9 });

    const file = path.join(out, batchPath(logId, 1));
    await writeFile(file, (await readFile(file, "utf8")).replace(/"outputDigest":"0x[0-9a-f]{2}/, '"outputDigest":"0xff'));
    const altered = await run(monitorArgs(out));
    expect(altered.code).to.equal(1);
    expect((JSON.parse(altered.stdout) as MonitorReport).findingCounts["root-mismatch"]).to.equal(1);
  });

  it("audits the version from the published folder and the chain alone (showwork audit --source): every answer with a bundle that verifies, then a withheld batch", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "showwork-published-"));
    expect((await run(["publish", "--store", storePath, "--out", out])).code).to.equal(0);
    const bundles = path.join(out, "bundles");
    const args = ["audit", "--source", out, "--rpc", node.url, "--contract", contract, "--log", logId, "--model", "cli-model", "--version", WEIGHTS, "--from", "0", "--to", "4102444800", "--json"];
    const result = await run([...args, "--bundles", bundles]);
    expect(result.code, result.stderr).to.equal(0);
    const audit = JSON.parse(result.stdout) as { complete: boolean; count: number; receipts: { receiptId: string; activeThen: boolean }[]; bundles: string[]; gaps: unknown[] };
    expect(audit.complete).to.equal(true);
    expect(audit.count).to.equal(Number(sequence)); // every answer recorded so far is of this version
    expect(audit.receipts.every((r) => r.activeThen)).to.equal(true);
    expect(audit.bundles).to.have.length(audit.count);
    const verified = await run(["verify", audit.bundles[0]!, "--rpc", node.url]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);

    await rm(path.join(out, batchPath(logId, 1)));
    const withheld = await run(args);
    expect(withheld.code).to.equal(1);
    const partial = JSON.parse(withheld.stdout) as { complete: boolean; count: number; withheldBatches: number[]; gaps: { missing: { count: string } }[] };
    expect(partial).to.include({ complete: false, count: Number(sequence) - 3 });
    expect(partial.withheldBatches).to.deep.equal([1]);
    expect(partial.gaps.map((g) => g.missing.count)).to.deep.equal(["3"]);
  });

  it("issue #22 item 2: an altered or emptied LAST batch (no later sequence to reveal a gap) makes the audit INCOMPLETE (exit 1), the batch counted as withheld", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "showwork-published-"));
    expect((await run(["publish", "--store", storePath, "--out", out])).code).to.equal(0);
    const args = ["audit", "--source", out, "--rpc", node.url, "--contract", contract, "--log", logId, "--model", "cli-model", "--version", WEIGHTS, "--from", "0", "--to", "4102444800"];
    const clean = await run([...args, "--json"]);
    expect(clean.code, clean.stderr).to.equal(0);
    const full = JSON.parse(clean.stdout) as { complete: boolean; count: number; cannotCover: string; receipts: { batchIndex: number }[] };
    expect(full.complete).to.equal(true);
    expect(full.cannotCover).to.include("last answers");
    const last = Math.max(...full.receipts.map((r) => r.batchIndex));
    const file = path.join(out, batchPath(logId, last));
    const original = await readFile(file, "utf8");
    for (const text of [original.replace(/"outputDigest":"0x[0-9a-f]{2}/, '"outputDigest":"0xff'), ""]) {
      await writeFile(file, text);
      const result = await run([...args, "--json"]);
      expect(result.code, result.stdout).to.equal(1);
      const audit = JSON.parse(result.stdout) as { complete: boolean; count: number; withheldBatches: number[]; incomplete: string[] };
      expect(audit.complete).to.equal(false);
      expect(audit.withheldBatches).to.include(last);
      expect(audit.count).to.be.lessThan(full.count);
      expect(audit.incomplete.join(" ")).to.match(/counted as withheld/);
      const human = await run(args);
      expect(human.code).to.equal(1);
      expect(human.stdout).to.include("INCOMPLETE").and.not.include("complete: no gap");
    }
    await writeFile(file, original);
  });

  it("exits 2 with a clear message when it cannot check (an RPC endpoint that is down)", async () => {
    const result = await run(["monitor", "--rpc", "http://127.0.0.1:9", "--contract", contract, "--log", logId, "--source", server.url, "--timeout", "2000"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("could not check the log");
  });
});
