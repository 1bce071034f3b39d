/**
 * Verification cost per bundle: wall time over HTTP against a `hardhat node` process on
 * 127.0.0.1 (through a counting proxy: HTTP round trips and JSON-RPC calls per verdict), and
 * against the in-process chain; with 1 and with 3 endpoints (each fact read from every endpoint and compared).
 * Self-contained bundles (issue #25): v1 / v2 sizes (gzipped too), and per verdict the calls each endpoint answers and
 * the time, before (v1 over RPC) and after (v2 with a chain proof and endpoints, v1 with a pinned checkpoint, offline).
 * Also the web verifier's bundle size.
 *
 *   npm run bench -- verify      (or: tsx scripts/bench-verify.ts --runs 50)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { gzipSync } from "node:zlib";

import { network } from "hardhat";

import { toBundleJson, toBundleV2 } from "../sdk/bundle/parseBundle.js";
import { proveAnchor } from "../sdk/chainproof/prove.js";
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

  // Self-contained bundles (issue #25): sizes, offline time, and what endpoints are asked, before (v1: every fact read
  // from every endpoint) and after (v2 with a chain proof: one block hash per endpoint; a pinned checkpoint: none, or the
  // proof fetched from the endpoint for a bundle without one).
  const source = scenario.v1Batch.bundles[0]!;
  const head = await scenario.chain.publicClient.getBlock();
  const checkpoints = [{ chainId: scenario.chainId, number: Number(head.number), hash: head.hash }];
  const chainProof = await proveAnchor(scenario.chain.publicClient, source, { proofBlock: checkpoints[0]!.number });
  const v2 = toBundleJson(toBundleV2(source, { anchors: [{ ...source.anchor, chainProof }] }));
  const v2Plain = toBundleJson(toBundleV2(source));
  const size = (value: unknown) => {
    const text = JSON.stringify(value);
    return `${Buffer.byteLength(text).toLocaleString("en")} B, ${gzipSync(text).length.toLocaleString("en")} B gzipped`;
  };
  console.log(`bundle sizes (compact JSON): v1 ${size(bundle)}; v2 without chain proof ${size(v2Plain)}; v2 self-contained ${size(v2)} (${chainProof.headers.length} headers, ${chainProof.accounts.length} account proofs, ${chainProof.accounts.reduce((n, a) => n + a.storage.length, 0)} storage slots, proof block ${checkpoints[0]!.number} = anchoring + ${checkpoints[0]!.number - source.anchor.blockNumber})`);
  const perVerdict = async (label: string, run: () => Promise<{ status: string }>) => {
    await run();
    requests = 0;
    calls = 0;
    const verdict = await run();
    if (verdict.status !== "verified") throw new Error(`${label}: unexpected verdict ${verdict.status}`);
    const counted = { requests, calls };
    console.log(`${label}: ${counted.requests} HTTP round trips, ${counted.calls} JSON-RPC calls per endpoint; ${stats(await time(run))}`);
  };
  await perVerdict("before: v1, 1 endpoint (every fact over RPC)          ", () => verifyBundle(bundle, { rpcUrl: proxyUrl }));
  await perVerdict("before: v1, 3 endpoints (every fact from each, compared)", () => verifyBundle(bundle, { rpcUrls: [proxyUrl, ...three.slice(0, 2)] }));
  await perVerdict("after: v2 self-contained, 1 endpoint (its block hash)  ", () => verifyBundle(v2, { rpcUrl: proxyUrl }));
  await perVerdict("after: v2 self-contained, 3 endpoints (3 of 3 agree)   ", () => verifyBundle(v2, { rpcUrls: [proxyUrl, ...three.slice(0, 2)] }));
  await perVerdict("after: v1 + pinned checkpoint, 1 endpoint (proof fetched)", () => verifyBundle(bundle, { rpcUrl: proxyUrl, checkpoints }));
  await perVerdict("after: v2 self-contained, pinned checkpoint, offline   ", () => verifyBundle(v2, { offline: true, checkpoints }));
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
