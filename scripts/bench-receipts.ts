/**
 * Receipt hot paths, side by side in one run, with ratios: the keccak floor of one receipt's
 * hashes, building, the EIP-712 digest, signing and recovery on every secp256k1 candidate
 * (viem's own signTypedData / recoverTypedDataAddress, @noble/curves with precomputation,
 * @noble/secp256k1, libsecp256k1 as WebAssembly from tiny-secp256k1 and as the native N-API
 * prebuild of the secp256k1 package), our fast paths, and parseReceipt. Reports the targets of
 * issue #26 (build + sign, signature check: per CPU-second and against viem in the same run).
 *
 * Figures are CPU time per operation on one thread (user + system of this process, best of
 * a few blocks: the machine is shared), and operations per CPU-second.
 *
 *   npm run bench -- receipts        (or: tsx scripts/bench-receipts.ts [--quick])
 */
import { availableParallelism, cpus, loadavg } from "node:os";

import { secp256k1 as nobleCurves } from "@noble/curves/secp256k1.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as nobleSecp from "@noble/secp256k1";
import * as tiny from "tiny-secp256k1";
import { getAddress, hashTypedData, keccak256 as viemKeccak, recoverTypedDataAddress, stringToHex, zeroHash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  buildReceipt,
  checkReceiptSignature,
  parseReceipt,
  privateKeyToReceiptSigner,
  ReceiptTree,
  receiptSigningDigestInto,
  receiptTypedData,
  toChecksumAddress,
  toReceiptJson,
  type Receipt,
} from "../sdk/index.js";
import { keccak256Into } from "../sdk/hash/keccak.js";
import { WASM_LAYOUT } from "../sdk/hash/keccakWasm.generated.js";
import { newWasm } from "../sdk/hash/wasmInstance.js";
import { buildReceiptTreeParallel } from "../sdk/tree/buildTreeParallel.js";
import { createSignatureCheckPool } from "../sdk/receipt/signatureCheckPool.js";
import { loadLibsecp256k1Backend, loadNativeBackend, nobleBackend, signatureBackend } from "../sdk/receipt/secp256k1.js";
import { perSecond, reportTarget } from "./benchTargets.js";

const QUICK = process.argv.includes("--quick");
const KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const KEY_BYTES = Uint8Array.from(Buffer.from(KEY.slice(2), "hex"));
const account = privateKeyToAccount(KEY);
const signer = privateKeyToReceiptSigner(KEY);

// @noble/secp256k1 signs synchronously once given its hashes (types differ between @noble/hashes versions).
Object.assign(nobleSecp.hashes, { hmacSha256: (k: Uint8Array, m: Uint8Array) => hmac(sha256, k, m), sha256 });

/** CPU microseconds per call of `f`, best of `blocks` blocks of `n` calls. */
function cpu(n: number, f: (i: number) => unknown, blocks = 3): number {
  for (let i = 0; i < Math.min(n, 20); i++) f(i);
  let best = Infinity;
  for (let b = 0; b < blocks; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) f(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}
async function cpuAsync(n: number, f: (i: number) => Promise<unknown>, blocks = 3): Promise<number> {
  for (let i = 0; i < Math.min(n, 5); i++) await f(i);
  let best = Infinity;
  for (let b = 0; b < blocks; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await f(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

const rows: { group: string; what: string; us: number; ref?: number }[] = [];
function row(group: string, what: string, us: number, ref?: number): number {
  rows.push({ group, what, us, ...(ref === undefined ? {} : { ref }) });
  return us;
}

const scale = QUICK ? 0.2 : 1;
const n = (count: number) => Math.max(10, Math.round(count * scale));

// ------------------------------------------------------------------ inputs
const weightsDigest = viemKeccak(stringToHex("weights v2"));
const templateDigest = viemKeccak(stringToHex("template v3"));
function build(i: number): Receipt {
  return buildReceipt({
    model: { name: "acme-chat", weightsDigest },
    promptTemplate: { digest: templateDigest, version: 3 },
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    tools: [{ name: "search", input: `q=weather ${i}`, output: "sunny, 21 °C" }],
    input: `Will it rain tomorrow in city #${i}?`,
    output: "No: the forecast says sunny, 21 °C, wind 10 km/h from the west.",
    sampling: { temperature: 0.2, top_p: 0.9, seed: i, max_tokens: 256 },
    servingNode: account.address,
    sequence: BigInt(i),
    issuedAt: 1_700_000_000 + i,
  }).receipt;
}
const receipts = Array.from({ length: 2000 }, (_, i) => build(i));
const at = (i: number) => receipts[i % receipts.length]!;
const digests = receipts.map((r) => {
  const d = new Uint8Array(32);
  receiptSigningDigestInto(r, d, 0);
  return d;
});
const signed = receipts.map((r) => signer.signReceiptSync(r));
const signedAt = (i: number) => signed[i % signed.length]!;
const sigBytes = signed.map((r) => Uint8Array.from(Buffer.from(r.signature!.slice(2), "hex")));
const json = signed.map((r) => toReceiptJson(r));
const jsonUnsigned = receipts.map((r) => toReceiptJson(r));

/** Distinct receipts for the tree rows (fields drawn from the signed set, ids unique). */
function syntheticTreeReceipts(count: number): Receipt[] {
  return Array.from({ length: count }, (_, i) => {
    const base = receipts[i % receipts.length]!;
    return { ...base, receiptId: `0x${i.toString(16).padStart(8, "0")}${base.receiptId.slice(10)}` as Hex };
  });
}

// ------------------------------------------------------------------ keccak floor
const enc = new Uint8Array(480);
const out = new Uint8Array(66);
const floor = row(
  "digest",
  "keccak floor: keccak256(480 B) + keccak256(66 B) (the two hashes of one EIP-712 digest)",
  cpu(n(20000), () => {
    keccak256Into(enc, 0, 480, out, 34);
    keccak256Into(out, 0, 66, out, 0);
  }),
);
row("digest", "showwork receiptSigningDigestInto (encode + 2 hashes)", cpu(n(20000), (i) => receiptSigningDigestInto(at(i), out, 0)), floor);
row("digest", "viem hashTypedData(receiptTypedData(receipt))", cpu(n(1000), (i) => hashTypedData(receiptTypedData(at(i)))), floor);

// ------------------------------------------------------------------ build
const buildUs = row("build", "showwork buildReceipt (3 salts, 2 commitments, 1 tool, sampling digest, checks)", cpu(n(5000), (i) => build(i)));

// ------------------------------------------------------------------ sign
const nativeBackend = loadNativeBackend();
const wasmBackend = loadLibsecp256k1Backend()!;
const signLib = row("sign", "libsecp256k1 (tiny-secp256k1 WASM) sign of a digest", cpu(n(2000), (i) => tiny.signRecoverable(digests[i % 2000]!, KEY_BYTES)));
row("sign", "showwork WebAssembly back end sign (libsecp256k1 on its memory)", cpu(n(2000), (i) => wasmBackend.sign(digests[i % 2000]!, KEY_BYTES, out, 0)), signLib);
if (nativeBackend) row("sign", "showwork native back end sign (secp256k1 N-API prebuild, addon called directly)", cpu(n(4000), (i) => nativeBackend.sign(digests[i % 2000]!, KEY_BYTES, out, 0)), signLib);
row("sign", "@noble/curves v2 sign, base precomputed (window 8)", cpu(n(300), (i) => nobleBackend.sign(digests[i % 2000]!, KEY_BYTES, out, 0)), signLib);
row("sign", "@noble/secp256k1 v3 sign", cpu(n(300), (i) => nobleSecp.sign(digests[i % 2000]!, KEY_BYTES, { prehash: false, format: "recovered" })), signLib);
const ours = row("sign", `showwork signer.signReceiptSync (digest + ${signatureBackend().name} + hex)`, cpu(n(4000), (i) => signer.signReceiptSync(at(i))));
const viemSign = row("sign", "viem account.signTypedData(receiptTypedData) (what signReceipt(account) costs)", await cpuAsync(n(300), (i) => account.signTypedData(receiptTypedData(at(i)))), ours);
const buildSign = row("sign", "showwork build + sign, one receipt", cpu(n(2000), (i) => signer.signReceiptSync(build(i))));

// ------------------------------------------------------------------ recover
const recLib = row(
  "recover",
  "libsecp256k1 (tiny-secp256k1 WASM) recover of a digest",
  cpu(n(1000), (i) => tiny.recover(digests[i % 2000]!, sigBytes[i % 2000]!.subarray(0, 64), (sigBytes[i % 2000]![64]! - 27) as 0 | 1, false)),
);
const pub = new Uint8Array(64);
if (nativeBackend) {
  row("recover", "showwork native back end recover (secp256k1 N-API prebuild)", cpu(n(4000), (i) => nativeBackend.recover(digests[i % 2000]!, sigBytes[i % 2000]!, 0, sigBytes[i % 2000]![64]! - 27, pub, 0)), recLib);
}
const nobleKey = nobleCurves.getPublicKey(KEY_BYTES, false);
row("recover", "@noble/curves v2 recover", cpu(n(100), (i) => nobleBackend.recover(digests[i % 2000]!, sigBytes[i % 2000]!, 0, sigBytes[i % 2000]![64]! - 27, pub, 0)), recLib);
row(
  "recover",
  "@noble/curves v2 verify (public key known)",
  cpu(n(100), (i) => nobleCurves.verify(sigBytes[i % 2000]!.subarray(0, 64), digests[i % 2000]!, nobleKey, { prehash: false })),
  recLib,
);
const ourCheck = row("recover", `showwork checkReceiptSignature (digest + ${signatureBackend().name} + address)`, cpu(n(4000), (i) => checkReceiptSignature(signedAt(i))));
const viemRecover = row("recover", "viem recoverTypedDataAddress (what verification cost before)", await cpuAsync(n(100), (i) => recoverTypedDataAddress({ ...receiptTypedData(signedAt(i)), signature: signedAt(i).signature! })), ourCheck);

// wall time: the worker pool over 2,000 signed receipts (what ingestion calls)
const pool = createSignatureCheckPool();
await pool.check(signed.slice(0, 200));
let poolBest = Infinity;
for (let b = 0; b < 3; b++) {
  const started = performance.now();
  const checks = await pool.check(signed);
  poolBest = Math.min(poolBest, ((performance.now() - started) * 1000) / signed.length);
  if (!checks.every((c) => c.valid)) throw new Error("a valid signature failed in the pool");
}
await pool.close();
const poolUs = row("recover", `showwork createSignatureCheckPool().check(2,000 receipts), ${pool.threads} worker threads (WALL time per receipt)`, poolBest, ourCheck);

// ------------------------------------------------------------------ parse
const parseUs = row("parse", "showwork parseReceipt (JSON object → Receipt, unsigned, 1 tool)", cpu(n(20000), (i) => parseReceipt(jsonUnsigned[i % 2000])));
row("parse", "showwork parseReceipt, signed (shape of the signature only)", cpu(n(20000), (i) => parseReceipt(json[i % 2000])), parseUs);
// distinct addresses: viem's getAddress caches recent ones, a service sees few serving nodes (our cache is bounded too)
const addresses = Array.from({ length: 20000 }, (_, i) => viemKeccak(`0x${i.toString(16).padStart(8, "0")}`).slice(0, 42));
row("parse", "viem getAddress (EIP-55), distinct addresses (what parseReceipt used)", cpu(n(5000), (i) => getAddress(addresses[i]!), 1), parseUs);
row("parse", "showwork toChecksumAddress, distinct addresses", cpu(n(5000), (i) => toChecksumAddress(addresses[10000 + i]!), 1), parseUs);

// ------------------------------------------------------------------ tree from receipts (one core vs all cores)
{
  const N = QUICK ? 20_000 : 100_000;
  const many = syntheticTreeReceipts(N);
  const wasm = newWasm()!;
  const IN = WASM_LAYOUT.FREE;
  wasm.ensure(IN + N * 480 + N * 64 + 64);
  const floorOnce = (): { cpu: number; wall: number } => {
    const c = process.cpuUsage();
    const t = performance.now();
    wasm.exports.keccakMany(IN, 480, N, IN + N * 480); // N x keccak256(480 B)
    wasm.exports.keccakMany(IN + N * 480, 32, N, IN + N * 480); // N x keccak256(32 B)
    wasm.exports.keccakMany(IN, 64, N - 1, IN + N * 480); // N-1 node hashes
    const u = process.cpuUsage(c);
    return { cpu: (u.user + u.system) / 1000, wall: performance.now() - t };
  };
  const best = async (f: () => unknown): Promise<{ cpu: number; wall: number }> => {
    let cpu = Infinity;
    let wall = Infinity;
    for (let k = 0; k < 3; k++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await f();
      const u = process.cpuUsage(c);
      cpu = Math.min(cpu, (u.user + u.system) / 1000);
      wall = Math.min(wall, performance.now() - t);
    }
    return { cpu, wall };
  };
  const floorT = await best(floorOnce);
  const single = await best(() => ReceiptTree.of(many));
  const parallel = await best(() => buildReceiptTreeParallel(many));
  if ((await buildReceiptTreeParallel(many)).root !== ReceiptTree.of(many).root) throw new Error("parallel tree differs");
  const perUs = (ms: number) => (ms * 1000) / N;
  row("tree", `keccak floor, ${N.toLocaleString("en-US")} receipts: N x keccak(480 B) + N x keccak(32 B) + (N-1) x keccak(64 B), one thread (wall per receipt)`, perUs(floorT.wall));
  row("tree", "showwork ReceiptTree.of, one thread (wall per receipt)", perUs(single.wall), perUs(floorT.wall));
  row("tree", `showwork buildReceiptTreeParallel, ${availableParallelism()} workers + the calling thread (wall per receipt)`, perUs(parallel.wall), perUs(floorT.wall));
  row("tree", "showwork buildReceiptTreeParallel (CPU of all threads per receipt)", perUs(parallel.cpu), perUs(floorT.cpu));
}

// ------------------------------------------------------------------ report
const [load1] = loadavg();
console.log(`receipts: secp256k1 back end in use: ${signatureBackend().name} (${signatureBackend().description}${signatureBackend().unavailable.length ? `; could not load: ${signatureBackend().unavailable.join(", ")}` : ""})`);
console.log(`receipts: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${load1!.toFixed(2)} at the start of the report; CPU time per operation, one thread${QUICK ? " (--quick)" : ""}`);
let group = "";
for (const r of rows) {
  if (r.group !== group) {
    group = r.group;
    console.log(`\n  ${group}`);
  }
  const ratio = r.ref === undefined ? "" : `  ${(r.us / r.ref).toFixed(2)}x`;
  console.log(`    ${r.what.padEnd(92)} ${r.us.toFixed(2).padStart(9)} µs ${Math.round(1e6 / r.us).toLocaleString("en-US").padStart(10)}/s${ratio}`);
}
console.log(`\n  targets (back end: ${signatureBackend().name}; build ${buildUs.toFixed(1)} µs + sign ${ours.toFixed(1)} µs; pool, wall: ${perSecond(1e6 / poolUs)}/s)`);
reportTarget({
  target: "build + sign >= 10,000 receipts per CPU-second (one core)",
  figure: `${perSecond(1e6 / buildSign)}/CPU-s`,
  met: 1e6 / buildSign >= 10_000,
  note: `${signatureBackend().name} back end`,
});
reportTarget({
  target: "build + sign >= 5x viem signTypedData",
  figure: `${buildSign.toFixed(1)} µs CPU per receipt`,
  peer: `viem signTypedData ${viemSign.toFixed(0)} µs`,
  ratio: `${(viemSign / buildSign).toFixed(1)}x`,
  met: viemSign / buildSign >= 5,
});
reportTarget({
  target: "signature check >= 10,000 per CPU-second (one core)",
  figure: `${perSecond(1e6 / ourCheck)}/CPU-s`,
  met: 1e6 / ourCheck >= 10_000,
  note: `checkReceiptSignature: digest + recovery + address, ${signatureBackend().name} back end`,
});
reportTarget({
  target: "signature check >= 15x viem recoverTypedDataAddress",
  figure: `${ourCheck.toFixed(1)} µs CPU per receipt`,
  peer: `viem recoverTypedDataAddress ${viemRecover.toFixed(0)} µs`,
  ratio: `${(viemRecover / ourCheck).toFixed(1)}x`,
  met: viemRecover / ourCheck >= 15,
});
