import { expect } from "chai";
import fc from "fast-check";
import { encodeAbiParameters, hashStruct, keccak256, stringToHex, zeroHash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  assertCommitment,
  assertReceiptSignature,
  buildReceipt,
  canonicalJson,
  checkCommitment,
  commitContent,
  CommitmentMismatchError,
  computeSamplingDigest,
  computeToolsDigest,
  encodeReceipt,
  hashReceipt,
  InvalidBatchError,
  InvalidReceiptError,
  InvalidSignatureError,
  leafFromReceiptHash,
  modelIdFromName,
  parseReceipt,
  RECEIPT_EIP712_TYPES,
  RECEIPT_FORMAT,
  RECEIPT_TYPE_STRING,
  RECEIPT_TYPEHASH,
  receiptLeaf,
  receiptTypedData,
  recoverReceiptSigner,
  signReceipt,
  toReceiptJson,
  UnsupportedFormatError,
  validateBatch,
  verifyReceiptSignature,
  type Receipt,
} from "../../../sdk/index.js";
import { referenceLeaf, referenceReceiptHash } from "../tree/reference.js";
import { receiptArb, syntheticReceipts } from "../helpers.js";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const account = privateKeyToAccount(KEY);

function sample(): Receipt {
  return buildReceipt({
    model: { name: "acme-chat", weightsDigest: keccak256(stringToHex("weights v2")) },
    promptTemplate: { digest: keccak256(stringToHex("template")), version: 3 },
    retrievalIndexDigest: zeroHash,
    memoryDigest: zeroHash,
    tools: [{ name: "search", input: "q=weather", output: "sunny", inputSalt: keccak256("0x03"), outputSalt: keccak256("0x04") }],
    input: "Will it rain?",
    output: "No.",
    sampling: { temperature: 0.2, seed: 7 },
    servingNode: account.address,
    sequence: 1n,
    issuedAt: 1_700_000_000,
    receiptId: keccak256("0x00"),
    inputSalt: keccak256("0x01"),
    outputSalt: keccak256("0x02"),
  }).receipt;
}

function expectInvalid(value: unknown, field: string): InvalidReceiptError {
  try {
    parseReceipt(value);
  } catch (error) {
    expect(error, (error as Error).message).to.be.instanceOf(InvalidReceiptError);
    expect((error as InvalidReceiptError).field).to.equal(field);
    return error as InvalidReceiptError;
  }
  expect.fail(`expected an InvalidReceiptError on ${field}`);
}

describe("sdk/receipt", () => {
  describe("hashing", () => {
    it("the type string and typehash are the SPEC's", () => {
      expect(RECEIPT_TYPE_STRING).to.equal(
        "Receipt(bytes32 receiptId,bytes32 modelId,bytes32 weightsDigest,bytes32 promptTemplateDigest,uint32 promptTemplateVersion,bytes32 retrievalIndexDigest,bytes32 memoryDigest,bytes32 toolsDigest,bytes32 inputDigest,bytes32 outputDigest,bytes32 samplingDigest,address servingNode,uint64 issuedAt,uint64 sequence)",
      );
      expect(RECEIPT_TYPEHASH).to.equal(keccak256(stringToHex(RECEIPT_TYPE_STRING)));
    });

    it("receiptHash = viem's EIP-712 hashStruct = the reference; leaf = keccak256(receiptHash)", () => {
      fc.assert(
        fc.property(receiptArb, (receipt) => {
          const hash = hashReceipt(receipt);
          expect(hash).to.equal(hashStruct({ primaryType: "Receipt", types: RECEIPT_EIP712_TYPES, data: receiptTypedData(receipt).message }));
          expect(hash).to.equal(referenceReceiptHash(receipt));
          expect(receiptLeaf(receipt)).to.equal(referenceLeaf(receipt));
          expect(leafFromReceiptHash(hash)).to.equal(receiptLeaf(receipt));
          expect(encodeReceipt(receipt).length).to.equal(480);
        }),
        { numRuns: 100 },
      );
    });

    it("toolsDigest = keccak256(abi.encode(ToolCall[])) with nameHash = keccak256(name)", () => {
      const tools = [
        { name: "search", inputDigest: keccak256("0x01"), outputDigest: keccak256("0x02") },
        { name: "calculator", inputDigest: keccak256("0x03"), outputDigest: keccak256("0x04") },
      ];
      const expected = keccak256(
        encodeAbiParameters(
          [{ type: "tuple[]", components: [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }] }],
          [tools.map((t) => [keccak256(stringToHex(t.name)), t.inputDigest, t.outputDigest] as const)],
        ),
      );
      expect(computeToolsDigest(tools)).to.equal(expected);
      expect(computeToolsDigest([])).to.equal(keccak256(`0x${"20".padStart(64, "0")}${"0".repeat(64)}`));
    });

    it("samplingDigest hashes canonical JSON (sorted keys at every level, no whitespace)", () => {
      expect(canonicalJson({ temperature: 0.2, seed: 7, stop: ["\n", "END"], nested: { b: 1, a: null } })).to.equal(
        '{"nested":{"a":null,"b":1},"seed":7,"stop":["\\n","END"],"temperature":0.2}',
      );
      expect(computeSamplingDigest({ b: 1, a: 2 })).to.equal(computeSamplingDigest({ a: 2, b: 1 }));
      expect(computeSamplingDigest({ a: 2, b: 1 })).to.equal(keccak256(stringToHex('{"a":2,"b":1}')));
      expect(() => computeSamplingDigest({ t: Number.NaN })).to.throw(InvalidReceiptError, /sampling\.t/);
    });

    it("modelId = keccak256(utf8(name))", () => {
      expect(modelIdFromName("acme-chat")).to.equal(keccak256(stringToHex("acme-chat")));
    });
  });

  describe("commitments", () => {
    it("digest = keccak256(salt ‖ content); a disclosed (content, salt) checks; anything else does not", () => {
      const { digest, salt } = commitContent("The answer is 42.");
      expect(digest).to.equal(keccak256(`${salt}${Buffer.from("The answer is 42.").toString("hex")}` as Hex));
      expect(checkCommitment({ digest, content: "The answer is 42.", salt })).to.equal(true);
      expect(checkCommitment({ digest, content: new TextEncoder().encode("The answer is 42."), salt })).to.equal(true);
      expect(checkCommitment({ digest, content: "The answer is 43.", salt })).to.equal(false);
      expect(() => assertCommitment({ digest, content: "yes", salt, what: "output" }))
        .to.throw(CommitmentMismatchError)
        .with.property("expectedDigest", digest);
    });

    it("the same short content under fresh salts gives unrelated digests", () => {
      expect(commitContent("yes").digest).to.not.equal(commitContent("yes").digest);
    });
  });

  describe("buildReceipt", () => {
    it("builds a valid receipt whose openings check against its digests", () => {
      const built = buildReceipt({
        model: { name: "acme-chat", weightsDigest: zeroHash },
        promptTemplate: { digest: zeroHash, version: 1 },
        retrievalIndexDigest: zeroHash,
        memoryDigest: zeroHash,
        tools: [{ name: "search", input: "q", output: "r" }],
        input: "in",
        output: "out",
        sampling: { temperature: 0 },
        servingNode: account.address.toLowerCase() as Hex,
        sequence: 5,
      });
      const { receipt, openings } = built;
      expect(parseReceipt(toReceiptJson(receipt))).to.deep.equal(receipt);
      expect(receipt.servingNode).to.equal(account.address);
      expect(receipt.modelId).to.equal(modelIdFromName("acme-chat"));
      expect(checkCommitment({ digest: receipt.inputDigest, content: "in", salt: openings.inputSalt })).to.equal(true);
      expect(checkCommitment({ digest: receipt.outputDigest, content: "out", salt: openings.outputSalt })).to.equal(true);
      expect(checkCommitment({ digest: receipt.tools[0]!.outputDigest, content: "r", salt: openings.tools[0]!.outputSalt })).to.equal(true);
      expect(receipt.toolsDigest).to.equal(computeToolsDigest(receipt.tools));
      expect(receipt.issuedAt).to.be.closeTo(Math.floor(Date.now() / 1000), 5);
    });
  });

  describe("parseReceipt (validation)", () => {
    const json = () => toReceiptJson(sample()) as unknown as Record<string, unknown>;

    it("round-trips through JSON, normalizing case and number forms", () => {
      fc.assert(
        fc.property(receiptArb, (receipt) => {
          const text = JSON.stringify(toReceiptJson(receipt));
          expect(parseReceipt(JSON.parse(text))).to.deep.equal(receipt);
        }),
        { numRuns: 50 },
      );
      const upper = { ...json(), inputDigest: (json().inputDigest as string).toUpperCase().replace("0X", "0x"), sequence: "1" };
      expect(parseReceipt(upper)).to.deep.equal(sample());
    });

    it("names the field, the expectation and the value found", () => {
      const error = expectInvalid({ ...json(), outputDigest: "0x1234" }, "outputDigest");
      expect(error.expected).to.match(/32 bytes/);
      expect(error.found).to.equal("0x1234");
      expect(error.message).to.contain('"outputDigest"').and.contain("0x1234");
    });

    const cases: [string, Record<string, unknown>, string][] = [
      ["missing field", { memoryDigest: undefined }, "memoryDigest"],
      ["wrong length", { weightsDigest: `0x${"00".repeat(31)}` }, "weightsDigest"],
      ["non-hex", { modelId: `0x${"g".repeat(64)}` }, "modelId"],
      ["no 0x prefix", { receiptId: "00".repeat(33) }, "receiptId"],
      ["number instead of hex", { samplingDigest: 5 }, "samplingDigest"],
      ["uint32 overflow", { promptTemplateVersion: 2 ** 32 }, "promptTemplateVersion"],
      ["negative version", { promptTemplateVersion: -1 }, "promptTemplateVersion"],
      ["time as string", { issuedAt: "1700000000" }, "issuedAt"],
      ["sequence overflow", { sequence: "18446744073709551616" }, "sequence"],
      ["sequence with leading zero", { sequence: "01" }, "sequence"],
      ["unsafe sequence number", { sequence: 2 ** 53 }, "sequence"],
      ["bad checksum", { servingNode: "0x70997970C51812dc3A010C7d01b50e0d17dc79c8" }, "servingNode"],
      ["short address", { servingNode: "0x1234" }, "servingNode"],
      ["tools not an array", { tools: {} }, "tools"],
      ["tool digest", { tools: [{ name: "search", inputDigest: "0x12", outputDigest: zeroHash }] }, "tools[0].inputDigest"],
      ["tool unknown key", { tools: [{ name: "x", inputDigest: zeroHash, outputDigest: zeroHash, extra: 1 }] }, "tools[0].extra"],
      ["toolsDigest not matching tools", { toolsDigest: zeroHash }, "toolsDigest"],
      ["unknown field", { colour: "blue" }, "colour"],
      ["short signature", { signature: "0x1234" }, "signature"],
      ["missing format", { format: undefined }, "format"],
    ];
    for (const [name, patch, field] of cases) {
      it(`rejects ${name} (field ${field})`, () => {
        const value = { ...json(), ...patch };
        for (const key of Object.keys(patch)) if (patch[key] === undefined) delete value[key];
        expectInvalid(value, field);
      });
    }

    it("rejects an unknown format version with UnsupportedFormatError", () => {
      expect(() => parseReceipt({ ...json(), format: "showwork/receipt@2" })).to.throw(UnsupportedFormatError);
      expect(() => parseReceipt([])).to.throw(InvalidReceiptError);
    });

    it("validateBatch rejects an empty batch and duplicate receipt ids (with positions)", () => {
      expect(() => validateBatch([])).to.throw(InvalidBatchError).with.property("reason", "empty");
      const batch = syntheticReceipts(4);
      batch[3] = { ...batch[3]!, receiptId: batch[1]!.receiptId };
      expect(() => validateBatch(batch)).to.throw(InvalidBatchError).with.deep.property("indices", [1, 3]);
      expect(() => validateBatch(syntheticReceipts(4))).to.not.throw();
    });
  });

  describe("signatures (EIP-712, domain { name: showwork, version: 1 })", () => {
    it("signs as the serving node; verification recovers it", async () => {
      const signed = await signReceipt(account, sample());
      expect(await verifyReceiptSignature(signed)).to.equal(true);
      expect(await recoverReceiptSigner(signed)).to.equal(account.address);
      expect(parseReceipt(toReceiptJson(signed))).to.deep.equal(signed);
      // The signature is not part of the leaf.
      expect(receiptLeaf(signed)).to.equal(receiptLeaf(sample()));
    });

    it("rejects a missing signature, a signature by someone else, a signature over other fields", async () => {
      const receipt = sample();
      expect(await verifyReceiptSignature(receipt)).to.equal(false);
      await expectRejected(assertReceiptSignature(receipt), "missing");
      const other = privateKeyToAccount(`0x${"11".repeat(32)}`);
      const forged = { ...receipt, signature: await other.signTypedData(receiptTypedData(receipt)) };
      await expectRejected(assertReceiptSignature(forged), "wrong-signer");
      const signed = await signReceipt(account, receipt);
      await expectRejected(assertReceiptSignature({ ...signed, sequence: 2n }), "wrong-signer");
      await expectRejected(assertReceiptSignature({ ...signed, signature: `0x${"00".repeat(65)}` }), "malformed");
      await expectRejected(signReceipt(other, receipt), "wrong-signer");
    });
  });
});

async function expectRejected(promise: Promise<unknown>, reason: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidSignatureError);
    expect((error as InvalidSignatureError).reason).to.equal(reason);
    return;
  }
  expect.fail(`expected InvalidSignatureError (${reason})`);
}

export { RECEIPT_FORMAT };
