/**
 * Issue #22 item 2, the parts the CLI test does not reach: `complete` must also require a head that recomputes and
 * nothing unchecked. An attacker controlling one RPC endpoint hides the last BatchAnchored event (its batch then
 * neither appears as withheld nor in the answers); an attacker controlling the published-batches source answers
 * errors for the last batch file instead of serving it; an endpoint says no timeline is bound (versions unchecked).
 * None of them may leave the audit "complete".
 */
import { expect } from "chai";
import { createPublicClient, custom, http, keccak256, pad, stringToHex, toFunctionSelector, toHex, type Hex, type PublicClient } from "viem";
import { hardhat } from "viem/chains";

import { auditPublished } from "../../sdk/monitor/auditPublished.js";
import { monitorLog } from "../../sdk/monitor/monitorLog.js";
import { DirectorySource, MonitorSourceError, type BatchSource } from "../../sdk/monitor/source.js";
import { httpChain } from "../verify/support/scenario.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { deployContracts, MODEL, newPublishedLog, V1, type Deployed, type PublishedLog } from "./support/publishedLog.js";

describe("public audit and monitor against a lying endpoint or source: 'complete' needs a recomputed head and nothing unchecked (issue #22 items 2, 6)", function () {
  this.timeout(180_000);
  let node: HardhatNodeProcess;
  let deployed: Deployed;
  let log: PublishedLog;
  let last: number;

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployContracts(await httpChain(node.url));
    log = await newPublishedLog(deployed);
    await log.anchorAndPublish(await log.receipts(3));
    await log.anchorAndPublish(await log.receipts(2));
    ({ index: last } = await log.anchorAndPublish(await log.receipts(2)));
  });
  after(async () => {
    await node?.stop();
  });

  /** A client whose eth_call of `logTimeline(bytes32)` answers `answer` (an address word), everything else honestly. */
  const timelineLiar = (answer: Hex): PublicClient => {
    const honest = http(node.url)({ chain: hardhat });
    const selector = toFunctionSelector("logTimeline(bytes32)");
    return createPublicClient({
      chain: hardhat,
      transport: custom({
        async request({ method, params }: { method: string; params?: unknown }) {
          const call = Array.isArray(params) ? (params[0] as { data?: Hex; input?: Hex } | undefined) : undefined;
          if (method === "eth_call" && (call?.data ?? call?.input)?.startsWith(selector)) return answer;
          return honest.request({ method, params } as never);
        },
      }),
    }) as PublicClient;
  };

  const audit = (client: PublicClient, source: BatchSource) =>
    auditPublished({ client, contract: deployed.receiptLogs, logId: log.logId, source, modelId: keccak256(stringToHex(MODEL)), weightsDigest: V1, from: 0, to: 4_102_444_800 });

  it("honest endpoint and source: complete, every answer listed (the baseline the attacks below change)", async () => {
    const result = await audit(deployed.chain.publicClient as PublicClient, new DirectorySource(log.dir));
    expect(result.complete, result.incomplete.join("; ")).to.equal(true);
    expect(result.entries).to.have.length(7);
  });

  it("an RPC endpoint that hides the last batch's BatchAnchored event: the head does not recompute, NOT complete (findings)", async () => {
    const honest = http(node.url)({ chain: hardhat });
    const lastTopic = pad(toHex(last), { size: 32 });
    const hiding = createPublicClient({
      chain: hardhat,
      transport: custom({
        async request({ method, params }: { method: string; params?: unknown }) {
          const answer = await honest.request({ method, params } as never);
          if (method !== "eth_getLogs" || !Array.isArray(answer)) return answer;
          return (answer as { topics: Hex[] }[]).filter((entry) => entry.topics[2]?.toLowerCase() !== lastTopic);
        },
      }),
    }) as PublicClient;
    const result = await audit(hiding, new DirectorySource(log.dir));
    expect(result.entries.length, "the hidden batch's answers are not listed").to.equal(5);
    expect(result.complete).to.equal(false);
    expect(result.incompleteKind).to.equal("findings");
    expect(result.incomplete.join("\n")).to.match(/head does not recompute/);
  });

  it("a source that answers an error for the last batch file (not 'missing'): NOT complete, the batch named", async () => {
    const files = new DirectorySource(log.dir);
    const failing: BatchSource = {
      location: files.location,
      index: (logId) => files.index(logId),
      batch: async (logId, index) => {
        if (index === last) throw new MonitorSourceError(`batch ${index}: 503 Service Unavailable`);
        return files.batch(logId, index);
      },
    };
    const result = await audit(deployed.chain.publicClient as PublicClient, failing);
    expect(result.entries.length).to.equal(5);
    expect(result.complete).to.equal(false);
    expect(result.incomplete.join("\n")).to.match(new RegExp(`not checked: batch \\(batch ${last}\\): .*503`));
  });

  it("an RPC endpoint that answers 'no timeline bound': versions unchecked, so NOT complete (unchecked only: exit 2 class)", async () => {
    const lying = timelineLiar(pad("0x00", { size: 32 }));
    const result = await audit(lying, new DirectorySource(log.dir));
    expect(result.complete).to.equal(false);
    expect(result.incompleteKind, result.incomplete.join("; ")).to.equal("unchecked");
    expect(result.incomplete.join("\n")).to.match(/not checked: model-version: .*no model timeline bound/);
  });

  it("item 6: an endpoint naming a genuine ModelTimeline of ANOTHER ReceiptLogs as the log's timeline: the monitor does not read it (versions unchecked, no version finding)", async () => {
    const other = await deployContracts(deployed.chain);
    const lying = timelineLiar(pad(other.timeline, { size: 32 }));
    const { report } = await monitorLog({ client: lying, contract: deployed.receiptLogs, logId: log.logId, source: new DirectorySource(log.dir) });
    expect(report.unchecked.map((u) => u.check)).to.include("model-version");
    expect(report.unchecked.map((u) => u.reason).join("\n")).to.match(/cannot be trusted: .* is a ModelTimeline of another ReceiptLogs/);
    expect(report.findings, "nothing judged from the other timeline").to.deep.equal([]);
  });
});
