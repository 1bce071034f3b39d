/**
 * Issue #22 item 3 in the monitor, end to end (the unit test in oneRule.test.ts only calls judgeCompromise): a thief
 * holding a serving node's key signs receipts dated BEFORE the leak time the operator reported, and they are anchored
 * after the report. The node was authorised at that issuedAt, so only the compromise report can catch them: the
 * monitor must report `compromised-signer` for them, and nothing for the node's earlier, genuine batch.
 */
import { expect } from "chai";
import type { Hex } from "viem";

import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { monitorLog } from "../../sdk/monitor/monitorLog.js";
import { DirectorySource } from "../../sdk/monitor/source.js";
import { httpChain, send } from "../verify/support/scenario.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { deployContracts, newPublishedLog, type Deployed } from "./support/publishedLog.js";

describe("monitor: receipts of a key reported compromised (issue #22 item 3)", function () {
  this.timeout(180_000);
  let node: HardhatNodeProcess;
  let deployed: Deployed;

  before(async () => {
    node = await startHardhatNode();
    deployed = await deployContracts(await httpChain(node.url));
  });
  after(async () => {
    await node?.stop();
  });

  it("backdated receipts anchored after the report are compromised-signer findings; the batch anchored before stays clean", async () => {
    const log = await newPublishedLog(deployed);
    const genuine = await log.anchorAndPublish(await log.receipts(3));
    const { chain } = deployed;
    await chain.publicClient.request({ method: "evm_increaseTime" as never, params: [60] as never });
    await chain.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    const leakedAt = await log.chainTime();
    // The operator reports the key compromised since the leak; batches from #1 on are untrusted.
    await send(chain, chain.admin, { address: deployed.receiptLogs, abi: receiptLogsAbi, functionName: "reportSignerCompromise", args: [log.logId, log.node.account.address, BigInt(leakedAt), 1n] });
    // The thief dates its receipts one second before the leak (when the key was still authorised) and gets them anchored.
    const forged = await log.receipts(2, { issuedAt: leakedAt - 1 });
    const stolen = await log.anchorAndPublish(forged);
    expect(stolen.index).to.equal(genuine.index + 1);

    const { report } = await monitorLog({ client: chain.publicClient, contract: deployed.receiptLogs, logId: log.logId, source: new DirectorySource(log.dir) });
    const compromised = report.findings.filter((f) => f.kind === "compromised-signer");
    expect(compromised.map((f) => [f.batchIndex, f.receiptId]), JSON.stringify(report.findings)).to.deep.equal(forged.map((r) => [stolen.index, r.receiptId as Hex]));
    expect(compromised[0]!.message).to.match(/reported compromised since .*batch #1/);
    expect(report.findings.filter((f) => f.batchIndex === genuine.index), "the genuine batch before the leak").to.deep.equal([]);
    expect(report.findings.some((f) => f.kind === "unauthorised-node"), "authorised at issuedAt: only the report catches it").to.equal(false);
    expect(report.status).to.not.equal("clean");
  });
});
