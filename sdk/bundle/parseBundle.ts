/**
 * Parsing and validating v1 proof bundles, and turning them back into JSON.
 *
 * @module
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";

import { InvalidDocumentError, InvalidReceiptError, UnsupportedFormatError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";
import { parseReceipt, toReceiptJson } from "../receipt/parseReceipt.js";
import { BUNDLE_FORMAT, type BundleAnchor, type ProofBundle, type ProofBundleJson } from "./types.js";

const TOP_FIELDS = ["format", "receipt", "leaf", "leafIndex", "batchSize", "proof", "root", "anchor", "timeline"];
const ANCHOR_FIELDS = ["chainId", "contract", "logId", "batchIndex", "txHash", "blockNumber"];

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
 * Validates a v1 proof bundle (parsed JSON) and returns it normalized.
 *
 * Checks the structure (what `bundle.schema.json` describes: required fields, no unknown
 * fields, types, lengths, ranges), validates the receipt with {@link parseReceipt}
 * (including `toolsDigest` against `tools`) and checks `leafIndex < batchSize`.
 * It does not recompute the leaf or the root: {@link verifyBundleInclusion} does that offline,
 * and the verifier checks the anchor on-chain.
 *
 * @throws {UnsupportedFormatError} on another `format`; {@link InvalidDocumentError}
 *   naming the field otherwise (a receipt error is its `cause`).
 * @example
 * const bundle = parseBundle(JSON.parse(readFileSync("answer.bundle.json", "utf8")));
 */
export function parseBundle(value: unknown): ProofBundle {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("", "a proof bundle object", value);
  const format = (value as Record<string, unknown>).format;
  if (format !== BUNDLE_FORMAT) {
    if (typeof format === "string") throw new UnsupportedFormatError({ what: "proof bundle", expected: [BUNDLE_FORMAT], found: format });
    fail("format", JSON.stringify(BUNDLE_FORMAT), format);
  }
  const record = objectAt(value, "", TOP_FIELDS);
  for (const key of TOP_FIELDS) {
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
  const a = objectAt(record.anchor, "anchor", ANCHOR_FIELDS);
  for (const key of ANCHOR_FIELDS) {
    if (a[key] === undefined) fail(`anchor.${key}`, "a value (required field)", undefined);
  }
  const anchor: BundleAnchor = {
    chainId: integerAt(a.chainId, "anchor.chainId", 1),
    contract: addressAt(a.contract, "anchor.contract"),
    logId: bytes32At(a.logId, "anchor.logId"),
    batchIndex: integerAt(a.batchIndex, "anchor.batchIndex", 0),
    txHash: bytes32At(a.txHash, "anchor.txHash"),
    blockNumber: integerAt(a.blockNumber, "anchor.blockNumber", 0),
  };
  let timeline;
  if (record.timeline !== undefined) {
    const t = objectAt(record.timeline, "timeline", ["contract"]);
    timeline = { contract: addressAt(t.contract, "timeline.contract") };
  }
  return {
    format: BUNDLE_FORMAT,
    receipt,
    leaf,
    leafIndex,
    batchSize,
    proof,
    root,
    anchor,
    ...(timeline === undefined ? {} : { timeline }),
  };
}

/** The JSON form of a bundle (`parseBundle(toBundleJson(b))` deep-equals `b`). */
export function toBundleJson(bundle: ProofBundle): ProofBundleJson {
  const json: ProofBundleJson = {
    format: BUNDLE_FORMAT,
    receipt: toReceiptJson(bundle.receipt),
    leaf: bundle.leaf,
    leafIndex: bundle.leafIndex,
    batchSize: bundle.batchSize,
    proof: [...bundle.proof],
    root: bundle.root,
    anchor: { ...bundle.anchor },
  };
  if (bundle.timeline !== undefined) json.timeline = { contract: bundle.timeline.contract };
  return json;
}
