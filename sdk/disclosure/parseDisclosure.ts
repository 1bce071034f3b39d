/**
 * Parsing and validating v1 disclosures, and turning them back into JSON.
 *
 * @module
 */
import { bytesToHex, hexToBytes, type Hex } from "viem";

import { isHexOfLength } from "../bytes/hex.js";
import { parseBundle, toBundleJson } from "../bundle/parseBundle.js";
import { InvalidDocumentError, UnsupportedFormatError } from "../errors.js";
import type { JsonValue } from "../receipt/samplingDigest.js";
import {
  DISCLOSURE_FORMAT,
  type DisclosedEntry,
  type DisclosedPieces,
  type DisclosedTool,
  type Disclosure,
  type DisclosureJson,
  type EntryJson,
  type Opening,
  type OpeningJson,
} from "./types.js";

function fail(field: string, expected: string, found: unknown, cause?: unknown): never {
  throw new InvalidDocumentError({ document: "disclosure", field, expected, found, cause });
}

function objectAt(value: unknown, field: string, known: readonly string[], required: readonly string[] = []): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(field, "an object", value);
  const record = value as Record<string, unknown>;
  const at = (key: string) => (field ? `${field}.${key}` : key);
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) fail(at(key), `no such field (known: ${known.join(", ")})`, record[key]);
  }
  for (const key of required) if (record[key] === undefined) fail(at(key), "a value (required field)", undefined);
  return record;
}

function integerAt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) fail(field, `an integer in [${min}, ${max}]`, value);
  return value;
}

function stringAt(value: unknown, field: string): string {
  if (typeof value !== "string") fail(field, "a string", value);
  return value;
}

function hexBytesAt(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) fail(field, "0x-prefixed hex bytes (an even number of digits)", value);
  return hexToBytes(value as Hex);
}

/** `content` (text) xor `contentHex` (bytes). */
function contentAt(record: Record<string, unknown>, field: string): string | Uint8Array {
  const hasText = record.content !== undefined;
  const hasHex = record.contentHex !== undefined;
  if (hasText === hasHex) fail(field, 'exactly one of "content" (UTF-8 text) and "contentHex" (0x bytes)', hasText ? "both" : "neither");
  return hasText ? stringAt(record.content, `${field}.content`) : hexBytesAt(record.contentHex, `${field}.contentHex`);
}

function openingAt(value: unknown, field: string): Opening | undefined {
  if (value === undefined) return undefined;
  const record = objectAt(value, field, ["content", "contentHex", "salt"], ["salt"]);
  const content = contentAt(record, field);
  if (!isHexOfLength(record.salt, 32)) fail(`${field}.salt`, "a 0x-prefixed 32-byte hex salt (66 characters)", record.salt);
  return { content, salt: (record.salt as string).toLowerCase() as Hex };
}

function jsonAt(value: unknown, field: string): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(field, "a finite number", value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown, i: number) => jsonAt(item, `${field}[${i}]`));
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = jsonAt(item, `${field}.${key}`);
    return out;
  }
  fail(field, "a JSON value", value);
}

function entriesAt(value: unknown, field: "retrieval" | "memory"): DisclosedEntry[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(`disclosed.${field}`, "an array of entries {id, content | contentHex, index, count, proof}", value);
  const seen = new Set<string>();
  return value.map((raw: unknown, i: number) => {
    const where = `disclosed.${field}[${i}]`;
    const record = objectAt(raw, where, ["id", "content", "contentHex", "index", "count", "proof"], ["id", "index", "count", "proof"]);
    const id = stringAt(record.id, `${where}.id`);
    if (seen.has(id)) fail(`${where}.id`, "each id once", id);
    seen.add(id);
    const count = integerAt(record.count, `${where}.count`, 1);
    const index = integerAt(record.index, `${where}.index`, 0, count - 1);
    if (!Array.isArray(record.proof)) fail(`${where}.proof`, "an array of 32-byte hex strings", record.proof);
    const proof = record.proof.map((element: unknown, j: number) => {
      if (!isHexOfLength(element, 32)) fail(`${where}.proof[${j}]`, "a 0x-prefixed 32-byte hex string", element);
      return element.toLowerCase() as Hex;
    });
    return { id, content: contentAt(record, where), index, count, proof };
  });
}

/**
 * Validates a v1 disclosure (parsed JSON) and returns it normalized. Checks the structure (what
 * `disclosure.schema.json` describes) and the bundle (with `parseBundle`); it does not check the
 * pieces against the receipt: {@link checkDisclosure} does.
 *
 * @throws {UnsupportedFormatError} on another `format`; {@link InvalidDocumentError} naming the field otherwise.
 * @example
 * const disclosure = parseDisclosure(JSON.parse(readFileSync("answer.disclosure.json", "utf8")));
 */
export function parseDisclosure(value: unknown): Disclosure {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("", "a disclosure object", value);
  const format = (value as Record<string, unknown>).format;
  if (format !== DISCLOSURE_FORMAT) {
    if (typeof format === "string") throw new UnsupportedFormatError({ what: "disclosure", expected: [DISCLOSURE_FORMAT], found: format });
    fail("format", JSON.stringify(DISCLOSURE_FORMAT), format);
  }
  const record = objectAt(value, "", ["format", "bundle", "disclosed", "evidenceDeleted", "createdAt"], ["bundle", "disclosed"]);
  let bundle;
  try {
    bundle = parseBundle(record.bundle);
  } catch (cause) {
    const field = cause instanceof InvalidDocumentError && cause.field ? `bundle.${cause.field}` : "bundle";
    fail(field, "a valid showwork/bundle@1 or @2 proof bundle", cause instanceof InvalidDocumentError ? cause.found : record.bundle, cause);
  }
  const d = objectAt(record.disclosed, "disclosed", ["input", "output", "tools", "template", "sampling", "retrieval", "memory"]);
  let tools: DisclosedTool[] | undefined;
  if (d.tools !== undefined) {
    if (!Array.isArray(d.tools)) fail("disclosed.tools", "an array of {index, name, input?, output?}", d.tools);
    const seen = new Set<number>();
    tools = d.tools.map((raw: unknown, i: number) => {
      const where = `disclosed.tools[${i}]`;
      const t = objectAt(raw, where, ["index", "name", "input", "output"], ["index", "name"]);
      const index = integerAt(t.index, `${where}.index`, 0);
      if (seen.has(index)) fail(`${where}.index`, "each tool call once", index);
      seen.add(index);
      const input = openingAt(t.input, `${where}.input`);
      const output = openingAt(t.output, `${where}.output`);
      return { index, name: stringAt(t.name, `${where}.name`), ...(input ? { input } : {}), ...(output ? { output } : {}) };
    });
  }
  let template;
  if (d.template !== undefined) {
    const t = objectAt(d.template, "disclosed.template", ["text", "id", "version"], ["text"]);
    template = {
      text: stringAt(t.text, "disclosed.template.text"),
      ...(t.id === undefined ? {} : { id: stringAt(t.id, "disclosed.template.id") }),
      ...(t.version === undefined ? {} : { version: integerAt(t.version, "disclosed.template.version", 0, 0xffffffff) }),
    };
  }
  let sampling;
  if (d.sampling !== undefined) {
    if (d.sampling === null || typeof d.sampling !== "object" || Array.isArray(d.sampling)) fail("disclosed.sampling", "an object of sampling parameters", d.sampling);
    sampling = jsonAt(d.sampling, "disclosed.sampling") as { [key: string]: JsonValue };
  }
  const input = openingAt(d.input, "disclosed.input");
  const output = openingAt(d.output, "disclosed.output");
  const retrieval = entriesAt(d.retrieval, "retrieval");
  const memory = entriesAt(d.memory, "memory");
  const disclosed: DisclosedPieces = {
    ...(input ? { input } : {}),
    ...(output ? { output } : {}),
    ...(tools ? { tools } : {}),
    ...(template ? { template } : {}),
    ...(sampling ? { sampling } : {}),
    ...(retrieval ? { retrieval } : {}),
    ...(memory ? { memory } : {}),
  };
  let evidenceDeleted;
  if (record.evidenceDeleted !== undefined) {
    const e = objectAt(record.evidenceDeleted, "evidenceDeleted", ["at"]);
    evidenceDeleted = e.at === undefined ? {} : { at: integerAt(e.at, "evidenceDeleted.at", 0) };
  }
  return {
    format: DISCLOSURE_FORMAT,
    bundle,
    disclosed,
    ...(evidenceDeleted ? { evidenceDeleted } : {}),
    ...(record.createdAt === undefined ? {} : { createdAt: integerAt(record.createdAt, "createdAt", 0) }),
  };
}

function openingJson(opening: Opening): OpeningJson {
  return typeof opening.content === "string"
    ? { content: opening.content, salt: opening.salt }
    : { contentHex: bytesToHex(opening.content), salt: opening.salt };
}

function entryJson(entry: DisclosedEntry): EntryJson {
  const content = typeof entry.content === "string" ? { content: entry.content } : { contentHex: bytesToHex(entry.content) };
  return { id: entry.id, ...content, index: entry.index, count: entry.count, proof: [...entry.proof] };
}

/** The JSON form of a disclosure (`parseDisclosure(toDisclosureJson(d))` deep-equals `d`). */
export function toDisclosureJson(disclosure: Disclosure): DisclosureJson {
  const d = disclosure.disclosed;
  const disclosed: DisclosureJson["disclosed"] = {};
  if (d.input) disclosed.input = openingJson(d.input);
  if (d.output) disclosed.output = openingJson(d.output);
  if (d.tools) {
    disclosed.tools = d.tools.map((tool) => ({
      index: tool.index,
      name: tool.name,
      ...(tool.input ? { input: openingJson(tool.input) } : {}),
      ...(tool.output ? { output: openingJson(tool.output) } : {}),
    }));
  }
  if (d.template) disclosed.template = { ...d.template };
  if (d.sampling) disclosed.sampling = { ...d.sampling };
  if (d.retrieval) disclosed.retrieval = d.retrieval.map(entryJson);
  if (d.memory) disclosed.memory = d.memory.map(entryJson);
  return {
    format: DISCLOSURE_FORMAT,
    bundle: toBundleJson(disclosure.bundle),
    disclosed,
    ...(disclosure.evidenceDeleted ? { evidenceDeleted: { ...disclosure.evidenceDeleted } } : {}),
    ...(disclosure.createdAt === undefined ? {} : { createdAt: disclosure.createdAt }),
  };
}
