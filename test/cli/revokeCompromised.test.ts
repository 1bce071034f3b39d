/**
 * Issue #22 item 3 at the command line: `showwork log revoke-signer ADDR --compromised-since T` as an operator runs it
 * (`bin/showwork.mjs` child processes against a `hardhat node` over HTTP). A thief holding the serving node's key
 * anchors a receipt after T, dated before T; once the operator reports the key compromised since T, `showwork verify`
 * refuses that bundle (exit 1, naming the report) while a bundle anchored before T still verifies (exit 0).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { createPublicClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { BatchCutOffError, firstBatchAnchoredSince } from "../../sdk/actions/public/firstBatchAnchoredSince.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { spawnShowwork } from "../verify/support/cli.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain, WEIGHTS_V1, type Scenario } from "../verify/support/scenario.js";

/** The first account of `hardhat node`'s default mnemonic: the scenario's log admin. */
const HARDHAT_ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("showwork log revoke-signer --compromised-since (CLI, hardhat node over HTTP)", function () {
  this.timeout(240_000);
  let node: HardhatNodeProcess;
  let scenario: Scenario;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showwork-revoke-"));
    node = await startHardhatNode();
    scenario = await buildScenario(await httpChain(node.url));
    expect(privateKeyToAccount(HARDHAT_ACCOUNT_0_KEY).address.toLowerCase()).to.equal(scenario.chain.admin.account.address.toLowerCase());
  });
  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, value: unknown): Promise<string> => {
    const where = path.join(dir, name);
    await writeFile(where, JSON.stringify(value, null, 2));
    return where;
  };

  it("after a report with a past time, a bundle anchored after it is refused with a clear message; one anchored before it still verifies", async () => {
    const earlier = await file("before.bundle.json", scenario.json(scenario.v1Batch.bundles[0]!));
    expect((await spawnShowwork(["verify", earlier, "--rpc", node.url])).code, "verified before any report").to.equal(0);

    // The key leaks at T. The thief signs a receipt dated before T, and it is anchored after T.
    await scenario.increaseTime(60);
    const since = await scenario.chainTime();
    const stolen = await scenario.anchorBatch({ count: 1, weightsDigest: WEIGHTS_V1, sign: true, issuedAt: since - 5 });
    const later = await file("after.bundle.json", scenario.json(stolen.bundles[0]!));
    const beforeReport = await spawnShowwork(["verify", later, "--rpc", node.url]);
    expect(beforeReport.code, `the thief's receipt verifies until the report: ${beforeReport.stdout}`).to.equal(0);

    // The operator reports the key compromised since T (an ISO time in the past).
    const iso = new Date(since * 1000).toISOString().replace(".000Z", "Z");
    const chainArgs = ["--rpc", node.url, "--receipt-logs", scenario.receiptLogs, "--log-id", scenario.logId];
    const human = await spawnShowwork(["log", "revoke-signer", scenario.servingNode.address, "--compromised-since", iso, ...chainArgs], { SHOWWORK_OPERATOR_KEY: HARDHAT_ACCOUNT_0_KEY });
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.include(`reported serving node ${scenario.servingNode.address} compromised since ${iso}`);
    expect(human.stdout).to.include(`batches before #${stolen.batchIndex}`);
    expect(human.stdout).to.include("revoke the node's access token");
    const report = await scenario.chain.publicClient.readContract({ address: scenario.receiptLogs, abi: receiptLogsAbi, functionName: "signerCompromise", args: [scenario.logId, scenario.servingNode.address] });
    expect(report.since).to.equal(BigInt(since));
    expect(report.fromBatch).to.equal(BigInt(stolen.batchIndex));
    // Again with --json: one object; the report only widens, so nothing changes.
    const again = await spawnShowwork(["log", "revoke-signer", scenario.servingNode.address, "--compromised-since", String(since), ...chainArgs, "--json"], { SHOWWORK_OPERATOR_KEY: HARDHAT_ACCOUNT_0_KEY });
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.include({ ok: true, command: "log revoke-signer", compromisedSince: since, fromBatch: String(stolen.batchIndex) });

    // The thief's bundle: not VERIFIED, and the verdict says why.
    const refused = await spawnShowwork(["verify", later, "--rpc", node.url]);
    expect(refused.code, refused.stdout).to.equal(1);
    expect(refused.stdout).to.match(/^FAILED/m);
    expect(refused.stdout).to.include(`reported compromised since ${iso}`);
    expect(refused.stdout).to.include(`batch #${stolen.batchIndex}`);
    const asJson = JSON.parse((await spawnShowwork(["verify", later, "--rpc", node.url, "--json"])).stdout) as { status: string; checks: { id: string; status: string; code?: string }[] };
    expect(asJson.status).to.equal("failed");
    expect(asJson.checks.filter((c) => c.status === "fail").map((c) => `${c.id}:${c.code}`)).to.deep.equal(["signer:signer-compromised"]);

    // A receipt of the same key in a batch anchored before T: still VERIFIED.
    const kept = await spawnShowwork(["verify", earlier, "--rpc", node.url]);
    expect(kept.code, kept.stdout).to.equal(0);
    expect(kept.stdout).to.match(/^VERIFIED/m);
    expect(kept.stdout).to.include("reported compromised later");
  });

  it("firstBatchAnchoredSince finds the cut-off from the block at T on (no scan from block 0), in pages, and checks the events cover the log's last batches", async () => {
    const client = scenario.chain.publicClient;
    const size = Number(await client.readContract({ address: scenario.receiptLogs, abi: receiptLogsAbi, functionName: "logSize", args: [scenario.logId] }));
    const times: number[] = [];
    for (let index = 0; index < size; index++) {
      const [event] = await client.getContractEvents({ address: scenario.receiptLogs, abi: receiptLogsAbi, eventName: "BatchAnchored", args: { logId: scenario.logId, index: BigInt(index) }, fromBlock: 0n });
      times.push(Number((await client.getBlock({ blockNumber: event!.blockNumber })).timestamp));
    }
    const reference = (since: number): bigint => BigInt(times.findIndex((t) => t >= since) === -1 ? size : times.findIndex((t) => t >= since));
    const head = await client.getBlock();
    for (const since of [0, ...times, times[0]! + 1, times[size - 1]! + 1, Number(head.timestamp) + 1000]) {
      const found = await firstBatchAnchoredSince(client, { receiptLogs: scenario.receiptLogs, logId: scenario.logId, since, pageBlocks: 2 });
      expect(found.batchIndex, `since ${since}`).to.equal(reference(since));
      expect(found.logSize).to.equal(BigInt(size));
      if (since > Number(head.timestamp)) expect(found.sinceBlock).to.equal(head.number + 1n);
      else expect(Number((await client.getBlock({ blockNumber: found.sinceBlock })).timestamp)).to.be.at.least(since);
    }
    // An endpoint that omits the first event after T is caught (the log's size at the block before T disagrees).
    const since = times[size - 1]!;
    const lying = createPublicClient({
      chain: hardhat,
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          const answer = await client.request(args as never);
          return args.method === "eth_getLogs" ? (answer as unknown[]).slice(1) : answer;
        },
      }),
    });
    let error: unknown;
    try {
      await firstBatchAnchoredSince(lying, { receiptLogs: scenario.receiptLogs, logId: scenario.logId, since });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(BatchCutOffError);
  });
});
