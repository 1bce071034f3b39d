/**
 * The trusted in-process path (issue #26): receipts built by `buildReceipt` and signed by the
 * fast signer are validated once, frozen and marked, so `record()` does not parse them again;
 * copies and anything from outside are validated in full; the stored body is written directly
 * (`receiptJsonText`) and is byte for byte `JSON.stringify(toReceiptJson(receipt))`.
 */
import { expect } from "chai";
import fc from "fast-check";
import { keccak256, stringToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { buildReceipt, canonicalJson, computeSamplingDigest, parseReceipt, privateKeyToReceiptSigner, signReceipt, toReceiptJson, type JsonValue, type Receipt } from "../../../sdk/receipt/index.js";
import { receiptJsonText } from "../../../sdk/receipt/parseReceipt.js";
import { isSignedHere, isValidatedReceipt } from "../../../sdk/receipt/validated.js";
import { validateSubmission } from "../../../sdk/service/validateSubmission.js";

const key = generatePrivateKey();
const signer = privateKeyToReceiptSigner(key);
const h = (byte: string): Hex => `0x${byte.repeat(32)}`;

function built(overrides: { tools?: { name: string; input: string; output: string }[]; sequence?: bigint; version?: number; issuedAt?: number } = {}): Receipt {
  return buildReceipt({
    model: { name: "acme-chat", weightsDigest: h("ab") },
    promptTemplate: { digest: h("22"), version: overrides.version ?? 3 },
    retrievalIndexDigest: h("33"),
    memoryDigest: h("44"),
    tools: overrides.tools ?? [],
    input: "Will it rain?",
    output: "No.",
    sampling: { temperature: 0.2, seed: 7 },
    servingNode: signer.address,
    sequence: overrides.sequence ?? 1n,
    issuedAt: overrides.issuedAt ?? 1_790_000_000,
  }).receipt;
}

describe("validated receipts: the trusted in-process path", () => {
  describe("receiptJsonText", () => {
    it("is JSON.stringify(toReceiptJson(r)) byte for byte, for any tool names, sequences and versions, signed or not", () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ name: fc.string({ unit: "binary", maxLength: 12 }), input: fc.string(), output: fc.string() }), { maxLength: 3 }),
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fc.boolean(),
          (tools, sequence, version, issuedAt, sign) => {
            const receipt = built({ tools, sequence, version, issuedAt });
            const r = sign ? signer.signReceiptSync(receipt) : receipt;
            expect(receiptJsonText(r)).to.equal(JSON.stringify(toReceiptJson(r)));
            expect(parseReceipt(JSON.parse(receiptJsonText(r)))).to.deep.equal(r);
          },
        ),
        { numRuns: 150 },
      );
    });

    it("writes quotes, backslashes, control characters and non-ASCII in tool names as JSON.stringify does", () => {
      const names = ['say "hi"', "back\\slash", "tab\there\nnewline\u0001", "emoji 🦜 and é", "\u2028\u2029", ""];
      const r = signer.signReceiptSync(built({ tools: names.map((name) => ({ name, input: "i", output: "o" })) }));
      expect(receiptJsonText(r)).to.equal(JSON.stringify(toReceiptJson(r)));
      expect((JSON.parse(receiptJsonText(r)) as { tools: { name: string }[] }).tools.map((t) => t.name)).to.deep.equal(names);
    });

    it("writes a sequence beyond 2^53 - 1 as a decimal string and one within as a number", () => {
      expect(receiptJsonText(built({ sequence: 2n ** 53n - 1n }))).to.contain(`"sequence":${2n ** 53n - 1n}`);
      expect(receiptJsonText(built({ sequence: 2n ** 53n }))).to.contain(`"sequence":"${2n ** 53n}"`);
    });
  });

  describe("marks", () => {
    it("buildReceipt returns a frozen, validated receipt (tools array and each tool frozen too); changing it throws", () => {
      const r = built({ tools: [{ name: "search", input: "q", output: "a" }] });
      expect(isValidatedReceipt(r)).to.equal(true);
      expect(isSignedHere(r)).to.equal(false);
      expect(Object.isFrozen(r) && Object.isFrozen(r.tools) && Object.isFrozen(r.tools[0])).to.equal(true);
      expect(() => ((r as { outputDigest: Hex }).outputDigest = h("cd"))).to.throw(TypeError);
      expect(() => (r.tools as unknown as unknown[]).push({})).to.throw(TypeError);
      expect(() => ((r.tools[0] as { name: string }).name = "other")).to.throw(TypeError);
      expect(r.outputDigest).to.not.equal(h("cd"));
    });

    it("the fast signer marks what it signs as signed here; copies, JSON and parsed receipts carry no mark", () => {
      const signed = signer.signReceiptSync(built());
      expect(isValidatedReceipt(signed) && isSignedHere(signed)).to.equal(true);
      expect(Object.isFrozen(signed)).to.equal(true);
      for (const copy of [{ ...signed }, structuredClone(signed), JSON.parse(receiptJsonText(signed)) as unknown, parseReceipt(toReceiptJson(signed))]) {
        expect(isValidatedReceipt(copy)).to.equal(false);
        expect(isSignedHere(copy)).to.equal(false);
      }
      // A receipt that was not built here (a parsed one) signed here: the signature is made, but nothing is trusted.
      const fromJson = signer.signReceiptSync(parseReceipt(toReceiptJson(built())));
      expect(isValidatedReceipt(fromJson) || isSignedHere(fromJson)).to.equal(false);
    });

    it("a signature by another signer (a viem account) leaves the receipt validated, not signed here", async () => {
      const receipt = built();
      const signed = await signReceipt(privateKeyToAccount(key), receipt);
      expect(signed.signature).to.equal(signer.signReceiptSync(receipt).signature);
      expect(isValidatedReceipt(signed)).to.equal(true);
      expect(isSignedHere(signed)).to.equal(false);
    });
  });

  describe("validateSubmission", () => {
    it("stores the same body for a built receipt as for its JSON (which is validated in full)", () => {
      const signed = [signer.signReceiptSync(built({ tools: [{ name: "lookup \"x\"", input: "1", output: "2" }] })), signer.signReceiptSync(built({ sequence: 2n ** 60n }))];
      const trusted = validateSubmission(signed);
      const fromJson = validateSubmission(JSON.parse(JSON.stringify(signed.map(toReceiptJson))) as unknown);
      expect(trusted.map((v) => v.stored)).to.deep.equal(fromJson.map((v) => v.stored));
      expect(trusted[0]!.receipt).to.equal(signed[0]); // taken as it is
    });

    it("validates a changed copy of a built receipt in full (a wrong toolsDigest is refused)", () => {
      const r = built({ tools: [{ name: "search", input: "q", output: "a" }] });
      expect(() => validateSubmission([{ ...r, tools: [] }])).to.throw(/toolsDigest/);
      expect(() => validateSubmission([{ ...r, inputDigest: "0x1234" }])).to.throw(/inputDigest/);
    });
  });

  it("computeSamplingDigest is keccak256 of the canonical JSON (the SDK's keccak, as viem computes it)", () => {
    const cases: { readonly [key: string]: JsonValue }[] = [{}, { temperature: 0.2, seed: 7 }, { seed: 2n ** 64n - 1n, stop: ["\n", "é🦜"], nested: { b: 1, a: [true, null] } }];
    for (const params of cases) {
      expect(computeSamplingDigest(params)).to.equal(keccak256(stringToHex(canonicalJson(params))));
    }
  });
});
