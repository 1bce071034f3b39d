/**
 * The conformance vectors beyond receipt hashing and trees (see scripts/gen-vectors.ts):
 * commitments, signatures, snapshots, bundles (v1 and v2, valid and tampered) and disclosures.
 * Deterministic: fixed keys (RFC 6979 signatures), fixed salts. Every expectation is what the
 * SDK itself says about the case, computed here — the tests check the files against the SDK again.
 *
 * @module
 */
import { getAddress, keccak256, stringToHex, zeroHash, type Hex } from "viem";
import { sign } from "viem/accounts";

import { InvalidDocumentError, InvalidProofError, InvalidSignatureError, LeafMismatchError, ProofMismatchError, UnsupportedFormatError } from "../../sdk/errors.js";
import { makeBundle, parseBundle, toBundleJson, verifyBundleOffline, BUNDLE_FORMAT_V1, BUNDLE_FORMAT_V2, type ProofBundle, type ProofBundleJson } from "../../sdk/bundle/index.js";
import { checkDisclosure, parseDisclosure, toDisclosureJson } from "../../sdk/disclosure/index.js";
import { contentDigestOf, Snapshot, snapshotLeaf, RETRIEVAL_DOCUMENT_TYPEHASH, MEMORY_RECORD_TYPEHASH } from "../../sdk/disclosure/snapshot.js";
import { DISCLOSURE_FORMAT, type Disclosure, type DisclosedPieces } from "../../sdk/disclosure/types.js";
import {
  canonicalJson,
  checkReceiptSignature,
  commitmentDigest,
  computeSamplingDigest,
  computeToolsDigest,
  modelIdFromName,
  parseReceipt,
  privateKeyToReceiptSigner,
  RECEIPT_DOMAIN_SEPARATOR,
  RECEIPT_EIP712_DOMAIN,
  RECEIPT_FORMAT,
  receiptLeaf,
  receiptSigningDigest,
  signReceipt,
  toReceiptJson,
  type JsonValue,
  type Receipt,
} from "../../sdk/receipt/index.js";
import { ReceiptTree } from "../../sdk/tree/index.js";
import { promptTemplateDigestOf } from "../../sdk/disclosure/checkDisclosure.js";

/** The format tag of every conformance vector file. */
export const VECTORS_FORMAT = "showwork/vectors@1";

const h = (label: string): Hex => keccak256(stringToHex(label));
const GENERATOR = "scripts/gen-vectors.ts (scripts/vectors/conformance.ts)";

function file(name: string, description: string, body: Record<string, unknown>) {
  return { format: VECTORS_FORMAT, name, description, generator: GENERATOR, ...body };
}

function flipHex(value: string, byte: number, mask = 0x01): Hex {
  const b = Buffer.from(value.slice(2), "hex");
  b[byte]! ^= mask;
  return `0x${b.toString("hex")}`;
}

// ------------------------------------------------------------------ commitments
function commitments() {
  const salts = [h("salt 0"), h("salt 1"), `0x${"00".repeat(32)}` as Hex];
  const contents: { name: string; content?: string; contentHex?: Hex }[] = [
    { name: "empty text", content: "" },
    { name: "ascii", content: "Where is my order?" },
    { name: "non-ASCII (UTF-8 bytes)", content: "Grüße, 東京 — ok ✓" },
    { name: "canonical JSON of a chat input", content: canonicalJson({ messages: [{ role: "user", content: "hi" }] } as JsonValue) },
    { name: "raw bytes", contentHex: "0x00ff10" },
  ];
  const salted = contents.flatMap((c, i) => {
    const salt = salts[i % salts.length]!;
    const bytes = c.contentHex !== undefined ? Buffer.from(c.contentHex.slice(2), "hex") : c.content!;
    return [{ name: c.name, ...(c.content !== undefined ? { content: c.content } : { contentHex: c.contentHex }), salt, digest: commitmentDigest(bytes, salt) }];
  });
  const samplings: { name: string; sampling: Record<string, JsonValue>; note?: string }[] = [
    { name: "empty", sampling: {} },
    { name: "typical chat parameters", sampling: { "gen_ai.request.model": "acme/chat", "gen_ai.request.temperature": 0.2, "gen_ai.request.top_p": 0.9, "gen_ai.request.seed": 7, "gen_ai.request.max_tokens": 64, "gen_ai.request.stop_sequences": ["END"] } },
    { name: "key order (UTF-16 code units), nested objects and arrays", sampling: { b: 1, a: { z: [3, { y: null, x: true }], "é": "e-acute", A: "upper" }, "\u20ac": "euro", "\ud83d\ude00": "emoji" } },
    { name: "numbers in ECMAScript shortest form", sampling: { a: 1e21, b: 1e-7, c: 0.30000000000000004, d: -0, e: 100, f: 1.5e300 }, note: "-0 is written 0" },
    { name: "64-bit seed as a decimal string", sampling: { "gen_ai.request.seed": "18446744073709551615" } },
    { name: "string escapes", sampling: { s: 'quote " backslash \\ newline \n tab \t control \u0001 slash /' } },
  ];
  const sampling = samplings.map((s) => ({ name: s.name, sampling: s.sampling, canonical: canonicalJson(s.sampling as JsonValue), digest: computeSamplingDigest(s.sampling), ...(s.note ? { note: s.note } : {}) }));
  const toolLists = [
    { name: "no tools", tools: [] },
    { name: "one tool", tools: [{ name: "search", inputDigest: h("in 0"), outputDigest: h("out 0") }] },
    { name: "two tools, one non-ASCII name", tools: [{ name: "search", inputDigest: h("in 0"), outputDigest: h("out 0") }, { name: "données", inputDigest: h("in 1"), outputDigest: h("out 1") }] },
  ];
  const tools = toolLists.map((t) => ({ ...t, toolsDigest: computeToolsDigest(t.tools) }));
  const names = ["acme/chat", "gpt-4.1-mini", "modèle", ""].map((name) => ({ name, modelId: modelIdFromName(name) }));
  const templates = ["You are a support agent. Answer: {{question}}", ""].map((text) => ({ text, digest: promptTemplateDigestOf(text) }));
  return file(
    "commitments",
    "Digests a receipt carries. salted: digest = keccak256(salt (32 bytes) || content bytes); text content is its UTF-8 bytes, contentHex is raw bytes. sampling: digest = keccak256(utf8(canonical)), canonical = RFC 8785 (JCS) JSON of the sampling object (integers beyond 2^53 - 1 are decimal strings). tools: toolsDigest = keccak256(abi.encode((bytes32 nameHash, bytes32 inputDigest, bytes32 outputDigest)[])) with nameHash = keccak256(utf8(name)); no tools = keccak256(abi.encode of an empty array). modelIds: keccak256(utf8(name)). templates: promptTemplateDigest = keccak256(utf8(text)).",
    { salted, sampling, tools, modelIds: names, templates },
  );
}

// ------------------------------------------------------------------ receipts for signatures / bundles
const KEYS = [h("showwork vectors node key 0"), h("showwork vectors node key 1")];
const SIGNERS = KEYS.map((k) => privateKeyToReceiptSigner(k));

function receipt(label: string, i: number, servingNode: Hex, extra: Partial<Receipt> = {}): Receipt {
  const tools = i % 2 === 0 ? [] : [{ name: "search", inputDigest: h(`${label} tool in`), outputDigest: h(`${label} tool out`) }];
  return {
    format: RECEIPT_FORMAT,
    receiptId: h(`${label} id`),
    modelId: modelIdFromName("acme/chat"),
    weightsDigest: h("acme/chat weights v1"),
    promptTemplateDigest: zeroHash,
    promptTemplateVersion: 0,
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    tools,
    toolsDigest: computeToolsDigest(tools),
    inputDigest: h(`${label} input`),
    outputDigest: h(`${label} output`),
    samplingDigest: h(`${label} sampling`),
    servingNode: getAddress(servingNode),
    issuedAt: 1_767_225_600 + i,
    sequence: BigInt(5000 + i),
    ...extra,
  };
}

type SigOutcome = { valid: true; signer: string } | { valid: false; reason: string; recoveredSigner?: string };
function sigOutcome(r: Receipt): SigOutcome {
  try {
    parseReceipt(toReceiptJson(r)); // a signature that is not 65 bytes is refused when the receipt is read
  } catch {
    return { valid: false, reason: "malformed" };
  }
  const c = checkReceiptSignature(r);
  return c.valid ? { valid: true, signer: c.signer } : { valid: false, reason: c.reason, ...(c.recoveredSigner ? { recoveredSigner: c.recoveredSigner } : {}) };
}

async function signatures() {
  const cases: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    const signer = SIGNERS[i % 2]!;
    const r = await signReceipt(signer, receipt(`sig ${i}`, i, signer.address));
    cases.push({ name: `valid, key ${i % 2}`, privateKey: KEYS[i % 2], receipt: toReceiptJson(r), signingDigest: receiptSigningDigest(r), signature: r.signature, expected: sigOutcome(r) });
  }
  const signer = SIGNERS[0]!;
  const base = await signReceipt(signer, receipt("sig tamper", 1, signer.address));
  const sig = base.signature!;
  const v = Number.parseInt(sig.slice(130, 132), 16);
  const tampers: [string, Receipt, string][] = [
    ["a receipt field changed after signing (outputDigest)", { ...base, outputDigest: flipHex(base.outputDigest, 31) }, "the digest changes: another address recovers"],
    ["servingNode names another node", { ...base, servingNode: SIGNERS[1]!.address }, "the digest changes and the recovered signer is not servingNode"],
    ["signed by another key", { ...base, signature: (await sign({ hash: receiptSigningDigest(base), privateKey: KEYS[1]!, to: "hex" })).toLowerCase() as Hex }, "the signature recovers key 1, not servingNode"],
    ["r bit flipped", { ...base, signature: flipHex(sig, 5) }, "another address recovers (or none)"],
    ["v not 27/28/0/1", { ...base, signature: `${sig.slice(0, 130)}05` as Hex }, "malformed v"],
    ["r = 0", { ...base, signature: `0x${"00".repeat(32)}${sig.slice(66)}` as Hex }, "r out of range"],
    ["s = n (the group order)", { ...base, signature: `${sig.slice(0, 66)}fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141${sig.slice(130)}` as Hex }, "s out of range"],
    ["64 bytes (v missing)", { ...base, signature: sig.slice(0, 130) as Hex }, "not 65 bytes"],
    ["no signature", { ...base, signature: undefined }, "missing"],
    ["v as 0/1 instead of 27/28 (accepted)", { ...base, signature: `${sig.slice(0, 130)}${(v - 27).toString(16).padStart(2, "0")}` as Hex }, "viem and the SDK accept v in {0, 1} as {27, 28}"],
  ];
  for (const [name, r, why] of tampers) {
    cases.push({ name, receipt: toReceiptJson(r), signature: r.signature ?? null, expected: sigOutcome(r), why });
  }
  return file(
    "signatures",
    "EIP-712 receipt signatures. domain = { name: \"showwork\", version: \"1\" } (no chainId, no verifyingContract); domainSeparator = keccak256(abi.encode(keccak256(\"EIP712Domain(string name,string version)\"), keccak256(\"showwork\"), keccak256(\"1\"))); signingDigest = keccak256(0x1901 || domainSeparator || receiptHash) with receiptHash from receipts.json; signature = r || s || v (65 bytes, v = 27/28; 0/1 accepted; a signature that is not 65 bytes is refused when the receipt is read: malformed). A receipt's signature is valid when the address recovered from (signingDigest, signature) equals servingNode. Signatures here are deterministic (RFC 6979) from the given test keys. expected.reason: missing | malformed | wrong-signer (as the SDK's checkReceiptSignature says). High s is accepted (as viem's recoverTypedDataAddress does).",
    { domain: RECEIPT_EIP712_DOMAIN, domainSeparator: RECEIPT_DOMAIN_SEPARATOR, cases },
  );
}

// ------------------------------------------------------------------ snapshots
function snapshots() {
  const sets: { name: string; kind: "retrieval" | "memory"; entries: { id: string; content: string }[] }[] = [
    { name: "three retrieval documents", kind: "retrieval", entries: [{ id: "policy.md", content: "Refunds within 30 days." }, { id: "faq.md", content: "Ask support." }, { id: "invoices/INV-20311", content: "Total: 120.00 EUR" }] },
    { name: "the same documents as memory records (another root)", kind: "memory", entries: [{ id: "policy.md", content: "Refunds within 30 days." }, { id: "faq.md", content: "Ask support." }, { id: "invoices/INV-20311", content: "Total: 120.00 EUR" }] },
    { name: "one memory record", kind: "memory", entries: [{ id: "user:42/preferences", content: "{\"language\":\"de\"}" }] },
    { name: "five documents (odd tree), non-ASCII ids", kind: "retrieval", entries: ["a", "b", "ç", "東京", "e"].map((id, i) => ({ id, content: `doc ${i}` })) },
  ];
  const cases = sets.map((set) => {
    const snapshot = Snapshot.of(set.kind, set.entries);
    return {
      name: set.name,
      kind: set.kind,
      entries: set.entries.map((e) => ({ ...e, idHash: keccak256(stringToHex(e.id)), contentDigest: contentDigestOf(e.content), leaf: snapshotLeaf(set.kind, e.id, contentDigestOf(e.content)) })),
      order: snapshot.ids(),
      root: snapshot.root,
      proofs: snapshot.ids().map((id) => ({ id, ...snapshot.prove(id) })),
    };
  });
  const s = Snapshot.of("retrieval", sets[0]!.entries);
  const proof = s.prove("policy.md");
  const doc = sets[0]!.entries.find((e) => e.id === "policy.md")!;
  const outcome = (kind: "retrieval" | "memory", id: string, content: string, p: { index: number; count: number; proof: readonly Hex[] }): string => {
    try {
      return Snapshot.rootFromProof({ kind, id, contentDigest: contentDigestOf(content), ...p }) === s.root ? "valid" : "root-mismatch";
    } catch (error) {
      if (error instanceof InvalidProofError) return `InvalidProofError:${error.reason}`;
      throw error;
    }
  };
  const tampers = [
    { mutation: "none", kind: "retrieval" as const, id: doc.id, content: doc.content, ...proof },
    { mutation: "content changed", kind: "retrieval" as const, id: doc.id, content: `${doc.content} `, ...proof },
    { mutation: "another id", kind: "retrieval" as const, id: "faq.md", content: doc.content, ...proof },
    { mutation: "kind memory instead of retrieval", kind: "memory" as const, id: doc.id, content: doc.content, ...proof },
    { mutation: "proof[0] bit flipped", kind: "retrieval" as const, id: doc.id, content: doc.content, index: proof.index, count: proof.count, proof: proof.proof.map((p, i) => (i === 0 ? flipHex(p, 0, 0x80) : p)) },
    { mutation: "proof one element short", kind: "retrieval" as const, id: doc.id, content: doc.content, index: proof.index, count: proof.count, proof: proof.proof.slice(0, -1) },
    { mutation: "index = count", kind: "retrieval" as const, id: doc.id, content: doc.content, index: proof.count, count: proof.count, proof: proof.proof },
  ].map((t) => ({ ...t, proof: [...t.proof], root: s.root, expected: outcome(t.kind, t.id, t.content, t) }));
  return file(
    "snapshots",
    "Retrieval-index and memory snapshots as Merkle trees (the receipt's retrievalIndexDigest / memoryDigest is the root). idHash = keccak256(utf8(id)); contentDigest = keccak256(content bytes); leaf = keccak256(keccak256(typehash || idHash || contentDigest)) with typehash retrieval = keccak256(\"showwork.RetrievalDocument(bytes32 idHash,bytes32 contentDigest)\"), memory = keccak256(\"showwork.MemoryRecord(bytes32 idHash,bytes32 contentDigest)\"). Leaves sorted by idHash ascending (order lists the ids in tree order), then the same tree as proofs.json (OpenZeppelin layout, sorted-pair keccak nodes); proofs carry index (in tree order), count and the siblings bottom-up. An empty snapshot's root is the zero hash. tampers: expected = valid | root-mismatch | InvalidProofError:<reason> (index-out-of-range, length-mismatch: the proof must have exactly the depth of index in a tree of count leaves).",
    { typehashes: { retrieval: RETRIEVAL_DOCUMENT_TYPEHASH, memory: MEMORY_RECORD_TYPEHASH }, emptyRoot: zeroHash, cases, tampers },
  );
}

// ------------------------------------------------------------------ bundles
/** The first check a bundle fails (offline), as the SDK reports it; null = valid. */
async function bundleOutcome(json: unknown): Promise<{ check: string; sdkError: string | null; field?: string }> {
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(json);
  } catch (error) {
    if (error instanceof UnsupportedFormatError) return { check: "format", sdkError: "UnsupportedFormatError" };
    if (error instanceof InvalidDocumentError) {
      const field = (error as InvalidDocumentError & { field?: string }).field ?? "";
      return { check: field.startsWith("receipt") ? "receipt" : "schema", sdkError: "InvalidDocumentError", field };
    }
    throw error;
  }
  try {
    await verifyBundleOffline(bundle, { requireSignature: true });
    return { check: "none", sdkError: null };
  } catch (error) {
    if (error instanceof LeafMismatchError) return { check: "leaf", sdkError: "LeafMismatchError" };
    if (error instanceof InvalidProofError) return { check: `proof-shape:${error.reason}`, sdkError: `InvalidProofError:${error.reason}` };
    if (error instanceof ProofMismatchError) return { check: "root", sdkError: "ProofMismatchError" };
    if (error instanceof InvalidSignatureError) return { check: `signature:${(error as InvalidSignatureError & { reason: string }).reason}`, sdkError: `InvalidSignatureError:${(error as InvalidSignatureError & { reason: string }).reason}` };
    throw error;
  }
}

async function signedBatch(size: number, label: string): Promise<{ receipts: Receipt[]; tree: ReceiptTree }> {
  const receipts: Receipt[] = [];
  for (let i = 0; i < size; i++) receipts.push(await signReceipt(SIGNERS[0]!, receipt(`${label} ${i}`, i, SIGNERS[0]!.address)));
  return { receipts, tree: ReceiptTree.of(receipts) };
}

function bundleOf(receipts: readonly Receipt[], tree: ReceiptTree, i: number, format: typeof BUNDLE_FORMAT_V1 | typeof BUNDLE_FORMAT_V2, extraAnchors = 0): ProofBundle {
  const anchor = { chainId: 31337, contract: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3"), logId: h("vectors log"), batchIndex: 7, txHash: h("vectors tx"), blockNumber: 42, root: tree.root };
  const anchors = [
    format === BUNDLE_FORMAT_V2 ? { ...anchor, anchoredAt: 1_767_225_700 } : anchor,
    ...Array.from({ length: extraAnchors }, (_, k) => ({ ...anchor, chainId: 11155111 + k, contract: getAddress(`0x${h(`contract ${k}`).slice(26)}`), txHash: h(`vectors tx ${k}`), blockNumber: 9_000_000 + k, batchIndex: 3 })),
  ];
  return makeBundle({ format, receipt: receipts[i]!, leaf: receiptLeaf(receipts[i]!), leafIndex: i, batchSize: receipts.length, proof: tree.getProof(i), root: tree.root, anchors, timeline: { contract: getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512") } });
}

async function bundles() {
  const { receipts, tree } = await signedBatch(5, "bundle");
  const valid: Record<string, unknown>[] = [];
  const v1 = toBundleJson(bundleOf(receipts, tree, 2, BUNDLE_FORMAT_V1), { format: BUNDLE_FORMAT_V1 });
  const v2 = toBundleJson(bundleOf(receipts, tree, 3, BUNDLE_FORMAT_V2, 1), { format: BUNDLE_FORMAT_V2 });
  const single = await signedBatch(1, "single");
  const v1single = toBundleJson(bundleOf(single.receipts, single.tree, 0, BUNDLE_FORMAT_V1), { format: BUNDLE_FORMAT_V1 });
  for (const [name, json] of [["v1, leaf 2 of 5", v1], ["v2, leaf 3 of 5, two anchors", v2], ["v1, a batch of one (empty proof, root = leaf)", v1single]] as const) {
    valid.push({ name, bundle: json, expected: await bundleOutcome(json) });
  }
  const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
  type Tamper = [name: string, base: ProofBundleJson, mutate: (b: Record<string, any>) => void]; // eslint-disable-line @typescript-eslint/no-explicit-any
  const tampers: Tamper[] = [];
  for (const [tag, base] of [["v1", v1], ["v2", v2]] as const) {
    tampers.push(
      [`${tag}: unknown format`, base, (b) => (b.format = "showwork/bundle@9")],
      [`${tag}: unknown top-level field`, base, (b) => (b.extra = true)],
      [`${tag}: leafIndex >= batchSize`, base, (b) => (b.leafIndex = b.batchSize)],
      [`${tag}: root not 32 bytes`, base, (b) => (b.root = b.root.slice(0, 64))],
      [`${tag}: receipt toolsDigest does not match its tools`, base, (b) => (b.receipt.toolsDigest = flipHex(b.receipt.toolsDigest, 0))],
      [`${tag}: receipt field changed (leaf no longer matches)`, base, (b) => (b.receipt.outputDigest = flipHex(b.receipt.outputDigest, 31))],
      [`${tag}: leaf changed`, base, (b) => (b.leaf = flipHex(b.leaf, 0))],
      [`${tag}: proof element bit flipped`, base, (b) => (b.proof[0] = flipHex(b.proof[0], 31))],
      [`${tag}: proof one element short`, base, (b) => b.proof.pop()],
      [`${tag}: proof one element long`, base, (b) => b.proof.push(h("extra"))],
      [`${tag}: root changed`, base, (b) => (b.root = flipHex(b.root, 31))],
      [`${tag}: batchSize changed (proof depth no longer fits)`, base, (b) => (b.batchSize = 64)],
      [`${tag}: signature bit flipped`, base, (b) => (b.receipt.signature = flipHex(b.receipt.signature, 10))],
      [`${tag}: signature removed`, base, (b) => delete b.receipt.signature],
    );
  }
  tampers.push(
    ["v1: anchor missing", v1, (b) => delete b.anchor],
    ["v1: v2 field anchors in a v1 bundle", v1, (b) => (b.anchors = [])],
    ["v2: anchors empty", v2, (b) => (b.anchors = [])],
    ["v2: anchor without root", v2, (b) => delete b.anchors[0].root],
    ["v2: anchor field unknown", v2, (b) => (b.anchors[1].extra = 1)],
  );
  const tampered: Record<string, unknown>[] = [];
  for (const [name, base, mutate] of tampers) {
    const json = clone(base) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    mutate(json);
    tampered.push({ name, bundle: json, expected: await bundleOutcome(json) });
  }
  return file(
    "bundles",
    "Proof bundles (format v1 \"showwork/bundle@1\" with one anchor, v2 \"showwork/bundle@2\" with anchors[] each carrying its root), checked OFFLINE in this order: (1) schema: format known, no unknown fields, types and lengths (bundle.schema.json), leafIndex < batchSize, the receipt valid (toolsDigest = digest of tools); (2) leaf: leaf = receiptLeaf(receipt) (receipts.json); (3) proof-shape: the proof has exactly the depth of leafIndex in a tree of batchSize leaves (reasons index-out-of-range, length-mismatch); (4) root: the proof leads from the leaf to root (proofs.json); (5) signature: a valid EIP-712 signature by servingNode (signatures.json; required here). expected.check names the first check that fails (none = all pass); expected.sdkError is the TypeScript SDK's error (field: the field it names). Whether the root is anchored (anchor/anchors on chain, chain proofs) is not offline and not in these vectors.",
    { valid, tampered },
  );
}

// ------------------------------------------------------------------ disclosures
async function disclosures() {
  const docs = [{ id: "policy.md", content: "Refunds within 30 days." }, { id: "faq.md", content: "Ask support." }];
  const memory = [{ id: "user:42/name", content: "Ada" }];
  const retrieval = Snapshot.of("retrieval", docs);
  const mem = Snapshot.of("memory", memory);
  const input = canonicalJson({ messages: [{ role: "user", content: "Can I get a refund?" }] } as JsonValue);
  const output = canonicalJson({ choices: [{ index: 0, message: { role: "assistant", content: "Yes, within 30 days." }, finish_reason: "stop" }] } as JsonValue);
  const toolIn = '{"query":"refund"}';
  const toolOut = '{"hits":["policy.md"]}';
  const template = "You are a support agent. Answer: {{question}}";
  const sampling = { "gen_ai.request.model": "acme/chat", "gen_ai.request.temperature": 0 };
  const salts = { input: h("d salt in"), output: h("d salt out"), toolIn: h("d salt tool in"), toolOut: h("d salt tool out") };
  const tools = [{ name: "search", inputDigest: commitmentDigest(toolIn, salts.toolIn), outputDigest: commitmentDigest(toolOut, salts.toolOut) }];
  const r = await signReceipt(
    SIGNERS[0]!,
    receipt("disclosed", 0, SIGNERS[0]!.address, {
      promptTemplateDigest: promptTemplateDigestOf(template),
      promptTemplateVersion: 3,
      retrievalIndexDigest: retrieval.root,
      memoryDigest: mem.root,
      tools,
      toolsDigest: computeToolsDigest(tools),
      inputDigest: commitmentDigest(input, salts.input),
      outputDigest: commitmentDigest(output, salts.output),
      samplingDigest: computeSamplingDigest(sampling),
    }),
  );
  const batch = [r, ...(await signedBatch(2, "disclosure batch")).receipts];
  const tree = ReceiptTree.of(batch);
  const bundle = bundleOf(batch, tree, 0, BUNDLE_FORMAT_V1);
  const full: DisclosedPieces = {
    input: { content: input, salt: salts.input },
    output: { content: output, salt: salts.output },
    tools: [{ index: 0, name: "search", input: { content: toolIn, salt: salts.toolIn }, output: { content: toolOut, salt: salts.toolOut } }],
    template: { text: template, id: "support-answer", version: 3 },
    sampling,
    retrieval: [{ id: "policy.md", content: docs[0]!.content, ...retrieval.prove("policy.md") }],
    memory: [{ id: "user:42/name", content: "Ada", ...mem.prove("user:42/name") }],
  };
  const report = (pieces: DisclosedPieces) => {
    const d: Disclosure = { format: DISCLOSURE_FORMAT, bundle, disclosed: pieces };
    const json = toDisclosureJson(d);
    const rep = checkDisclosure(parseDisclosure(JSON.parse(JSON.stringify(json))));
    return { disclosure: json, expected: { status: rep.status, pieces: rep.pieces.map((p) => ({ field: p.field, status: p.status, ...(p.code ? { code: p.code } : {}) })), notShown: rep.notShown } };
  };
  const valid = [
    { name: "everything shown", ...report(full) },
    { name: "only the output shown (the rest listed as not shown)", ...report({ output: full.output }) },
  ];
  const tampers: [string, DisclosedPieces][] = [
    ["input content changed", { ...full, input: { content: input.replace("refund", "Refund"), salt: salts.input } }],
    ["output salt of another commitment", { ...full, output: { content: output, salt: salts.input } }],
    ["tool name differs from the receipt's", { ...full, tools: [{ ...full.tools![0]!, name: "lookup" }] }],
    ["tool index beyond the receipt's tools", { ...full, tools: [{ ...full.tools![0]!, index: 1 }] }],
    ["tool output changed", { ...full, tools: [{ ...full.tools![0]!, output: { content: '{"hits":[]}', salt: salts.toolOut } }] }],
    ["template text changed", { ...full, template: { text: `${template} `, version: 3 } }],
    ["template version differs", { ...full, template: { text: template, version: 2 } }],
    ["a sampling parameter changed", { ...full, sampling: { ...sampling, "gen_ai.request.temperature": 0.1 } }],
    ["a sampling parameter added", { ...full, sampling: { ...sampling, "gen_ai.request.seed": 1 } }],
    ["retrieval document content changed", { ...full, retrieval: [{ ...full.retrieval![0]!, content: "Refunds within 60 days." }] }],
    ["retrieval document not in the snapshot (proof of another)", { ...full, retrieval: [{ id: "faq.md", content: "Ask support.", ...retrieval.prove("policy.md") }] }],
    ["memory record shown as retrieval", { ...full, retrieval: [{ id: "user:42/name", content: "Ada", ...mem.prove("user:42/name") }] }],
  ];
  const tampered = tampers.map(([name, pieces]) => ({ name, ...report(pieces) }));
  return file(
    "disclosures",
    "Disclosures (format \"showwork/disclosure@1\": a bundle plus the pieces the operator chose to show). Each shown piece is checked against the bundle's receipt: input/output/tools[i].input|output: keccak256(salt || content) = the receipt's digest (commitments.json); tools[i].name = the receipt's tool name; template: keccak256(utf8(text)) = promptTemplateDigest and version = promptTemplateVersion; sampling: the sampling digest (commitments.json) = samplingDigest; retrieval / memory entries: the snapshot proof (snapshots.json) leads to retrievalIndexDigest / memoryDigest. expected.status: pass (every shown piece opens the receipt) | fail | none; expected.pieces lists each piece's field, status and, when failed, its code (mismatch, name-mismatch, no-such-tool, version-mismatch, not-in-snapshot, bad-proof, bad-salt); notShown: the receipt's commitments nobody opened. The bundle inside is valid (bundles.json rules).",
    { valid, tampered },
  );
}

/** Every conformance file, by file name. */
export async function conformanceFiles(): Promise<Record<string, unknown>> {
  return {
    "commitments.json": commitments(),
    "signatures.json": await signatures(),
    "snapshots.json": snapshots(),
    "bundles.json": await bundles(),
    "disclosures.json": await disclosures(),
  };
}
