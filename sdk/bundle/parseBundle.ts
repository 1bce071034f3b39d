/**
 * Parsing and validating proof bundles (v1 and v2), and turning them back into JSON.
 *
 * @module
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";

import { InvalidDocumentError, InvalidReceiptError, UnsupportedFormatError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";
import { parseReceipt, toReceiptJson } from "../receipt/parseReceipt.js";
import {
  BUNDLE_FORMAT_V1,
  BUNDLE_FORMAT_V2,
  BUNDLE_FORMATS,
  type BundleAnchor,
  type BundleAnchorJson,
  type BundleAnchorV2,
  type BundleAnchorV2Json,
  type BundleFormat,
  type ChainAccountProof,
  type ChainProof,
  type ChainProofJson,
  type ProofBundle,
  type ProofBundleJson,
} from "./types.js";
import { MAX_COMMITMENT_LINKS, type HeadCommitment } from "../verify/commitment.js";

const COMMON_FIELDS = ["format", "receipt", "leaf", "leafIndex", "batchSize", "proof", "root", "timeline"];
const TOP_FIELDS_V1 = [...COMMON_FIELDS, "anchor"];
const TOP_FIELDS_V2 = [...COMMON_FIELDS, "anchors"];
const ANCHOR_FIELDS = ["chainId", "contract", "logId", "batchIndex", "txHash", "blockNumber"];
const ANCHOR_V2_FIELDS = [...ANCHOR_FIELDS, "root", "anchoredAt", "chainProof", "commitment"];
const ANCHOR_V2_REQUIRED = [...ANCHOR_FIELDS, "root"];
/** Bounds on a chain proof's size (a hostile bundle cannot make the parser or verifier loop). */
export const CHAIN_PROOF_LIMITS = { headers: 8192, accounts: 64, storage: 1024, nodes: 64, nodeBytes: 4096, headerBytes: 2048, codeBytes: 49152 } as const;

function fail(field: string, expected: string, found: unknown, cause?: unknown): never {
  throw new InvalidDocumentError({ document: "bundle", field, expected, found, cause });
}

function objectAt(value: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(field, "an object", value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) fail(field ? `${field}.${key}` : key, `no such field (known: ${known.join(", ")})`, record[key]);
  }
  return record;
}

function bytes32At(value: unknown, field: string): Hex {
  if (!isHexOfLength(value, 32)) fail(field, "a 0x-prefixed 32-byte hex string (66 characters)", value);
  return value.toLowerCase() as Hex;
}

function integerAt(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    fail(field, `an integer >= ${min} (below 2^53)`, value);
  }
  return value;
}

function addressAt(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false }) || !value.startsWith("0x")) {
    fail(field, "a 0x-prefixed 20-byte address", value);
  }
  const body = value.slice(2);
  if (body !== body.toLowerCase() && body !== body.toUpperCase() && !isAddress(value, { strict: true })) {
    fail(field, `a valid EIP-55 checksum (${getAddress(value)}) or an all-lowercase address`, value);
  }
  return getAddress(value);
}

/**
 * Validates a proof bundle (parsed JSON) of format v1 or v2 and returns it normalised.
 *
 * Checks the structure (what `bundle.schema.json` describes: required fields, no unknown
 * fields, types, lengths, ranges), validates the receipt with {@link parseReceipt}
 * (including `toolsDigest` against `tools`) and checks `leafIndex < batchSize`.
 * A v1 bundle's `anchor` becomes `anchors[0]` (with the bundle's `root`); `anchor` is kept as an
 * alias of `anchors[0]` either way. Chain proofs are checked for shape only (hex, sizes):
 * whether they prove anything is the verifier's job (`verifyChainProof`).
 * It does not recompute the leaf or the root: {@link verifyBundleInclusion} does that offline,
 * and the verifier checks the anchor on-chain (or against a checkpoint with the chain proof).
 *
 * @throws {UnsupportedFormatError} on another `format`; {@link InvalidDocumentError}
 *   naming the field otherwise (a receipt error is its `cause`).
 * @example
 * const bundle = parseBundle(JSON.parse(readFileSync("answer.bundle.json", "utf8")));
 * console.log(bundle.anchors[0].chainId, bundle.anchor === bundle.anchors[0]); // same object
 */
export function parseBundle(value: unknown): ProofBundle {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("", "a proof bundle object", value);
  const format = (value as Record<string, unknown>).format;
  if (!(BUNDLE_FORMATS as readonly unknown[]).includes(format)) {
    if (typeof format === "string") throw new UnsupportedFormatError({ what: "proof bundle", expected: [...BUNDLE_FORMATS], found: format });
    fail("format", BUNDLE_FORMATS.map((f) => JSON.stringify(f)).join(" or "), format);
  }
  const v2 = format === BUNDLE_FORMAT_V2;
  const fields = v2 ? TOP_FIELDS_V2 : TOP_FIELDS_V1;
  const record = objectAt(value, "", fields);
  for (const key of fields) {
    if (key !== "timeline" && record[key] === undefined) fail(key, "a value (required field)", undefined);
  }
  let receipt;
  try {
    receipt = parseReceipt(record.receipt);
  } catch (cause) {
    const field = cause instanceof InvalidReceiptError && cause.field ? `receipt.${cause.field}` : "receipt";
    fail(field, "a valid v1 receipt", cause instanceof InvalidReceiptError ? cause.found : record.receipt, cause);
  }
  const leaf = bytes32At(record.leaf, "leaf");
  const batchSize = integerAt(record.batchSize, "batchSize", 1);
  const leafIndex = integerAt(record.leafIndex, "leafIndex", 0);
  if (leafIndex >= batchSize) fail("leafIndex", `an integer in [0, ${batchSize - 1}] (below batchSize)`, leafIndex);
  if (!Array.isArray(record.proof)) fail("proof", "an array of 32-byte hex strings", record.proof);
  const proof = record.proof.map((element: unknown, i: number) => bytes32At(element, `proof[${i}]`));
  const root = bytes32At(record.root, "root");
  let anchors: BundleAnchorV2[];
  if (v2) {
    if (!Array.isArray(record.anchors) || record.anchors.length === 0) fail("anchors", "a non-empty array of anchors", record.anchors);
    anchors = record.anchors.map((a: unknown, i: number) => anchorV2At(a, `anchors[${i}]`));
  } else {
    anchors = [{ ...anchorAt(record.anchor, "anchor", ANCHOR_FIELDS), root }];
  }
  let timeline;
  if (record.timeline !== undefined) {
    const t = objectAt(record.timeline, "timeline", ["contract"]);
    timeline = { contract: addressAt(t.contract, "timeline.contract") };
  }
  return makeBundle({ format: format as BundleFormat, receipt, leaf, leafIndex, batchSize, proof, root, anchors, timeline });
}

/**
 * Assembles a normalised bundle from its parts: `anchor` is set to `anchors[0]`.
 * Does not validate (use {@link parseBundle} on untrusted input).
 */
export function makeBundle(parts: Omit<ProofBundle, "anchor">): ProofBundle {
  const [first] = parts.anchors;
  if (first === undefined) fail("anchors", "a non-empty array of anchors", parts.anchors);
  return {
    format: parts.format,
    receipt: parts.receipt,
    leaf: parts.leaf,
    leafIndex: parts.leafIndex,
    batchSize: parts.batchSize,
    proof: parts.proof,
    root: parts.root,
    anchors: parts.anchors,
    anchor: first,
    ...(parts.timeline === undefined ? {} : { timeline: parts.timeline }),
  };
}

function anchorAt(value: unknown, field: string, known: readonly string[]): BundleAnchor {
  const a = objectAt(value, field, known);
  for (const key of known === ANCHOR_FIELDS ? ANCHOR_FIELDS : ANCHOR_V2_REQUIRED) {
    if (a[key] === undefined) fail(`${field}.${key}`, "a value (required field)", undefined);
  }
  return {
    chainId: integerAt(a.chainId, `${field}.chainId`, 1),
    contract: addressAt(a.contract, `${field}.contract`),
    logId: bytes32At(a.logId, `${field}.logId`),
    batchIndex: integerAt(a.batchIndex, `${field}.batchIndex`, 0),
    txHash: bytes32At(a.txHash, `${field}.txHash`),
    blockNumber: integerAt(a.blockNumber, `${field}.blockNumber`, 0),
  };
}

function anchorV2At(value: unknown, field: string): BundleAnchorV2 {
  const base = anchorAt(value, field, ANCHOR_V2_FIELDS);
  const a = value as Record<string, unknown>;
  const root = bytes32At(a.root, `${field}.root`);
  const anchoredAt = a.anchoredAt === undefined ? undefined : integerAt(a.anchoredAt, `${field}.anchoredAt`, 0);
  const chainProof = a.chainProof === undefined ? undefined : chainProofAt(a.chainProof, `${field}.chainProof`);
  const commitment = a.commitment === undefined ? undefined : commitmentAt(a.commitment, `${field}.commitment`);
  return {
    ...base,
    root,
    ...(anchoredAt === undefined ? {} : { anchoredAt }),
    ...(chainProof === undefined ? {} : { chainProof }),
    ...(commitment === undefined ? {} : { commitment }),
  };
}

function commitmentAt(value: unknown, field: string): HeadCommitment {
  const c = objectAt(value, field, ["batchIndex", "previousHead", "links"]);
  for (const key of ["batchIndex", "previousHead", "links"]) if (c[key] === undefined) fail(`${field}.${key}`, "a value (required field)", undefined);
  const links = arrayAt(c.links, `${field}.links`, MAX_COMMITMENT_LINKS, "links");
  if (links.length === 0) fail(`${field}.links`, "at least one link (the bundle's own batch)", links);
  return {
    batchIndex: integerAt(c.batchIndex, `${field}.batchIndex`, 0),
    previousHead: bytes32At(c.previousHead, `${field}.previousHead`),
    links: links.map((raw, i) => {
      const at = `${field}.links[${i}]`;
      const l = objectAt(raw, at, ["root", "leafCount", "timestamp", "blockNumber"]);
      for (const key of ["root", "leafCount", "timestamp", "blockNumber"]) if (l[key] === undefined) fail(`${at}.${key}`, "a value (required field)", undefined);
      return {
        root: bytes32At(l.root, `${at}.root`),
        leafCount: integerAt(l.leafCount, `${at}.leafCount`, 1),
        timestamp: integerAt(l.timestamp, `${at}.timestamp`, 0),
        blockNumber: integerAt(l.blockNumber, `${at}.blockNumber`, 0),
      };
    }),
  };
}

function hexAt(value: unknown, field: string, maxBytes: number): Hex {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value) || value.length < 4) {
    fail(field, "a 0x-prefixed, non-empty hex string of whole bytes", value);
  }
  if ((value.length - 2) / 2 > maxBytes) fail(field, `at most ${maxBytes} bytes`, `${(value.length - 2) / 2} bytes`);
  return value.toLowerCase() as Hex;
}

function arrayAt(value: unknown, field: string, max: number, what: string): unknown[] {
  if (!Array.isArray(value)) fail(field, `an array of ${what}`, value);
  if (value.length > max) fail(field, `at most ${max} ${what}`, `${value.length}`);
  return value;
}

function chainProofAt(value: unknown, field: string): ChainProof {
  const L = CHAIN_PROOF_LIMITS;
  const c = objectAt(value, field, ["headers", "accounts"]);
  const headerList = arrayAt(c.headers, `${field}.headers`, L.headers, "RLP-encoded block headers");
  if (headerList.length === 0) fail(`${field}.headers`, "at least one RLP-encoded block header", headerList);
  const headers = headerList.map((h, i) => hexAt(h, `${field}.headers[${i}]`, L.headerBytes));
  const accounts = arrayAt(c.accounts, `${field}.accounts`, L.accounts, "account proofs").map((raw, i): ChainAccountProof => {
    const at = `${field}.accounts[${i}]`;
    const a = objectAt(raw, at, ["blockNumber", "address", "accountProof", "storage", "code"]);
    for (const key of ["blockNumber", "address", "accountProof", "storage"]) {
      if (a[key] === undefined) fail(`${at}.${key}`, "a value (required field)", undefined);
    }
    return {
      blockNumber: integerAt(a.blockNumber, `${at}.blockNumber`, 0),
      address: addressAt(a.address, `${at}.address`),
      accountProof: arrayAt(a.accountProof, `${at}.accountProof`, L.nodes, "trie nodes").map((n, j) => hexAt(n, `${at}.accountProof[${j}]`, L.nodeBytes)),
      storage: arrayAt(a.storage, `${at}.storage`, L.storage, "storage proofs").map((rawSlot, j) => {
        const sat = `${at}.storage[${j}]`;
        const s = objectAt(rawSlot, sat, ["slot", "value", "proof"]);
        for (const key of ["slot", "value", "proof"]) if (s[key] === undefined) fail(`${sat}.${key}`, "a value (required field)", undefined);
        return {
          slot: bytes32At(s.slot, `${sat}.slot`),
          value: bytes32At(s.value, `${sat}.value`),
          proof: arrayAt(s.proof, `${sat}.proof`, L.nodes, "trie nodes").map((n, k) => hexAt(n, `${sat}.proof[${k}]`, L.nodeBytes)),
        };
      }),
      ...(a.code === undefined ? {} : { code: hexAt(a.code, `${at}.code`, L.codeBytes) }),
    };
  });
  return { headers, accounts };
}

/** Whether `bundle` still fits format v1 (one anchor, its root the bundle's, no v2-only fields). */
function fitsV1(bundle: ProofBundle): boolean {
  const [a, ...more] = bundle.anchors;
  return more.length === 0 && a !== undefined && a.root === bundle.root && a.anchoredAt === undefined && a.chainProof === undefined;
}

function anchorJson(a: BundleAnchor): BundleAnchorJson {
  return { chainId: a.chainId, contract: a.contract, logId: a.logId, batchIndex: a.batchIndex, txHash: a.txHash, blockNumber: a.blockNumber };
}

function chainProofJson(c: ChainProof): ChainProofJson {
  return {
    headers: [...c.headers],
    accounts: c.accounts.map((a) => ({
      blockNumber: a.blockNumber,
      address: a.address,
      accountProof: [...a.accountProof],
      storage: a.storage.map((s) => ({ slot: s.slot, value: s.value, proof: [...s.proof] })),
      ...(a.code === undefined ? {} : { code: a.code }),
    })),
  };
}

/**
 * The JSON form of a bundle (`parseBundle(toBundleJson(b))` deep-equals `b`). A bundle read as v1
 * is written as v1 while it still fits v1 (one anchor, no chain proof); otherwise, and for every
 * bundle built by this version, as v2. `{ format }` forces a format (v1 throws when it does not fit).
 */
export function toBundleJson(bundle: ProofBundle, options: { format?: BundleFormat } = {}): ProofBundleJson {
  const format = options.format ?? (bundle.format === BUNDLE_FORMAT_V1 && fitsV1(bundle) ? BUNDLE_FORMAT_V1 : BUNDLE_FORMAT_V2);
  const common = {
    receipt: toReceiptJson(bundle.receipt),
    leaf: bundle.leaf,
    leafIndex: bundle.leafIndex,
    batchSize: bundle.batchSize,
    proof: [...bundle.proof],
    root: bundle.root,
  };
  const timeline = bundle.timeline === undefined ? {} : { timeline: { contract: bundle.timeline.contract } };
  if (format === BUNDLE_FORMAT_V1) {
    if (!fitsV1(bundle)) fail("format", "a bundle that fits v1 (one anchor, its root the bundle's, no anchoredAt or chainProof)", BUNDLE_FORMAT_V1);
    return { format, ...common, anchor: anchorJson(bundle.anchors[0]!), ...timeline };
  }
  const anchors = bundle.anchors.map((a): BundleAnchorV2Json => ({
    ...anchorJson(a),
    root: a.root,
    ...(a.anchoredAt === undefined ? {} : { anchoredAt: a.anchoredAt }),
    ...(a.chainProof === undefined ? {} : { chainProof: chainProofJson(a.chainProof) }),
    ...(a.commitment === undefined
      ? {}
      : { commitment: { batchIndex: a.commitment.batchIndex, previousHead: a.commitment.previousHead, links: a.commitment.links.map((l) => ({ ...l })) } }),
  }));
  return { format: BUNDLE_FORMAT_V2, ...common, anchors, ...timeline };
}

/**
 * The same bundle in format v2 (the form this version writes), optionally with anchors replaced.
 * @example
 * const upgraded = toBundleV2(parseBundle(v1Json), { anchors: [{ ...bundle.anchor, chainProof }] });
 */
export function toBundleV2(bundle: ProofBundle, changes: { anchors?: readonly BundleAnchorV2[] } = {}): ProofBundle {
  return makeBundle({ ...bundle, format: BUNDLE_FORMAT_V2, anchors: changes.anchors ?? bundle.anchors });
}
