/**
 * Verification policy over several chains: one batch anchored on an "L2" and an "L1" (two `hardhat
 * node`s with different chain ids), the same operator set-up on both (log, serving node, timeline).
 * `all` / `any` / N / named chains; one chain stopped; a different root on the other chain.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { keccak256, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { buildBundle } from "../../sdk/bundle/buildBundle.js";
import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { ReceiptTree } from "../../sdk/tree/ReceiptTree.js";
import { exitCodeOf } from "../../sdk/verify/verdict.js";
import { parseWitness } from "../../sdk/cli/commands/monitor.js";
import { compareChains } from "../../sdk/monitor/crossChain.js";
import { groupEndpointsByChain, parseRequirement, verifyBundleOnChains, type ChainEndpoints } from "../../sdk/verify/verifyOnChains.js";
import { killAll, showwork, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { MODEL_NAME, WEIGHTS_V1 } from "./support/scenario.js";
import { setupChain, type ChainSetup } from "./support/twoChains.js";

const L2 = 31_338;
const L1 = 31_339;

describe("verification policy over several chains (two hardhat nodes: L2 and L1)", function () {
  this.timeout(180_000);
  let l2Node: HardhatNode;
  let l1Node: HardhatNode;
  let l2: ChainSetup;
  let l1: ChainSetup;
  let servingNode: PrivateKeyAccount;
  let bundle: Record<string, unknown>;
  let tree: ReceiptTree;
  let chains: ChainEndpoints[];

  before(async () => {
    [l2Node, l1Node] = await Promise.all([startHardhatNode({ chainId: L2 }), startHardhatNode({ chainId: L1 })]);
    servingNode = privateKeyToAccount(generatePrivateKey());
    [l2, l1] = await Promise.all([setupChain(l2Node.url, servingNode.address), setupChain(l1Node.url, servingNode.address)]);
    // After both timelines activated v1 (each chain's own clock).
    const issuedAt = Math.max(Number((await l2.client.getBlock()).timestamp), Number((await l1.client.getBlock()).timestamp)) + 1;
    const receipts = [];
    for (let i = 0; i < 3; i++) {
      const built = buildReceipt({
        model: { name: MODEL_NAME, weightsDigest: WEIGHTS_V1 },
        promptTemplate: { digest: keccak256(stringToHex("t")), version: 1 },
        retrievalIndexDigest: keccak256(stringToHex("kb")),
        memoryDigest: keccak256(stringToHex(`m ${i}`)),
        tools: [],
        input: `question ${i}`,
        output: `answer ${i}`,
        sampling: { temperature: 0 },
        servingNode: servingNode.address,
        sequence: BigInt(i + 1),
        issuedAt,
      });
      receipts.push(await signReceipt(servingNode, built.receipt));
    }
    tree = ReceiptTree.of(receipts);
    const onL2 = await l2.anchor(tree.root, receipts.length);
    const onL1 = await l1.anchor(tree.root, receipts.length);
    const built = buildBundle({
      tree,
      receipt: receipts[0]!,
      anchors: [
        { chainId: L2, contract: l2.receiptLogs, logId: l2.logId, ...onL2 },
        { chainId: L1, contract: l1.receiptLogs, logId: l1.logId, ...onL1 },
      ],
    });
    bundle = toBundleJson(built) as unknown as Record<string, unknown>;
    chains = [
      { chainId: L2, name: "l2", rpcUrls: [l2.url] },
      { chainId: L1, name: "l1", rpcUrls: [l1.url] },
    ];
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  it("verifies on both chains under all, any, 2 and named chains; each chain says what it proved and when", async () => {
    for (const require of ["all", "any", 2, { chains: ["l1"] }] as const) {
      const verdict = await verifyBundleOnChains(bundle, { chains, require });
      expect(verdict.status, `require ${JSON.stringify(require)}: ${verdict.summary}`).to.equal("verified");
      expect(verdict.chains.map((c) => [c.name, c.accepted])).to.deep.equal([
        ["l2", true],
        ["l1", true],
      ]);
      for (const c of verdict.chains) {
        expect(c.proved).to.match(/^root 0x.* at index 0 of log .*anchored at \d{4}-/);
        expect(c.anchoredAt).to.be.a("number");
      }
      // The earliest anchoring time the policy accepts: under named chains, only theirs (the two nodes' clocks may differ by a second).
      const vouching = typeof require === "object" ? verdict.chains.filter((c) => (require.chains as readonly (string | number)[]).includes(c.name!)) : verdict.chains;
      expect(verdict.facts.anchoredAt, "the earliest accepted anchoring time").to.equal(Math.min(...vouching.map((c) => c.anchoredAt!)));
      expect(verdict.headline).to.match(/confirmed on l2 \(chain 31338\), l1 \(chain 31339\)/);
    }
  });

  it("groups --rpc endpoints by the chain they serve", async () => {
    const grouped = await groupEndpointsByChain([l1.url, l2.url, "http://127.0.0.1:1"], { timeoutMs: 2_000 });
    expect(grouped.chains.map((c) => c.chainId).sort()).to.deep.equal([L2, L1]);
    expect(grouped.unreachable.map((u) => u.url)).to.deep.equal(["http://127.0.0.1:1"]);
    expect(parseRequirement("any")).to.equal("any");
    expect(parseRequirement("2")).to.equal(2);
    expect(parseRequirement("l1,31338")).to.deep.equal({ chains: ["l1", 31338] });
    expect(() => parseRequirement("0")).to.throw(/at least 1/);
  });

  it("with the L1 down: any still VERIFIED naming the L1 as not checked; all and 'l1' are not verified and name it", async () => {
    l1Node.child.kill("SIGSTOP");
    try {
      const any = await verifyBundleOnChains(bundle, { chains, require: "any", timeoutMs: 1_000 });
      expect(any.status, any.summary).to.equal("verified");
      expect(any.summary).to.match(/not checked: l1 \(chain 31339\)/);
      expect(any.uncertain.join("\n")).to.match(/l1 \(chain 31339\) not confirmed: COULD NOT CHECK/);
      expect(any.chains.find((c) => c.name === "l1")).to.deep.include({ accepted: false, reason: "could-not-check" });

      const all = await verifyBundleOnChains(bundle, { chains, require: "all", timeoutMs: 1_000 });
      expect(all.status).to.equal("pending");
      expect(all.reason).to.equal("could-not-check");
      expect(exitCodeOf(all)).to.equal(2);
      expect(all.summary).to.match(/NOT VERIFIED under require all: l1 \(chain 31339\) not confirmed/);

      const named = await verifyBundleOnChains(bundle, { chains, require: { chains: ["l1"] }, timeoutMs: 1_000 });
      expect(named.status).to.equal("pending");
      expect(named.summary).to.match(/require l1: l1 not confirmed/);
      const two = await verifyBundleOnChains(bundle, { chains, require: 2, timeoutMs: 1_000 });
      expect(two.status).to.equal("pending");
    } finally {
      l1Node.child.kill("SIGCONT");
    }
  });

  it("a different root for the same batch on the other chain fails the verdict loudly, whatever the policy", async () => {
    // The operator anchors another root at the L1 log's next index, and a bundle points its L1 anchor there.
    const other = keccak256(stringToHex("another root"));
    const onL1 = await l1.anchor(other, 3);
    const anchors = (bundle.anchors as Record<string, unknown>[]).map((a) => (a.chainId === L1 ? { ...a, ...onL1 } : a));
    for (const require of ["any", "all", { chains: ["l2"] }] as const) {
      const verdict = await verifyBundleOnChains({ ...bundle, anchors }, { chains, require });
      expect(verdict.status, JSON.stringify(require)).to.equal("failed");
      expect(verdict.summary).to.match(/^FAILED: the chains disagree about this batch: l1 \(chain 31339\)/);
      expect(verdict.chains.find((c) => c.name === "l1")).to.deep.include({ conflict: true, accepted: false });
      expect(verdict.chains.find((c) => c.name === "l2")).to.deep.include({ conflict: false, accepted: true });
    }
    // An anchor that names another root than the bundle's is a disagreement too.
    const renamed = (bundle.anchors as Record<string, unknown>[]).map((a) => (a.chainId === L1 ? { ...a, root: other } : a));
    const verdict = await verifyBundleOnChains({ ...bundle, anchors: renamed }, { chains, require: "any" });
    expect(verdict.status).to.equal("failed");
    expect(verdict.chains.find((c) => c.name === "l1")?.verdict.checks.find((c) => c.id === "batch-root")?.code).to.equal("chains-disagree");
  });

  it("the monitor follows both chains: a batch with another root on the other chain is a loud finding, a batch missing on one chain is reported after the grace period", async () => {
    const primary = { name: "l2", client: l2.client, contract: l2.receiptLogs, logId: l2.logId };
    const witness = { name: "l1", client: l1.client, contract: l1.receiptLogs, logId: l1.logId };
    // So far: index 0 agrees; the L1 holds "another root" at index 1 (the previous test), the L2 nothing there.
    const before = await compareChains({ primary, witnesses: [witness], graceSeconds: 0 });
    expect(before.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([["missing-on-chain", 1]]);
    expect(before.findings[0]!.message).to.match(/anchored on l1 \(index 1\) but not on l2: withheld on that chain/);
    const patient = await compareChains({ primary, witnesses: [witness], graceSeconds: 3_600 });
    expect(patient.findings, "within the grace period: not yet a finding").to.deep.equal([]);
    // The L2 gets a different root at index 1, and one more batch the L1 never gets.
    await l2.anchor(keccak256(stringToHex("L2's own batch 1")), 2);
    await l2.anchor(keccak256(stringToHex("L2 batch 2")), 2);
    const after = await compareChains({ primary, witnesses: [witness], graceSeconds: 0 });
    expect(after.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([
      ["chain-disagreement", 1],
      ["missing-on-chain", 2],
    ]);
    expect(after.findings[0]!.message).to.match(/^CHAINS DISAGREE: batch 1 has root 0x[0-9a-f]{64} on l2 but 0x[0-9a-f]{64} on l1/);
    expect(after.chains.map((c) => [c.name, c.size])).to.deep.equal([
      ["l2", 3],
      ["l1", 2],
    ]);
    expect(parseWitness(`l1=${l1.url},${l1.receiptLogs},${l1.logId},3`)).to.deep.include({ name: "l1", rpc: l1.url, offset: 3 });
    expect(() => parseWitness("l1=nope")).to.throw(/expected name=rpc,contract,logId/);
  });

  it("showwork verify: --rpc for both chains (grouped by chain id), chain names and policy from the trust file, --require on top", async () => {
    const dir = tempDir();
    const file = join(dir, "bundle.json");
    writeFileSync(file, JSON.stringify(bundle));
    const trust = join(dir, "trust.json");
    writeFileSync(trust, JSON.stringify({ format: "showwork/trust@1", logs: [l2.logId, l1.logId], chains: [{ name: "l2", chainId: L2 }, { name: "l1", chainId: L1 }], require: ["l1"] }));
    const ok = await showwork(["verify", file, "--rpc", l2.url, "--rpc", l1.url, "--trust", trust]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/Chains \(require l1\):/);
    expect(ok.stdout).to.match(/CONFIRMED\s+l2 \(chain 31338/);
    expect(ok.stdout).to.match(/CONFIRMED\s+l1 \(chain 31339/);
    l1Node.child.kill("SIGSTOP");
    try {
      const named = await showwork(["verify", file, "--rpc", l2.url, "--rpc", l1.url, "--trust", trust, "--timeout", "1000"]);
      expect(named.code, named.stdout).to.equal(2);
      expect(named.stdout).to.match(/NOT VERIFIED under require l1: l1 not confirmed/);
      const any = await showwork(["verify", file, "--rpc", l2.url, "--rpc", l1.url, "--trust", trust, "--require", "any", "--timeout", "1000", "--json"]);
      expect(any.code, any.stdout).to.equal(0);
      const verdict = JSON.parse(any.stdout) as { status: string; policy: string; chains: { name: string; accepted: boolean }[] };
      expect(verdict).to.deep.include({ status: "verified", policy: "any" });
      expect(verdict.chains.map((c) => [c.name, c.accepted])).to.deep.equal([
        ["l2", true],
        ["l1", false],
      ]);
    } finally {
      l1Node.child.kill("SIGCONT");
    }
  });

  it("showwork log show lists the log on the project's other chains, and says when a batch's roots differ", async () => {
    const dir = tempDir();
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        format: "showwork/config@1",
        chains: [
          { name: "l2", chainId: L2, rpc: [l2.url], receiptLogs: l2.receiptLogs, logId: l2.logId },
          { name: "l1", chainId: L1, rpc: [l1.url], receiptLogs: l1.receiptLogs, logId: l1.logId },
        ],
      }),
    );
    const run = await showwork(["log", "show", "--rpc", l2.url, "--receipt-logs", l2.receiptLogs, "--log-id", l2.logId, "--json"], { SHOWWORK_CONFIG: file });
    expect(run.code, run.stderr).to.equal(0);
    const shown = JSON.parse(run.stdout) as { size: string; chains: { name: string; size: number; compared: number; agrees: boolean }[] };
    expect(String(shown.size)).to.equal("3");
    expect(shown.chains).to.have.length(1);
    expect(shown.chains[0]).to.deep.include({ name: "l1", size: 2, compared: 1, agrees: false });
    const text = await showwork(["log", "show", "--rpc", l2.url, "--receipt-logs", l2.receiptLogs, "--log-id", l2.logId], { SHOWWORK_CONFIG: file });
    expect(text.stdout).to.match(/chain l1 \(31339\): log 0x[0-9a-f]{64} in ReceiptLogs 0x[0-9a-fA-F]{40}: 2 batches anchored, head 0x[0-9a-f]{64}; batch 1 has ANOTHER ROOT/);
  });
});
