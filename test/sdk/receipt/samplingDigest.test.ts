/**
 * The sampling digest through RFC 8785 (the `canonicalize` package): exact 64-bit seeds, -0,
 * member order by UTF-16 code units, nested values, number forms, refusals — and the digests
 * the v1 canonical JSON gave, frozen, which must not change.
 */
import { expect } from "chai";
import { keccak256, stringToHex } from "viem";

import { buildReceipt, canonicalJson, computeSamplingDigest, InvalidReceiptError, type JsonValue } from "../../../sdk/index.js";

/** Digests computed by the v1 implementation (hand-written canonical JSON, commit 0fdbeda), frozen. */
const V1: { name: string; value: { [key: string]: JsonValue }; canonical: string; digest: string }[] = [
  {
    name: "an OpenAI request's sampling parameters",
    value: { "gen_ai.request.model": "gpt-4o-mini", temperature: 0.2, top_p: 1, seed: 42, max_tokens: 256, stop: ["\n\n"], response_format: { type: "json_object" } },
    canonical: '{"gen_ai.request.model":"gpt-4o-mini","max_tokens":256,"response_format":{"type":"json_object"},"seed":42,"stop":["\\n\\n"],"temperature":0.2,"top_p":1}',
    digest: "0x0831b744521ce3381854dba0848d50f6de437ddb3e376c219e5f34d0d456502f",
  },
  {
    name: "nested objects and arrays",
    value: { b: { d: [1, { z: null, a: true }], c: "x" }, a: -1.5e-7 },
    canonical: '{"a":-1.5e-7,"b":{"c":"x","d":[1,{"a":true,"z":null}]}}',
    digest: "0x7c79e91abac127575dd4a032d79b415852926e099da9790f642520d561da7c46",
  },
  {
    name: "RFC 8785 §3.2.3's member names (sorted by UTF-16 code units)",
    value: { "\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\ud83d\ude00": 5, "\u0080": 6, "\u00f6": 7 },
    canonical: '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}',
    digest: "0xead3d22663dc89c20cee70437efda8976309c0625521bffcc3c49abe973197c7",
  },
  {
    name: "number forms (exponents, shortest round trip, the largest safe integers)",
    value: { big: 1e21, small: 1e-7, sum: 0.1 + 0.2, max: Number.MAX_SAFE_INTEGER, neg: -Number.MAX_SAFE_INTEGER },
    canonical: '{"big":1e+21,"max":9007199254740991,"neg":-9007199254740991,"small":1e-7,"sum":0.30000000000000004}',
    digest: "0x9f4d3c4d312e737d95721c0e3e62ba25a98ac50f0315346453b528bed04a24a2",
  },
  { name: "no parameters", value: {}, canonical: "{}", digest: "0xb48d38f93eaa084033fc5970bf96e559c33c4cdc07d889ab00b4d63f9590739d" },
];

describe("sampling digest (RFC 8785)", () => {
  for (const c of V1) {
    it(`keeps the v1 digest: ${c.name}`, () => {
      expect(canonicalJson(c.value)).to.equal(c.canonical);
      expect(computeSamplingDigest(c.value)).to.equal(c.digest);
      expect(keccak256(stringToHex(c.canonical))).to.equal(c.digest);
    });
  }

  it("carries a 64-bit seed exactly: 2^53 + 1 and 2^64 - 1 as bigints are written as their decimal strings", () => {
    const seed = 2n ** 53n + 1n;
    expect(canonicalJson({ seed })).to.equal('{"seed":"9007199254740993"}');
    expect(canonicalJson({ seed: 2n ** 64n - 1n })).to.equal('{"seed":"18446744073709551615"}');
    // What an evidence store keeps (JSON has no bigint): the same decimal string, the same digest.
    expect(computeSamplingDigest({ seed })).to.equal(computeSamplingDigest({ seed: "9007199254740993" }));
    // Two seeds that a double cannot tell apart get different digests.
    expect(computeSamplingDigest({ seed: 2n ** 53n })).to.not.equal(computeSamplingDigest({ seed }));
    expect(Number(2n ** 53n) === Number(seed), "as numbers they collide").to.equal(true);
  });

  it("refuses an integer beyond 2^53 - 1 given as a number (it may already be rounded), naming the field", () => {
    const rounded = JSON.parse('{"seed": 9007199254740993}') as { seed: number };
    expect(rounded.seed).to.equal(9007199254740992); // JSON.parse rounded it
    expect(() => computeSamplingDigest(rounded)).to.throw(InvalidReceiptError, /sampling\.seed[\s\S]*bigint \/ decimal string/);
    expect(() => computeSamplingDigest({ nested: { values: [1, -(2 ** 60)] } })).to.throw(InvalidReceiptError, /sampling\.nested\.values\[1\]/);
    expect(() => computeSamplingDigest({ n: 2 ** 64 })).to.throw(InvalidReceiptError, /sampling\.n/); // 18446744073709552000: plain digits, not exact
    // From 1e21 on JSON writes the exponent form, plainly a double: kept, as v1 did.
    expect(canonicalJson({ x: 1.5e300, y: 0.5, z: -1e21 })).to.equal('{"x":1.5e+300,"y":0.5,"z":-1e+21}');
  });

  it("writes -0 as 0 (RFC 8785 §3.2.2.3), at any depth", () => {
    expect(canonicalJson({ t: -0 })).to.equal('{"t":0}');
    expect(computeSamplingDigest({ t: -0 })).to.equal(computeSamplingDigest({ t: 0 }));
    expect(canonicalJson({ a: [-0, { b: -0 }] })).to.equal('{"a":[0,{"b":0}]}');
  });

  it("orders members by UTF-16 code units, not by code points or locale (astral vs BMP above the surrogates)", () => {
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33 by code units, after it by code points.
    expect(canonicalJson({ "\ufb33": 1, "\u{1f600}": 2 })).to.equal('{"\u{1f600}":2,"\ufb33":1}');
    expect(canonicalJson({ b: 1, B: 2, a: 3, "": 4 })).to.equal('{"":4,"B":2,"a":3,"b":1}');
  });

  it("sorts nested objects inside arrays, keeps array order, escapes strings as RFC 8785 says", () => {
    expect(canonicalJson({ z: [{ y: 1, x: 2 }, [3, 2, 1]], a: "tab\there \"q\" \u0001 é" })).to.equal('{"a":"tab\\there \\"q\\" \\u0001 é","z":[{"x":2,"y":1},[3,2,1]]}');
  });

  it("keeps a __proto__ member as a member", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as { [key: string]: JsonValue };
    expect(canonicalJson(value)).to.equal('{"__proto__":{"polluted":true},"a":1}');
  });

  it("refuses what JSON cannot carry faithfully, naming the path", () => {
    const bad: [string, { [key: string]: unknown }, RegExp][] = [
      ["NaN", { t: Number.NaN }, /sampling\.t/],
      ["Infinity", { a: [Number.POSITIVE_INFINITY] }, /sampling\.a\[0\]/],
      ["undefined", { u: undefined }, /sampling\.u/],
      ["a function", { f: () => 1 }, /sampling\.f/],
      ["a Date", { d: new Date(0) }, /sampling\.d/],
      ["a lone surrogate", { s: "\ud800" }, /sampling\.s/],
      ["a lone surrogate in a name", { "\udc00": 1 }, /sampling\./],
    ];
    for (const [name, value, field] of bad) {
      expect(() => computeSamplingDigest(value as { [key: string]: JsonValue }), name).to.throw(InvalidReceiptError, field);
    }
  });

  it("buildReceipt commits to a bigint seed exactly", () => {
    const base = {
      model: { name: "m", weightsDigest: `0x${"11".repeat(32)}` as const },
      promptTemplate: { digest: `0x${"22".repeat(32)}` as const, version: 1 },
      retrievalIndexDigest: `0x${"33".repeat(32)}` as const,
      memoryDigest: `0x${"44".repeat(32)}` as const,
      tools: [],
      input: "q",
      output: "a",
      servingNode: "0x00000000000000000000000000000000000000aa" as const,
      sequence: 1n,
    };
    const { receipt } = buildReceipt({ ...base, sampling: { seed: 2n ** 64n - 1n } });
    expect(receipt.samplingDigest).to.equal(keccak256(stringToHex('{"seed":"18446744073709551615"}')));
  });
});
