/**
 * The public audit follows every chain a log is anchored on (issue #23): an "L2" (the primary, published) and an
 * "L1" (the same batches anchored again), two `hardhat node`s with different chain ids, each behind a proxy that caps
 * `eth_getLogs` at 5 blocks per request as public RPC providers cap ranges. Every answer's bundle carries both anchors
 * (and verifies under `require all`); a batch missing on the L1 and a batch with another root there are findings.
 */
import { createServer, type Server } from "node:http";

import { expect } from "chai";
import { createPublicClient, createWalletClient, defineChain, http, keccak256, stringToHex, type Address, type PublicClient } from "viem";

import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { auditPublished } from "../../sdk/monitor/auditPublished.js";
import { DirectorySource } from "../../sdk/monitor/source.js";
import { verifyBundleOnChains } from "../../sdk/verify/verifyOnChains.js";
import { killAll, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";
import type { TestChain, Wallet } from "../verify/support/scenario.js";
import { deployContracts, MODEL, newPublishedLog, V1, type Deployed } from "./support/publishedLog.js";

const L2 = 31_344;
const L1 = 31_345;
const MAX_RANGE = 5;

async function chainAt(url: string, id: number): Promise<TestChain> {
  const chain = defineChain({ id, name: `test ${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url) }) as PublicClient;
  const accounts = (await publicClient.request({ method: "eth_accounts" as never })) as Address[];
  const wallet = (address: Address): Wallet => createWalletClient({ account: address, chain, transport: http(url) }) as unknown as Wallet;
  return { publicClient, admin: wallet(accounts[0]!), anchorer: wallet(accounts[1]!), outsider: wallet(accounts[2]!) } as TestChain;
}

/** A JSON-RPC proxy that refuses eth_getLogs over more than MAX_RANGE blocks, as providers do; it counts what it saw. */
async function rangeCappedProxy(target: string): Promise<{ url: string; ranges: number[]; refused: number; close(): Promise<void> }> {
  const state = { ranges: [] as number[], refused: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const calls = JSON.parse(body) as { id: number; method: string; params: { fromBlock?: string; toBlock?: string }[] } | { id: number; method: string; params: { fromBlock?: string; toBlock?: string }[] }[];
        const list = Array.isArray(calls) ? calls : [calls];
        const latest = BigInt(((await (await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] }) })).json()) as { result: string }).result);
        const tooWide = list.find((c) => {
          if (c.method !== "eth_getLogs") return false;
          const filter = c.params[0] ?? {};
          const block = (tag: string | undefined): bigint => (tag === undefined || tag === "latest" ? latest : tag === "earliest" ? 0n : BigInt(tag));
          const range = Number(block(filter.toBlock) - block(filter.fromBlock)) + 1;
          state.ranges.push(range);
          return range > MAX_RANGE;
        });
        if (tooWide !== undefined) {
          state.refused++;
          const error = { jsonrpc: "2.0", id: tooWide.id, error: { code: -32600, message: `query exceeds max block range ${MAX_RANGE}` } };
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(calls) ? list.map((c) => ({ ...error, id: c.id })) : error));
          return;
        }
        const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
      })().catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    get ranges() {
      return state.ranges;
    },
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("public audit over several chains, through RPC endpoints that cap eth_getLogs ranges (two hardhat nodes)", function () {
  this.timeout(180_000);
  let nodes: HardhatNode[];
  let onL2: Deployed;
  let onL1: Deployed;
  const proxies: Awaited<ReturnType<typeof rangeCappedProxy>>[] = [];

  before(async () => {
    nodes = await Promise.all([startHardhatNode({ chainId: L2 }), startHardhatNode({ chainId: L1 })]);
    [onL2, onL1] = await Promise.all([deployContracts(await chainAt(nodes[0]!.url, L2)), deployContracts(await chainAt(nodes[1]!.url, L1))]);
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await killAll();
  });

  it("bundles carry both chains' anchors and verify under all; a batch withheld on the L1 and another root there are findings", async () => {
    const l2 = await newPublishedLog(onL2);
    const l1 = await newPublishedLog(onL1);
    // The L2's serving node signs the receipts anchored on both: the L1 log authorises it too.
    const grant = await onL1.chain.admin.writeContract({ address: onL1.receiptLogs, abi: receiptLogsAbi, functionName: "grantSigner", args: [l1.logId, l2.node.account.address], account: onL1.chain.admin.account, chain: onL1.chain.admin.chain } as never);
    await onL1.chain.publicClient.waitForTransactionReceipt({ hash: grant });
    // Three batches on both chains (the same receipts, so the same roots), published once (the L2's folder).
    // Issued after both logs authorised the node (each chain has its own clock).
    const issuedAt = async (): Promise<number> => Math.max(await l2.chainTime(), await l1.chainTime()) + 1;
    for (let i = 0; i < 3; i++) {
      const receipts = await l2.receipts(2, { issuedAt: await issuedAt() });
      await l2.anchorAndPublish(receipts);
      await l1.anchor(receipts);
    }
    const [p2, p1] = [await rangeCappedProxy(nodes[0]!.url), await rangeCappedProxy(nodes[1]!.url)];
    proxies.push(p2, p1);
    const client = (url: string): PublicClient => createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient;
    const audit = (pageBlocks: number, witnessGrace = 3_600) =>
      auditPublished({
        client: client(p2.url),
        contract: onL2.receiptLogs,
        logId: l2.logId,
        source: new DirectorySource(l2.dir),
        modelId: keccak256(stringToHex(MODEL)),
        weightsDigest: V1,
        from: 0,
        to: Number.MAX_SAFE_INTEGER,
        pageBlocks,
        primaryName: "l2",
        witnesses: [{ name: "l1", client: client(p1.url), contract: onL1.receiptLogs, logId: l1.logId }],
        witnessGrace,
      });

    // One request over the whole chain: refused by the capped endpoint.
    let wide: unknown;
    try {
      await audit(10_000);
    } catch (error) {
      wide = error;
    }
    expect(String(wide)).to.match(/max block range 5/);
    expect(p2.refused + p1.refused).to.be.greaterThan(0);

    // In ranges of 5 blocks: every request within the cap, the audit complete.
    p2.ranges.length = 0;
    p1.ranges.length = 0;
    const refusedBefore = p2.refused + p1.refused;
    const result = await audit(MAX_RANGE);
    expect(p2.refused + p1.refused, "nothing refused").to.equal(refusedBefore);
    expect(Math.max(...p2.ranges, ...p1.ranges)).to.be.at.most(MAX_RANGE);
    expect(p1.ranges.length, "the L1's events read in several ranges").to.be.greaterThan(2);
    expect(result.complete, result.incomplete.join("; ")).to.equal(true);
    expect(result.entries).to.have.length(6);
    expect(result.crossChain?.chains.map((c) => [c.name, c.size, c.compared, c.missing, c.disagreeing])).to.deep.equal([
      ["l2", 3, 3, 0, 0],
      ["l1", 3, 3, 0, 0],
    ]);
    for (const e of result.entries) expect(e.alsoOn?.map((w) => [w.name, w.chainId, w.batchIndex])).to.deep.equal([["l1", L1, e.batchIndex]]);
    const chains = [
      { chainId: L2, name: "l2", rpcUrls: [nodes[0]!.url] },
      { chainId: L1, name: "l1", rpcUrls: [nodes[1]!.url] },
    ];
    for (const bundle of result.bundles) {
      expect(bundle.anchors.map((a) => a.chainId)).to.deep.equal([L2, L1]);
      const verdict = await verifyBundleOnChains(toBundleJson(bundle), { chains, require: "all" });
      expect(verdict.status, verdict.summary).to.equal("verified");
    }

    // A fourth batch on the L2 only: withheld on the L1 (grace 0 s).
    await l2.anchorAndPublish(await l2.receipts(2));
    const withheld = await audit(MAX_RANGE, 0);
    expect(withheld.complete).to.equal(false);
    expect(withheld.incompleteKind).to.equal("findings");
    expect(withheld.crossChain?.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([["missing-on-chain", 3]]);
    expect(withheld.incomplete.join("\n")).to.match(/batch 3 .* not anchored on l1 .*withheld on that chain/);
    expect(withheld.entries.find((e) => e.batchIndex === 3)?.alsoOn).to.deep.equal([]);

    // The L1 gets another batch under index 3: the chains disagree, loudly.
    await l1.anchor(await l1.receipts(1));
    const disagree = await audit(MAX_RANGE, 0);
    expect(disagree.crossChain?.findings.map((f) => [f.kind, f.batchIndex])).to.deep.equal([["chain-disagreement", 3]]);
    expect(disagree.incomplete.join("\n")).to.match(/CHAINS DISAGREE: batch 3 has root 0x[0-9a-f]{64} on l2 but 0x[0-9a-f]{64} on l1/);
    expect(disagree.incompleteKind).to.equal("findings");
  });
});
