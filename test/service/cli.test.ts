import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { parseBundle, processProof, type ProofBundleJson } from "../../sdk/index.js";
import { readBatchRoot } from "../../sdk/service/anchor/receiptLogsReader.js";
import { setupTestLog } from "./helpers/chain.js";
import { startFaultProxy, type FaultProxy } from "./helpers/faultProxy.js";
import { killAll, rpc, showwork, startHardhatNode, type HardhatNode } from "./helpers/processes.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

function writeJsonl(n: number): { file: string; ids: string[] } {
  const receipts = makeReceipts(n);
  const file = join(tempDir(), "receipts.jsonl");
  writeFileSync(file, `${receipts.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return { file, ids: receipts.map((r) => r.receiptId) };
}

describe("showwork anchor / prove (CLI, real processes)", function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let proxy: FaultProxy;

  before(async () => {
    node = await startHardhatNode();
    proxy = await startFaultProxy(node.url, { error: 0.1, timeout: 0, dropSend: 0, duplicate: 0.1, dropFirstSends: 1 });
  });
  after(async () => {
    await proxy.close();
    await killAll();
    removeTempDirs();
  });

  it("anchors a file through a faulty RPC, shows the retries and a summary; reruns are safe; prove writes a bundle that verifies", async () => {
    const log = await setupTestLog(node.url); // directly on the node: the proxy's first dropped send is an anchoring one
    const key = log.privateKey;
    const { file, ids } = writeJsonl(250);
    const store = join(tempDir(), "store.sqlite");
    const common = ["--store", store, "--rpc", proxy.url, "--max-batch", "100", "--max-delay", "50", "--poll", "30", "--resend-after", "200"];
    const first = await showwork(["anchor", file, ...common, "--receipt-logs", log.contract, "--log", log.logId], { SHOWWORK_ANCHORER_KEY: key });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.match(/retry \(resubmit-dropped\)/);
    expect(first.stderr).to.include("recorded      250 new, 0 already recorded");
    expect(first.stderr).to.match(/batches +3 \(log indices 0\.\.2\)/);
    expect(first.stderr).to.match(/final 250/);

    const again = await showwork(["anchor", file, ...common], { SHOWWORK_ANCHORER_KEY: key });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include("recorded      0 new, 250 already recorded");

    const out = join(tempDir(), "bundle.json");
    const prove = await showwork(["prove", ids[123]!, "--store", store, "-o", out]);
    expect(prove.code, prove.stderr).to.equal(0);
    const bundle = parseBundle(JSON.parse(readFileSync(out, "utf8")) as ProofBundleJson);
    expect(bundle.receipt.receiptId).to.equal(ids[123]);
    const client = createPublicClient({ transport: http(node.url) }) as PublicClient;
    const root = await readBatchRoot(client, { contract: bundle.anchor.contract, logId: bundle.anchor.logId }, bundle.anchor.batchIndex);
    expect(processProof(bundle.leaf, bundle.proof)).to.equal(root);

    const unknown = await showwork(["prove", `0x${"ee".repeat(32)}`, "--store", store, "-o", "-"]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include("No receipt");
  });

  it("rejects a bad line with its line number, and a missing key with what to do", async () => {
    const { file } = writeJsonl(3);
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = lines[1]!.replace('"promptTemplateVersion":1', '"promptTemplateVersion":"one"');
    writeFileSync(file, lines.join("\n"));
    const key = generatePrivateKey();
    await rpc(node.url, "hardhat_setBalance", [privateKeyToAccount(key).address, "0x3635c9adc5dea00000"]);
    const bad = await showwork(["anchor", file, "--store", join(tempDir(), "s.sqlite"), "--rpc", node.url, "--deploy"], { SHOWWORK_ANCHORER_KEY: key });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("line 2");
    expect(bad.stderr).to.include("promptTemplateVersion");

    const noKey = await showwork(["anchor", file, "--store", join(tempDir(), "s.sqlite"), "--rpc", node.url]);
    expect(noKey.code).to.equal(1);
    expect(noKey.stderr).to.include("SHOWWORK_ANCHORER_KEY is not set");
  });

  it("anchors on the embedded default (in-process chain) and refuses to reuse that store later", async () => {
    const { file } = writeJsonl(120);
    const store = join(tempDir(), "embedded.sqlite");
    const run = await showwork(["anchor", file, "--store", store, "--max-batch", "50", "--max-delay", "20", "--poll", "20"]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include("in-process chain");
    expect(run.stderr).to.match(/final 120/);
    const reuse = await showwork(["anchor", file, "--store", store]);
    expect(reuse.code).to.equal(1);
    expect(reuse.stderr).to.include("belongs to an in-process chain that ended with its process");
  });
});
