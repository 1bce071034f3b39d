/**
 * Tree benchmark: receipts → root (every proof obtainable), proof generation and proof
 * verification, for showwork's ReceiptTree, merkletreejs (+ the `keccak256` package) and
 * @openzeppelin/merkle-tree, on the same generated batches of 10^4, 10^5 and 10^6
 * receipts; the raw keccak256 floor of the implementation we use; the keccak candidates
 * we chose from; peak memory of a 10^6 build.
 *
 * The 10^6 cases run in child processes (`--child ...`) so that their peak RSS is theirs.
 * Times are the best of a few runs (the machine is shared: 2 cores, other jobs running).
 *
 * Run: tsx scripts/bench-tree.ts   (part of `npm run bench`)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { createKeccak } from "hash-wasm";
import keccak256pkg from "keccak256";
import { MerkleTree } from "merkletreejs";
import { encodeAbiParameters, getAddress, keccak256 as viemKeccak, type Hex } from "viem";

import {
  computeToolsDigest,
  RECEIPT_FORMAT,
  RECEIPT_LEAF_ABI_TYPES,
  RECEIPT_TYPEHASH,
  ReceiptTree,
  receiptLeaf,
  verifyProof,
  type Receipt,
} from "../sdk/index.js";
import { keccak256Into } from "../sdk/hash/keccak.js";
import { jsKeccak256Into } from "../sdk/hash/keccakJs.js";
import { WASM_LAYOUT } from "../sdk/hash/keccakWasm.generated.js";
import { newWasm } from "../sdk/hash/wasmInstance.js";

const require = createRequire(import.meta.url);
const jsSha3 = require("js-sha3") as { keccak256: { arrayBuffer(data: Uint8Array): ArrayBuffer } };
type KeccakFactory = (algorithm: string) => { update(data: Uint8Array): { digest(): Buffer } };
const keccakJs = require("keccak/js") as KeccakFactory;
const keccakNative = (() => {
  try {
    return require("keccak/bindings") as KeccakFactory;
  } catch {
    return undefined;
  }
})();

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const TYPES = [...RECEIPT_LEAF_ABI_TYPES];
const ABI_TYPES = TYPES.map((type) => ({ type }));
const OZ_LIMIT_MS = 120_000;
const QUICK = process.argv.includes("--quick");

// ------------------------------------------------------------------ data
/**
 * Deterministic receipts. Every receipt id is unique; the other digests are drawn from a
 * pool of 4,096 distinct values (the hashing work is the same as for all-distinct values,
 * and 10^6 receipts then fit in memory next to three tree implementations).
 */
const POOL: Hex[] = Array.from({ length: 4096 }, (_, i) => viemKeccak(`0x${i.toString(16).padStart(8, "0")}`));
function* receiptStream(count: number): Generator<Receipt> {
  const tools = [{ name: "search", inputDigest: POOL[1]!, outputDigest: POOL[2]! }];
  const toolsDigest = computeToolsDigest(tools);
  const node = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  const pick = (i: number, salt: number) => POOL[(Math.imul(i + 1, 2654435761) ^ Math.imul(salt, 40503)) >>> 20]!;
  for (let i = 0; i < count; i++) {
    const id = POOL[i & 4095]!;
    yield {
      format: RECEIPT_FORMAT,
      receiptId: `${id.slice(0, 58)}${(i >>> 12).toString(16).padStart(8, "0")}` as Hex,
      modelId: POOL[7]!,
      weightsDigest: pick(i >> 10, 3),
      promptTemplateDigest: pick(i >> 12, 4),
      promptTemplateVersion: 3,
      retrievalIndexDigest: pick(i >> 8, 5),
      memoryDigest: pick(i, 6),
      tools,
      toolsDigest,
      inputDigest: pick(i, 7),
      outputDigest: pick(i, 8),
      samplingDigest: pick(i & 15, 9),
      servingNode: node,
      issuedAt: 1_767_225_600 + (i >> 4),
      sequence: BigInt(i),
    };
  }
}

const ozValue = (r: Receipt) => [
  RECEIPT_TYPEHASH, r.receiptId, r.modelId, r.weightsDigest, r.promptTemplateDigest, r.promptTemplateVersion,
  r.retrievalIndexDigest, r.memoryDigest, r.toolsDigest, r.inputDigest, r.outputDigest, r.samplingDigest,
  r.servingNode, r.issuedAt, r.sequence,
];

/** What a merkletreejs user writes: encode with viem, hash twice with the keccak256 package. */
const merkletreejsLeaf = (r: Receipt) =>
  keccak256pkg(keccak256pkg(Buffer.from(encodeAbiParameters(ABI_TYPES, ozValue(r)).slice(2), "hex")));

// ------------------------------------------------------------------ timing
/** Progress lines go to stderr (stdout carries the results). */
function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}
function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
/** CPU time (user + system, all threads of this process) of fn, in ms: robust to other processes' load. */
function cpuTime(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
/** Per-operation time: `blocks` blocks of `size` calls, best block (filters out preemption on a shared machine). */
function perOp(blocks: number, size: number, op: (k: number) => void): number {
  let min = Infinity;
  for (let b = 0; b < blocks; b++) {
    const t = performance.now();
    for (let k = 0; k < size; k++) op(b * size + k);
    min = Math.min(min, performance.now() - t);
  }
  return min / size;
}
function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    gc();
    min = Math.min(min, time(fn));
  }
  return min;
}
/**
 * Peak RSS of this process. On Linux, VmHWM of /proc/self/status: getrusage's ru_maxrss is
 * carried across exec from the forked parent, so a child spawned by a large parent would
 * report the parent's peak.
 */
function peakRss(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const us = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(2)} µs`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The floor: N keccak256 of 480 bytes, N of 32 bytes, N-1 node hashes, in the wasm back end, data already in memory. */
function floorMs(n: number): { wall: number; cpu: number } {
  const wasm = newWasm()!;
  const base = WASM_LAYOUT.FREE;
  const inputs = base;
  const outs = base + 1024 * 480;
  const tree = outs + 1024 * 32;
  wasm.ensure(tree + (2 * n - 1) * 32);
  const mem = wasm.bytes;
  for (let i = 0; i < 1024 * 480; i++) mem[inputs + i] = (i * 131) & 255;
  const run = () => {
    // The same memory traffic as a build: chunks of 1024 receipts.
    for (let done = 0; done < n; done += 1024) {
      const count = Math.min(1024, n - done);
      wasm.exports.keccakMany(inputs, 480, count, outs);
      wasm.exports.keccakMany(outs, 32, count, tree + (2 * n - 2 - done - count + 1) * 32);
    }
    wasm.exports.buildNodes(tree, n);
  };
  gc();
  let cpu = 0;
  const wall = time(() => {
    cpu = cpuTime(run);
  });
  return { wall, cpu };
}

// ------------------------------------------------------------------ keccak candidates
async function keccakCandidates(): Promise<void> {
  const hasher = await createKeccak(256);
  const out = new Uint8Array(32);
  console.log("## keccak256 candidates (µs per hash: best block of 500 calls out of 20; lower is better)\n");
  console.log("| implementation | 32 B | 64 B | 480 B |");
  console.log("| --- | ---: | ---: | ---: |");
  const wasm = newWasm()!;
  const base = WASM_LAYOUT.FREE;
  wasm.ensure(base + 20_000 * 512 + 20_000 * 32);
  const candidates: [string, (b: Uint8Array) => void][] = [
    ["showwork wasm, one-off API (keccak256Into)", (b) => keccak256Into(b, 0, b.length, out, 0)],
    ["showwork unrolled JS (fallback)", (b) => jsKeccak256Into(b, 0, b.length, out, 0)],
    ["@noble/hashes via viem keccak256(bytes)", (b) => void viemKeccak(b, "bytes")],
    ["js-sha3", (b) => void jsSha3.keccak256.arrayBuffer(b)],
    ["hash-wasm (reused hasher)", (b) => void (hasher.init(), hasher.update(b), hasher.digest("binary"))],
    ["keccak (pure JS)", (b) => void keccakJs("keccak256").update(b).digest()],
    ...(keccakNative ? ([["keccak (native N-API prebuild)", (b: Uint8Array) => void keccakNative("keccak256").update(b).digest()]] as [string, (b: Uint8Array) => void][]) : []),
    ["keccak256 package (merkletreejs' usual)", (b) => void keccak256pkg(Buffer.from(b))],
  ];
  const sizes = [32, 64, 480];
  const data = sizes.map((len) => Buffer.from(Uint8Array.from({ length: len }, (_, i) => (i * 7) & 255)));
  const N = 20_000;
  for (const [name, f] of candidates) {
    const cells = data.map((d) => {
      for (let i = 0; i < 2000; i++) f(d);
      return us(perOp(20, 500, () => f(d)), 1);
    });
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  }
  const cells = sizes.map((len) => {
    const mem = wasm.bytes;
    for (let i = 0; i < N * len; i++) mem[base + i] = i & 255;
    return us(perOp(20, 1, () => wasm.exports.keccakMany(base, len, 500, base + N * 512)) / 500, 1);
  });
  console.log(`| showwork wasm, batch API (keccakMany: what tree building uses) | ${cells.join(" | ")} |`);
  if (!keccakNative) console.log("\n(the keccak package's native addon did not load here; its pure-JS fallback is listed)");
}

// ------------------------------------------------------------------ one size, in process
interface SizeResult {
  n: number;
  floor: { wall: number; cpu: number };
  ours: { wall: number; cpu: number };
  mtjs: number | undefined;
  mtjsNote: string;
  oz: number | undefined;
  ozNote: string;
  proofOurs: number;
  proofMtjs: number | undefined;
  proofOz: number | undefined;
  verifyOurs: number;
  verifyOursWithLeaf: number;
  verifyMtjs: number;
  verifyOz: number | undefined;
  rss: number;
}

function measure(n: number, opts: { runs: number; mtjs: boolean; oz: boolean }): SizeResult {
  const receipts = [...receiptStream(n)];
  const K = Math.min(n, 2000);
  const picks = Array.from({ length: K }, (_, i) => (i * 7919) % n);
  // ours
  let tree!: ReceiptTree;
  const floor = { wall: Infinity, cpu: Infinity };
  const ours = { wall: Infinity, cpu: Infinity };
  for (let run = 0; run < opts.runs; run++) {
    // Interleaved, best of each: the machine's load changes from second to second.
    const f = floorMs(n);
    floor.wall = Math.min(floor.wall, f.wall);
    floor.cpu = Math.min(floor.cpu, f.cpu);
    tree = undefined as unknown as ReceiptTree;
    gc();
    let cpu = 0;
    const wall = time(() => {
      cpu = cpuTime(() => {
        tree = ReceiptTree.of(receipts);
      });
    });
    ours.wall = Math.min(ours.wall, wall);
    ours.cpu = Math.min(ours.cpu, cpu);
  }
  progress(`${n}: floor ${fmt(floor.wall)} (cpu ${fmt(floor.cpu)}), showwork ${fmt(ours.wall)} (cpu ${fmt(ours.cpu)})`);
  const proofs = picks.map((i) => tree.getProof(receipts[i]!.receiptId));
  const ids = picks.map((i) => receipts[i]!.receiptId);
  const proofOurs = perOp(20, 100, (k) => tree.getProof(ids[k % K]!));
  const leaves = picks.map((i) => tree.leaf(i));
  const root = tree.root;
  const verifyOurs = perOp(20, 100, (k) => verifyProof({ leaf: leaves[k % K]!, proof: proofs[k % K]!, root }));
  const verifyOursWithLeaf = perOp(20, 100, (k) => verifyProof({ leaf: receiptLeaf(receipts[picks[k % K]!]!), proof: proofs[k % K]!, root }));
  // merkletreejs
  let mtjs: number | undefined;
  let proofMtjs: number | undefined;
  let mtjsNote = "";
  let mt!: MerkleTree;
  let mtLeaves!: Buffer[];
  if (opts.mtjs) {
    mtjs = best(1, () => {
      mtLeaves = receipts.map(merkletreejsLeaf);
      mt = new MerkleTree(mtLeaves, keccak256pkg, { sortPairs: true, complete: true });
    });
    progress(`${n}: merkletreejs ${fmt(mtjs)}`);
    proofMtjs = perOp(20, 100, (k) => mt.getHexProof(mtLeaves[picks[k % K]!]!, picks[k % K]!));
  } else {
    mtjsNote = "not run at this size";
  }
  const sampleMt = mt ?? new MerkleTree(receipts.slice(0, 1024).map(merkletreejsLeaf), keccak256pkg, { sortPairs: true, complete: true });
  const leafBuffers = leaves.map((l) => Buffer.from(l.slice(2), "hex"));
  const verifyMtjs = perOp(10, 100, (k) => sampleMt.verify(proofs[k % K]!, leafBuffers[k % K]!, root));
  // OpenZeppelin
  let oz: number | undefined;
  let proofOz: number | undefined;
  let verifyOz: number | undefined;
  let ozNote = "";
  if (opts.oz) {
    let ozTree!: StandardMerkleTree<ReturnType<typeof ozValue>>;
    oz = best(1, () => {
      ozTree = StandardMerkleTree.of(receipts.map(ozValue), TYPES, { sortLeaves: false });
    });
    progress(`${n}: @openzeppelin/merkle-tree ${fmt(oz)}`);
    proofOz = perOp(5, 20, (k) => ozTree.getProof(picks[k % K]!));
    verifyOz = perOp(5, 20, (k) => StandardMerkleTree.verify(root, TYPES, ozValue(receipts[picks[k % K]!]!), proofs[k % K]!));
  } else {
    ozNote = "not run at this size";
  }
  return {
    n,
    floor,
    ours,
    mtjs,
    mtjsNote,
    oz,
    ozNote,
    proofOurs,
    proofMtjs,
    proofOz,
    verifyOurs,
    verifyOursWithLeaf,
    verifyMtjs,
    verifyOz,
    rss: peakRss(),
  };
}

// ------------------------------------------------------------------ children (10^6)
function child(mode: string): unknown {
  const script = fileURLToPath(import.meta.url);
  // The streamed build runs with Node's default heap settings (what a service would use);
  // the others hold 10^6 receipts as JS objects and need a larger heap.
  const heap = mode === "stream" ? [] : ["--max-old-space-size=6000"];
  const result = spawnSync(process.execPath, ["--expose-gc", ...heap, "--import", "tsx", script, "--child", mode], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`child ${mode} failed (exit ${result.status})`);
  const line = result.stdout.trim().split("\n").pop()!;
  return JSON.parse(line);
}

async function runChild(mode: string): Promise<void> {
  const n = 1_000_000;
  if (mode === "stream") {
    // Peak memory of building a 10^6 tree from receipts streamed by a generator (not held).
    gc();
    const before = process.memoryUsage().rss;
    const t = performance.now();
    const tree = ReceiptTree.of(receiptStream(n));
    const ms = performance.now() - t;
    const probe = [...receiptStream(3)];
    const lookup = perOp(20, 100, (k) => tree.getProof(probe[k % 3]!.receiptId));
    console.log(JSON.stringify({ ms, before, peak: peakRss(), after: process.memoryUsage().rss, lookup, root: tree.root }));
  } else if (mode === "array") {
    const r = measure(n, { runs: 3, mtjs: false, oz: false });
    console.log(JSON.stringify(r));
  } else if (mode === "mtjs") {
    const receipts = [...receiptStream(n)];
    gc();
    const t = performance.now();
    const leaves = receipts.map(merkletreejsLeaf);
    const mt = new MerkleTree(leaves, keccak256pkg, { sortPairs: true, complete: true });
    console.log(JSON.stringify({ ms: performance.now() - t, root: mt.getHexRoot() }));
  }
}

// ------------------------------------------------------------------ main
async function main(): Promise<void> {
  const childIndex = process.argv.indexOf("--child");
  if (childIndex !== -1) return runChild(process.argv[childIndex + 1]!);
  const started = Date.now();
  console.log(`machine: ${(await import("node:os")).cpus().length} cores (${(await import("node:os")).cpus()[0]?.model}), Node ${process.version}; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
  await keccakCandidates();

  const results: SizeResult[] = [];
  results.push(measure(10_000, { runs: QUICK ? 3 : 5, mtjs: true, oz: true }));
  if (QUICK) {
    // --quick: 10^4 only (seconds, not minutes: for a shared machine).
    report(results, undefined, started);
    return;
  }
  const r5 = measure(100_000, { runs: 3, mtjs: true, oz: true });
  results.push(r5);
  const r6 = child("array") as SizeResult;
  // merkletreejs at 10^6: run it when 10^5 suggests it fits in the time limit, else extrapolate.
  const mtjsProjected = (r5.mtjs ?? 0) * 10;
  progress(`10^6: merkletreejs projected ${fmt(mtjsProjected)}`);
  if (mtjsProjected <= OZ_LIMIT_MS) {
    r6.mtjs = (child("mtjs") as { ms: number }).ms;
    r6.mtjsNote = "in its own process";
  } else {
    r6.mtjs = mtjsProjected;
    r6.mtjsNote = "extrapolated ×10 from 10^5 (projected > 2 min)";
  }
  // OpenZeppelin at 10^6: extrapolated linearly from 10^5 when that projects past 2 minutes.
  const ozProjected = (r5.oz ?? 0) * 10;
  if (ozProjected > OZ_LIMIT_MS) {
    r6.oz = ozProjected;
    r6.ozNote = `extrapolated ×10 from 10^5 (projected ${fmt(ozProjected)} > 2 min)`;
    r6.proofOz = r5.proofOz;
    r6.verifyOz = r5.verifyOz;
  }
  results.push(r6);
  const stream = child("stream") as StreamResult;
  report(results, { stream, r6 }, started);
}

interface StreamResult {
  ms: number;
  before: number;
  peak: number;
  after: number;
  lookup: number;
}

function report(results: SizeResult[], big: { stream: StreamResult; r6: SizeResult } | undefined, started: number): void {

  console.log("\n## Build: receipts → root, every proof obtainable (best of runs)\n");
  console.log("| receipts | keccak floor (CPU) | showwork (CPU) | showwork / floor (CPU) | keccak floor (wall) | showwork (wall) | showwork / floor (wall) | merkletreejs + keccak256 (wall) | merkletreejs / showwork | @openzeppelin/merkle-tree (wall) | OZ / showwork |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const mt = r.mtjs === undefined ? "—" : `${fmt(r.mtjs)}${r.mtjsNote ? ` (${r.mtjsNote})` : ""}`;
    const ozs = r.oz === undefined ? "—" : `${fmt(r.oz)}${r.ozNote ? ` (${r.ozNote})` : ""}`;
    console.log(
      `| ${r.n.toLocaleString("en")} | ${fmt(r.floor.cpu)} | ${fmt(r.ours.cpu)} | ${(r.ours.cpu / r.floor.cpu).toFixed(2)}× | ${fmt(r.floor.wall)} | ${fmt(r.ours.wall)} | ${(r.ours.wall / r.floor.wall).toFixed(2)}× | ${mt} | ${r.mtjs === undefined ? "—" : `${(r.mtjs / r.ours.wall).toFixed(1)}×`} | ${ozs} | ${r.oz === undefined ? "—" : `${(r.oz / r.ours.wall).toFixed(0)}×`} |`,
    );
  }
  console.log("\nBest of several interleaved runs; CPU = user+system time of the process (robust to the other jobs on this shared machine), wall = elapsed.");
  console.log("keccak floor = N × keccak256(480 B) + N × keccak256(32 B) + (N−1) node hashes, same wasm back end, input already bytes in memory.");
  console.log("showwork = ReceiptTree.of(receipts): hex → bytes, encoding, both leaf hashes, all nodes, the receipt-id index.");
  console.log("merkletreejs = viem encodeAbiParameters + keccak256 package twice per leaf, then new MerkleTree(leaves, keccak256, { sortPairs: true, complete: true }).");
  console.log("OZ = StandardMerkleTree.of(values, types, { sortLeaves: false }).");

  console.log("\n## Proofs (per proof: best block of 100 calls, over receipts picked across the batch)\n");
  console.log("| receipts | showwork getProof(receiptId) | merkletreejs getHexProof(leaf, index) | OZ getProof(index) | showwork verifyProof | showwork verify incl. leaf from receipt | merkletreejs verify | OZ StandardMerkleTree.verify |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const o = (x: number | undefined) => (x === undefined ? "—" : us(x, 1));
    console.log(`| ${r.n.toLocaleString("en")} | ${o(r.proofOurs)} | ${o(r.proofMtjs)} | ${o(r.proofOz)}${r.ozNote && r.n === 1_000_000 ? " (at 10^5)" : ""} | ${o(r.verifyOurs)} | ${o(r.verifyOursWithLeaf)} | ${o(r.verifyMtjs)} | ${o(r.verifyOz)}${r.ozNote && r.n === 1_000_000 ? " (at 10^5)" : ""} |`);
  }

  if (big === undefined) {
    console.log(`\ntotal bench-tree time: ${((Date.now() - started) / 1000).toFixed(0)} s (--quick: 10^4 only)`);
    return;
  }
  const { stream, r6 } = big;
  console.log("\n## Memory at 10^6 receipts (peak RSS of a child process, --expose-gc)\n");
  console.log(`- streamed from a generator (receipts not held), default heap settings: peak RSS ${mb(stream.peak)} (${mb(stream.peak - stream.before)} above the ${mb(stream.before)} the process used before building: Node, tsx, the libraries); after the build ${mb(stream.after)}; build ${fmt(stream.ms)} including generating the receipts; proof lookup by id ${us(stream.lookup, 1)}`);
  console.log(`- receipts held as JS objects in an array first (the same process also holds the floor's buffers and earlier trees until collected): peak ${mb(r6.rss)}`);
  console.log(`\ntotal bench-tree time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
