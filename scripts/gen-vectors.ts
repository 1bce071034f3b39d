/**
 * Generates the conformance vectors under vectors/ (shipped in the package as `showwork/vectors`,
 * read by the TypeScript tests, the Solidity tests, and any other implementation; docs/spec.md):
 *
 * - receipts.json: receipts (every field), their 480-byte encoding, receiptHash and leaf;
 * - proofs.json:   whole trees (leaves, root, every proof) for odd and even sizes, inclusion
 *                  cases (receipt → leaf → proof → root), mutated cases (index ±1, a flipped
 *                  bit in proof[i], in a receipt field, in the leaf or the root, a proof one
 *                  element short or long) with the expected outcome, and multiproofs;
 * - commitments.json, signatures.json, snapshots.json, bundles.json, disclosures.json
 *                  (scripts/vectors/conformance.ts): salted/sampling/tools digests, EIP-712
 *                  signatures, snapshot trees, bundles v1/v2 valid and tampered (with the check that
 *                  must fail), disclosures valid and tampered;
 * - index.json:    the list of files, their format and case counts.
 *
 * Every receipt in the files is valid on its own (toolsDigest matches tools), so each can be
 * parsed; a mutated receipt differs from the original in one leaf field.
 *
 * Everything is deterministic (no randomness). Values come from the SDK and are checked
 * against the slow reference implementation (test/sdk/tree/reference.ts) before writing.
 *
 * Run: tsx scripts/gen-vectors.ts [outDir]   (default: vectors/)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { bytesToHex, getAddress, keccak256, stringToHex, type Hex } from "viem";

import {
  computeToolsDigest,
  encodeReceipt,
  hashReceipt,
  InvalidProofError,
  LeafMismatchError,
  ProofMismatchError,
  RECEIPT_FORMAT,
  RECEIPT_TYPE_STRING,
  RECEIPT_TYPEHASH,
  ReceiptTree,
  receiptLeaf,
  toReceiptJson,
  verifyProof,
  type Receipt,
  type ToolCall,
} from "../sdk/index.js";
import {
  referenceLeaf,
  referenceProof,
  referenceReceiptHash,
  referenceRootFromProof,
  referenceTree,
} from "../test/sdk/tree/reference.js";
import { conformanceFiles, VECTORS_FORMAT } from "./vectors/conformance.js";

const OUT_DIR = process.argv[2] ?? fileURLToPath(new URL("../vectors/", import.meta.url));

const h = (label: string): Hex => keccak256(stringToHex(label));
const MAX_UINT64 = (1n << 64n) - 1n;

function receipt(label: string, i: number, overrides: Partial<Receipt> = {}): Receipt {
  const tools: ToolCall[] =
    i % 3 === 0
      ? []
      : Array.from({ length: i % 3 }, (_, t) => ({ name: ["search", "calculator", "données"][t]!, inputDigest: h(`${label} tool ${t} in`), outputDigest: h(`${label} tool ${t} out`) }));
  const base: Receipt = {
    format: RECEIPT_FORMAT,
    receiptId: h(`${label} id`),
    modelId: h("acme-chat"),
    weightsDigest: h(`weights v${1 + (i % 2)}`),
    promptTemplateDigest: h("template"),
    promptTemplateVersion: 1 + (i % 4),
    retrievalIndexDigest: h(`index ${i % 5}`),
    memoryDigest: h(`${label} memory`),
    tools,
    toolsDigest: computeToolsDigest(tools),
    inputDigest: h(`${label} input`),
    outputDigest: h(`${label} output`),
    samplingDigest: h(`${label} sampling`),
    servingNode: getAddress(`0x${h(`node ${i % 3}`).slice(26)}`),
    issuedAt: 1_767_225_600 + 37 * i,
    sequence: BigInt(1000 + i),
  };
  const merged = { ...base, ...overrides };
  return { ...merged, toolsDigest: computeToolsDigest(merged.tools) };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`reference check failed: ${what}`);
}

function receiptCase(name: string, r: Receipt) {
  const receiptHash = hashReceipt(r);
  const leaf = receiptLeaf(r);
  check(receiptHash === referenceReceiptHash(r), `${name} receiptHash`);
  check(leaf === referenceLeaf(r), `${name} leaf`);
  return { name, receipt: toReceiptJson(r), encoded: bytesToHex(encodeReceipt(r)), receiptHash, leaf };
}

// ---------------------------------------------------------------- receipts.json
const edge: [string, Receipt][] = [
  ["typical, no tools", receipt("typical", 0)],
  ["one tool", receipt("one tool", 1)],
  ["two tools, one with a non-ASCII name", receipt("two tools", 2)],
  ["all-zero digests, zero numbers", receipt("zeros", 0, {
    receiptId: `0x${"00".repeat(32)}`, modelId: `0x${"00".repeat(32)}`, weightsDigest: `0x${"00".repeat(32)}`,
    promptTemplateDigest: `0x${"00".repeat(32)}`, promptTemplateVersion: 0, retrievalIndexDigest: `0x${"00".repeat(32)}`,
    memoryDigest: `0x${"00".repeat(32)}`, inputDigest: `0x${"00".repeat(32)}`, outputDigest: `0x${"00".repeat(32)}`,
    samplingDigest: `0x${"00".repeat(32)}`, servingNode: "0x0000000000000000000000000000000000000000", issuedAt: 0, sequence: 0n,
  })],
  ["all-ones digests, maximum numbers", receipt("ones", 0, {
    receiptId: `0x${"ff".repeat(32)}`, modelId: `0x${"ff".repeat(32)}`, weightsDigest: `0x${"ff".repeat(32)}`,
    promptTemplateDigest: `0x${"ff".repeat(32)}`, promptTemplateVersion: 0xffffffff, retrievalIndexDigest: `0x${"ff".repeat(32)}`,
    memoryDigest: `0x${"ff".repeat(32)}`, inputDigest: `0x${"ff".repeat(32)}`, outputDigest: `0x${"ff".repeat(32)}`,
    samplingDigest: `0x${"ff".repeat(32)}`, servingNode: getAddress(`0x${"ff".repeat(20)}`), issuedAt: Number.MAX_SAFE_INTEGER, sequence: MAX_UINT64,
  })],
  ["sequence above 2^53 (decimal string in JSON)", receipt("big sequence", 4, { sequence: (1n << 60n) + 12345n })],
];
const receiptsFile = {
  format: VECTORS_FORMAT,
  name: "receipts",
  description:
    "showwork receipt hashing vectors. encoded = abi.encode(RECEIPT_TYPEHASH, receiptId, modelId, weightsDigest, promptTemplateDigest, promptTemplateVersion, retrievalIndexDigest, memoryDigest, toolsDigest, inputDigest, outputDigest, samplingDigest, servingNode, issuedAt, sequence) (480 bytes); receiptHash = keccak256(encoded) (EIP-712 hashStruct); leaf = keccak256(receiptHash). toolsDigest = keccak256(abi.encode(ToolCall[])) of tools (nameHash = keccak256(utf8 name)). sequence is a JSON number below 2^53, else a decimal string. Generated by scripts/gen-vectors.ts.",
  typeString: RECEIPT_TYPE_STRING,
  typehash: RECEIPT_TYPEHASH,
  cases: [...edge.map(([name, r]) => receiptCase(name, r)), ...Array.from({ length: 6 }, (_, i) => receiptCase(`batch receipt ${i}`, receipt(`vector ${i}`, i)))],
};

// ---------------------------------------------------------------- proofs.json
type Outcome = "ProofMismatchError" | "LeafMismatchError" | "InvalidProofError:length-mismatch" | "InvalidProofError:index-out-of-range" | null;

/** What the SDK says about a (receipt, stated leaf, index, size, proof, root): the offline bundle checks in order. */
function sdkOutcome(r: Receipt, leaf: Hex, leafIndex: number, batchSize: number, proof: Hex[], root: Hex): Outcome {
  if (receiptLeaf(r) !== leaf) return "LeafMismatchError";
  try {
    verifyProof({ leaf, proof, root, leafIndex, batchSize });
    return null;
  } catch (error) {
    if (error instanceof ProofMismatchError) return "ProofMismatchError";
    if (error instanceof InvalidProofError) return `InvalidProofError:${error.reason}` as Outcome;
    if (error instanceof LeafMismatchError) return "LeafMismatchError";
    throw error;
  }
}

function flip(value: Hex, bit: number): Hex {
  const bytes = Buffer.from(value.slice(2), "hex");
  bytes[Math.floor(bit / 8)]! ^= 0x80 >> bit % 8;
  return `0x${bytes.toString("hex")}`;
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33];
const batches: Record<string, unknown>[] = [];
const cases: Record<string, unknown>[] = [];
const multiproofs: Record<string, unknown>[] = [];
const FIELD_FLIPS: (keyof Receipt)[] = ["receiptId", "weightsDigest", "promptTemplateVersion", "memoryDigest", "outputDigest", "servingNode", "issuedAt", "sequence"];
let flipCounter = 0;
for (const size of SIZES) {
  const name = `size-${size}`;
  const receipts = Array.from({ length: size }, (_, i) => receipt(`${name} #${i}`, i));
  const tree = ReceiptTree.of(receipts);
  const leaves = receipts.map((r) => receiptLeaf(r));
  const ref = referenceTree(leaves);
  check(ref[0] === tree.root, `${name} root`);
  const proofs = leaves.map((_, i) => tree.getProof(i));
  proofs.forEach((p, i) => check(JSON.stringify(p) === JSON.stringify(referenceProof(ref, i)) && referenceRootFromProof(leaves[i]!, p) === tree.root, `${name} proof ${i}`));
  batches.push({ name, size, leaves, root: tree.root, proofs });

  const picks = [...new Set([0, Math.floor(size / 2), size - 1])];
  for (const i of picks) {
    const r = receipts[i]!;
    const proof = proofs[i]!;
    const add = (mutation: string, c: { receipt?: Receipt; leaf?: Hex; leafIndex?: number; proof?: Hex[]; root?: Hex }) => {
      const rr = c.receipt ?? r;
      const leaf = c.leaf ?? receiptLeaf(rr);
      const leafIndex = c.leafIndex ?? i;
      const p = c.proof ?? proof;
      const root = c.root ?? tree.root;
      const onchainValid = referenceRootFromProof(leaf, p) === root;
      cases.push({
        name: `${name}/leaf-${i}/${mutation}`,
        batch: name,
        mutation,
        receipt: toReceiptJson(rr),
        receiptHash: hashReceipt(rr),
        leaf,
        leafMatchesReceipt: leaf === referenceLeaf(rr),
        leafIndex,
        batchSize: size,
        proof: p,
        root,
        onchainValid,
        sdkError: sdkOutcome(rr, leaf, leafIndex, size, p, root),
      });
    };
    add("none", {});
    if (i + 1 <= size) add("index+1", { leafIndex: i + 1 });
    if (i - 1 >= 0) add("index-1", { leafIndex: i - 1 });
    if (proof.length > 0) {
      const k = flipCounter % proof.length;
      const bit = (flipCounter * 37) % 256;
      add(`proof[${k}] bit ${bit} flipped`, { proof: proof.map((e, j) => (j === k ? flip(e, bit) : e)) });
      add("proof one element short", { proof: proof.slice(0, -1) });
    }
    add("proof one element long", { proof: [...proof, h("extra")] });
    const field = FIELD_FLIPS[flipCounter % FIELD_FLIPS.length]!;
    const value = r[field];
    const flipped: Receipt =
      typeof value === "string"
        ? { ...r, [field]: field === "servingNode" ? getAddress(flip(value as Hex, 7)) : flip(value as Hex, 7) }
        : typeof value === "bigint"
          ? { ...r, [field]: value ^ 4n }
          : { ...r, [field]: (value as number) ^ 4 };
    add(`receipt.${field} bit flipped`, { receipt: flipped });
    add("leaf bit 0 flipped", { leaf: flip(leaves[i]!, 0) });
    add("root bit 255 flipped", { root: flip(tree.root, 255) });
    flipCounter++;
  }

  if (size >= 3) {
    const indices = size >= 5 ? [0, 2, size - 1] : [0, size - 1];
    const mp = tree.getMultiProof(indices);
    multiproofs.push({ batch: name, leafIndices: mp.leafIndices, leaves: mp.leaves, proof: mp.proof, proofFlags: mp.proofFlags, root: tree.root });
  }
}

const proofsFile = {
  format: VECTORS_FORMAT,
  name: "proofs",
  description:
    "showwork Merkle vectors (OpenZeppelin layout: 2n-1 nodes, leaf i at 2n-2-i, node = keccak256(sorted pair), no leaf sorting). batches: every leaf, the root and every proof (siblings bottom-up). cases: receipt -> leaf -> proof -> root, with mutations. onchainValid = MerkleProof.verify(proof, root, leaf) (which does not see the index). leafMatchesReceipt = (leaf == ReceiptHashing.leaf(receipt)). sdkError = what the SDK's offline bundle check reports (null = valid): LeafMismatchError, InvalidProofError:index-out-of-range | length-mismatch (index vs batchSize vs proof length), ProofMismatchError. NOTE: sorted-pair proofs do not bind the index: an index mutation that keeps the proof's depth is valid everywhere. multiproofs: OpenZeppelin format (leaves in increasing batch index), valid against root. Generated by scripts/gen-vectors.ts.",
  batches,
  cases,
  multiproofs,
};

mkdirSync(OUT_DIR, { recursive: true });
const files: Record<string, unknown> = { "receipts.json": receiptsFile, "proofs.json": proofsFile, ...(await conformanceFiles()) };
const counts = (f: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(f).flatMap(([k, v]) => (Array.isArray(v) ? [[k, v.length]] : [])));
const index = {
  format: VECTORS_FORMAT,
  name: "index",
  description: "The showwork conformance vectors: one JSON file per topic, each { format: \"showwork/vectors@1\", name, description, ... }. A second implementation reads them all and must agree with every case (docs/spec.md says how each is computed and checked). Generated by scripts/gen-vectors.ts; regenerating gives the same bytes.",
  files: Object.entries(files).map(([file, body]) => ({ file, name: (body as { name: string }).name, cases: counts(body as Record<string, unknown>) })),
};
for (const [file, body] of Object.entries({ ...files, "index.json": index })) writeFileSync(join(OUT_DIR, file), `${JSON.stringify(body, null, 2)}\n`);
console.log(`wrote ${Object.keys(files).length + 1} files to ${OUT_DIR}: ${receiptsFile.cases.length} receipt cases, ${batches.length} trees, ${cases.length} proof cases, ${multiproofs.length} multiproofs, and the conformance files`);
