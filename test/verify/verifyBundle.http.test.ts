import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";

import { CHECK_IDS, checksWithStatus, exitCodeOf } from "../../sdk/verify/verdict.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "./support/hardhatNode.js";
import { buildScenario, httpChain } from "./support/scenario.js";
import { byId, verifierSuite } from "./support/suite.js";

const CHAIN_CHECKS = CHECK_IDS.slice(3, 11);
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
});
