/**
 * Validation of evidence records (before anything is stored) and opening helpers.
 *
 * @module
 */
import { hexToBytes, type Hex } from "viem";

import { isHex, isHexOfLength } from "../bytes/hex.js";
import type { Content } from "../receipt/commitment.js";
import { InvalidEvidenceError } from "./errors.js";
import { EVIDENCE_FORMAT, type ContentOpening, type ReceiptEvidence } from "./types.js";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function hex32(value: unknown, field: string): void {
  if (!isHexOfLength(value, 32)) throw new InvalidEvidenceError({ field, expected: "0x-prefixed 32-byte hex (66 characters)", found: value });
}

function opening(value: unknown, field: string): void {
  if (!isObject(value)) throw new InvalidEvidenceError({ field, expected: "{ content, encoding, salt }", found: value });
  if (typeof value.content !== "string") throw new InvalidEvidenceError({ field: `${field}.content`, expected: "a string", found: value.content });
  if (value.encoding !== "utf8" && value.encoding !== "hex") {
    throw new InvalidEvidenceError({ field: `${field}.encoding`, expected: '"utf8" or "hex"', found: value.encoding });
  }
  if (value.encoding === "hex" && !isHex(value.content)) {
    throw new InvalidEvidenceError({ field: `${field}.content`, expected: "0x-prefixed hex of whole bytes (encoding is hex)", found: value.content });
  }
  hex32(value.salt, `${field}.salt`);
}

function idArtifacts(value: unknown, field: string, key: "documents" | "records"): void {
  if (!isObject(value)) throw new InvalidEvidenceError({ field, expected: `{ root, ${key} }`, found: value });
  hex32(value.root, `${field}.root`);
  const list = value[key];
  if (!Array.isArray(list)) throw new InvalidEvidenceError({ field: `${field}.${key}`, expected: "an array", found: list });
  list.forEach((item: unknown, i) => {
    if (!isObject(item) || typeof item.id !== "string") {
      throw new InvalidEvidenceError({ field: `${field}.${key}[${i}].id`, expected: "a string", found: isObject(item) ? item.id : item });
    }
    hex32(item.artifact, `${field}.${key}[${i}].artifact`);
  });
}

/**
 * Throws {@link InvalidEvidenceError} (which field, expected, found) unless `value` is a well-formed
 * {@link ReceiptEvidence}. Checks shape only; whether it opens a receipt is {@link checkEvidence}'s job.
 */
export function assertEvidence(value: unknown): asserts value is ReceiptEvidence {
  if (!isObject(value)) throw new InvalidEvidenceError({ field: "(evidence)", expected: "an object", found: value });
  if (value.format !== EVIDENCE_FORMAT) throw new InvalidEvidenceError({ field: "format", expected: JSON.stringify(EVIDENCE_FORMAT), found: value.format });
  hex32(value.receiptId, "receiptId");
  if (!Number.isSafeInteger(value.issuedAt) || (value.issuedAt as number) < 0) {
    throw new InvalidEvidenceError({ field: "issuedAt", expected: "unix seconds (a non-negative integer)", found: value.issuedAt });
  }
  if (!isObject(value.model) || typeof value.model.name !== "string") {
    throw new InvalidEvidenceError({ field: "model.name", expected: "a string", found: isObject(value.model) ? value.model.name : value.model });
  }
  hex32(value.model.weightsDigest, "model.weightsDigest");
  if (value.request === undefined) throw new InvalidEvidenceError({ field: "request", expected: "the upstream request (JSON)", found: undefined });
  opening(value.input, "input");
  opening(value.output, "output");
  if (!Array.isArray(value.tools)) throw new InvalidEvidenceError({ field: "tools", expected: "an array", found: value.tools });
  value.tools.forEach((tool: unknown, i) => {
    if (!isObject(tool) || typeof tool.name !== "string") {
      throw new InvalidEvidenceError({ field: `tools[${i}].name`, expected: "a string", found: isObject(tool) ? tool.name : tool });
    }
    opening(tool.input, `tools[${i}].input`);
    opening(tool.output, `tools[${i}].output`);
  });
  if (!isObject(value.sampling)) throw new InvalidEvidenceError({ field: "sampling", expected: "an object", found: value.sampling });
  if (value.template !== undefined) {
    const t = value.template;
    if (!isObject(t) || typeof t.id !== "string") throw new InvalidEvidenceError({ field: "template.id", expected: "a string", found: isObject(t) ? t.id : t });
    if (!Number.isInteger(t.version) || (t.version as number) < 0 || (t.version as number) > 0xffffffff) {
      throw new InvalidEvidenceError({ field: "template.version", expected: "a uint32", found: t.version });
    }
    hex32(t.digest, "template.digest");
    if (t.artifact !== undefined) hex32(t.artifact, "template.artifact");
  }
  if (value.retrieval !== undefined) idArtifacts(value.retrieval, "retrieval", "documents");
  if (value.memory !== undefined) idArtifacts(value.memory, "memory", "records");
}

/** The committed bytes (or text) of an opening, as `commitContent` takes them. */
export function openingContent(o: ContentOpening): Content {
  return o.encoding === "utf8" ? o.content : hexToBytes(o.content as Hex);
}
