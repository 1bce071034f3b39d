/**
 * Self-contained (v2) bundles verified offline against a pinned checkpoint, and with RPC endpoints
 * that are asked for nothing but one block hash. Real `hardhat node`; every tamper named by its
 * check; lying endpoints give "could not check", never failed/verified; the offline run makes no
 * network call (every network API stubbed to throw).
 */
import { createServer, type Server } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import http from "node:http";
import https from "node:https";

import { expect } from "chai";
import { keccak256, type Hex } from "viem";

import { parseBundle, toBundleJson, toBundleV2 } from "../../sdk/bundle/parseBundle.js";
import type { ProofBundle, ProofBundleV2Json } from "../../sdk/bundle/types.js";
import { encodeHeader } from "../../sdk/chainproof/header.js";
import { compromiseSlot } from "../../sdk/chainproof/layout.js";
import { proveAnchor } from "../../sdk/chainproof/prove.js";
import type { Checkpoint } from "../../sdk/chainproof/verifyChainProof.js";
import { CHAIN_CHECKS } from "../../sdk/verify/checks/onchain.js";
import { checksWithStatus, type Verdict } from "../../sdk/verify/verdict.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain, send, type Scenario } from "../verify/support/scenario.js";
import { receiptLogsAbi } from "../../sdk/contracts/abis.js";

const byId = (verdict: Verdict, id: string) => verdict.checks.find((c) => c.id === id)!;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const flipByte = (hex: string, at: number): Hex => {
  const i = 2 + at * 2;
  const byte = (parseInt(hex.slice(i, i + 2), 16) ^ 0x01).toString(16).padStart(2, "0");
  return `${hex.slice(0, i)}${byte}${hex.slice(i + 2)}` as Hex;
};

/** Runs `body` with every network API of the process stubbed to throw; returns the calls attempted. */
export async function withoutNetwork<T>(body: () => Promise<T>): Promise<{ result: T; attempts: string[] }> {
  const attempts: string[] = [];
  const refuse = (what: string) => () => {
    attempts.push(what);
    throw new Error(`network call attempted offline: ${what}`);
  };
  const saved = { fetch: globalThis.fetch, connect: net.connect, createConnection: net.createConnection, socketConnect: net.Socket.prototype.connect, httpRequest: http.request, httpsRequest: https.request };
  globalThis.fetch = refuse("fetch") as never;
  (net as { connect: unknown }).connect = refuse("net.connect");
  (net as { createConnection: unknown }).createConnection = refuse("net.createConnection");
  net.Socket.prototype.connect = refuse("net.Socket.connect") as never;
  (http as { request: unknown }).request = refuse("http.request");
  (https as { request: unknown }).request = refuse("https.request");
  try {
    return { result: await body(), attempts };
  } finally {
    globalThis.fetch = saved.fetch;
    (net as { connect: unknown }).connect = saved.connect;
    (net as { createConnection: unknown }).createConnection = saved.createConnection;
    net.Socket.prototype.connect = saved.socketConnect;
    (http as { request: unknown }).request = saved.httpRequest;
    (https as { request: unknown }).request = saved.httpsRequest;
  }
}

describe("self-contained bundles (v2 chain proofs), offline against a checkpoint", function () {
  let node: HardhatNodeProcess;
  let scenario: Scenario;
  let bundle: ProofBundle;
  let json: ProofBundleV2Json;
  let checkpoint: Checkpoint;

  async function selfContained(source: ProofBundle, proofBlock?: number): Promise<ProofBundleV2Json> {
    const chainProof = await proveAnchor(scenario.chain.publicClient, source, proofBlock === undefined ? {} : { proofBlock });
    return toBundleJson(toBundleV2(source, { anchors: [{ ...source.anchor, chainProof }] })) as ProofBundleV2Json;
  }

  before(async function () {
    node = await startHardhatNode();
    scenario = await buildScenario(await httpChain(node.url));
    const head = await scenario.chain.publicClient.getBlock();
    checkpoint = { chainId: scenario.chainId, number: Number(head.number), hash: head.hash };
    bundle = scenario.v1Batch.bundles[0]!;
    json = await selfContained(bundle, checkpoint.number);
  });
  after(async () => {
    await node?.stop();
  });

  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  /** A proxy to the node that rewrites answers (a lying endpoint) and counts requests. */
  async function proxy(rewrite: (method: string, result: unknown) => unknown): Promise<{ url: string; calls: string[] }> {
    const calls: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", async () => {
        const request = JSON.parse(body) as { method: string; id: number }[] | { method: string; id: number };
        const list = Array.isArray(request) ? request : [request];
        calls.push(...list.map((r) => r.method));
        const upstream = (await (await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body })).json()) as { id: number; result?: unknown }[] | { id: number; result?: unknown };
        const answers = (Array.isArray(upstream) ? upstream : [upstream]).map((a, i) => ({ ...a, result: rewrite(list[i]!.method, a.result) }));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(Array.isArray(request) ? answers : answers[0]));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
  }

  const offline = (value: unknown, checkpoints: readonly Checkpoint[] = [checkpoint]) => verifyBundle(value, { offline: true, checkpoints, rpcUrl: "http://127.0.0.1:9" });

  it("verifies offline, with the same verdict facts as the online verifier, and makes no network call", async () => {
    const { result: verdict, attempts } = await withoutNetwork(() => offline(json));
    expect(attempts).to.deep.equal([]);
    expect(verdict.status, JSON.stringify(verdict.checks.filter((c) => c.status !== "pass"), null, 1)).to.equal("verified");
    const online = await verifyBundle(scenario.json(bundle), { rpcUrl: node.url });
    expect(online.status).to.equal("verified");
    for (const key of ["anchoredAt", "operator", "activeVersion", "versionNumber", "modelName", "maxAnchorDelay", "anchorDelay"] as const) {
      expect(verdict.facts[key], key).to.deep.equal(online.facts[key]);
    }
    expect(verdict.facts.confirmations).to.equal(String(checkpoint.number - bundle.anchor.blockNumber + 1));
  });

  it("verifies every scenario batch offline the way the online verifier judges it (rollback: version-mismatch)", async () => {
    const late = await selfContained(scenario.afterRollback.bundles[0]!, checkpoint.number);
    const verdict = await offline(late);
    expect(verdict.status).to.equal("failed");
    expect(byId(verdict, "model-version").code).to.equal("version-mismatch");
    const v2 = await offline(await selfContained(scenario.v2Batch.bundles[1]!, checkpoint.number));
    expect(v2.status, v2.summary).to.equal("verified");
  });

  it("without a checkpoint, or without a chain proof, offline is 'could not check' (never failed)", async () => {
    const none = await offline(json, []);
    expect(none.reason).to.equal("could-not-check");
    for (const id of CHAIN_CHECKS) expect(byId(none, id).code, id).to.equal("no-checkpoint");
    const v1 = await offline(scenario.json(bundle));
    expect(v1.reason).to.equal("could-not-check");
    for (const id of CHAIN_CHECKS) expect(byId(v1, id).code, id).to.equal("no-chain-proof");
  });

  describe("every tamper fails, naming its check", () => {
    const cases: { name: string; mutate: (b: ProofBundleV2Json) => void; check: string; code: string }[] = [
      {
        name: "a changed account proof node",
        mutate: (b) => {
          const account = receiptLogsAt(b, b.anchors[0]!.blockNumber);
          account.accountProof[0] = flipByte(account.accountProof[0]!, 40);
        },
        check: "contract",
        code: "account-proof",
      },
      {
        name: "a changed storage proof node (the root slot)",
        mutate: (b) => {
          const slot = receiptLogsAt(b, b.anchors[0]!.blockNumber).storage[0]!;
          slot.proof[slot.proof.length - 1] = flipByte(slot.proof[slot.proof.length - 1]!, 8);
        },
        check: "batch-root",
        code: "storage-proof",
      },
      {
        name: "a changed storage value (the anchored root)",
        mutate: (b) => {
          const slot = receiptLogsAt(b, b.anchors[0]!.blockNumber).storage[0]!;
          slot.value = flipByte(slot.value, 31);
        },
        check: "batch-root",
        code: "storage-value",
      },
      {
        name: "a header from another block",
        mutate: (b) => {
          const headers = b.anchors[0]!.chainProof!.headers;
          headers[1] = headers[2]!;
        },
        check: "chain",
        code: "header-chain",
      },
      {
        name: "a changed header field (timestamp byte)",
        mutate: (b) => {
          const headers = b.anchors[0]!.chainProof!.headers;
          headers[1] = flipByte(headers[1]!, 20);
        },
        check: "chain",
        code: "header-chain",
      },
    ];
    for (const { name, mutate, check, code } of cases) {
      it(name, async () => {
        const tampered = clone(json);
        mutate(tampered);
        const verdict = await offline(tampered);
        expect(verdict.status, verdict.summary).to.equal("failed");
        expect(checksWithStatus(verdict, "fail")).to.deep.equal([check]);
        expect(byId(verdict, check).code).to.equal(code);
      });
    }

    it("a checkpoint of another chain", async () => {
      const verdict = await offline(json, [{ ...checkpoint, chainId: 1 }]);
      expect(verdict.status).to.equal("failed");
      expect(checksWithStatus(verdict, "fail")).to.deep.equal(["chain"]);
      expect(byId(verdict, "chain").code).to.equal("wrong-chain");
    });

    it("a checkpoint whose hash is not the bundle's block (another fork)", async () => {
      const verdict = await offline(json, [{ ...checkpoint, hash: flipByte(checkpoint.hash, 5) }]);
      expect(checksWithStatus(verdict, "fail")).to.deep.equal(["chain"]);
      expect(byId(verdict, "chain").code).to.equal("checkpoint-mismatch");
    });

    it("a proof at a block before the anchoring (the root slot still empty)", async () => {
      const early = parseBundle({ ...scenario.json(bundle), anchor: { ...scenario.json(bundle).anchor, blockNumber: bundle.anchor.blockNumber - 1 } });
      const verdict = await offline(await selfContained(early, checkpoint.number));
      expect(checksWithStatus(verdict, "fail")).to.deep.equal(["batch-root"]);
      expect(byId(verdict, "batch-root").code).to.equal("not-anchored");
    });

    it("a proof at a block after the anchoring (the root slot already set before)", async () => {
      const later = parseBundle({ ...scenario.json(bundle), anchor: { ...scenario.json(bundle).anchor, blockNumber: bundle.anchor.blockNumber + 1 } });
      const verdict = await offline(await selfContained(later, checkpoint.number));
      expect(checksWithStatus(verdict, "fail")).to.deep.equal(["transaction"]);
      expect(byId(verdict, "transaction").code).to.equal("block-mismatch");
    });

    it("a dropped storage proof is 'could not check' (proof-incomplete), not verified", async () => {
      const tampered = clone(json);
      receiptLogsAt(tampered, checkpoint.number).storage.pop();
      const verdict = await offline(tampered);
      expect(verdict.reason).to.equal("could-not-check");
      expect(checksWithStatus(verdict, "error").length).to.be.greaterThan(0);
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
    });
  });

  describe("with RPC endpoints: only the checkpoint's block hash is asked, and a liar gives 'could not check'", () => {
    const honest = (_: string, result: unknown) => result;
    const wrongHash = (method: string, result: unknown) =>
      method === "eth_getBlockByNumber" && result ? { ...(result as object), hash: flipByte((result as { hash: string }).hash, 3) } : result;
    const otherBlock = (method: string, result: unknown) =>
      method === "eth_getBlockByNumber" && result ? { ...(result as object), hash: (result as { parentHash: string }).parentHash } : result;
    const noBlock = (method: string, result: unknown) => (method === "eth_getBlockByNumber" ? null : result);

    it("two honest endpoints: verified, one batched request each (eth_chainId + eth_getBlockByNumber)", async () => {
      const a = await proxy(honest);
      const b = await proxy(honest);
      const verdict = await verifyBundle(json, { rpcUrls: [a.url, b.url] });
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(a.calls).to.deep.equal(["eth_chainId", "eth_getBlockByNumber"]);
      expect(b.calls).to.deep.equal(["eth_chainId", "eth_getBlockByNumber"]);
    });

    for (const [name, lie] of [
      ["a wrong block hash", wrongHash],
      ["the hash of another block", otherBlock],
      ["no such block (a wrong head)", noBlock],
    ] as const) {
      it(`one endpoint answering ${name}: could not check, never failed or verified`, async () => {
        const liar = await proxy(lie);
        const good = await proxy(honest);
        for (const rpcUrls of [[liar.url], [liar.url, good.url]]) {
          const verdict = await verifyBundle(json, { rpcUrls });
          expect(verdict.status, verdict.summary).to.equal("pending");
          expect(verdict.reason).to.equal("could-not-check");
          expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
        }
      });
    }

    it("k of n: one liar among three endpoints — a quorum of 2 verifies naming the dissent, the default (all 3) cannot check", async () => {
      const liar = await proxy(wrongHash);
      const a = await proxy(honest);
      const b = await proxy(honest);
      const rpcUrls = [liar.url, a.url, b.url];
      const two = await verifyBundle(json, { rpcUrls, checkpointQuorum: 2 });
      expect(two.status, two.summary).to.equal("verified");
      expect(byId(two, "chain").message).to.contain("the block hash the RPC endpoints agree on (2 of 3; not agreeing: ").and.contain(`${liar.url} answered ${checkpoint.chainId}:0x`);
      expect(byId(two, "chain").code).to.equal("endpoint-dissent");
      expect(two.uncertain.some((u) => u.includes(`${liar.url} answered`))).to.equal(true);
      const all = await verifyBundle(json, { rpcUrls });
      expect(all.reason).to.equal("could-not-check");
      expect(byId(all, "chain").code).to.equal("endpoints-disagree");
      expect(byId(all, "chain").message).to.contain("2 of 3 endpoints agree (3 needed)").and.contain(liar.url);
      expect(checksWithStatus(all, "fail")).to.deep.equal([]);
      // Two liars agreeing on the same false hash outvote one honest endpoint at quorum 2: still only "could not check" (the proof does not lead to their hash).
      const liar2 = await proxy(wrongHash);
      const outvoted = await verifyBundle(json, { rpcUrls: [liar.url, liar2.url, a.url], checkpointQuorum: 2 });
      expect(outvoted.reason).to.equal("could-not-check");
      expect(checksWithStatus(outvoted, "fail")).to.deep.equal([]);
    });

    it("a lying endpoint cannot make a tampered bundle pass: it still fails on its own proof", async () => {
      const tampered = clone(json);
      const slot = receiptLogsAt(tampered, tampered.anchors[0]!.blockNumber).storage[0]!;
      slot.value = flipByte(slot.value, 31);
      const verdict = await verifyBundle(tampered, { rpcUrls: [(await proxy(honest)).url] });
      expect(verdict.status).to.equal("failed");
      expect(checksWithStatus(verdict, "fail")).to.deep.equal(["batch-root"]);
    });
  });

  describe("a bundle without a chain proof, a pinned checkpoint and an endpoint: the proof is fetched at the checkpoint and checked against it", () => {
    const pinned = (value: unknown, rpcUrls: string[], checkpoints: readonly Checkpoint[] = [checkpoint]) => verifyBundle(value, { rpcUrls, checkpoints });
    type ProofAnswer = { accountProof: string[]; storageProof: { key: string; value: string; proof: string[] }[] };
    const rewriteProof = (change: (p: ProofAnswer) => void) => (method: string, result: unknown) => {
      if (method !== "eth_getProof" || !result) return result;
      const copy = clone(result) as ProofAnswer;
      change(copy);
      return copy;
    };
    const rewriteBlock = (change: (block: Record<string, string>) => Record<string, string> | null) => (method: string, result: unknown) =>
      method === "eth_getBlockByNumber" && result && Number((result as { number: string }).number) === checkpoint.number ? change(clone(result) as Record<string, string>) : result;
    const liars: [string, (method: string, result: unknown) => unknown, string][] = [
      ["a wrong account proof (a changed trie node)", rewriteProof((p) => (p.accountProof[0] = flipByte(p.accountProof[0]!, 40))), "endpoint-proof"],
      ["a wrong storage proof (a changed trie node)", rewriteProof((p) => { const s = p.storageProof[0]; if (s) s.proof[s.proof.length - 1] = flipByte(s.proof[s.proof.length - 1]!, 8); }), "endpoint-proof"],
      ["a wrong storage value (the proof kept)", rewriteProof((p) => { const s = p.storageProof[0]; if (s) s.value = s.value === "0x0" ? "0x1" : "0x0"; }), "endpoint-proof"],
      // A header of another history at the pinned height, its hash recomputed so that it is self-consistent.
      ["a forged header at the pinned block (another state root, hash recomputed)", rewriteBlock((b) => { const forged = { ...b, stateRoot: flipByte(b.stateRoot!, 4) }; return { ...forged, hash: keccak256(encodeHeader(forged)) }; }), "endpoint-proof"],
      ["a changed header field that no longer hashes to its block hash", rewriteBlock((b) => ({ ...b, timestamp: `0x${(Number(b.timestamp) + 1).toString(16)}` })), "proof-unavailable"],
      ["no such block (a head below the checkpoint)", rewriteBlock(() => null), "proof-unavailable"],
      ["another chain id", (method, result) => (method === "eth_chainId" ? "0x1" : result), "proof-unavailable"],
    ];

    it("an honest endpoint: the v1 bundle verifies with the offline verdict's facts; the endpoint is asked for proofs and headers, not facts", async () => {
      const honest = await proxy((_, r) => r);
      const verdict = await pinned(scenario.json(bundle), [honest.url]);
      expect(verdict.status, JSON.stringify(verdict.checks.filter((c) => c.status !== "pass"), null, 1)).to.equal("verified");
      const fromBundle = await offline(json);
      for (const key of ["anchoredAt", "operator", "activeVersion", "versionNumber", "modelName", "maxAnchorDelay", "anchorDelay", "confirmations"] as const) {
        expect(verdict.facts[key], key).to.deep.equal(fromBundle.facts[key]);
      }
      expect(byId(verdict, "chain").message).to.contain("the RPC endpoint's").and.contain(`block ${checkpoint.number}`);
      expect(honest.calls).to.include("eth_getProof");
      expect(new Set(honest.calls)).to.not.include("eth_call");
    });

    it("what the checked proof says is judged: the rollback batch FAILED (version-mismatch), a changed block number FAILED (not-anchored)", async () => {
      const honest = await proxy((_, r) => r);
      const late = await pinned(scenario.json(scenario.afterRollback.bundles[0]!), [honest.url]);
      expect(checksWithStatus(late, "fail")).to.deep.equal(["model-version"]);
      expect(byId(late, "model-version").code).to.equal("version-mismatch");
      const moved = await pinned({ ...scenario.json(bundle), anchor: { ...scenario.json(bundle).anchor, blockNumber: bundle.anchor.blockNumber - 1 } }, [honest.url]);
      expect(checksWithStatus(moved, "fail")).to.deep.equal(["batch-root"]);
      expect(byId(moved, "batch-root").code).to.equal("not-anchored");
    });

    for (const [name, lie, code] of liars) {
      it(`an endpoint serving ${name}: could not check (${code}), never failed or verified`, async () => {
        const liar = await proxy(lie);
        const verdict = await pinned(scenario.json(bundle), [liar.url]);
        expect(verdict.status, verdict.summary).to.equal("pending");
        expect(verdict.reason).to.equal("could-not-check");
        expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
        expect(byId(verdict, "chain").code, byId(verdict, "chain").message).to.equal(code);
      });
    }

    it("endpoints are tried in turn: a liar beside an honest endpoint is set aside and named (VERIFIED); two liars: could not check, both named", async () => {
      const liar = await proxy(liars[0]![1]);
      const honest = await proxy((_, r) => r);
      const verdict = await pinned(scenario.json(bundle), [liar.url, honest.url]);
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(byId(verdict, "chain").message).to.contain(`proof from ${honest.url}; set aside: ${liar.url}: its proof does not check`);
      expect(byId(verdict, "chain").code).to.equal("endpoint-set-aside");
      expect(verdict.uncertain.some((u) => u.includes(`set aside: ${liar.url}`))).to.equal(true);
      const other = await proxy(liars[2]![1]);
      const both = await pinned(scenario.json(bundle), [liar.url, other.url]);
      expect(both.reason).to.equal("could-not-check");
      expect(checksWithStatus(both, "fail")).to.deep.equal([]);
      expect(byId(both, "chain").message).to.contain("no RPC endpoint gave a proof that checks").and.contain(liar.url).and.contain(other.url);
    });

    it("a pinned checkpoint before the anchoring block: could not check (checkpoint-out-of-reach), naming what to pin", async () => {
      const honest = await proxy((_, r) => r);
      const early = await scenario.chain.publicClient.getBlock({ blockNumber: BigInt(bundle.anchor.blockNumber - 1) });
      const verdict = await pinned(scenario.json(bundle), [honest.url], [{ chainId: scenario.chainId, number: Number(early.number), hash: early.hash }]);
      expect(verdict.reason).to.equal("could-not-check");
      expect(byId(verdict, "chain").code).to.equal("checkpoint-out-of-reach");
      expect(byId(verdict, "chain").message).to.contain(`block ${early.number}`).and.contain(`anchoring block ${bundle.anchor.blockNumber}`);
      expect(honest.calls).to.deep.equal([]);
    });
  });

  it("a chain proof without the serving node's compromise slot (stripped, or made before reports existed): revocation stays unchecked, never VERIFIED (issue #22)", async () => {
    const stripped = clone(json);
    const slot = compromiseSlot(bundle.anchor.logId, bundle.receipt.servingNode);
    const account = receiptLogsAt(stripped, checkpoint.number);
    const before = account.storage.length;
    account.storage = account.storage.filter((s) => s.slot.toLowerCase() !== slot.toLowerCase());
    expect(account.storage.length, "the prover carries the compromise slot").to.equal(before - 1);
    const verdict = await offline(stripped);
    expect(verdict.status).to.equal("pending");
    expect(verdict.reason).to.equal("could-not-check");
    expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
    expect(checksWithStatus(verdict, "error")).to.deep.equal(["signer"]);
    const signer = byId(verdict, "signer");
    expect(signer.code).to.equal("compromise-unchecked");
    expect(signer.message).to.contain("stayed unchecked").and.contain("bundle upgrade");
    // With the slot, the same bundle verifies and says how fresh its answer on compromise reports is.
    const whole = await offline(json);
    expect(whole.status).to.equal("verified");
    expect(byId(whole, "signer").message).to.contain(`compromise reports as proven at block ${checkpoint.number}`).and.contain("not seen offline");
  });

  it("proves a compromise report filed after anchoring (signer compromised since T): the receipt's signer check fails offline", async () => {
    const since = bundle.receipt.issuedAt;
    await send(scenario.chain, scenario.chain.admin, {
      address: scenario.receiptLogs,
      abi: receiptLogsAbi,
      functionName: "reportSignerCompromise",
      args: [scenario.logId, bundle.receipt.servingNode, BigInt(since), 0n],
    });
    const head = await scenario.chain.publicClient.getBlock();
    const later: Checkpoint = { chainId: scenario.chainId, number: Number(head.number), hash: head.hash };
    const refreshed = await selfContained(bundle, later.number);
    const verdict = await offline(refreshed, [later]);
    expect(checksWithStatus(verdict, "fail")).to.deep.equal(["signer"]);
    expect(byId(verdict, "signer").code, "the online verifier's code").to.equal("signer-compromised");
    // The bundle proven before the report still verifies against the older checkpoint alone: a checkpoint proves the state up to its block only.
    expect((await offline(json)).status).to.equal("verified");
    // But not when a newer checkpoint is trusted too: an old bundle cannot pass over a report filed since (issue #22).
    const stale = await offline(json, [checkpoint, later]);
    expect(stale.status).to.equal("pending");
    expect(checksWithStatus(stale, "error")).to.deep.equal(["signer"]);
    expect(byId(stale, "signer").code).to.equal("stale-proof");
    expect(byId(stale, "signer").message).to.contain(`newer checkpoint (block ${later.number})`);
    // Only the newer checkpoint pinned: the old bundle's headers do not reach it — could not check offline, not failed.
    const unreachable = await offline(json, [later]);
    expect(unreachable.reason).to.equal("could-not-check");
    expect(checksWithStatus(unreachable, "fail")).to.deep.equal([]);
    expect(byId(unreachable, "chain").code).to.equal("checkpoint-not-in-proof");
    // With an endpoint, the old bundle is proven again at the newer pinned block: the report filed since is seen.
    const reproven = await verifyBundle(json, { rpcUrls: [node.url], checkpoints: [later] });
    expect(byId(reproven, "chain").message).to.contain("the RPC endpoint's").and.contain(`block ${later.number}`);
    expect(checksWithStatus(reproven, "fail")).to.deep.equal(["signer"]);
    expect(byId(reproven, "signer").code).to.equal("signer-compromised");
  });

  function receiptLogsAt(b: ProofBundleV2Json, block: number) {
    return b.anchors[0]!.chainProof!.accounts.find((a) => a.blockNumber === block && a.address.toLowerCase() === b.anchors[0]!.contract.toLowerCase())!;
  }
});
