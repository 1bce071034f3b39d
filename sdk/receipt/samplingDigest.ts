/**
 * The sampling parameters digest: keccak256(UTF-8 of the RFC 8785 (JCS) canonical JSON of the
 * sampling parameters), through the `canonicalize` package (the RFC's reference algorithm).
 *
 * RFC 8785 in short: object members sorted by their names' UTF-16 code units, at every level;
 * no whitespace; strings as ECMAScript `JSON.stringify` writes them (lone surrogates refused);
 * numbers as IEEE-754 doubles in ECMAScript's shortest round-trip form (`1e+21`, `1e-7`,
 * `0.30000000000000004`), and **-0 is written `0`** (RFC 8785 §3.2.2.3).
 *
 * Integers beyond 2^53: RFC 8785 numbers are doubles, so an integer above 2^53 - 1 cannot be
 * a JSON number without being rounded. A 64-bit seed is carried exactly as a **decimal string**
 * (RFC 8785 §6 / I-JSON's advice): pass it as a `bigint` (written as its decimal string) or as
 * that string. A `number` that is an integer beyond ±(2^53 - 1) and below 1e21 (what JSON writes
 * as plain digits) is refused — it may already be rounded (`JSON.parse("18446744073709551615")` is
 * 18446744073709552000), and hashing it would commit to a seed nobody used. From 1e21 on, numbers
 * are written in exponent form (`1e+21`), plainly doubles, and kept as v1 did.
 *
 * Compatibility with format v1: for every value the v1 canonical JSON accepted (plain JSON,
 * safe integers, well-formed strings), RFC 8785 gives the same bytes (same key order, same
 * number and string forms), so v1 receipts, fixtures and vectors keep their digests.
 *
 * @module
 */
import canonicalize from "canonicalize";
import type { Hex } from "viem";

import { InvalidReceiptError } from "../errors.js";
import { keccak256Utf8 } from "../hash/keccak.js";

/** A JSON value: what sampling parameters may contain (bigints are written as decimal strings). */
export type JsonValue = null | boolean | number | bigint | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The plain JSON value RFC 8785 serializes (bigints as decimal strings), after checks. */
type PlainJson = null | boolean | number | string | PlainJson[] | { [key: string]: PlainJson };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

function toPlainJson(value: JsonValue, path: string): PlainJson {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (!wellFormed(value)) throw new InvalidReceiptError({ field: path, expected: "a well-formed Unicode string (RFC 8785)", found: "a string with a lone surrogate" });
    return value;
  }
  if (typeof value === "bigint") return value.toString(10);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidReceiptError({ field: path, expected: "a finite number", found: String(value) });
    // Integers beyond 2^53 - 1 that JSON writes as plain digits (below 1e21) read as exact integers but are not:
    // refused. From 1e21 on, JSON writes the exponent form (1e+21), plainly a double: kept as v1 did.
    if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21) {
      throw new InvalidReceiptError({
        field: path,
        expected: "an integer within ±(2^53 - 1), or a bigint / decimal string for larger ones (e.g. a 64-bit seed)",
        found: `the number ${value} (beyond 2^53 it may already be rounded)`,
      });
    }
    return value;
  }
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((item, i) => toPlainJson(item, `${path}[${i}]`));
  if (typeof value === "object") {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new InvalidReceiptError({ field: path, expected: "a plain JSON object", found: (value as object).constructor?.name ?? "an object" });
    }
    const out = Object.create(null) as { [key: string]: PlainJson }; // a "__proto__" member stays a member
    for (const [key, item] of Object.entries(value as { readonly [key: string]: JsonValue })) {
      if (!wellFormed(key)) throw new InvalidReceiptError({ field: `${path}.${key}`, expected: "a well-formed Unicode member name (RFC 8785)", found: "a lone surrogate" });
      out[key] = toPlainJson(item, `${path}.${key}`);
    }
    return out;
  }
  throw new InvalidReceiptError({ field: path, expected: "a JSON value", found: typeof value });
}

/**
 * RFC 8785 canonical JSON of a value (bigints as decimal strings).
 * @throws {InvalidReceiptError} naming the path, for values JSON cannot carry faithfully: NaN,
 * ±Infinity, undefined, functions, symbols, non-plain objects, lone surrogates, and integers
 * beyond ±(2^53 - 1) given as numbers.
 * @example
 * canonicalJson({ seed: 18446744073709551615n, temperature: 0.2 }); // '{"seed":"18446744073709551615","temperature":0.2}'
 */
export function canonicalJson(value: JsonValue, path = "sampling"): string {
  const text = canonicalize(toPlainJson(value, path));
  if (text === undefined) throw new InvalidReceiptError({ field: path, expected: "a JSON value", found: typeof value });
  return text;
}

/**
 * The sampling digest of a set of sampling parameters (temperature, top_p, seed, ...):
 * keccak256(utf8(RFC 8785 canonical JSON)).
 * @example
 * computeSamplingDigest({ temperature: 0.2, seed: 42 }); // keccak256('{"seed":42,"temperature":0.2}')
 * computeSamplingDigest({ seed: 2n ** 64n - 1n });        // keccak256('{"seed":"18446744073709551615"}')
 */
export function computeSamplingDigest(params: { readonly [key: string]: JsonValue }): Hex {
  return keccak256Utf8(canonicalJson(params));
}
