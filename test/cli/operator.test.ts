/**
 * The operator CLI (`showwork log ...`, `showwork model ...`) as an operator runs it: `bin/showwork.mjs`
 * child processes against a `hardhat node` over HTTP, the key from SHOWWORK_PRIVATE_KEY (or the
 * Hardhat development keystore), contracts by flag. Checks the chain's state after each write, the
 * exit codes (0 done, 1 refused, 2 unreachable) and that failures say what the node answered.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { artifacts } from "hardhat";
import { createPublicClient, getAddress, http, keccak256, parseEther, stringToHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { readLog } from "../../sdk/actions/public/readLog.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { readModel } from "../../sdk/actions/public/readModel.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { httpChain } from "../verify/support/scenario.js";

const BIN = path.resolve("bin/showwork.mjs");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SHOWWORK_PRIVATE_KEY: undefined, SHOWWORK_OPERATOR_KEY: undefined, SHOWWORK_CONFIG: undefined, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const json = (r: Run): Record<string, unknown> => {
  expect(r.stdout.trim(), `stdout of a --json run (stderr: ${r.stderr})`).to.match(/^\{[\s\S]*\}$/);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

const digest = (text: string): Hex => keccak256(stringToHex(text));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("showwork log / model (operator CLI against a hardhat node over HTTP)", function () {
  let node: HardhatNodeProcess;
  let receiptLogs: Address;
  let modelTimeline: Address;
  const operatorKey = generatePrivateKey();
  const operator = privateKeyToAccount(operatorKey);
  const otherKey = generatePrivateKey();
  const other = privateKeyToAccount(otherKey);
  let chainArgs: string[];
  const asOperator = { SHOWWORK_PRIVATE_KEY: operatorKey };
  const client = () => createPublicClient({ chain: hardhat, transport: http(node.url) });

  before(async function () {
    node = await startHardhatNode();
    const chain = await httpChain(node.url);
    const deploy = async (name: "ReceiptLogs" | "ModelTimeline", args: readonly unknown[]): Promise<Address> => {
      const artifact = await artifacts.readArtifact(name);
      const hash = await chain.admin.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, args: args as never, account: chain.admin.account, chain: hardhat });
      return (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
    };
    receiptLogs = await deploy("ReceiptLogs", []);
    modelTimeline = await deploy("ModelTimeline", [receiptLogs]);
    for (const account of [operator, other]) {
      const hash = await chain.admin.sendTransaction({ to: account.address, value: parseEther("10"), account: chain.admin.account, chain: hardhat });
      await chain.publicClient.waitForTransactionReceipt({ hash });
    }
    chainArgs = ["--rpc", node.url, "--receipt-logs", receiptLogs, "--model-timeline", modelTimeline];
  });
  after(async () => {
    await node?.stop();
  });

  describe("log", () => {
    let logId: Hex;

    it("log create --json prints one object with the new log and its transaction; the chain has it", async () => {
      const r = await run(["log", "create", ...chainArgs, "--max-anchor-delay", "900", "--json"], asOperator);
      expect(r.code, r.stderr).to.equal(0);
      const out = json(r);
      expect(out).to.include({ ok: true, command: "log create", chainId: 31337, admin: operator.address, maxAnchorDelay: 900 });
      expect(out.hash).to.match(/^0x[0-9a-f]{64}$/);
      logId = out.logId as Hex;
      const log = await readLog(client(), { receiptLogs, logId });
      expect(log).to.include({ exists: true, admin: operator.address, maxAnchorDelay: 900 });
      const tx = await client().getTransactionReceipt({ hash: out.hash as Hex });
      expect(tx.status).to.equal("success");
      expect(String(tx.blockNumber)).to.equal(out.blockNumber);
    });

    it("log create (human) says what it created and the transaction hash", async () => {
      const r = await run(["log", "create", ...chainArgs], asOperator);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^created log 0x[0-9a-f]{64} in ReceiptLogs 0x[0-9a-fA-F]{40} on chain 31337$/m);
      expect(r.stdout).to.match(/^tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)$/m);
    });

    it("grant-anchorer, show, revoke-anchorer: the log's anchorers follow, and a second grant changes nothing", async () => {
      const granted = await run(["log", "grant-anchorer", other.address, "--log-id", logId, ...chainArgs], asOperator);
      expect(granted.code, granted.stderr).to.equal(0);
      expect(granted.stdout).to.match(new RegExp(`^granted anchorer ${other.address} in log ${logId}$`, "m"));
      const again = json(await run(["log", "grant-anchorer", other.address, "--log-id", logId, ...chainArgs, "--json"], asOperator));
      expect(again.changed).to.equal(false);
      const shown = json(await run(["log", "show", "--log-id", logId, ...chainArgs, "--json"]));
      expect(shown).to.include({ ok: true, admin: operator.address, size: "0", maxAnchorDelay: 900 });
      expect(shown.anchorers).to.deep.equal([other.address]);
      const human = await run(["log", "show", "--log-id", logId, ...chainArgs]);
      expect(human.stdout).to.match(new RegExp(`^anchorers: +${other.address}$`, "m"));
      const revoked = await run(["log", "revoke-anchorer", other.address, "--log-id", logId, ...chainArgs], asOperator);
      expect(revoked.code, revoked.stderr).to.equal(0);
      expect((json(await run(["log", "show", "--log-id", logId, ...chainArgs, "--json"])).anchorers as string[]).length).to.equal(0);
    });

    it("set-max-delay changes the promise; log show reads it back", async () => {
      const r = await run(["log", "set-max-delay", "60", "--log-id", logId, ...chainArgs], asOperator);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/within 60 s \(was 900 s\)/);
      expect((await readLog(client(), { receiptLogs, logId })).maxAnchorDelay).to.equal(60);
    });

    it("grant-signer / revoke-signer keep the signer history on-chain; bind-timeline binds once", async () => {
      const node = privateKeyToAccount(generatePrivateKey()).address;
      const logs = { address: receiptLogs, abi: receiptLogsAbi } as const;
      const granted = await run(["log", "grant-signer", node, "--log-id", logId, ...chainArgs], asOperator);
      expect(granted.code, granted.stderr).to.equal(0);
      expect(granted.stdout).to.match(new RegExp(`^granted serving node ${node} as a signer of log ${logId}$`, "m"));
      expect(granted.stdout).to.match(/^tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)$/m);
      expect(await client().readContract({ ...logs, functionName: "isSigner", args: [logId, node] })).to.equal(true);
      expect(json(await run(["log", "grant-signer", node, "--log-id", logId, ...chainArgs, "--json"], asOperator))).to.include({ ok: true, changed: false });
      const revoked = json(await run(["log", "revoke-signer", node, "--log-id", logId, ...chainArgs, "--json"], asOperator));
      expect(revoked).to.include({ ok: true, command: "log revoke-signer", signer: node, changed: true });
      expect(await client().readContract({ ...logs, functionName: "isSigner", args: [logId, node] })).to.equal(false);
      const history = await client().readContract({ ...logs, functionName: "signerHistory", args: [logId, node, 0n, 10n] });
      expect(history).to.have.lengthOf(1);
      expect(history[0]!.revokedAt > 0n, "revokedAt set").to.equal(true);
      const notAdmin = await run(["log", "grant-signer", node, "--log-id", logId, ...chainArgs], { SHOWWORK_PRIVATE_KEY: otherKey });
      expect(notAdmin.code).to.equal(1);
      expect(notAdmin.stderr).to.include(`its admin is ${operator.address}`);

      const bound = json(await run(["log", "bind-timeline", "--log-id", logId, ...chainArgs, "--json"], asOperator));
      expect(bound).to.include({ ok: true, command: "log bind-timeline" });
      expect(getAddress(bound.timeline as string)).to.equal(getAddress(modelTimeline));
      expect(await client().readContract({ ...logs, functionName: "logTimeline", args: [logId] })).to.equal(getAddress(modelTimeline));
      const again = await run(["log", "bind-timeline", "--log-id", logId, ...chainArgs], asOperator);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.include("already bound").and.include("permanent");
      expect((await run(["log", "show", "--log-id", logId, ...chainArgs])).stdout).to.match(new RegExp(`^timeline: +${getAddress(modelTimeline)}$`, "m"));
    });

    it("a key that is not the log's admin is refused before sending, naming the admin (exit 1)", async () => {
      const r = await run(["log", "grant-anchorer", other.address, "--log-id", logId, ...chainArgs], { SHOWWORK_PRIVATE_KEY: otherKey });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`${other.address} is not the admin of log ${logId}; its admin is ${operator.address}`);
    });

    it("an unknown log is named as such (exit 1); with --json the error is one object too", async () => {
      const unknown = digest("no such log");
      const r = await run(["log", "show", "--log-id", unknown, ...chainArgs, "--json"]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`No log ${unknown} in ReceiptLogs ${receiptLogs} on chain 31337`);
      const out = json(r);
      expect(out).to.include({ ok: false, command: "log show", exitCode: 1 });
    });

    it("an unfunded key: says the account cannot pay and what the node answered (exit 1)", async () => {
      const broke = generatePrivateKey();
      const r = await run(["log", "create", ...chainArgs], { SHOWWORK_PRIVATE_KEY: broke });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`the account ${privateKeyToAccount(broke).address} cannot pay for the transaction on chain 31337`);
      expect(r.stderr).to.match(/The node answered: .*(enough funds|insufficient funds)/i);
    });

    it("no key in the environment: says where keys come from (never flags), exit 1", async () => {
      const r = await run(["log", "create", ...chainArgs]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("SHOWWORK_OPERATOR_KEY is not set");
      expect(r.stderr).to.include("--keystore");
    });

    it("no contract for the chain: the deployments record has none for 31337, so it asks for --receipt-logs", async () => {
      const r = await run(["log", "show", "--log-id", logId, "--rpc", node.url]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("The deployments record lists no showwork deployment for chain 31337");
      expect(r.stderr).to.include("--receipt-logs");
    });

    it("an RPC endpoint that does not answer: exit 2, and nothing is claimed to have happened", async () => {
      const r = await run(["log", "create", "--rpc", `http://127.0.0.1:${await closedPort()}`, "--receipt-logs", receiptLogs, "--timeout", "2000"], asOperator);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/the RPC endpoint did not answer/);
    });

    it("the key from the Hardhat development keystore (--keystore --keystore-dev)", async () => {
      const config = mkdtempSync(path.join(tmpdir(), "showwork-keystore-"));
      try {
        const env = { XDG_CONFIG_HOME: config };
        const set = await new Promise<number | null>((resolve) => {
          const child = spawn("npx", ["--no-install", "hardhat", "keystore", "set", "--dev", "SHOWWORK_OPERATOR_KEY"], { env: { ...process.env, ...env }, stdio: ["pipe", "ignore", "ignore"] });
          child.stdin.end(`${otherKey}\n`);
          child.on("close", resolve);
        });
        expect(set).to.equal(0);
        const r = await run(["log", "create", ...chainArgs, "--keystore", "--keystore-dev", "--json"], env);
        expect(r.code, r.stderr).to.equal(0);
        expect(json(r).admin).to.equal(other.address);
        const missing = await run(["log", "create", ...chainArgs, "--keystore", "NO_SUCH_ENTRY", "--keystore-dev"], env);
        expect(missing.code).to.equal(1);
        expect(missing.stderr).to.include('Could not read "NO_SUCH_ENTRY" from the Hardhat development keystore');
      } finally {
        rmSync(config, { recursive: true, force: true });
      }
    });
  });

  describe("model", () => {
    let logId: Hex;
    const v1 = digest("procurement weights v1");
    const v2 = digest("procurement weights v2");
    const name = "acme/procurement-assistant";

    before(async () => {
      logId = json(await run(["log", "create", ...chainArgs, "--json"], asOperator)).logId as Hex;
    });

    it("register, publish v1 and v2, deploy by number and by digest, roll back with a reason: the chain's timeline matches", async () => {
      const model = ["--log-id", logId, ...chainArgs];
      const registered = await run(["model", "register", name, ...model], asOperator);
      expect(registered.code, registered.stderr).to.equal(0);
      expect(registered.stdout).to.match(/^registered model acme\/procurement-assistant \(0x[0-9a-f]{64}\) in log/m);
      const p1 = json(await run(["model", "publish", name, "--weights", v1, "--metadata-uri", "ipfs://v1", ...model, "--json"], asOperator));
      expect(p1).to.include({ ok: true, version: 1 });
      const p2 = await run(["model", "publish", name, "--weights", v2, ...model], asOperator);
      expect(p2.stdout).to.match(/^published acme\/procurement-assistant v2 /m);
      const d1 = await run(["model", "deploy", name, "--version", "1", ...model], asOperator);
      expect(d1.code, d1.stderr).to.equal(0);
      expect(d1.stdout).to.match(/^deployed acme\/procurement-assistant v1 \(was none\): timeline entry #0$/m);
      expect(d1.stdout).to.match(/^tx 0x[0-9a-f]{64} /m);
      const d2 = json(await run(["model", "deploy", name, "--weights", v2, ...model, "--json"], asOperator));
      expect(d2).to.include({ version: 2, previousVersion: 1, activationIndex: "1" });
      const back = await run(["model", "rollback", name, "--version", "1", "--reason", "v2 approved invoices at 100x", ...model], asOperator);
      expect(back.code, back.stderr).to.equal(0);
      expect(back.stdout).to.match(/^rolled acme\/procurement-assistant back to v1 \(was v2\), reason "v2 approved invoices at 100x": timeline entry #2$/m);

      const shown = json(await run(["model", "show", name, ...model, "--json"])) as { modelId: Hex; activations: { kind: string; versionNumber: number; reason: string }[] };
      const read = await readModel(client(), { modelTimeline, logId, modelId: shown.modelId });
      expect(read.active?.weightsDigest).to.equal(v1);
      expect(shown.activations.map((a) => [a.kind, a.versionNumber, a.reason])).to.deep.equal([
        ["deployment", 1, ""],
        ["deployment", 2, ""],
        ["rollback", 1, "v2 approved invoices at 100x"],
      ]);
      const human = await run(["model", "show", name, ...model]);
      expect(human.stdout).to.match(/live now: v1 /);
      expect(human.stdout).to.match(/#2 .* rollback +v1 +reason: "v2 approved invoices at 100x"/);
    });

    it("a rollback needs --reason (commander), and one to a newer version is refused with the contract's error and what to do", async () => {
      const model = ["--log-id", logId, ...chainArgs];
      const noReason = await run(["model", "rollback", name, "--version", "1", ...model], asOperator);
      expect(noReason.code).to.equal(1);
      expect(noReason.stderr).to.match(/required option '--reason <text>' not specified/);
      const forward = await run(["model", "rollback", name, "--version", "2", "--reason", "try", ...model], asOperator);
      expect(forward.code).to.equal(1);
      expect(forward.stderr).to.include("the contract refused: ModelTimelineNotEarlierVersion(");
      expect(forward.stderr).to.include("a rollback goes back only");
    });

    it("deploy names the published versions when the one asked for does not exist; an unregistered model is named", async () => {
      const model = ["--log-id", logId, ...chainArgs];
      const missing = await run(["model", "deploy", name, "--version", "7", ...model], asOperator);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.include("No published version v7 for acme/procurement-assistant");
      expect(missing.stderr).to.include(`v1 ${v1}`);
      const unknown = await run(["model", "show", "acme/unknown", ...model]);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.include("is not registered in log");
    });

    it("an account that is neither admin nor publisher is refused by the contract; grant-publisher lets it write", async () => {
      const model = ["--log-id", logId, ...chainArgs];
      const refused = await run(["model", "register", "acme/second", ...model], { SHOWWORK_PRIVATE_KEY: otherKey });
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include("ModelTimelineUnauthorizedPublisher");
      expect(refused.stderr).to.include("is neither the admin of log");
      const granted = await run(["model", "grant-publisher", other.address, ...model], asOperator);
      expect(granted.code, granted.stderr).to.equal(0);
      const now = await run(["model", "register", "acme/second", ...model], { SHOWWORK_PRIVATE_KEY: otherKey });
      expect(now.code, now.stderr).to.equal(0);
    });

    it("deactivate records that nothing is live, with its reason", async () => {
      const model = ["--log-id", logId, ...chainArgs];
      const r = json(await run(["model", "deactivate", name, "--reason", "retired", ...model, "--json"], asOperator));
      expect(r).to.include({ ok: true, previousVersion: 1, reason: "retired" });
      const shown = json(await run(["model", "show", name, ...model, "--json"]));
      expect(shown.active).to.equal(undefined);
    });
  });
});
