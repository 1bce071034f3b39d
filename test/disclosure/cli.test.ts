/**
 * `showwork disclose`, `showwork verify` with a disclosure, and `showwork evidence delete`, as an operator and an
 * auditor run them (bin/showwork.mjs child processes) against a `hardhat node` process on 127.0.0.1: the
 * receipts are anchored by `showwork anchor`, the evidence is what capture would have stored.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import type { DisclosureJson } from "../../sdk/disclosure/types.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/sqlite.js";
import { modelTimelineAbi } from "../../sdk/contracts/abis.js";
import { modelIdFromName } from "../../sdk/receipt/modelId.js";
import { toReceiptJson } from "../../sdk/receipt/parseReceipt.js";
import { connectRpc } from "../../sdk/service/chain/connect.js";
import { setupServiceLog } from "../../sdk/service/chain/setupLog.js";
import type { Verdict } from "../../sdk/verify/verdict.js";
import { DOCUMENTS, makeAnswer, MEMORY, MODEL, NODE_ADDRESS, type Answer } from "../sdk/disclosure/fixture.js";
import { spawnShowwork, type CliRun } from "../verify/support/cli.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";

/** The CLI without our SHOWWORK_EVIDENCE_KEY (the evidence stores here are plain). */
const showwork = (args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> => spawnShowwork(args, env, { evidenceKey: false });

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return ((await response.json()) as { result: unknown }).result;
}

describe("showwork disclose / verify --disclosure / evidence delete (CLI, real processes)", function () {
  this.timeout(240_000);
  let node: HardhatNodeProcess;
  let dir: string;
  let store: string;
  let evidence: string;
  let paid: Answer;
  let other: Answer;
  const fields = `input,output,template,sampling,tools,retrieval:${DOCUMENTS[0]!.id},memory:${MEMORY[0]!.id}`;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showwork-disclose-"));
    node = await startHardhatNode();
    const key = generatePrivateKey();
    await rpc(node.url, "hardhat_setBalance", [privateKeyToAccount(key).address, "0x3635c9adc5dea00000"]);
    // The operator's log: its serving node authorised and its timeline bound, the model's version deployed, before
    // any answer (a verifier accepts only receipts signed by a node the log authorised at their time, under the
    // version its own timeline says was active).
    const { publicClient, walletClient } = await connectRpc(node.url, key);
    const { contract, logId, timeline } = await setupServiceLog(publicClient, walletClient, { signers: [NODE_ADDRESS], salt: "disclose test" });
    const models = { address: timeline!, abi: modelTimelineAbi, account: walletClient.account, chain: walletClient.chain } as const;
    const modelId = modelIdFromName(MODEL.name);
    for (const call of [
      { functionName: "registerModel", args: [logId, modelId, MODEL.name] },
      { functionName: "publishVersion", args: [logId, modelId, MODEL.weightsDigest, ""] },
      { functionName: "deployVersion", args: [logId, modelId, MODEL.weightsDigest] },
    ] as const) {
      await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract({ ...models, ...call } as never) });
    }
    const block = (await rpc(node.url, "eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    const now = Number(BigInt(block.timestamp));
    paid = await makeAnswer({ issuedAt: now, sequence: 1n });
    // Dated long before the log authorised its node: verifiable as anchored, never VERIFIED (see the retention test).
    other = await makeAnswer({ issuedAt: now - 400 * 86_400, sequence: 2n });
    const receipts = path.join(dir, "receipts.jsonl");
    await writeFile(receipts, `${[paid, other].map((a) => JSON.stringify(toReceiptJson(a.receipt))).join("\n")}\n`);
    store = path.join(dir, "store.sqlite");
    const anchored = await showwork(["anchor", receipts, "--store", store, "--rpc", node.url, "--contract", contract, "--log-id", logId, "--max-delay", "50", "--poll", "30"], {
      SHOWWORK_PRIVATE_KEY: key,
    });
    expect(anchored.code, anchored.stderr).to.equal(0);
    evidence = path.join(dir, "evidence.sqlite");
    const evidenceStore = SqliteEvidenceStore.open({ path: evidence, encryptionKey: null });
    for (const answer of [paid, other]) {
      await evidenceStore.putArtifacts(answer.artifacts);
      await evidenceStore.putEvidence(answer.evidence);
    }
    await evidenceStore.close();
  });

  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const disclosureFile = () => path.join(dir, "paid.disclosure.json");

  it("disclose writes one file with the chosen pieces (--json: one result object naming what is shown and not)", async () => {
    const run = await showwork(["disclose", paid.receipt.receiptId, "--fields", fields, "--store", store, "--evidence", evidence, "-o", disclosureFile(), "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { status: string; shown: string[]; notShown: string[]; anchor: { txHash: string } };
    expect(result.status).to.equal("written");
    expect(result.shown).to.deep.equal([
      "input",
      "output",
      "tools[0].input",
      "tools[0].output",
      "tools[1].input",
      "tools[1].output",
      "template",
      "sampling",
      `retrieval:${DOCUMENTS[0]!.id}`,
      `memory:${MEMORY[0]!.id}`,
    ]);
    expect(result.notShown).to.deep.equal(["retrieval (4 other entries)", "memory (1 other entries)"]);
    expect(result.anchor.txHash).to.match(/^0x[0-9a-f]{64}$/);
    const json = JSON.parse(await readFile(disclosureFile(), "utf8")) as DisclosureJson;
    expect(json.format).to.equal("showwork/disclosure@1");
    expect(json.disclosed.retrieval![0]).to.include({ id: DOCUMENTS[0]!.id, content: DOCUMENTS[0]!.content });
  });

  it("the auditor verifies the disclosure file alone against the chain: VERIFIED, every piece shown and passing, the rest listed", async () => {
    const run = await showwork(["verify", disclosureFile(), "--rpc", node.url]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/PASS {2}Disclosed content/);
    expect(run.stdout).to.match(/PASS {2}retrieval:invoices\/INV-20311\.json +retrieval:invoices\/INV-20311\.json is entry \d of 5/);
    expect(run.stdout).to.include(`shows:    ${DOCUMENTS[0]!.content}`);
    expect(run.stdout).to.include("Not shown: retrieval (4 other entries), memory (1 other entries)");
    const json = await showwork(["verify", disclosureFile(), "--rpc", node.url, "--json"]);
    const verdict = JSON.parse(json.stdout) as Verdict;
    expect(verdict.status).to.equal("verified");
    expect(verdict.disclosure?.pieces.map((p) => p.status)).to.deep.equal(Array(10).fill("pass"));
  });

  it("a bundle plus --disclosure FILE gives the same; a disclosure file with one wrong byte fails (exit 1) naming the field", async () => {
    const bundle = path.join(dir, "paid.bundle.json");
    expect((await showwork(["prove", paid.receipt.receiptId, "--store", store, "-o", bundle])).code).to.equal(0);
    const withFlag = await showwork(["verify", bundle, "--rpc", node.url, "--disclosure", disclosureFile(), "--json"]);
    expect(withFlag.code, withFlag.stderr).to.equal(0);
    expect((JSON.parse(withFlag.stdout) as Verdict).disclosure?.status).to.equal("pass");

    const json = JSON.parse(await readFile(disclosureFile(), "utf8")) as DisclosureJson;
    const output = json.disclosed.output as { content: string; salt: string };
    json.disclosed.output = { ...output, content: output.content.replace("1234 EUR", "1235 EUR") };
    const tampered = path.join(dir, "tampered.json");
    await writeFile(tampered, JSON.stringify(json));
    const run = await showwork(["verify", tampered, "--rpc", node.url]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/FAIL {2}output/);
    expect(run.stdout).to.match(/FAIL {2}Disclosed content/);
  });

  it("disclose names a field it cannot show (exit 1, nothing written)", async () => {
    const out = path.join(dir, "never.json");
    const run = await showwork(["disclose", paid.receipt.receiptId, "--fields", "output,retrieval:invoices/INV-99999.json", "--store", store, "--evidence", evidence, "-o", out]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('Cannot disclose "retrieval:invoices/INV-99999.json"');
    await readFile(out).then(
      () => expect.fail("a file was written"),
      () => undefined,
    );
  });

  it("evidence delete (per receipt, then by age): the proofs stay verifiable; disclose then says the evidence was deleted and when (exit 3)", async () => {
    const deleted = await showwork(["evidence", "delete", paid.receipt.receiptId, "--evidence", evidence, "--json"]);
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(JSON.parse(deleted.stdout)).to.include({ receiptId: paid.receipt.receiptId, deleted: true });
    const again = await showwork(["evidence", "delete", paid.receipt.receiptId, "--evidence", evidence]);
    expect(again.stdout).to.include("nothing deleted");

    const byAge = await showwork(["evidence", "delete", "--older-than", "365d", "--evidence", evidence, "--json"]);
    expect(byAge.code, byAge.stderr).to.equal(0);
    expect(JSON.parse(byAge.stdout)).to.include({ deleted: 1 });

    for (const answer of [paid, other]) {
      const out = path.join(dir, `${answer.receipt.receiptId}.deleted.json`);
      const run = await showwork(["disclose", answer.receipt.receiptId, "--fields", "input,output", "--store", store, "--evidence", evidence, "-o", out]);
      expect(run.code, run.stderr).to.equal(3);
      expect(run.stderr).to.match(/the evidence of receipt 0x[0-9a-f]{64} was deleted at 20\d\d-/);
      const verify = await showwork(["verify", out, "--rpc", node.url]);
      expect(verify.stdout).to.match(/SKIP {2}Disclosed content +the evidence of receipt .* was deleted at .*: nothing can be disclosed \(the receipt and its proof stay verifiable\)/);
      expect(verify.stdout).to.match(/^PASS {2}Root anchored/m);
      if (answer === paid) {
        expect(verify.code, verify.stdout).to.equal(0);
        expect(verify.stdout).to.include("VERIFIED");
      } else {
        // Issued 400 days before its log authorised the node: anchored, but nobody vouched for its signer then.
        expect(verify.code, verify.stdout).to.equal(1);
        expect(verify.stdout).to.match(/^FAIL {2}Serving node authorised/m);
      }
    }
  });

  it("rejects a bad retention request with what to do", async () => {
    const both = await showwork(["evidence", "delete", paid.receipt.receiptId, "--older-than", "30d", "--evidence", evidence]);
    expect(both.code).to.equal(1);
    expect(both.stderr).to.include("Give either a receipt id or --older-than DURATION");
    const bad = await showwork(["evidence", "delete", "--older-than", "30 days", "--evidence", evidence]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include("expected a duration such as 30d");
  });
});
