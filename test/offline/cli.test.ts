/**
 * The offline side of the CLI as a user runs it (`bin/showwork.mjs` child processes) against a `hardhat node`:
 * `showwork bundle upgrade` (a v1 bundle made self-contained, the proof checked before it is written),
 * `showwork log checkpoint` (the operator's signed trust file), and `showwork verify --offline --trust FILE` /
 * `--checkpoint` / `--trust FILE --rpc URL` on a bundle without a chain proof.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { trustFileMessage } from "../../sdk/verify/trust.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain, type Scenario } from "../verify/support/scenario.js";
import { spawnShowwork as showwork } from "../verify/support/cli.js";

const HARDHAT_ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const flipByte = (hex: string, at: number): Hex => {
  const i = 2 + at * 2;
  return `${hex.slice(0, i)}${(parseInt(hex.slice(i, i + 2), 16) ^ 0x01).toString(16).padStart(2, "0")}${hex.slice(i + 2)}` as Hex;
};
type Verdict = { status: string; reason?: string; checks: { id: string; status: string; code?: string }[] };

describe("offline CLI: bundle upgrade, log checkpoint, verify --offline / --checkpoint / --trust with --rpc", function () {
  let node: HardhatNodeProcess;
  let scenario: Scenario;
  let dir: string;
  let v1File: string;
  const servers: Server[] = [];
  const operatorEnv = () => ({ SHOWWORK_OPERATOR_KEY: HARDHAT_ACCOUNT_0_KEY, SHOWWORK_RECEIPT_LOGS: scenario.receiptLogs });

  /** A proxy to the node rewriting answers of one method (a lying endpoint). */
  async function proxy(rewrite: (method: string, result: unknown) => unknown): Promise<string> {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", async () => {
        const request = JSON.parse(body) as { method: string }[] | { method: string };
        const list = Array.isArray(request) ? request : [request];
        const upstream = (await (await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body })).json()) as { result?: unknown }[] | { result?: unknown };
        const answers = (Array.isArray(upstream) ? upstream : [upstream]).map((a, i) => ({ ...a, result: rewrite(list[i]!.method, a.result) }));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(Array.isArray(request) ? answers : answers[0]));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const wrongProof = (method: string, result: unknown) => {
    if (method !== "eth_getProof" || !result) return result;
    const copy = JSON.parse(JSON.stringify(result)) as { accountProof: string[] };
    copy.accountProof[0] = flipByte(copy.accountProof[0]!, 40);
    return copy;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showwork-offline-cli-"));
    node = await startHardhatNode();
    scenario = await buildScenario(await httpChain(node.url));
    v1File = path.join(dir, "v1.json");
    await writeFile(v1File, JSON.stringify(scenario.json(scenario.v1Batch.bundles[0]!), null, 2));
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("bundle upgrade: v1 -> self-contained v2 and a trust file; verify --offline --trust and --checkpoint NUMBER:HASH verify it, another hash fails the chain check", async () => {
    const v2File = path.join(dir, "v2.json");
    const trustFile = path.join(dir, "upgrade-trust.json");
    const run = await showwork(["bundle", "upgrade", v1File, "--rpc", node.url, "-o", v2File, "--trust-out", trustFile]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/v2, chain proof of 1 anchor\(s\) on chain 31337 at block \d+/);
    const v2 = JSON.parse(await readFile(v2File, "utf8")) as { format: string; anchors: { chainProof?: { headers: string[] } }[] };
    expect(v2.format).to.equal("showwork/bundle@2");
    expect(v2.anchors[0]!.chainProof!.headers.length).to.be.greaterThan(1);
    const trust = JSON.parse(await readFile(trustFile, "utf8")) as { checkpoints: { number: number; hash: string }[] };
    const [checkpoint] = trust.checkpoints;

    const offline = await showwork(["verify", "--offline", "--trust", trustFile, v2File, "--json"]);
    expect(offline.code, offline.stderr).to.equal(0);
    expect((JSON.parse(offline.stdout) as Verdict).status).to.equal("verified");
    const pinned = await showwork(["verify", "--offline", "--checkpoint", `${checkpoint!.number}:${checkpoint!.hash}`, v2File]);
    expect(pinned.code, pinned.stdout + pinned.stderr).to.equal(0);
    const other = await showwork(["verify", "--offline", "--checkpoint", `${checkpoint!.number}:${flipByte(checkpoint!.hash, 3)}`, v2File, "--json"]);
    expect(other.code).to.equal(1);
    expect((JSON.parse(other.stdout) as Verdict).checks.filter((c) => c.status === "fail").map((c) => `${c.id}/${c.code}`)).to.deep.equal(["chain/checkpoint-mismatch"]);
    const none = await showwork(["verify", "--offline", v2File]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain("--offline needs a checkpoint");
  });

  it("bundle upgrade refuses an endpoint's wrong proof, and endpoints that disagree on the proof block: exit 2, nothing written; verify --quorum 2 of 3 passes over the liar", async () => {
    const out = path.join(dir, "from-liar.json");
    const liar = await proxy(wrongProof);
    const run = await showwork(["bundle", "upgrade", v1File, "--rpc", liar, "-o", out]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("the chain proof the endpoint served does not check (account-proof)").and.contain("nothing written");
    const forked = await proxy((method, result) => (method === "eth_getBlockByNumber" && result ? { ...(result as object), hash: flipByte((result as { hash: string }).hash, 2) } : result));
    const disagree = await showwork(["bundle", "upgrade", v1File, "--rpc", node.url, "--rpc", forked, "-o", out]);
    expect(disagree.code).to.equal(2);
    expect(disagree.stderr).to.contain("1 of 2 endpoints agree");
    expect(await readFile(out, "utf8").catch(() => "absent")).to.equal("absent");

    // verify --quorum K: the same lying endpoint beside two honest ones (the first case's self-contained bundle).
    const v2File = path.join(dir, "v2.json");
    const three = ["--rpc", forked, "--rpc", node.url, "--rpc", node.url.replace("127.0.0.1", "localhost")];
    const twoOfThree = await showwork(["verify", v2File, ...three, "--quorum", "2"]);
    expect(twoOfThree.code, twoOfThree.stdout + twoOfThree.stderr).to.equal(0);
    const allThree = await showwork(["verify", v2File, ...three, "--json"]);
    expect(allThree.code).to.equal(2);
    expect((JSON.parse(allThree.stdout) as Verdict).checks.find((c) => c.id === "chain")?.code).to.equal("endpoints-disagree");
  });

  it("log checkpoint: the log admin signs a trust file (chain, contracts, log, operator, block); verify accepts it and names the signer, a changed or foreign-signed file is refused", async () => {
    const signedFile = path.join(dir, "trust.json");
    const run = await showwork(["log", "checkpoint", "--rpc", node.url, "--log-id", scenario.logId, "--out", signedFile], operatorEnv());
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const signed = JSON.parse(await readFile(signedFile, "utf8")) as Record<string, unknown> & { checkpoints: { chainId: number; number: number; hash: string; contracts: { receiptLogs: string; modelTimeline?: string } }[]; operators: string[]; logs: string[]; signature: string };
    const admin = privateKeyToAccount(HARDHAT_ACCOUNT_0_KEY).address;
    expect(signed.operators).to.deep.equal([admin]);
    expect(signed.logs).to.deep.equal([scenario.logId]);
    expect(signed.checkpoints[0]!.chainId).to.equal(31337);
    expect(signed.checkpoints[0]!.contracts.receiptLogs.toLowerCase()).to.equal(scenario.receiptLogs.toLowerCase());
    expect(signed.checkpoints[0]!.contracts.modelTimeline).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(run.stdout).to.contain(`signed by operator ${admin}`);

    // A self-contained bundle at the checkpoint's block verifies offline against the signed file.
    const v2File = path.join(dir, "v2-at-checkpoint.json");
    const upgrade = await showwork(["bundle", "upgrade", v1File, "--rpc", node.url, "--proof-block", String(signed.checkpoints[0]!.number), "-o", v2File]);
    expect(upgrade.code, upgrade.stderr).to.equal(0);
    const ok = await showwork(["verify", "--offline", "--trust", signedFile, v2File]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stderr).to.contain(`trust file ${signedFile} signed by operator ${admin}`);

    // Changed after signing (another block hash): the signature no longer recovers to an operator of the file.
    const changedFile = path.join(dir, "changed-trust.json");
    await writeFile(changedFile, JSON.stringify({ ...signed, checkpoints: [{ ...signed.checkpoints[0]!, hash: flipByte(signed.checkpoints[0]!.hash, 1) }] }));
    const changed = await showwork(["verify", "--offline", "--trust", changedFile, v2File]);
    expect(changed.code).to.equal(2);
    expect(changed.stderr).to.match(/signature: signed by 0x[0-9a-fA-F]{40}, which is not one of the file's operators/);
    // Signed by a key that is not among the file's operators.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const { signature: _signature, ...unsigned } = signed;
    const foreignFile = path.join(dir, "foreign-trust.json");
    await writeFile(foreignFile, JSON.stringify({ ...unsigned, signature: await stranger.signMessage({ message: trustFileMessage(unsigned) }) }));
    const foreign = await showwork(["verify", "--offline", "--trust", foreignFile, v2File]);
    expect(foreign.code).to.equal(2);
    expect(foreign.stderr).to.contain(`signed by ${stranger.address}, which is not one of the file's operators`);

    // Only the log's admin publishes its checkpoints.
    const notAdmin = await showwork(["log", "checkpoint", "--rpc", node.url, "--log-id", scenario.logId, "--out", path.join(dir, "x.json")], { ...operatorEnv(), SHOWWORK_OPERATOR_KEY: generatePrivateKey() });
    expect(notAdmin.code).to.not.equal(0);
    expect(notAdmin.stderr).to.contain("is not the admin of log");
  });

  it("verify --trust FILE --rpc URL on a v1 bundle: the proof is fetched at the pinned block (VERIFIED); a lying endpoint makes it 'could not check' (exit 2), never FAILED", async () => {
    const trustFile = path.join(dir, "trust.json");
    const good = await showwork(["verify", "--trust", trustFile, "--rpc", node.url, v1File, "--json"]);
    expect(good.code, good.stdout + good.stderr).to.equal(0);
    const verdict = JSON.parse(good.stdout) as Verdict & { checks: { id: string; message?: string }[] };
    expect(verdict.status).to.equal("verified");
    const lied = await showwork(["verify", "--trust", trustFile, "--rpc", await proxy(wrongProof), v1File, "--json"]);
    expect(lied.code).to.equal(2);
    const liedVerdict = JSON.parse(lied.stdout) as Verdict;
    expect(liedVerdict.reason).to.equal("could-not-check");
    expect(liedVerdict.checks.filter((c) => c.status === "fail")).to.deep.equal([]);
    expect(liedVerdict.checks.find((c) => c.id === "chain")?.code).to.equal("endpoint-proof");

    // A trust file naming chains too (verify's several-chains path) keeps its checkpoints: the same lie, the same answer.
    const signed = JSON.parse(await readFile(trustFile, "utf8")) as { logs: string[]; checkpoints: unknown[] };
    const withChains = path.join(dir, "trust-chains.json");
    await writeFile(withChains, JSON.stringify({ format: "showwork/trust@1", logs: signed.logs, checkpoints: signed.checkpoints, chains: [{ name: "local", chainId: 31337 }] }));
    const chainsGood = await showwork(["verify", "--trust", withChains, "--rpc", node.url, v1File, "--json"]);
    expect(chainsGood.code, chainsGood.stdout + chainsGood.stderr).to.equal(0);
    expect(chainsGood.stdout).to.contain("the RPC endpoint's");
    const chainsLied = await showwork(["verify", "--trust", withChains, "--rpc", await proxy(wrongProof), v1File, "--json"]);
    expect(chainsLied.code, chainsLied.stdout).to.equal(2);
    expect(chainsLied.stdout).to.contain('"code": "endpoint-proof"');
  });
  it("trust refresh: takes the operator's newer signed file (over HTTP, hashes compared with --rpc); refuses a stranger's signature, a checkpoint going back, another hash at the same block", async () => {
    const current = path.join(dir, "trust.json");
    const before = JSON.parse(await readFile(current, "utf8")) as Record<string, unknown> & { checkpoints: { number: number; hash: string }[] };
    await scenario.chain.publicClient.request({ method: "hardhat_mine" as never, params: ["0x3"] as never });
    const newer = path.join(dir, "trust-newer.json");
    const made = await showwork(["log", "checkpoint", "--rpc", node.url, "--log-id", scenario.logId, "--out", newer], operatorEnv());
    expect(made.code, made.stderr).to.equal(0);
    const newerJson = JSON.parse(await readFile(newer, "utf8")) as Record<string, unknown> & { checkpoints: { number: number; hash: string }[] };
    expect(newerJson.checkpoints[0]!.number).to.be.greaterThan(before.checkpoints[0]!.number);
    // The operator publishes it on a static host.
    const host = createServer((_req, res) => void readFile(newer).then((body) => res.setHeader("content-type", "application/json").end(body)));
    servers.push(host);
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/trust.json`;

    const refreshedFile = path.join(dir, "refreshed.json");
    const ok = await showwork(["trust", "refresh", current, "--from", url, "-o", refreshedFile, "--rpc", node.url]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain(`checkpoint block ${before.checkpoints[0]!.number} -> ${newerJson.checkpoints[0]!.number}`).and.contain("hash is the one the endpoints give");
    expect(JSON.parse(await readFile(refreshedFile, "utf8"))).to.deep.equal(newerJson);

    const refused = async (next: Record<string, unknown>, pattern: RegExp, args: string[] = []) => {
      const file = path.join(dir, "offered.json");
      await writeFile(file, JSON.stringify(next));
      const out = path.join(dir, "never-written.json");
      const run = await showwork(["trust", "refresh", current, "--from", file, "-o", out, ...args]);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.match(pattern);
      expect(await readFile(out, "utf8").catch(() => "absent")).to.equal("absent");
    };
    // A stranger's file, signed by its own key and naming itself operator: its signature checks, but not by a key you pin.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const { signature: _s, ...body } = newerJson;
    const foreign = { ...body, operators: [stranger.address] };
    await refused({ ...foreign, signature: await stranger.signMessage({ message: trustFileMessage(foreign) }) }, new RegExp(`refused: the new trust file is signed by ${stranger.address}, not by an operator your current file pins`));
    // The operator's older file offered over a newer pinned one: going back is refused.
    await writeFile(path.join(dir, "pinned-newer.json"), JSON.stringify(newerJson));
    const back = await showwork(["trust", "refresh", path.join(dir, "pinned-newer.json"), "--from", current, "-o", path.join(dir, "never.json")]);
    expect(back.code).to.equal(1);
    expect(back.stderr).to.contain(`goes back, from block ${newerJson.checkpoints[0]!.number} to block ${before.checkpoints[0]!.number}`);
    // Unsigned.
    await refused(body, /refused: the new trust file is not signed/);
    // Another hash at the pinned block, signed by the operator itself: a fork (or a changed file) is not taken.
    const operator = privateKeyToAccount(HARDHAT_ACCOUNT_0_KEY);
    const { signature: _b, ...beforeBody } = before;
    const forked = { ...beforeBody, checkpoints: [{ ...before.checkpoints[0]!, hash: flipByte(before.checkpoints[0]!.hash, 9) }] };
    await refused({ ...forked, signature: await operator.signMessage({ message: trustFileMessage(forked) }) }, /gives block \d+ of chain 31337 another hash/);
  });
});
