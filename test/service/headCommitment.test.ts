/**
 * Head commitments (issue #23): a fast "L2" anchors every batch; a slow "L1" gets one entry per cadence holding the
 * L2 log's chained head, which covers every L2 batch up to it (two `hardhat node`s with different chain ids on
 * 127.0.0.1). Bundles carry the commitment with its links; the verifier accepts it on the L1 alone (the L2 stopped),
 * and refuses edited links or a head the L1 does not hold.
 */
import { writeFileSync } from "node:fs";

import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt } from "../../sdk/receipt/buildReceipt.js";
import { toReceiptJson } from "../../sdk/receipt/parseReceipt.js";
import { signReceipt } from "../../sdk/receipt/signReceipt.js";
import { parseWitness } from "../../sdk/cli/commands/monitor.js";
import { compareChains } from "../../sdk/monitor/crossChain.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { findBatchAnchored, readLogSize } from "../../sdk/service/anchor/receiptLogsReader.js";
import { connectRpc } from "../../sdk/service/chain/connect.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { headOfCommitment, headSize } from "../../sdk/verify/commitment.js";
import { verifyBundleOnChains, type ChainEndpoints } from "../../sdk/verify/verifyOnChains.js";
import { MODEL_NAME, WEIGHTS_V1 } from "../verify/support/scenario.js";
import { setupChain, type ChainSetup } from "../verify/support/twoChains.js";
import { killAll, rpc, showwork, startHardhatNode, type HardhatNode } from "./helpers/processes.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";

const L2 = 31_338;
const L1 = 31_339;
/** The service's anchoring key on both chains (granted and funded in `before`). */
const ANCHORER_KEY: Hex = generatePrivateKey();

const events: ServiceEvent[] = [];

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time; last events: ${JSON.stringify(events.slice(-5), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("head commitments: one L1 entry covers many L2 batches through the L2 log's chained head (two hardhat nodes)", function () {
  this.timeout(240_000);
  let l2Node: HardhatNode;
  let l1Node: HardhatNode;
  let l2: ChainSetup;
  let l1: ChainSetup;
  let node: PrivateKeyAccount;
  let sequence = 0;
  let issuedAt = 0;

  before(async () => {
    [l2Node, l1Node] = await Promise.all([startHardhatNode({ chainId: L2 }), startHardhatNode({ chainId: L1 })]);
    node = privateKeyToAccount(generatePrivateKey());
    [l2, l1] = await Promise.all([setupChain(l2Node.url, node.address), setupChain(l1Node.url, node.address)]);
    const anchorer = privateKeyToAccount(ANCHORER_KEY).address;
    for (const [chain, url] of [
      [l2, l2Node.url],
      [l1, l1Node.url],
    ] as const) {
      await chain.send(chain.receiptLogs, receiptLogsAbi, "grantAnchorer", [chain.logId, anchorer]);
      await rpc(url, "hardhat_setBalance", [anchorer, "0x3635c9adc5dea00000"]);
    }
    issuedAt = Math.max(Number((await l2.client.getBlock()).timestamp), Number((await l1.client.getBlock()).timestamp)) + 1;
    // The L1: a block every 300 ms, not one per transaction.
    await rpc(l1Node.url, "evm_setAutomine", [false]);
    await rpc(l1Node.url, "evm_setIntervalMining", [300]);
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  async function receipts(n: number): Promise<unknown[]> {
    const out = [];
    for (let i = 0; i < n; i++) {
      sequence++;
      const built = buildReceipt({
        model: { name: MODEL_NAME, weightsDigest: WEIGHTS_V1 },
        promptTemplate: { digest: keccak256(stringToHex("t")), version: 1 },
        retrievalIndexDigest: keccak256(stringToHex("kb")),
        memoryDigest: keccak256(stringToHex(`m ${sequence}`)),
        tools: [],
        input: `question ${sequence}`,
        output: `answer ${sequence}`,
        sampling: { temperature: 0 },
        servingNode: node.address,
        sequence: BigInt(sequence),
        issuedAt,
      });
      out.push(toReceiptJson(await signReceipt(node, built.receipt)));
    }
    return out;
  }

  it("commits the L2 head every 4 batches (one L1 transaction of constant gas each); bundles verify on the L1 alone and offline; edited links and another head fail; the monitor and log show compare heads", async () => {
    const l2Clients = await connectRpc(l2.url, ANCHORER_KEY, { timeoutMs: 800 });
    const l1Clients = await connectRpc(l1.url, ANCHORER_KEY, { timeoutMs: 800 });
    const service = await AnchoringService.open({
      store: SqliteReceiptStore.open({ path: `${tempDir()}/store.sqlite` }),
      chain: { name: "l2", publicClient: l2Clients.publicClient, walletClient: l2Clients.walletClient, contract: l2.receiptLogs, logId: l2.logId },
      chains: [
        {
          name: "l1",
          publicClient: l1Clients.publicClient,
          walletClient: l1Clients.walletClient,
          contract: l1.receiptLogs,
          logId: l1.logId,
          anchoring: { commitHead: true, cadenceBatches: 4, confirmations: 1 },
        },
      ],
      batching: { maxReceipts: 2, maxDelayMs: 0 },
      pollIntervalMs: 25,
      maxBackoffMs: 400,
      onEvent: (event) => events.push(event),
      ingestion: { issuedAtWindow: false, signatures: "off" },
    });
    service.start();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const acks = await service.record(await receipts(2));
        ids.push(acks[0]!.receiptId);
        await until(`batch ${i} on the L2`, async () => (await service.metrics()).chains.find((c) => c.name === "l2")?.lastAnchored?.index === i, 20_000);
      }
      await until("batches 0..7 committed on the L1", async () => (await service.metrics()).chains.find((c) => c.name === "l1")?.lastAnchored?.index === 7);

      // Two L1 entries for 8 L2 batches: the L2 log's heads after batches 3 and 7.
      const l1Location = { contract: l1.receiptLogs, logId: l1.logId };
      const l2Location = { contract: l2.receiptLogs, logId: l2.logId };
      expect(await readLogSize(l1.client, l1Location)).to.equal(2);
      const l2Events = await findBatchAnchored(l2.client, l2Location, { fromBlock: 0 });
      const l1Events = await findBatchAnchored(l1.client, l1Location, { fromBlock: 0 });
      expect(l1Events.map((e) => [e.index, e.root, e.leafCount])).to.deep.equal([
        [0, l2Events[3]!.head, 4],
        [1, l2Events[7]!.head, 4],
      ]);
      expect(l1Events.map((e) => headSize(e.root))).to.deep.equal([4, 8]);
      const l1Txs = events.filter((e) => e.type === "tx-submitted" && e.chain === "l1");
      expect(l1Txs.length, "one L1 transaction per 4 L2 batches").to.equal(2);
      // A commitment covering one batch costs what one covering four does.
      await service.record(await receipts(2));
      await until("batch 8 on the L2", async () => (await service.metrics()).chains.find((c) => c.name === "l2")?.lastAnchored?.index === 8);
      service.flush();
      await until("batch 8 committed on the L1", async () => (await service.metrics()).chains.find((c) => c.name === "l1")?.lastAnchored?.index === 8);
      const gasOf = async (client: typeof l1.client, list: { txHash: Hex; leafCount: number }[]) =>
        Promise.all(list.map(async (e) => ({ covers: e.leafCount, gas: Number((await client.getTransactionReceipt({ hash: e.txHash })).gasUsed) })));
      const l1Gas = await gasOf(l1.client, await findBatchAnchored(l1.client, l1Location, { fromBlock: 0 }));
      expect(l1Gas.map((g) => g.covers)).to.deep.equal([4, 4, 1]);
      expect(Math.abs(l1Gas[2]!.gas - l1Gas[1]!.gas), "gas does not grow with the batches covered").to.be.lessThan(200);
      const l2Gas = await gasOf(l2.client, await findBatchAnchored(l2.client, l2Location, { fromBlock: 0 }));
      console.log(`      head commitment measurements: ${JSON.stringify({ l2GasPerBatch: l2Gas.map((g) => g.gas), l1GasPerCommitment: l1Gas })}`);

      // Bundles: the L2 anchor and the L1 commitment (its links from the receipt's batch up to the committed head).
      const chains: ChainEndpoints[] = [
        { chainId: L2, name: "l2", rpcUrls: [l2.url] },
        { chainId: L1, name: "l1", rpcUrls: [l1.url] },
      ];
      for (const [batch, entry, links] of [
        [0, 0, 4],
        [2, 0, 2],
        [5, 1, 3],
      ] as const) {
        await until(`receipt of batch ${batch}: both anchors`, async () => (await service.bundle(ids[batch]!)).anchors.length === 2, 10_000);
        const bundle = toBundleJson(await service.bundle(ids[batch]!));
        const [onL2, onL1] = bundle.format === "showwork/bundle@2" ? bundle.anchors : [];
        expect(onL2!.batchIndex).to.equal(batch);
        expect(onL1).to.deep.include({ chainId: L1, batchIndex: entry, root: l1Events[entry]!.root });
        expect(onL1!.commitment!.batchIndex).to.equal(batch);
        expect(onL1!.commitment!.links).to.have.length(links);
        // The receipt's status names both chains; the L1's entry index is the bundle's, not the batch index.
        const status = await service.status(ids[batch]!);
        expect(status.chains?.map((c) => [c.name, c.batchIndex])).to.deep.equal([
          ["l2", batch],
          ["l1", undefined],
        ]);
        const verdict = await verifyBundleOnChains(bundle, { chains, require: "all" });
        expect(verdict.status, verdict.summary).to.equal("verified");
        expect(verdict.chains.map((c) => [c.name, c.accepted])).to.deep.equal([
          ["l2", true],
          ["l1", true],
        ]);
        expect(verdict.chains[1]!.proved).to.match(new RegExp(`through a head commitment to batches up to ${entry === 0 ? 3 : 7} at index ${entry}`));
      }

      // Self-contained: each anchor with its own chain's proofs; verified offline from one checkpoint per chain, under all.
      const selfContained = toBundleJson(await service.selfContainedBundle(ids[5]!));
      const proven = selfContained.format === "showwork/bundle@2" ? selfContained.anchors : [];
      expect(proven.map((a) => [a.chainId, a.chainProof !== undefined])).to.deep.equal([
        [L2, true],
        [L1, true],
      ]);
      const checkpoints = await Promise.all(
        proven.map(async (a) => {
          const number = a.blockNumber - 1 + a.chainProof!.headers.length - 1;
          const client = a.chainId === L2 ? l2.client : l1.client;
          return { chainId: a.chainId, number, hash: (await client.getBlock({ blockNumber: BigInt(number) })).hash };
        }),
      );
      const offline = await verifyBundleOnChains(selfContained, { chains: [{ chainId: L2, name: "l2" }, { chainId: L1, name: "l1" }], require: "all", offline: true, checkpoints });
      expect(offline.status, offline.summary).to.equal("verified");
      expect(offline.chains.map((c) => [c.name, c.accepted])).to.deep.equal([
        ["l2", true],
        ["l1", true],
      ]);
      // The CLI offline checks every anchor's chain too (it used to check the primary only), names from the trust file.
      const bundleFile = `${tempDir()}/self-contained.json`;
      const trustFile = `${tempDir()}/trust.json`;
      writeFileSync(bundleFile, JSON.stringify(selfContained));
      writeFileSync(trustFile, JSON.stringify({ format: "showwork/trust@1", checkpoints, chains: [{ name: "l2", chainId: L2 }, { name: "l1", chainId: L1 }] }));
      const cli = await showwork(["verify", "--offline", "--trust", trustFile, bundleFile, "--json"]);
      const cliVerdict = JSON.parse(cli.stdout || "{}") as { status?: string; chains?: { name: string; accepted: boolean }[] };
      expect(cliVerdict.status, cli.stderr + cli.stdout.slice(0, 2000)).to.equal("verified");
      expect(cliVerdict.chains?.map((c) => [c.name, c.accepted])).to.deep.equal([
        ["l2", true],
        ["l1", true],
      ]);
      const onlyL2 = await showwork(["verify", "--offline", "--checkpoint", `${checkpoints[0]!.chainId}:${checkpoints[0]!.number}:${checkpoints[0]!.hash}`, bundleFile, "--json"]);
      expect(onlyL2.code, "one chain without a checkpoint under all: not verified").to.equal(2);
      expect((JSON.parse(onlyL2.stdout) as { chains: { chainId: number; accepted: boolean }[] }).chains.map((c) => [c.chainId, c.accepted])).to.deep.equal([
        [L2, true],
        [L1, false],
      ]);

      const bundle = toBundleJson(await service.bundle(ids[1]!)) as unknown as { anchors: Record<string, unknown>[] } & Record<string, unknown>;
      // The L2 stopped: the L1 commitment alone proves the batch (any), all names the L2.
      l2Node.child.kill("SIGSTOP");
      try {
        const any = await verifyBundleOnChains(bundle, { chains, require: "any", timeoutMs: 1_000 });
        expect(any.status, any.summary).to.equal("verified");
        expect(any.summary).to.match(/not checked: l2 \(chain 31338\)/);
        expect(any.chains.find((c) => c.name === "l1")).to.deep.include({ accepted: true });
        const l1Only = await verifyBundleOnChains(bundle, { chains, require: { chains: ["l1"] }, timeoutMs: 1_000 });
        expect(l1Only.status, l1Only.summary).to.equal("verified");
        const all = await verifyBundleOnChains(bundle, { chains, require: "all", timeoutMs: 1_000 });
        expect(all.status).to.equal("pending");
        expect(all.summary).to.match(/NOT VERIFIED under require all: l2 \(chain 31338\) not confirmed/);
      } finally {
        l2Node.child.kill("SIGCONT");
      }

      // Edited links (another root for a later batch): they no longer lead to the committed head.
      const commitment = bundle.anchors[1]!.commitment as { batchIndex: number; previousHead: Hex; links: { root: Hex; leafCount: number; timestamp: number; blockNumber: number }[] };
      const edited = { ...commitment, links: commitment.links.map((l, i) => (i === 1 ? { ...l, root: keccak256(stringToHex("another root")) } : l)) };
      const tampered = await verifyBundleOnChains({ ...bundle, anchors: [bundle.anchors[0], { ...bundle.anchors[1], commitment: edited }] }, { chains, require: "any" });
      expect(tampered.status).to.equal("failed");
      expect(tampered.chains[1]!.verdict.checks.find((c) => c.id === "batch-root")).to.deep.include({ status: "fail", code: "anchor-root-mismatch" });
      // ... and with the anchor's root set to what the edited links lead to, the L1 holds another head: the chains disagree.
      const forged = { ...bundle.anchors[1], commitment: edited, root: headOfCommitment({ ...edited, previousHead: edited.previousHead }) };
      const disagree = await verifyBundleOnChains({ ...bundle, anchors: [bundle.anchors[0], forged] }, { chains, require: "any" });
      expect(disagree.status).to.equal("failed");
      expect(disagree.summary).to.match(/^FAILED: the chains disagree about this batch: l1 \(chain 31339\)/);
      expect(disagree.chains[1]).to.deep.include({ conflict: true, accepted: false });
      // A commitment that does not start at the bundle's batch is refused as such.
      const shifted = { ...bundle.anchors[1], commitment: { ...commitment, links: commitment.links.slice(1), batchIndex: commitment.batchIndex + 1 } };
      const wrongStart = await verifyBundleOnChains({ ...bundle, anchors: [bundle.anchors[0], shifted] }, { chains, require: "any" });
      expect(wrongStart.status).to.equal("failed");
      expect(wrongStart.chains[1]!.verdict.checks.find((c) => c.id === "batch-root")).to.deep.include({ code: "commitment-mismatch" });
    } finally {
      await service.close();
    }

    // The monitor follows the commitment log: every entry is the L2 head after the batch it names.
    const primary = { name: "l2", client: l2.client, contract: l2.receiptLogs, logId: l2.logId };
    const witness = { name: "l1", client: l1.client, contract: l1.receiptLogs, logId: l1.logId, commits: "head" as const };
    const clean = await compareChains({ primary, witnesses: [witness], graceSeconds: 0 });
    expect(clean.findings).to.deep.equal([]);
    expect(clean.chains.map((c) => [c.name, c.size, c.compared])).to.deep.equal([
      ["l2", 9, 9],
      ["l1", 3, 3],
    ]);
    // showwork log show: the commitment log's last entry is the L2 log's head after batch 8.
    const configFile = `${tempDir()}/config.json`;
    writeFileSync(
      configFile,
      JSON.stringify({
        format: "showwork/config@1",
        chains: [
          { name: "l2", chainId: L2, rpc: [l2.url], receiptLogs: l2.receiptLogs, logId: l2.logId },
          { name: "l1", chainId: L1, rpc: [l1.url], receiptLogs: l1.receiptLogs, logId: l1.logId, cadence: { batches: 4, commit: "head" } },
        ],
      }),
    );
    const logShow = async () => {
      const run = await showwork(["log", "show", "--rpc", l2.url, "--receipt-logs", l2.receiptLogs, "--log-id", l2.logId, "--json"], { SHOWWORK_CONFIG: configFile });
      expect(run.code, run.stderr).to.equal(0);
      return (JSON.parse(run.stdout) as { chains: Record<string, unknown>[] }).chains[0];
    };
    expect(await logShow()).to.deep.include({ name: "l1", commits: "head", size: 3, compared: 8, agrees: true });

    // An L2 batch no commitment covers: withheld on the L1 once past the grace period.
    await l2.anchor(keccak256(stringToHex("never committed")), 2);
    const late = await compareChains({ primary, witnesses: [witness], graceSeconds: 0 });
    expect(late.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([["missing-on-chain", 9]]);
    expect(late.findings[0]!.message).to.match(/no head commitment on l1 covers it/);
    expect((await compareChains({ primary, witnesses: [witness], graceSeconds: 3_600 })).findings).to.deep.equal([]);
    // An L1 entry committing another head for batch 9: a loud disagreement.
    await l1.anchor(`0x${((10n << 192n) | 0xdeadn).toString(16).padStart(64, "0")}`, 1);
    const other = await compareChains({ primary, witnesses: [witness], graceSeconds: 0 });
    expect(other.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([["chain-disagreement", 9]]);
    expect(other.findings[0]!.message).to.match(/^CHAINS DISAGREE: entry 3 on l1 commits head 0x[0-9a-f]{64} for batches up to 9, but the l2 log's head after batch 9 is/);
    expect(await logShow()).to.deep.include({ name: "l1", commits: "head", size: 4, compared: 9, agrees: false });
    const text = await showwork(["log", "show", "--rpc", l2.url, "--receipt-logs", l2.receiptLogs, "--log-id", l2.logId], { SHOWWORK_CONFIG: configFile });
    expect(text.stdout).to.match(/chain l1 \(31339\): log 0x[0-9a-f]{64} in ReceiptLogs 0x[0-9a-fA-F]{40}: 4 head commitments, the last covering batches up to 9: ANOTHER HEAD/);
    expect(parseWitness(`l1=${l1.url},${l1.receiptLogs},${l1.logId},head`)).to.deep.include({ name: "l1", offset: 0, commits: "head" });
  });
});
