/**
 * The sampling parameters digest: keccak256(utf8(canonical JSON)), where the
 * canonical JSON has object keys sorted (by UTF-16 code units, as
 * `Array.prototype.sort` does), no whitespace, and numbers written as
 * `JSON.stringify` writes them.
 *
 * @module
 */
import type { Hex } from "viem";

import { keccak256Utf8 } from "../hash/keccak.js";

import { InvalidReceiptError } from "../errors.js";

/** A JSON value: what sampling parameters may contain. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Canonical JSON: keys sorted at every level, no whitespace.
 * @throws {InvalidReceiptError} on values JSON cannot represent faithfully (NaN, Infinity, undefined, bigint, functions).
 */
export function canonicalJson(value: JsonValue, path = "sampling"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new InvalidReceiptError({ field: path, expected: "a finite number", found: String(value) });
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: JsonValue, i: number) => canonicalJson(item, `${path}[${i}]`)).join(",")}]`;
  }
  if (typeof value === "object") {
    const object = value as { readonly [key: string]: JsonValue };
    const keys = Object.keys(object).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key] as JsonValue, `${path}.${key}`)}`).join(",")}}`;
  }
  throw new InvalidReceiptError({ field: path, expected: "a JSON value", found: typeof value });
}

/**
 * The sampling digest of a set of sampling parameters (temperature, top_p, seed, ...).
 * @example
 * computeSamplingDigest({ temperature: 0.2, seed: 42 }); // keccak256('{"seed":42,"temperature":0.2}')
 */
export function computeSamplingDigest(params: { readonly [key: string]: JsonValue }): Hex {
  return keccak256Utf8(canonicalJson(params));
}
