import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { toFunctionSelector } from "viem";

import { CHAIN_CHECKS } from "../../sdk/verify/checks/onchain.js";
import { checksWithStatus, exitCodeOf } from "../../sdk/verify/verdict.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "./support/hardhatNode.js";
import { buildScenario, httpChain } from "./support/scenario.js";
import { byId, verifierSuite } from "./support/suite.js";

const OFFLINE_CHECKS = ["format", "receipt-leaf", "proof-root", "signature"] as const;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("verifyBundle over HTTP against a separate `hardhat node` process", function () {
  let node: HardhatNodeProcess;

  before(async function () {
    node = await startHardhatNode();
  });
  after(async () => {
    await node?.stop();
  });

  verifierSuite({
    chain: () => httpChain(node.url),
    verifyWith: () => ({ rpcUrl: node.url }),
  });

  describe("an RPC endpoint that does not answer is 'could not check', never 'failed'", () => {
    let bundle: unknown;
    const servers: Server[] = [];

    before(async () => {
      const scenario = await buildScenario(await httpChain(node.url));
      bundle = scenario.json(scenario.v1Batch.bundles[0]!);
    });
    after(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    const expectCouldNotCheck = async (rpcUrl: string, detail: RegExp): Promise<void> => {
      const verdict = await verifyBundle(bundle, { rpcUrl, timeoutMs: 400 });
      expect(verdict.status, verdict.summary).to.equal("pending");
      expect(verdict.reason).to.equal("could-not-check");
      expect(exitCodeOf(verdict)).to.equal(2);
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
      expect(checksWithStatus(verdict, "error")).to.have.members([...CHAIN_CHECKS]);
      for (const id of CHAIN_CHECKS) expect(byId(verdict, id).code, id).to.equal("rpc-unavailable");
      for (const id of OFFLINE_CHECKS) expect(byId(verdict, id).status, id).to.equal("pass");
      expect(byId(verdict, "chain").message).to.match(detail);
      expect(verdict.summary).to.match(/^COULD NOT CHECK/);
    };

    it("connection refused", async () => {
      const server = createServer();
      const url = await listen(server);
      await new Promise((resolve) => server.close(resolve)); // the port is now closed
      await expectCouldNotCheck(url, /could not check: the RPC endpoint could not be reached/);
    });

    it("timeout", async () => {
      const server = createServer(() => {
        /* never answers */
      });
      servers.push(server);
      await expectCouldNotCheck(await listen(server), /timed out/);
    });

    it("HTTP 503", async () => {
      const server = createServer((_request, response) => response.writeHead(503).end("overloaded"));
      servers.push(server);
      await expectCouldNotCheck(await listen(server), /HTTP 503/);
    });

    it("an endpoint that goes down after answering the chain id", async () => {
      // A proxy that forwards eth_chainId (and batches containing it) once, then answers 503.
      let forwarded = 0;
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          if (forwarded++ > 0) return void response.writeHead(503).end();
          void fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) }).then(
            async (upstream) => response.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text()),
          );
        });
      });
      servers.push(server);
      const verdict = await verifyBundle(bundle, { rpcUrl: await listen(server), timeoutMs: 400 });
      expect([verdict.status, verdict.reason]).to.deep.equal(["pending", "could-not-check"]);
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
    });
  });

  describe("issue #12 attack 5: one lying RPC endpoint cannot pass a bundle when several are given", () => {
    let bundle: unknown;
    let stale: unknown;
    const servers: Server[] = [];
    const BATCH_ROOT = toFunctionSelector("batchRoot(bytes32,uint64)");

    /** A proxy to the node that rewrites the answers `lie` picks (JSON-RPC single and batch requests). */
    const proxy = async (lie: (method: string, params: unknown[], result: unknown) => unknown): Promise<string> => {
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { method: string; params: unknown[]; id: number } | { method: string; params: unknown[]; id: number }[];
          const calls = Array.isArray(body) ? body : [body];
          void fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(calls) }).then(async (upstream) => {
            const answers = (await upstream.json()) as { id: number; result?: unknown }[];
            for (const answer of answers) {
              const call = calls.find((c) => c.id === answer.id)!;
              if ("result" in answer) answer.result = lie(call.method, call.params, answer.result);
            }
            response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
          });
        });
      });
      servers.push(server);
      return listen(server);
    };
    const forgedRoot = (method: string, params: unknown[], result: unknown): unknown =>
      method === "eth_call" && String((params[0] as { data?: string; input?: string }).data ?? (params[0] as { input?: string }).input).startsWith(BATCH_ROOT)
        ? `0x${"ab".repeat(32)}`
        : result;

    before(async () => {
      const scenario = await buildScenario(await httpChain(node.url));
      bundle = scenario.json(scenario.v1Batch.bundles[0]!);
      stale = scenario.json(scenario.afterRollback.bundles[0]!);
    });
    after(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("two honest endpoints: verified, and the verdict shows both answered", async () => {
      const mirror = await proxy((_m, _p, result) => result);
      const verdict = await verifyBundle(bundle, { rpcUrls: [node.url, mirror] });
      expect(verdict.status, verdict.summary).to.equal("verified");
      expect(verdict.endpoints?.map((e) => e.url)).to.deep.equal([node.url, mirror]);
      for (const e of verdict.endpoints ?? []) {
        expect(e.answered, e.url).to.be.greaterThan(5);
        expect(e.failed).to.equal(0);
      }
    });

    it("the liar alone changes the answer (so the test can fail)", async () => {
      const liar = await proxy(forgedRoot);
      const verdict = await verifyBundle(bundle, { rpcUrl: liar });
      expect(byId(verdict, "batch-root").status).to.equal("fail");
    });

    it("an honest endpoint and a liar: 'could not check', with the disagreement shown", async () => {
      const liar = await proxy(forgedRoot);
      const verdict = await verifyBundle(bundle, { rpcUrls: [node.url, liar] });
      expect(verdict.status, verdict.summary).to.equal("pending");
      expect(verdict.reason).to.equal("could-not-check");
      const check = byId(verdict, "batch-root");
      expect([check.status, check.code]).to.deep.equal(["error", "endpoints-disagree"]);
      expect(check.message).to.include(node.url).and.include(liar).and.include("ab".repeat(32));
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
    });

    it("a liar that makes a rolled-back version look active (forged timeline answer) cannot pass the stale receipt", async () => {
      // It answers every activations() page as if the claimed version had stayed live: honest endpoints disagree.
      const liar = await proxy((method, params, result) =>
        method === "eth_call" && String((params[0] as { data?: string }).data ?? "").startsWith(toFunctionSelector("activationIndexAt(bytes32,bytes32,uint64)"))
          ? `0x${"00".repeat(31)}01${"00".repeat(31)}01`
          : result,
      );
      const verdict = await verifyBundle(stale, { rpcUrls: [node.url, liar] });
      expect(verdict.status).not.to.equal("verified");
      expect(byId(verdict, "model-version").code).to.equal("endpoints-disagree");
    });

    it("a liar about the contract's code, or about the block: could not check", async () => {
      const code = await proxy((method, _p, result) => (method === "eth_getCode" ? "0x6000" : result));
      const byCode = await verifyBundle(bundle, { rpcUrls: [node.url, code] });
      expect(byId(byCode, "contract").code).to.equal("endpoints-disagree");
      expect(byCode.status).to.equal("pending");
      const block = await proxy((method, _p, result) =>
        method === "eth_getBlockByNumber" && result !== null ? { ...(result as object), hash: `0x${"cd".repeat(32)}` } : result,
      );
      const byBlock = await verifyBundle(bundle, { rpcUrls: [block, node.url] });
      expect(byId(byBlock, "transaction").code).to.equal("endpoints-disagree");
    });

    it("issue #22 item 4: a liar that answers eth_blockNumber with 0x1 cannot fail a genuine bundle: could not check, nothing FAILED", async () => {
      const stuck = await proxy((method, _p, result) => (method === "eth_blockNumber" ? "0x1" : result));
      for (const rpcUrls of [[node.url, stuck], [stuck]]) {
        const verdict = await verifyBundle(bundle, { rpcUrls });
        expect(checksWithStatus(verdict, "fail"), verdict.summary).to.deep.equal([]);
        expect([verdict.status, verdict.reason]).to.deep.equal(["pending", "could-not-check"]);
        const contract = byId(verdict, "contract");
        expect(contract.status).to.equal("error");
        expect(["head-below-anchoring", "endpoints-disagree"]).to.include(contract.code);
      }
      const alone = await verifyBundle(bundle, { rpcUrls: [stuck] });
      expect(byId(alone, "contract").message).to.include("below the anchoring block");
    });

    it("issue #22 item 4: endpoint heads further apart than the tolerance are a disagreement", async () => {
      const head = BigInt((await (await fetch(node.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) })).json() as { result: string }).result);
      const ahead = await proxy((method, _p, result) => (method === "eth_blockNumber" ? `0x${(head + 1000n).toString(16)}` : result));
      const verdict = await verifyBundle(bundle, { rpcUrls: [node.url, ahead] });
      expect(checksWithStatus(verdict, "fail")).to.deep.equal([]);
      expect(byId(verdict, "contract").code).to.equal("endpoints-disagree");
      expect(byId(verdict, "contract").message).to.include("heads more than 64 blocks apart");
    });

    it("an endpoint that is down among honest ones: could not check (every endpoint given must confirm)", async () => {
      const down = createServer((_request, response) => response.writeHead(503).end());
      servers.push(down);
      const verdict = await verifyBundle(bundle, { rpcUrls: [node.url, await listen(down)], timeoutMs: 400 });
      expect([verdict.status, verdict.reason]).to.deep.equal(["pending", "could-not-check"]);
      expect(verdict.endpoints?.[1]?.failed).to.be.greaterThan(0);
    });
  });
});
