import { readFileSync } from "node:fs";

import { Ajv } from "ajv";
import { expect } from "chai";
import fc from "fast-check";
import { privateKeyToAccount } from "viem/accounts";

import {
  buildBundle,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  InvalidDocumentError,
  InvalidSignatureError,
  parseBundle,
  ReceiptTree,
  signReceipt,
  toBundleJson,
  UnsupportedFormatError,
  verifyBundleInclusion,
  verifyBundleOffline,
  type ChainProof,
  type ProofBundleV1Json,
  type ProofBundleV2Json,
} from "../../../sdk/index.js";
import { batchArb, syntheticReceipts } from "../helpers.js";

const schema = JSON.parse(readFileSync(new URL("../../../sdk/bundle/bundle.schema.json", import.meta.url), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

const ANCHOR = {
  chainId: 11155111,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  logId: `0x${"ab".repeat(32)}`,
  batchIndex: 3,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 123456,
} as const;

function validJson(size = 7, index = 4): ProofBundleV1Json {
  const receipts = syntheticReceipts(size, 11);
  const tree = ReceiptTree.of(receipts);
  return toBundleJson(buildBundle({ tree, receipt: receipts[index]!.receiptId, anchor: ANCHOR, timeline: { contract: ANCHOR.contract } }), {
    format: BUNDLE_FORMAT_V1,
  }) as ProofBundleV1Json;
}

function validV2Json(): ProofBundleV2Json {
  const receipts = syntheticReceipts(7, 11);
  const tree = ReceiptTree.of(receipts);
  const second = { ...ANCHOR, chainId: 10, batchIndex: 9, anchoredAt: 1767225600 };
  const proof: ChainProof = {
    headers: [`0x${"f9".repeat(40)}`],
    accounts: [{ blockNumber: 5, address: ANCHOR.contract, accountProof: ["0xf8518080"], storage: [{ slot: ANCHOR.logId, value: ANCHOR.txHash, proof: ["0xe2a0"] }] }],
  };
  return toBundleJson(
    buildBundle({ tree, receipt: receipts[4]!.receiptId, anchors: [{ ...ANCHOR, chainProof: proof }, second] }),
  ) as ProofBundleV2Json;
}

function parses(value: unknown): boolean {
  try {
    parseBundle(value);
    return true;
  } catch (error) {
    if (error instanceof InvalidDocumentError || error instanceof UnsupportedFormatError) return false;
    throw error;
  }
}

/** Structural mutations (what a JSON Schema can see): [name, mutate]. */
const MUTATIONS: [string, (b: Record<string, unknown>) => void][] = [
  ["no format", (b) => delete b.format],
  ["format v3", (b) => (b.format = "showwork/bundle@3")],
  ["format v2 with a v1 anchor", (b) => (b.format = "showwork/bundle@2")],
  ["extra top-level field", (b) => (b.extra = 1)],
  ["no receipt", (b) => delete b.receipt],
  ["no leaf", (b) => delete b.leaf],
  ["short leaf", (b) => (b.leaf = "0x1234")],
  ["leaf not hex", (b) => (b.leaf = `0x${"zz".repeat(32)}`)],
  ["leaf without 0x", (b) => (b.leaf = "ab".repeat(33))],
  ["leafIndex negative", (b) => (b.leafIndex = -1)],
  ["leafIndex fractional", (b) => (b.leafIndex = 1.5)],
  ["leafIndex string", (b) => (b.leafIndex = "1")],
  ["batchSize zero", (b) => (b.batchSize = 0)],
  ["proof not an array", (b) => (b.proof = "0x")],
  ["proof element short", (b) => (b.proof = ["0x12"])],
  ["root missing", (b) => delete b.root],
  ["anchor missing", (b) => delete b.anchor],
  ["anchor.chainId zero", (b) => ((b.anchor as Record<string, unknown>).chainId = 0)],
  ["anchor.contract short", (b) => ((b.anchor as Record<string, unknown>).contract = "0x1234")],
  ["anchor.logId missing", (b) => delete (b.anchor as Record<string, unknown>).logId],
  ["anchor.txHash not hex", (b) => ((b.anchor as Record<string, unknown>).txHash = `0x${"q".repeat(64)}`)],
  ["anchor.blockNumber string", (b) => ((b.anchor as Record<string, unknown>).blockNumber = "5")],
  ["anchor extra field", (b) => ((b.anchor as Record<string, unknown>).extra = true)],
  ["timeline without contract", (b) => (b.timeline = {})],
  ["timeline extra", (b) => (b.timeline = { contract: ANCHOR.contract, x: 1 })],
  ["receipt format v2", (b) => ((b.receipt as Record<string, unknown>).format = "showwork/receipt@2")],
  ["receipt missing field", (b) => delete (b.receipt as Record<string, unknown>).memoryDigest],
  ["receipt extra field", (b) => ((b.receipt as Record<string, unknown>).x = 1)],
  ["receipt version too big", (b) => ((b.receipt as Record<string, unknown>).promptTemplateVersion = 2 ** 32)],
  ["receipt sequence negative", (b) => ((b.receipt as Record<string, unknown>).sequence = -1)],
  ["receipt sequence as hex string", (b) => ((b.receipt as Record<string, unknown>).sequence = "0x10")],
  ["receipt issuedAt string", (b) => ((b.receipt as Record<string, unknown>).issuedAt = "1")],
  ["receipt signature short", (b) => ((b.receipt as Record<string, unknown>).signature = "0x12")],
  ["receipt tool without name", (b) => ((b.receipt as Record<string, unknown>).tools = [{ inputDigest: ANCHOR.logId, outputDigest: ANCHOR.logId }])],
  ["receipt servingNode short", (b) => ((b.receipt as Record<string, unknown>).servingNode = "0x12")],
];

type Json = Record<string, unknown>;
const anchor0 = (b: Json): Json => (b.anchors as Json[])[0]!;
const proof0 = (b: Json): Json => anchor0(b).chainProof as Json;
const account0 = (b: Json): Json => (proof0(b).accounts as Json[])[0]!;

/** Structural mutations of a v2 bundle. */
const MUTATIONS_V2: [string, (b: Json) => void][] = [
  ["anchors missing", (b) => delete b.anchors],
  ["anchors empty", (b) => (b.anchors = [])],
  ["anchors not an array", (b) => (b.anchors = anchor0(b))],
  ["a v1 anchor field beside anchors", (b) => (b.anchor = { ...anchor0(b) })],
  ["format v1 with anchors", (b) => (b.format = "showwork/bundle@1")],
  ["anchors[0].root missing", (b) => delete anchor0(b).root],
  ["anchors[1].root short", (b) => ((b.anchors as Json[])[1]!.root = "0x12")],
  ["anchors[0].anchoredAt negative", (b) => (anchor0(b).anchoredAt = -1)],
  ["anchors[0] extra field", (b) => (anchor0(b).extra = 1)],
  ["chainProof without headers", (b) => delete proof0(b).headers],
  ["chainProof with no header", (b) => (proof0(b).headers = [])],
  ["chainProof header not hex", (b) => (proof0(b).headers = ["0xzz"])],
  ["chainProof header odd length", (b) => (proof0(b).headers = ["0xf9f"])],
  ["chainProof extra field", (b) => (proof0(b).extra = [])],
  ["account proof without address", (b) => delete account0(b).address],
  ["account proof blockNumber string", (b) => (account0(b).blockNumber = "5")],
  ["account proof node empty", (b) => (account0(b).accountProof = ["0x"])],
  ["storage value short", (b) => ((account0(b).storage as Json[])[0]!.value = "0x01")],
  ["storage proof not an array", (b) => ((account0(b).storage as Json[])[0]!.proof = "0xe2a0")],
];

describe("sdk/bundle", () => {
  it("builds v2 bundles (several anchors, chain proofs) that survive JSON, with anchor = anchors[0]", () => {
    const json = validV2Json();
    expect(json.format).to.equal("showwork/bundle@2");
    expect(validate(json), JSON.stringify(validate.errors)).to.equal(true);
    const bundle = parseBundle(JSON.parse(JSON.stringify(json)));
    expect(bundle.format).to.equal(BUNDLE_FORMAT);
    expect(bundle.anchor).to.equal(bundle.anchors[0]);
    expect(bundle.anchors.map((a) => a.root)).to.deep.equal([json.root, json.root]);
    expect(bundle.anchors[1]!.anchoredAt).to.equal(1767225600);
    expect(toBundleJson(bundle)).to.deep.equal(json);
    expect(parseBundle(toBundleJson(bundle))).to.deep.equal(bundle);
    expect(() => toBundleJson(bundle, { format: BUNDLE_FORMAT_V1 })).to.throw(InvalidDocumentError);
  });

  it("reads v1 as anchors[0] (root = the bundle's root) and writes it back as v1 while it fits", () => {
    const json = validJson();
    const bundle = parseBundle(json);
    expect(bundle.format).to.equal(BUNDLE_FORMAT_V1);
    expect(bundle.anchors).to.deep.equal([{ ...ANCHOR, root: json.root }]);
    expect(bundle.anchor).to.equal(bundle.anchors[0]);
    expect(toBundleJson(bundle)).to.deep.equal(json);
  });

  for (const [name, mutate] of MUTATIONS_V2) {
    it(`schema and parseBundle reject a v2 bundle: ${name}`, () => {
      const json = JSON.parse(JSON.stringify(validV2Json())) as Json;
      mutate(json);
      expect(validate(json)).to.equal(false);
      expect(parses(json)).to.equal(false);
    });
  }

  it("builds a bundle that survives JSON and verifies offline", () => {
    const json = validJson();
    const bundle = parseBundle(JSON.parse(JSON.stringify(json)));
    expect(bundle.format).to.equal(BUNDLE_FORMAT_V1);
    expect(toBundleJson(bundle)).to.deep.equal(json);
    expect(verifyBundleInclusion(bundle)).to.equal(json.root);
    expect(bundle.anchor.contract).to.equal(ANCHOR.contract);
  });

  it("builds from a tree that did not retain its receipts when given the receipt", () => {
    const receipts = syntheticReceipts(9);
    const tree = ReceiptTree.of(new Set(receipts));
    expect(() => buildBundle({ tree, receipt: 2, anchor: ANCHOR })).to.throw(/did not retain/);
    const bundle = buildBundle({ tree, receipt: receipts[2]!, anchor: ANCHOR });
    expect(bundle.leafIndex).to.equal(2);
    expect(bundle.batchSize).to.equal(9);
  });

  it("verifyBundleOffline checks the serving node's signature when present (or required)", async () => {
    const account = privateKeyToAccount(`0x${"22".repeat(32)}`);
    const receipts = syntheticReceipts(3).map((r) => ({ ...r, servingNode: account.address }));
    const signed = await signReceipt(account, receipts[1]!);
    receipts[1] = signed;
    const tree = ReceiptTree.of(receipts);
    const bundle = buildBundle({ tree, receipt: 1, anchor: ANCHOR });
    expect(await verifyBundleOffline(bundle)).to.equal(tree.root);
    const unsigned = buildBundle({ tree, receipt: { ...signed, signature: undefined }, anchor: ANCHOR });
    expect(await verifyBundleOffline(unsigned)).to.equal(tree.root);
    await verifyBundleOffline(unsigned, { requireSignature: true }).then(
      () => expect.fail("expected InvalidSignatureError"),
      (error: unknown) => expect(error).to.be.instanceOf(InvalidSignatureError),
    );
  });

  it("parse errors name the field (receipt errors keep their cause)", () => {
    const json = validJson() as unknown as Record<string, unknown>;
    const bad = { ...json, receipt: { ...(json.receipt as object), inputDigest: "0x12" } };
    try {
      parseBundle(bad);
      expect.fail("expected InvalidDocumentError");
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidDocumentError);
      expect((error as InvalidDocumentError).field).to.equal("receipt.inputDigest");
      expect((error as InvalidDocumentError).walk()).to.have.property("field", "inputDigest");
    }
    expect(() => parseBundle({ ...json, leafIndex: 7 })).to.throw(InvalidDocumentError).with.property("field", "leafIndex");
    expect(() => parseBundle({ ...json, format: "showwork/bundle@0" })).to.throw(UnsupportedFormatError);
  });

  describe("bundle.schema.json and parseBundle agree", () => {
    it("on valid bundles (random batches)", () => {
      fc.assert(
        fc.property(batchArb(20), fc.nat(), (receipts, pick) => {
          const tree = ReceiptTree.of(receipts);
          const json = toBundleJson(buildBundle({ tree, receipt: receipts[pick % receipts.length]!, anchor: ANCHOR }));
          expect(validate(json), JSON.stringify(validate.errors)).to.equal(true);
          expect(parses(json)).to.equal(true);
        }),
        { numRuns: 30 },
      );
    });

    for (const [name, mutate] of MUTATIONS) {
      it(`on an invalid bundle: ${name}`, () => {
        const json = JSON.parse(JSON.stringify(validJson())) as Record<string, unknown>;
        mutate(json);
        expect(validate(json)).to.equal(false);
        expect(parses(json)).to.equal(false);
      });
    }

    it("on values that are not objects", () => {
      for (const value of [[], null, "bundle", 1]) {
        expect(validate(value)).to.equal(false);
        expect(parses(value)).to.equal(false);
      }
    });

    it("parseBundle checks more than the schema can (documented in the schema's description)", () => {
      const json = validJson() as unknown as Record<string, unknown>;
      const receipt = json.receipt as Record<string, unknown>;
      const beyond = [
        { ...json, receipt: { ...receipt, toolsDigest: ANCHOR.logId } }, // toolsDigest must match tools
        { ...json, receipt: { ...receipt, servingNode: "0x5fbDB2315678afecb367f032d93F642f64180aa3" } }, // bad EIP-55 checksum
        { ...json, leafIndex: 7 }, // leafIndex < batchSize
        { ...json, receipt: { ...receipt, sequence: "99999999999999999999" } }, // above 2^64-1
      ];
      for (const value of beyond) {
        expect(validate(value)).to.equal(true);
        expect(parses(value)).to.equal(false);
      }
    });
  });
});
