/**
 * Small things a new user meets on the way (issue #20): an RPC URL without a scheme is a usage
 * error that says so (exit 2), not an endpoint that "did not answer"; no SQLite ExperimentalWarning
 * on every command or in an app that captures receipts (other warnings still shown); "1
 * confirmation"; a pinned check that names only what was pinned.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { rpcUrlArgument } from "../../sdk/cli/commandOptions.js";
import { isSqliteExperimentalWarning } from "../../sdk/nodeSqlite.js";
import { pinnedExpectation } from "../../sdk/verify/checks/onchain.js";
import { formatVerdict } from "../../sdk/verify/formatVerdict.js";
import { headlineOf } from "../../sdk/verify/verifyBundle.js";
import type { Verdict } from "../../sdk/verify/verdict.js";
import { spawnShowwork } from "../verify/support/cli.js";

const LOG = `0x${"11".repeat(32)}`;
const BUNDLE = path.resolve("test/fixtures/bundle-v1.json");

describe("CLI usage details (issue #20)", function () {
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(tmpdir(), "showwork-usage-"))));
  after(async () => dir && (await rm(dir, { recursive: true, force: true })));

  describe("--rpc without a scheme is a usage error (exit 2) that says so", () => {
    const commands: readonly (readonly string[])[] = [
      ["verify", BUNDLE],
      ["timeline", "acme-chat", "--log-id", LOG],
      ["log", "show", "--log-id", LOG],
      ["model", "show", "acme-chat", "--log-id", LOG],
      ["monitor", "--log", LOG, "--source", "."],
      ["audit", "--model", "acme-chat", "--version", "v1"],
      ["serve"],
    ];
    for (const args of commands) {
      it(`showwork ${args.slice(0, args[0] === "log" || args[0] === "model" ? 2 : 1).join(" ")} … --rpc 127.0.0.1:8545`, async () => {
        const run = await spawnShowwork([...args, "--rpc", "127.0.0.1:8545"], { SHOWWORK_STORE: path.join(dir, "store.sqlite") });
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.include('the RPC URL "127.0.0.1:8545" has no scheme: write http://127.0.0.1:8545');
        expect(run.stderr).not.to.match(/did not answer|could not be reached|could not check/);
        expect(run.stdout).to.equal("");
      });
    }

    it("says the same for SHOWWORK_RPC_URL, and names an unsupported scheme", async () => {
      const fromEnv = await spawnShowwork(["verify", BUNDLE], { SHOWWORK_RPC_URL: "node.example:8545" });
      expect(fromEnv.code).to.equal(2);
      expect(fromEnv.stderr).to.include("SHOWWORK_RPC_URL").and.include("write https://node.example:8545");
      const ws = await spawnShowwork(["verify", BUNDLE, "--rpc", "http://127.0.0.1:1,ws://127.0.0.1:8546"]);
      expect(ws.code).to.equal(2);
      expect(ws.stderr).to.include("is a ws:// URL: only http:// and https:// endpoints are supported");
    });

    it("serve's messages name the current flags: --receipt-logs/--log without --rpc (the old names too)", async function () {
      this.timeout(60_000);
      for (const flags of [["--receipt-logs", `0x${"12".repeat(20)}`], ["--contract", `0x${"12".repeat(20)}`], ["--log", LOG]]) {
        const run = await spawnShowwork(["serve", ...flags, "--port", "0"], { SHOWWORK_STORE: path.join(dir, "store.sqlite") });
        expect(run.code, run.stderr).to.not.equal(0);
        expect(run.stderr).to.include("--receipt-logs, --log and --deploy need --rpc");
        expect(run.stderr).not.to.include("--log-id and");
      }
    });

    it("accepts http(s) URLs as they are", () => {
      expect(rpcUrlArgument("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
      expect(rpcUrlArgument(" https://rpc.example/v1?key=x ")).to.equal("https://rpc.example/v1?key=x");
      expect(() => rpcUrlArgument("localhost:8545")).to.throw("write http://localhost:8545");
      expect(rpcUrlArgument(" ")).to.equal(undefined); // SHOWWORK_RPC_URL= : not given
    });
  });

  describe("no SQLite ExperimentalWarning", () => {
    it("on a command that opens a SQLite store", async () => {
      const run = await spawnShowwork(["token", "list", "--store", path.join(dir, "tokens.sqlite")]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.equal("");
    });

    it("in an app that loads capture and the evidence store; other warnings still reach stderr", async () => {
      const script = path.join(dir, "app.mjs");
      await writeFile(
        script,
        [
          `await import(${JSON.stringify(path.resolve("sdk/capture/index.ts"))});`,
          `const { SqliteEvidenceStore } = await import(${JSON.stringify(path.resolve("sdk/evidence/index.ts"))});`,
          `SqliteEvidenceStore.open({ path: ${JSON.stringify(path.join(dir, "evidence.sqlite"))} }).close();`,
          `process.emitWarning("another feature is experimental", "ExperimentalWarning");`,
        ].join("\n"),
      );
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("error", reject);
        child.once("exit", (code) => resolve({ code, stderr }));
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).not.to.include("SQLite");
      expect(run.stderr).to.include("ExperimentalWarning: another feature is experimental");
    });

    it("filters that one warning only", () => {
      expect(isSqliteExperimentalWarning("SQLite is an experimental feature and might change at any time", "ExperimentalWarning")).to.equal(true);
      expect(isSqliteExperimentalWarning("SQLite is an experimental feature and might change at any time", { type: "ExperimentalWarning" })).to.equal(true);
      expect(isSqliteExperimentalWarning("SQLite is an experimental feature", "DeprecationWarning")).to.equal(false);
      expect(isSqliteExperimentalWarning("VM modules are an experimental feature", "ExperimentalWarning")).to.equal(false);
    });

    it("no module of the SDK loads node:sqlite except through sdk/nodeSqlite.ts", async () => {
      for (const file of ["sdk/capture/sinks.ts", "sdk/evidence/sqlite.ts", "sdk/service/store/sqlite.ts", "sdk/service/http/tokens.ts"]) {
        const text = await readFile(file, "utf8");
        expect(text, file).not.to.match(/^import \{[^}]*\} from "node:sqlite"/m);
      }
    });
  });

  describe("wording", () => {
    const verdict = (confirmations: string): Verdict => ({
      status: "verified",
      reason: "verified",
      summary: "VERIFIED: 13 checks passed",
      headline: headlineOf({ servingNode: "0xnode", operator: "0xop", logId: LOG, anchoredAt: 1_800_000_000, confirmations }),
      uncertain: [],
      checks: [{ id: "format", name: "Bundle format", status: "pass", message: "ok" }],
      facts: { receiptId: "0xabc", anchoredAt: 1_800_000_000, confirmations },
      elapsedMs: 1,
    });

    it("1 confirmation, 2 confirmations", () => {
      const one = formatVerdict(verdict("1"));
      expect(one).to.include("· 1 confirmation\n").and.include(", 1 confirmation\n").and.not.include("1 confirmations");
      expect(formatVerdict(verdict("2"))).to.include("· 2 confirmations");
    });

    it("the pinned check expects only what was pinned (never 'a log in []')", () => {
      expect(pinnedExpectation([LOG], [])).to.equal(`log ${LOG}`);
      expect(pinnedExpectation([], ["0xaa"])).to.equal("operator 0xaa");
      expect(pinnedExpectation([LOG, "0x22"], ["0xaa"])).to.equal(`one of the logs ${LOG}, 0x22 or operator 0xaa`);
      expect(pinnedExpectation([], [])).to.equal("nothing pinned");
      expect(pinnedExpectation([], ["0xaa"])).not.to.include("[]");
    });
  });
});
