/**
 * `showwork audit --store postgres://...` (real processes): the same receipts anchored by
 * `showwork anchor` into a SQLite store and into a fresh PostgreSQL database (one log each, on one
 * `hardhat node`) are audited the same way; an unreachable database fails like `showwork serve`
 * does, without printing the password. `--evidence` opens a PostgreSQL evidence store the same way.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { setupTestLog } from "./helpers/chain.js";
import { freePort, killAll, showwork, startHardhatNode, type HardhatNode } from "./helpers/processes.js";
import { makeReceipts } from "./helpers/receipts.js";
import { removeTempDirs, tempDir } from "./helpers/service.js";
import { modelIdFromName } from "../../sdk/index.js";
import { freshDatabase } from "../support/postgres.js";

interface AuditJson {
  query: { modelId: string; weightsDigest: string; from: number; to: number };
  store: string;
  count: number;
  states: Record<string, number>;
  receipts: { receiptId: string; issuedAt: number; state: string; batchIndex?: number; leafIndex?: number; batchSize?: number; anchor?: { chainId: number; contract: string; logId: string; txHash: string; blockNumber: number } }[];
  bundles: string[];
}

const WEIGHTS = `0x${"ab".repeat(32)}`;

describe("showwork audit --store postgres:// (CLI)", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  before(async () => {
    node = await startHardhatNode();
  });
  after(async () => {
    await killAll();
    removeTempDirs();
  });

  it("lists the receipts anchored into a PostgreSQL store exactly as it lists them from a SQLite store", async () => {
    const dir = tempDir();
    const receipts = makeReceipts(5);
    const other = makeReceipts(2, { weightsDigest: `0x${"cd".repeat(32)}` });
    const jsonl = path.join(dir, "receipts.jsonl");
    await writeFile(jsonl, [...receipts, ...other].map((r) => JSON.stringify(r)).join("\n"));

    const postgres = await freshDatabase("auditstore");
    const sqlite = path.join(dir, "store.sqlite");
    const audits: Record<string, AuditJson> = {};
    for (const [name, store] of [["sqlite", sqlite], ["postgres", postgres]] as const) {
      const log = await setupTestLog(node.url);
      const anchor = await showwork(
        ["anchor", jsonl, "--rpc", node.url, "--contract", log.contract, "--log-id", log.logId, "--store", store, "--max-delay", "0", "--max-batch", "3", "--poll", "50", "--timeout", "60000"],
        { SHOWWORK_ANCHORER_KEY: log.privateKey },
      );
      expect(anchor.code, `${name}: ${anchor.stderr}`).to.equal(0);
      const run = await showwork(["audit", "--store", store, "--model", "test-model", "--version", WEIGHTS, "--from", "0", "--to", "2000000000", "--json"]);
      expect(run.code, `${name}: ${run.stderr}`).to.equal(0);
      const result = JSON.parse(run.stdout) as AuditJson;
      for (const entry of result.receipts) {
        expect(entry.anchor, `${name}: ${entry.receiptId} anchored`).to.include({ chainId: 31337, logId: log.logId });
        expect(entry.anchor!.contract.toLowerCase()).to.equal(log.contract.toLowerCase());
      }
      audits[name] = result;
    }
    const pg = audits.postgres!;
    const lite = audits.sqlite!;
    // The receipts of that version, in recording order, each final and anchored.
    expect(pg.count).to.equal(receipts.length);
    expect(pg.receipts.map((r) => r.receiptId)).to.deep.equal(receipts.map((r) => r.receiptId));
    expect(pg.states.final).to.equal(receipts.length);
    expect(pg.query).to.deep.equal({ ...lite.query });
    expect(pg.query.modelId).to.equal(modelIdFromName("test-model"));
    // Everything but the anchoring transactions (two logs, two anchorers) is the same as from SQLite.
    const withoutTx = (r: AuditJson["receipts"][number]) => ({ ...r, anchor: r.anchor === undefined ? undefined : { chainId: r.anchor.chainId } });
    expect(pg.receipts.map(withoutTx)).to.deep.equal(lite.receipts.map(withoutTx));
    expect(pg.states).to.deep.equal(lite.states);
    expect(lite.store).to.equal(sqlite);
    expect(pg.store.startsWith("postgres")).to.equal(true);
  });

  it("--evidence takes a postgres:// URL too (showwork evidence delete on a fresh database)", async () => {
    const evidence = await freshDatabase("auditevidence");
    const receiptId = `0x${"12".repeat(32)}`;
    const run = await showwork(["evidence", "delete", receiptId, "--evidence", evidence, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { receiptId: string; deleted: boolean; store: string };
    expect(result).to.include({ receiptId, deleted: false });
    expect(result.store.startsWith("postgres")).to.equal(true);
  });

  it("an unreachable PostgreSQL store fails as showwork serve does, and the password is never printed", async () => {
    const url = `postgres://showwork:s3cret-pw@127.0.0.1:${await freePort()}/nowhere`;
    const audit = await showwork(["audit", "--store", url, "--model", "test-model", "--version", WEIGHTS]);
    const serve = await showwork(["serve", "--store", url, "--rpc", node.url, "--port", "0"], { SHOWWORK_ANCHORER_KEY: `0x${"11".repeat(32)}` });
    expect(audit.code).to.equal(1);
    expect(serve.code).to.equal(1);
    const firstLine = (text: string) => text.split("\n")[0];
    expect(firstLine(audit.stderr)).to.match(/^showwork: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect(firstLine(audit.stderr)).to.equal(firstLine(serve.stderr));
    for (const run of [audit, serve]) expect(run.stdout + run.stderr).not.to.include("s3cret-pw");
  });
});
