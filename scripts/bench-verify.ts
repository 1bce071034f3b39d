/**
 * Verification cost per bundle: wall time over HTTP against a `hardhat node` process on
 * 127.0.0.1 (through a counting proxy: HTTP round trips and JSON-RPC calls per verdict), and
 * against the in-process chain; with 1 and with 3 endpoints (each fact read from every endpoint and compared).
 * Also the web verifier's bundle size.
 *
 *   npm run bench -- verify      (or: tsx scripts/bench-verify.ts --runs 50)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";

import { verifyBundle } from "../sdk/verify/verifyBundle.js";
import { startHardhatNode } from "../test/verify/support/hardhatNode.js";
import { buildScenario, httpChain, inProcessChain } from "../test/verify/support/scenario.js";
import { buildWeb } from "../web/build.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 50;

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms (${samples.length} runs)`;
}

async function time(run: () => Promise<{ status: string }>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const started = performance.now();
    const verdict = await run();
    const elapsed = performance.now() - started;
    if (verdict.status !== "verified") throw new Error(`unexpected verdict ${verdict.status}`);
    if (i >= 3) samples.push(elapsed); // warm-up
  }
  return samples;
}

const node = await startHardhatNode();
try {
  const scenario = await buildScenario(await httpChain(node.url));
  const bundle = scenario.json(scenario.v1Batch.bundles[0]!);

  // A counting proxy in front of the node.
  let requests = 0;
  let calls = 0;
  const proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      if (request.method === "POST") {
        requests++;
        const parsed = JSON.parse(body.toString()) as unknown;
        calls += Array.isArray(parsed) ? parsed.length : 1;
      }
      void fetch(node.url, { method: request.method ?? "POST", headers: { "content-type": "application/json" }, ...(request.method === "POST" ? { body } : {}) }).then(
        async (upstream) => response.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text()),
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  await verifyBundle(bundle, { rpcUrl: proxyUrl });
  requests = 0;
  calls = 0;
  await verifyBundle(bundle, { rpcUrl: proxyUrl });
  console.log(`per verdict over HTTP: ${requests} HTTP round trips carrying ${calls} JSON-RPC calls (batched)`);

  console.log(`verifyBundle over HTTP (hardhat node, 127.0.0.1), 1 endpoint:  ${stats(await time(() => verifyBundle(bundle, { rpcUrl: node.url })))}`);
  // Three endpoints (every fact read from each and compared): the node by two names and through the proxy.
  const three = [node.url, node.url.replace("127.0.0.1", "localhost"), proxyUrl];
  console.log(`verifyBundle over HTTP (hardhat node, 127.0.0.1), 3 endpoints: ${stats(await time(() => verifyBundle(bundle, { rpcUrls: three })))}`);
  proxy.close();
} finally {
  await node.stop();
}

const { viem } = await network.create();
const chain = await inProcessChain(viem);
const local = await buildScenario(chain);
const localBundle = local.json(local.v1Batch.bundles[0]!);
console.log(`verifyBundle in-process chain:                  ${stats(await time(() => verifyBundle(localBundle, { client: chain.publicClient })))}`);

const dir = await mkdtemp(path.join(tmpdir(), "showwork-web-bench-"));
const web = await buildWeb(dir);
console.log(`web verifier bundle: ${(web.scriptBytes / 1024).toFixed(0)} KiB (app.js, minified, ${web.inputs.length} source files)`);
await rm(dir, { recursive: true, force: true });
