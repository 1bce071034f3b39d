/**
 * The verifier-side CLI as a user runs it (`bin/showwork.mjs` child processes) against a
 * `hardhat node` process: verify (exit codes 0/1/2, text and JSON), timeline, audit (over a
 * store the anchoring service filled, through `showwork anchor`), and verifier (serves the page).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { keccak256, parseEther, stringToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { toReceiptJson } from "../../sdk/receipt/parseReceipt.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { CHECK_IDS, type Verdict } from "../../sdk/verify/verdict.js";
import { startHardhatNode, type HardhatNodeProcess } from "./support/hardhatNode.js";
import { buildScenario, httpChain, MODEL_ID, MODEL_NAME, ROLLBACK_REASON, WEIGHTS_V1, WEIGHTS_V2, type Scenario } from "./support/scenario.js";
import { BIN, spawnShowwork } from "./support/cli.js";
import { flip } from "./support/tampers.js";

const showwork = spawnShowwork;

describe("showwork verify / timeline / audit / verifier (CLI)", function () {
  let node: HardhatNodeProcess;
  let scenario: Scenario;
  let dir: string;
  let validFile: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showwork-cli-"));
    node = await startHardhatNode();
    scenario = await buildScenario(await httpChain(node.url));
    validFile = path.join(dir, "valid.bundle.json");
    await writeFile(validFile, JSON.stringify(scenario.json(scenario.v1Batch.bundles[0]!), null, 2));
  });
  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("verify", () => {
    it("exits 0 for a valid bundle and prints one line per check", async () => {
      const run = await showwork(["verify", validFile, "--rpc", node.url]);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const lines = run.stdout.trim().split("\n");
      // What was proven first, then one line per check, then what stays uncertain, then the summary.
      expect(lines[0]).to.match(new RegExp(`^VERIFIED: answer by node ${scenario.servingNode.address} of operator 0x[0-9a-fA-F]{40} \\(log 0x[0-9a-f]{6}…[0-9a-f]{4}\\), model acme-chat v1, active at .*, anchored at .*, \\d+ confirmations?$`));
      const marks = lines.slice(2, 2 + CHECK_IDS.length).map((line) => line.slice(0, 4));
      expect(marks).to.deep.equal(CHECK_IDS.map((id) => (id === "pinned" || id === "disclosure" ? "SKIP" : "PASS")));
      expect(run.stdout).to.match(/^Uncertain:\n {2}- nothing pinned/m);
      expect(lines[lines.length - 1]).to.match(/^VERIFIED: 13 checks passed; nothing pinned$/);
    });

    it("pins logs and operators: --log, --operator, --trust FILE; a bundle from another log fails the pinned check", async () => {
      const other = `0x${"11".repeat(32)}`;
      const pinnedOk = await showwork(["verify", validFile, "--rpc", node.url, "--log", scenario.logId]);
      expect(pinnedOk.code, pinnedOk.stdout).to.equal(0);
      expect(pinnedOk.stdout).to.match(/^PASS {2}Pinned log or operator/m);
      const wrongLog = await showwork(["verify", validFile, "--rpc", node.url, "--log", other]);
      expect(wrongLog.code).to.equal(1);
      expect(wrongLog.stdout).to.match(/^FAIL {2}Pinned log or operator/m);
      const byOperator = await showwork(["verify", validFile, "--rpc", node.url, "--operator", scenario.chain.admin.account.address]);
      expect(byOperator.code, byOperator.stdout).to.equal(0);
      const trust = path.join(dir, "trust.json");
      await writeFile(trust, JSON.stringify({ format: "showwork/trust@1", operators: ["0x00000000000000000000000000000000000000aa"] }));
      const byFile = await showwork(["verify", validFile, "--rpc", node.url, "--trust", trust, "--json"]);
      expect(byFile.code).to.equal(1);
      expect((JSON.parse(byFile.stdout) as Verdict).checks.find((c) => c.id === "pinned")?.code).to.equal("not-pinned");
      const badPin = await showwork(["verify", validFile, "--rpc", node.url, "--log", "0x1234"]);
      expect(badPin.code).to.equal(2);
      expect(badPin.stderr).to.include("expected a 32-byte log id").and.include("0x1234");
      await writeFile(trust, JSON.stringify({ format: "showwork/trust@2", logs: [] }));
      const badFile = await showwork(["verify", validFile, "--rpc", node.url, "--trust", trust]);
      expect(badFile.code).to.equal(2);
      expect(badFile.stderr).to.include('format: expected "showwork/trust@1"');
    });

    it("reads every fact from each --rpc endpoint and lists them", async () => {
      const run = await showwork(["verify", validFile, "--rpc", node.url, "--rpc", node.url.replace("127.0.0.1", "localhost"), "--json"]);
      const verdict = JSON.parse(run.stdout) as Verdict;
      expect(run.code, run.stdout).to.equal(0);
      expect(verdict.endpoints?.map((e) => e.url)).to.deep.equal([node.url, node.url.replace("127.0.0.1", "localhost")]);
      const text = await showwork(["verify", validFile, "--rpc", node.url, "--rpc", node.url.replace("127.0.0.1", "localhost")]);
      expect(text.stdout).to.match(/^RPC endpoints:\n {2}http:\/\/127\.0\.0\.1:\d+: \d+ answered, 0 failed/m);
    });

    it("exits 1 for a tampered bundle, naming the check with expected and found", async () => {
      const bundle = scenario.json(scenario.v1Batch.bundles[0]!);
      bundle.root = flip(bundle.root);
      const file = path.join(dir, "tampered.bundle.json");
      await writeFile(file, JSON.stringify(bundle));
      const run = await showwork(["verify", file, "--rpc", node.url]);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.match(/^FAIL {2}Proof leads to root/m);
      expect(run.stdout).to.include(`expected: ${bundle.root}`);
      expect(run.stdout).to.match(/^FAILED: /m);
    });

    it("exits 2 when not final yet, when the RPC is down and when the file is missing", async () => {
      const pendingRun = await showwork(["verify", validFile, "--rpc", node.url, "--min-confirmations", "1000000"]);
      expect(pendingRun.code).to.equal(2);
      expect(pendingRun.stdout).to.match(/^WAIT {2}Confirmations/m);
      const down = await showwork(["verify", validFile, "--rpc", "http://127.0.0.1:9", "--timeout", "500"]);
      expect(down.code).to.equal(2);
      expect(down.stdout).to.match(/^COULD NOT CHECK: /m);
      const missing = await showwork(["verify", path.join(dir, "nope.json"), "--rpc", node.url]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("nope.json");
    });

    it("prints the verdict as JSON with --json", async () => {
      const run = await showwork(["verify", validFile, "--rpc", node.url, "--json"]);
      const verdict = JSON.parse(run.stdout) as Verdict;
      expect(verdict.status).to.equal("verified");
      expect(verdict.checks).to.have.lengthOf(CHECK_IDS.length);
      expect(verdict.facts.logId).to.equal(scenario.logId);
    });

    it("checks disclosed content from --disclose", async () => {
      const batch = scenario.v1Unsigned;
      const file = path.join(dir, "unsigned.bundle.json");
      await writeFile(file, JSON.stringify(scenario.json(batch.bundles[0]!)));
      const disclosure = path.join(dir, "disclosed.json");
      await writeFile(disclosure, JSON.stringify({ output: { content: "Your order #1000 has shipped.", salt: batch.openings[0]!.outputSalt } }));
      const good = await showwork(["verify", file, "--rpc", node.url, "--disclose", disclosure, "--allow-unsigned"]);
      expect(good.code, good.stdout).to.equal(0);
      expect(good.stdout).to.match(/^PASS {2}Disclosed content/m);
      await writeFile(disclosure, JSON.stringify({ output: { content: "Cancelled.", salt: batch.openings[0]!.outputSalt } }));
      const bad = await showwork(["verify", file, "--rpc", node.url, "--disclose", disclosure, "--allow-unsigned"]);
      expect(bad.code).to.equal(1);
    });
  });

  it("timeline prints the model's deployments and rollback from the chain", async () => {
    const run = await showwork(["timeline", MODEL_NAME, "--rpc", node.url, "--log-id", scenario.logId, "--contract", scenario.timeline]);
    expect(run.code, run.stderr).to.equal(0);
    const entries = run.stdout.split("\n").filter((line) => line.startsWith("#"));
    expect(entries.map((line) => line.split(/\s+/)[2])).to.deep.equal(["deployment", "deployment", "rollback"]);
    expect(entries[2]).to.include(WEIGHTS_V1).and.include(ROLLBACK_REASON);
    expect(run.stdout).to.match(/active now: v1/);

    const json = await showwork([
      "timeline",
      MODEL_ID,
      "--rpc",
      node.url,
      "--log-id",
      scenario.logId,
      "--contract",
      scenario.timeline,
      "--json",
      "--at",
      String(scenario.v2Batch.receipts[0]!.issuedAt),
      "--svg",
      path.join(dir, "timeline.svg"),
    ]);
    const view = JSON.parse(json.stdout) as { activations: { kind: string; version: Hex }[]; activeAt: Hex };
    expect(view.activations.map((a) => a.version)).to.deep.equal([WEIGHTS_V1, WEIGHTS_V2, WEIGHTS_V1]);
    expect(view.activeAt, "the version active at the v2 receipt's time").to.equal(WEIGHTS_V2);
    expect((await readdir(dir)).includes("timeline.svg")).to.equal(true);
    // Without --contract, the deployments record is asked for the chain's timeline: none for this local chain.
    const unrecorded = await showwork(["timeline", MODEL_NAME, "--rpc", node.url, "--log-id", scenario.logId]);
    expect(unrecorded.code).to.equal(1);
    expect(unrecorded.stderr).to.include("31337");
  });

  it("audit lists the receipts v2 produced in its window, each with its anchor, from the store the service filled", async () => {
    // An operator's service anchors receipts into the scenario's log with its own key.
    const { publicClient, admin } = scenario.chain;
    const key = generatePrivateKey();
    const service = privateKeyToAccount(key);
    await publicClient.waitForTransactionReceipt({
      hash: await admin.sendTransaction({ to: service.address, value: parseEther("10"), account: admin.account, chain: admin.chain }),
    });
    await publicClient.waitForTransactionReceipt({
      hash: await admin.writeContract({
        address: scenario.receiptLogs,
        abi: receiptLogsAbi,
        functionName: "grantAnchorer",
        args: [scenario.logId, service.address],
        account: admin.account,
        chain: admin.chain,
      }),
    });
    // v2's window: from its deployment to the rollback.
    const entries = await publicClient.readContract({
      address: scenario.timeline,
      abi: modelTimelineAbi,
      functionName: "activations",
      args: [scenario.logId, MODEL_ID, 0n, 10n],
    });
    const v2From = Number(entries[1]!.activatedAt);
    const v2To = Number(entries[2]!.activatedAt) - 1;
    // Signed by the scenario's serving node, authorised for the log since before v2's window.
    const receipt = async (weightsDigest: Hex, issuedAt: number, n: number) =>
      toReceiptJson(
        await signReceipt(scenario.servingNode, buildReceipt({
          model: { name: MODEL_NAME, weightsDigest },
          promptTemplate: { digest: keccak256(stringToHex("t")), version: 1 },
          retrievalIndexDigest: keccak256(stringToHex("r")),
          memoryDigest: keccak256(stringToHex("m")),
          input: `question ${n}`,
          output: `answer ${n}`,
          sampling: { temperature: 0 },
          servingNode: scenario.servingNode.address,
          sequence: n,
          issuedAt,
        }).receipt),
      );
    const jsonl = path.join(dir, "receipts.jsonl");
    const receipts = [
      await receipt(WEIGHTS_V2, v2From, 1),
      await receipt(WEIGHTS_V2, v2To, 2),
      await receipt(WEIGHTS_V1, v2To + 1, 3),
      await receipt(WEIGHTS_V2, v2To + 1, 4),
    ];
    await writeFile(jsonl, receipts.map((r) => JSON.stringify(r)).join("\n"));
    const store = path.join(dir, "store.sqlite");
    const anchor = await showwork(
      ["anchor", jsonl, "--rpc", node.url, "--contract", scenario.receiptLogs, "--log-id", scenario.logId, "--timeline", scenario.timeline, "--store", store, "--max-delay", "0", "--poll", "50", "--timeout", "60000"],
      { SHOWWORK_PRIVATE_KEY: key },
    );
    expect(anchor.code, anchor.stderr).to.equal(0);

    const inWindow = [receipts[0]!.receiptId, receipts[1]!.receiptId];
    const run = await showwork(["audit", "--store", store, "--model", MODEL_NAME, "--version", WEIGHTS_V2, "--from", String(v2From), "--to", String(v2To)]);
    expect(run.code, run.stderr).to.equal(0);
    const rows = run.stdout.split("\n").filter((line) => line.startsWith("0x"));
    expect(rows.map((line) => line.split(/\s+/)[0])).to.deep.equal(inWindow);
    for (const row of rows) expect(row).to.match(/final +batch \d+ leaf \d\/4 {2}anchored: chain 31337 block \d+ tx 0x[0-9a-f]{64}/);

    // By version number, looked up in the timeline; JSON; bundles that verify.
    const bundles = path.join(dir, "bundles");
    const json = await showwork([
      "audit",
      "--store",
      store,
      "--model",
      MODEL_NAME,
      "--version",
      "v2",
      "--rpc",
      node.url,
      "--timeline",
      scenario.timeline,
      "--from",
      new Date(v2From * 1000).toISOString(),
      "--to",
      String(v2To),
      "--json",
      "--bundles",
      bundles,
    ]);
    expect(json.code, json.stderr).to.equal(0);
    const result = JSON.parse(json.stdout) as { count: number; receipts: { receiptId: string; anchor?: { txHash: string } }[]; bundles: string[] };
    expect(result.count).to.equal(2);
    expect(result.receipts.map((r) => r.receiptId)).to.deep.equal(inWindow);
    expect(result.bundles).to.have.lengthOf(2);
    const verify = await showwork(["verify", result.bundles[0]!, "--rpc", node.url]);
    expect(verify.code, verify.stdout).to.equal(0);
    // The receipt claiming v2 after the rollback is outside the window, and fails verification on its model version.
    // An explicit --to: the default (now, by the wall clock) can be earlier than the chain's time, which other tests advanced.
    const late = await showwork(["audit", "--store", store, "--model", MODEL_NAME, "--version", WEIGHTS_V2, "--from", String(v2To + 1), "--to", String(v2To + 10 ** 9), "--json", "--bundles", path.join(dir, "late")], {
      SHOWWORK_TIMELINE: scenario.timeline,
    });
    const lateResult = JSON.parse(late.stdout) as { receipts: { receiptId: string }[]; bundles: string[] };
    expect(lateResult.receipts.map((r) => r.receiptId)).to.deep.equal([receipts[3]!.receiptId]);
    const lateVerify = await showwork(["verify", lateResult.bundles[0]!, "--rpc", node.url]);
    expect(lateVerify.code).to.equal(1);
    expect(lateVerify.stdout).to.match(/^FAIL {2}Model version active/m);
  });

  it("verifier serves the page on 127.0.0.1 until stopped", async () => {
    const child = spawn(process.execPath, [BIN, "verifier", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`verifier exited with ${code}: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.include("showwork verifier");
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
    }
  });
});
