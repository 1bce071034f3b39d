/**
 * A second implementation of docs/spec.md, written from the spec's text: it shares no code with the
 * SDK (nothing from sdk/, nor viem or @openzeppelin/merkle-tree, which the SDK is built on). Its only
 * helpers are what an implementation in another language would reach for: a Keccak-256
 * (`js-sha3`), secp256k1 public-key recovery (`@noble/secp256k1`) and a JSON Schema validator
 * (`ajv`) for the schemas the package ships. test/spec/independent.test.ts walks every conformance
 * vector (vectors/*.json) with it: where the spec says too little to get a case right, the spec is
 * what gets fixed.
 *
 * Every function here is named after the spec section it implements. No side effects at load.
 */
import { readFileSync } from "node:fs";

import { recoverPublicKey, Point } from "@noble/secp256k1";
import { Ajv, type ValidateFunction } from "ajv";
import jsSha3 from "js-sha3";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- bytes

const HEX = /^0x([0-9a-fA-F]{2})*$/;
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}
export const toHex = (bytes: Uint8Array): string => `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
export const keccak = (bytes: Uint8Array): Uint8Array => new Uint8Array(jsSha3.keccak_256.arrayBuffer(bytes));
export const keccakHex = (bytes: Uint8Array): string => toHex(keccak(bytes));
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const ZERO32 = new Uint8Array(32);
export const ZERO_HASH = toHex(ZERO32);

/** One ABI word: an unsigned integer, big-endian, left-padded to 32 bytes. */
function uintWord(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new Error(`out of range: ${value}`);
  return fromHex(`0x${value.toString(16).padStart(64, "0")}`);
}

// ---------------------------------------------------------------- addresses (EIP-55)

/** The EIP-55 checksum spelling of a 20-byte address. */
export function checksumAddress(address: string): string {
  const lower = address.slice(2).toLowerCase();
  const hash = keccakHex(utf8(lower)).slice(2);
  return `0x${[...lower].map((c, i) => (parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c)).join("")}`;
}
/** Any case is read; a mixed-case address must carry a valid EIP-55 checksum (spec "Notation"). */
export function addressOk(address: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return false;
  const body = address.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
  return checksumAddress(address) === address;
}

// ---------------------------------------------------------------- 1. Receipt

export const RECEIPT_TYPE =
  "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest,uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest,bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode,uint64 issuedAt,uint64 sequence)";
/** [name, type] of the 14 fields, parsed from the type string. */
const FIELDS = RECEIPT_TYPE.slice("Receipt(".length, -1)
  .split(",")
  .map((f) => f.split(" ") as [string, string])
  .map(([type, name]) => [name, type] as const);

export interface Tool {
  name: string;
  inputDigest: string;
  outputDigest: string;
}
export interface Receipt {
  readonly json: Obj;
  readonly tools: Tool[];
  readonly signature?: string;
  /** field name → its ABI word. */
  readonly words: Map<string, Uint8Array>;
}

/** Why a document is refused. */
export class Refused extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`${check}: ${message}`);
  }
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_SAFE = 2n ** 53n - 1n;

function uintOf(value: unknown, bits: number, field: string): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= Number(MAX_SAFE)) n = BigInt(value);
  else if (field === "sequence" && typeof value === "string" && /^(0|[1-9][0-9]*)$/.test(value)) n = BigInt(value);
  else throw new Refused("receipt", `${field} is not a uint${bits}`);
  if (n >= 1n << BigInt(bits)) throw new Refused("receipt", `${field} is above uint${bits}`);
  return n;
}

/** toolsDigest = keccak256(abi.encode(ToolCall[])), ToolCall(bytes32 nameHash, bytes32 inputDigest, bytes32 outputDigest). */
export function toolsDigest(tools: readonly Tool[]): string {
  const words = [uintWord(32n), uintWord(BigInt(tools.length))];
  for (const t of tools) words.push(keccak(utf8(t.name)), fromHex(t.inputDigest), fromHex(t.outputDigest));
  return keccakHex(concat(...words));
}

/** Reads a receipt JSON (section 1): known fields only, lengths, numbers, toolsDigest. Throws Refused("receipt"). */
export function parseReceipt(json: unknown): Receipt {
  if (!isObj(json)) throw new Refused("receipt", "not an object");
  if (json.format !== "showwork/receipt@1") throw new Refused("receipt", `format ${String(json.format)}`);
  const known = new Set(["format", "tools", "signature", ...FIELDS.map(([name]) => name)]);
  for (const key of Object.keys(json)) if (!known.has(key)) throw new Refused("receipt", `unknown field ${key}`);
  const words = new Map<string, Uint8Array>();
  for (const [name, type] of FIELDS) {
    const value = json[name];
    if (type === "bytes32") {
      if (typeof value !== "string" || !BYTES32.test(value)) throw new Refused("receipt", `${name} is not 32 bytes`);
      words.set(name, fromHex(value));
    } else if (type === "address") {
      if (typeof value !== "string" || !addressOk(value)) throw new Refused("receipt", `${name} is not an address`);
      words.set(name, concat(new Uint8Array(12), fromHex(value)));
    } else words.set(name, uintWord(uintOf(value, Number(type.slice(4)), name)));
  }
  if (!Array.isArray(json.tools)) throw new Refused("receipt", "tools is not an array");
  const tools = json.tools.map((t, i) => {
    if (!isObj(t) || Object.keys(t).some((k) => !["name", "inputDigest", "outputDigest"].includes(k))) throw new Refused("receipt", `tools[${i}] has unknown fields`);
    if (typeof t.name !== "string" || typeof t.inputDigest !== "string" || !BYTES32.test(t.inputDigest) || typeof t.outputDigest !== "string" || !BYTES32.test(t.outputDigest)) {
      throw new Refused("receipt", `tools[${i}] is malformed`);
    }
    return { name: t.name, inputDigest: t.inputDigest, outputDigest: t.outputDigest };
  });
  if (toolsDigest(tools) !== String(json.toolsDigest).toLowerCase()) throw new Refused("receipt", "toolsDigest is not the digest of tools");
  if (json.signature !== undefined && typeof json.signature !== "string") throw new Refused("receipt", "signature is not a string");
  return { json, tools, words, ...(json.signature !== undefined ? { signature: json.signature as string } : {}) };
}

export const RECEIPT_TYPEHASH = keccakHex(utf8(RECEIPT_TYPE));
/** abi.encode(RECEIPT_TYPEHASH, the 14 fields): 15 words. */
export const encodeReceipt = (r: Receipt): Uint8Array => concat(fromHex(RECEIPT_TYPEHASH), ...FIELDS.map(([name]) => r.words.get(name)!));
export const receiptHash = (r: Receipt): Uint8Array => keccak(encodeReceipt(r));
export const receiptLeaf = (r: Receipt): string => keccakHex(receiptHash(r));

// ---------------------------------------------------------------- 2. Digests

/** Salted commitment keccak256(salt ‖ content); the salt must be 32 bytes. */
export function commitment(content: Uint8Array, salt: string): string {
  if (!BYTES32.test(salt)) throw new Refused("bad-salt", "the salt is not 32 bytes");
  return keccakHex(concat(fromHex(salt), content));
}

/** RFC 8785 canonical JSON. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("not a finite number");
    return Object.is(value, -0) ? "0" : String(value); // ECMAScript Number::toString
  }
  if (typeof value === "string") return JSON.stringify(value); // the ECMAScript JSON string form RFC 8785 adopts
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).sort(); // sorts by UTF-16 code units
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  throw new Error(`not JSON: ${typeof value}`);
}
export const samplingDigest = (sampling: unknown): string => keccakHex(utf8(canonicalJson(sampling)));

// ---------------------------------------------------------------- 3. Signature

export const DOMAIN_SEPARATOR = keccakHex(concat(keccak(utf8("EIP712Domain(string name,string version)")), keccak(utf8("showwork")), keccak(utf8("1"))));
export const signingDigest = (r: Receipt): string => keccakHex(concat(new Uint8Array([0x19, 0x01]), fromHex(DOMAIN_SEPARATOR), receiptHash(r)));
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export type SignatureVerdict = { valid: true; signer: string } | { valid: false; reason: "missing" | "malformed" | "wrong-signer"; recoveredSigner?: string };

export function checkSignature(r: Receipt): SignatureVerdict {
  if (r.signature === undefined) return { valid: false, reason: "missing" };
  if (!HEX.test(r.signature)) return { valid: false, reason: "malformed" };
  const sig = fromHex(r.signature);
  if (sig.length !== 65) return { valid: false, reason: "malformed" };
  const rr = BigInt(toHex(sig.slice(0, 32)));
  const s = BigInt(toHex(sig.slice(32, 64)));
  const v = sig[64]!;
  if (![0, 1, 27, 28].includes(v) || rr < 1n || rr >= N || s < 1n || s >= N) return { valid: false, reason: "malformed" };
  let publicKey: Uint8Array;
  try {
    const compressed = recoverPublicKey(concat(new Uint8Array([v >= 27 ? v - 27 : v]), sig.slice(0, 64)), fromHex(signingDigest(r)), { prehash: false });
    publicKey = Point.fromBytes(compressed).toBytes(false);
  } catch {
    return { valid: false, reason: "malformed" }; // no public key for this (r, v): r is not a point's x
  }
  const recovered = checksumAddress(toHex(keccak(publicKey.slice(1)).slice(12)));
  const servingNode = checksumAddress(r.json.servingNode as string);
  return recovered === servingNode ? { valid: true, signer: recovered } : { valid: false, reason: "wrong-signer", recoveredSigner: recovered };
}

// ---------------------------------------------------------------- 4. Batch tree and proofs

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
export const hashNode = (a: Uint8Array, b: Uint8Array): Uint8Array => (compare(a, b) <= 0 ? keccak(concat(a, b)) : keccak(concat(b, a)));

/** The OpenZeppelin complete tree as a flat array (2n−1 nodes, leaf i at 2n−2−i). */
export function buildTree(leaves: readonly string[]): Uint8Array[] {
  const n = leaves.length;
  const tree: Uint8Array[] = new Array<Uint8Array>(2 * n - 1);
  leaves.forEach((leaf, i) => (tree[2 * n - 2 - i] = fromHex(leaf)));
  for (let k = n - 2; k >= 0; k--) tree[k] = hashNode(tree[2 * k + 1]!, tree[2 * k + 2]!);
  return tree;
}
export function proofOf(tree: readonly Uint8Array[], index: number): string[] {
  const n = (tree.length + 1) / 2;
  const proof: string[] = [];
  for (let p = 2 * n - 2 - index; p > 0; p = Math.floor((p - 1) / 2)) proof.push(toHex(tree[p % 2 === 1 ? p + 1 : p - 1]!));
  return proof;
}
/** The proof-shape rule: null when the proof has exactly the depth of its index, else the reason. */
export function proofShape(index: number, count: number, proofLength: number): "index-out-of-range" | "length-mismatch" | null {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) return "index-out-of-range";
  const p = 2 * count - 2 - index;
  return proofLength === Math.floor(Math.log2(p + 1)) ? null : "length-mismatch";
}
export const rootFromProof = (leaf: string, proof: readonly string[]): string => toHex(proof.reduce((acc, sibling) => hashNode(acc, fromHex(sibling)), fromHex(leaf)));

/** OpenZeppelin's processMultiProof. */
export function rootFromMultiproof(leaves: readonly string[], proof: readonly string[], flags: readonly boolean[]): string {
  if (leaves.length + proof.length !== flags.length + 1) throw new Error("invalid multiproof");
  const hashes: Uint8Array[] = [];
  let leafPos = 0;
  let hashPos = 0;
  let proofPos = 0;
  const next = () => (leafPos < leaves.length ? fromHex(leaves[leafPos++]!) : hashes[hashPos++]!);
  for (const flag of flags) {
    const a = next();
    const b = flag ? next() : fromHex(proof[proofPos++]!);
    hashes.push(hashNode(a, b));
  }
  if (flags.length > 0) return toHex(hashes[flags.length - 1]!);
  return leaves.length > 0 ? leaves[0]! : proof[0]!;
}

// ---------------------------------------------------------------- 5. Snapshots

export type SnapshotKind = "retrieval" | "memory";
export const SNAPSHOT_TYPEHASH: Record<SnapshotKind, string> = {
  retrieval: keccakHex(utf8("showwork.RetrievalDocument(bytes32 idHash,bytes32 contentDigest)")),
  memory: keccakHex(utf8("showwork.MemoryRecord(bytes32 idHash,bytes32 contentDigest)")),
};
export const snapshotLeaf = (kind: SnapshotKind, id: string, contentDigest: string): string =>
  keccakHex(keccak(concat(fromHex(SNAPSHOT_TYPEHASH[kind]), keccak(utf8(id)), fromHex(contentDigest))));

/** A snapshot: its ids in tree order (sorted by idHash), its tree and root. */
export function snapshotOf(kind: SnapshotKind, entries: readonly { id: string; content: Uint8Array }[]) {
  const sorted = entries.map((e) => ({ id: e.id, idHash: keccak(utf8(e.id)), leaf: snapshotLeaf(kind, e.id, keccakHex(e.content)) })).sort((a, b) => compare(a.idHash, b.idHash));
  if (sorted.length === 0) return { order: [] as string[], root: ZERO_HASH, prove: (): never => { throw new Error("empty snapshot"); } };
  const tree = buildTree(sorted.map((e) => e.leaf));
  const order = sorted.map((e) => e.id);
  return { order, root: toHex(tree[0]!), prove: (id: string) => ({ index: order.indexOf(id), count: order.length, proof: proofOf(tree, order.indexOf(id)) }) };
}

/** The root an entry's proof leads to; Refused("proof-shape") when the proof does not have the depth of its index. */
export function snapshotRootFromProof(kind: SnapshotKind, id: string, content: Uint8Array, index: number, count: number, proof: readonly string[]): string {
  const shape = proofShape(index, count, proof.length);
  if (shape !== null) throw new Refused("proof-shape", shape);
  return rootFromProof(snapshotLeaf(kind, id, keccakHex(content)), proof);
}

// ---------------------------------------------------------------- 6. Proof bundle

let schemas: { bundle: Record<string, ValidateFunction>; disclosure: ValidateFunction } | undefined;
function validators() {
  if (schemas) return schemas;
  const read = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8")) as Obj;
  const bundleSchema = read("sdk/bundle/bundle.schema.json");
  const ajv = new Ajv({ allErrors: true, strict: false, schemas: [bundleSchema] });
  const id = bundleSchema.$id as string;
  schemas = {
    bundle: { "showwork/bundle@1": ajv.getSchema(`${id}#/definitions/bundleV1`)!, "showwork/bundle@2": ajv.getSchema(`${id}#/definitions/bundleV2`)! },
    disclosure: ajv.compile(read("sdk/disclosure/disclosure.schema.json")),
  };
  return schemas;
}

/**
 * The offline checks of a bundle in the spec's order; returns the first that fails, as the vectors
 * name it (`format`, `schema`, `receipt`, `leaf`, `proof-shape:<reason>`, `root`, `signature:<reason>`),
 * or `none`.
 */
export function firstFailingCheck(bundle: unknown, requireSignature = true): string {
  if (!isObj(bundle) || typeof bundle.format !== "string" || !(bundle.format in validators().bundle)) return "format";
  const validate = validators().bundle[bundle.format]!;
  if (!validate(bundle)) {
    const outside = (validate.errors ?? []).some((e) => !e.instancePath.startsWith("/receipt"));
    return outside ? "schema" : "receipt";
  }
  if ((bundle.leafIndex as number) >= (bundle.batchSize as number)) return "schema";
  const anchors = bundle.format === "showwork/bundle@1" ? [bundle.anchor as Obj] : (bundle.anchors as Obj[]);
  if (anchors.some((a) => !addressOk(a.contract as string)) || (isObj(bundle.timeline) && !addressOk(bundle.timeline.contract as string))) return "schema";
  let receipt: Receipt;
  try {
    receipt = parseReceipt(bundle.receipt);
  } catch (error) {
    if (error instanceof Refused) return "receipt";
    throw error;
  }
  if (receiptLeaf(receipt) !== (bundle.leaf as string).toLowerCase()) return "leaf";
  const proof = bundle.proof as string[];
  const shape = proofShape(bundle.leafIndex as number, bundle.batchSize as number, proof.length);
  if (shape !== null) return `proof-shape:${shape}`;
  if (rootFromProof(bundle.leaf as string, proof) !== (bundle.root as string).toLowerCase()) return "root";
  if (requireSignature) {
    const verdict = checkSignature(receipt);
    if (!verdict.valid) return `signature:${verdict.reason}`;
  }
  return "none";
}

// ---------------------------------------------------------------- 7. Disclosure

export interface Piece {
  field: string;
  status: "pass" | "fail";
  code?: string;
}
export interface DisclosureVerdict {
  status: "pass" | "fail" | "none" | "deleted";
  pieces: Piece[];
  notShown: string[];
}

const contentOf = (o: Obj): Uint8Array => (typeof o.content === "string" ? utf8(o.content) : fromHex(o.contentHex as string));

/** Checks a disclosure (section 7): every shown piece against the bundle's receipt, and what was not shown. */
export function checkDisclosure(json: unknown): DisclosureVerdict {
  if (!validators().disclosure(json)) throw new Refused("schema", JSON.stringify(validators().disclosure.errors));
  const doc = json as Obj;
  const receipt = parseReceipt((doc.bundle as Obj).receipt);
  const r = receipt.json;
  const d = doc.disclosed as Obj;
  const pieces: Piece[] = [];
  const opening = (field: string, digest: string, o: Obj) => {
    let computed: string;
    try {
      computed = commitment(contentOf(o), o.salt as string);
    } catch (error) {
      if (error instanceof Refused) return pieces.push({ field, status: "fail", code: "bad-salt" });
      throw error;
    }
    pieces.push(computed === digest.toLowerCase() ? { field, status: "pass" } : { field, status: "fail", code: "mismatch" });
  };
  if (isObj(d.input)) opening("input", r.inputDigest as string, d.input);
  if (isObj(d.output)) opening("output", r.outputDigest as string, d.output);
  for (const t of (d.tools ?? []) as Obj[]) {
    const i = t.index as number;
    const call = receipt.tools[i];
    if (call === undefined) {
      pieces.push({ field: `tools[${i}]`, status: "fail", code: "no-such-tool" });
      continue;
    }
    if (call.name !== t.name) pieces.push({ field: `tools[${i}].name`, status: "fail", code: "name-mismatch" });
    if (isObj(t.input)) opening(`tools[${i}].input`, call.inputDigest, t.input);
    if (isObj(t.output)) opening(`tools[${i}].output`, call.outputDigest, t.output);
  }
  if (isObj(d.template)) {
    if (keccakHex(utf8(d.template.text as string)) !== (r.promptTemplateDigest as string).toLowerCase()) pieces.push({ field: "template", status: "fail", code: "mismatch" });
    else if (d.template.version !== undefined && d.template.version !== r.promptTemplateVersion) pieces.push({ field: "template", status: "fail", code: "version-mismatch" });
    else pieces.push({ field: "template", status: "pass" });
  }
  if (d.sampling !== undefined) {
    let digest: string | undefined;
    try {
      digest = samplingDigest(d.sampling);
    } catch {
      digest = undefined;
    }
    pieces.push(digest === (r.samplingDigest as string).toLowerCase() ? { field: "sampling", status: "pass" } : { field: "sampling", status: "fail", code: "mismatch" });
  }
  const roots: Record<SnapshotKind, string> = { retrieval: (r.retrievalIndexDigest as string).toLowerCase(), memory: (r.memoryDigest as string).toLowerCase() };
  for (const kind of ["retrieval", "memory"] as const) {
    for (const e of (d[kind] ?? []) as Obj[]) {
      const field = `${kind}:${e.id as string}`;
      if (roots[kind] === ZERO_HASH) {
        pieces.push({ field, status: "fail", code: "not-in-snapshot" });
        continue;
      }
      let root: string;
      try {
        root = snapshotRootFromProof(kind, e.id as string, contentOf(e), e.index as number, e.count as number, e.proof as string[]);
      } catch (error) {
        if (error instanceof Refused) {
          pieces.push({ field, status: "fail", code: "bad-proof" });
          continue;
        }
        throw error;
      }
      pieces.push(root === roots[kind] ? { field, status: "pass" } : { field, status: "fail", code: "not-in-snapshot" });
    }
  }
  const notShown: string[] = [];
  if (!isObj(d.input)) notShown.push("input");
  if (!isObj(d.output)) notShown.push("output");
  receipt.tools.forEach((_, i) => {
    const t = ((d.tools ?? []) as Obj[]).find((x) => x.index === i);
    if (!isObj(t?.input)) notShown.push(`tools[${i}].input`);
    if (!isObj(t?.output)) notShown.push(`tools[${i}].output`);
  });
  if (!isObj(d.template)) notShown.push("template");
  if (d.sampling === undefined) notShown.push("sampling");
  for (const kind of ["retrieval", "memory"] as const) {
    if (roots[kind] === ZERO_HASH) continue;
    const shown = (d[kind] ?? []) as Obj[];
    if (shown.length === 0) notShown.push(kind);
    else if ((shown[0]!.count as number) > shown.length) notShown.push(`${kind} (${(shown[0]!.count as number) - shown.length} other entries)`);
  }
  const status = pieces.some((p) => p.status === "fail") ? "fail" : pieces.length > 0 ? "pass" : doc.evidenceDeleted !== undefined ? "deleted" : "none";
  return { status, pieces, notShown };
}

export { equalBytes, ZERO32 };
