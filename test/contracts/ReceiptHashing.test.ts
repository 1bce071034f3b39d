/**
 * ReceiptHashing.sol against the SDK (sdk/receipt) and against an independent computation with viem and
 * @openzeppelin/merkle-tree: the two sides of the hashing scheme must agree byte for byte.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Hex,
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  parseAbiParameters,
  stringToHex,
  concat,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  RECEIPT_EIP712_DOMAIN,
  RECEIPT_EIP712_TYPES,
  RECEIPT_LEAF_ABI_TYPES,
  RECEIPT_TYPEHASH,
  RECEIPT_TYPE_STRING,
  commitmentDigest,
  computeToolsDigest,
  hashReceipt,
  modelIdFromName,
  receiptLeaf,
  signReceipt,
  type Receipt,
} from "../../sdk/receipt/index.js";
import { ozLeafValues } from "../sdk/tree/ozValues.js";
import { h, makeReceipts, receiptStruct } from "./fixtures.js";

const { viem } = await network.create();
const mock = await viem.deployContract("ReceiptHashingMock", []);

/** The SPEC's formula written out with viem, independently of the SDK. */
function specReceiptHash(r: Receipt): Hex {
  return keccak256(
    encodeAbiParameters(
      parseAbiParameters(
        "bytes32,bytes32,bytes32,bytes32,bytes32,uint32,bytes32,bytes32,bytes32,bytes32,bytes32,bytes32,address,uint64,uint64",
      ),
      [
        keccak256(stringToHex(RECEIPT_TYPE_STRING)),
        r.receiptId,
        r.modelId,
        r.weightsDigest,
        r.promptTemplateDigest,
        r.promptTemplateVersion,
        r.retrievalIndexDigest,
        r.memoryDigest,
        r.toolsDigest,
        r.inputDigest,
        r.outputDigest,
        r.samplingDigest,
        r.servingNode,
        BigInt(r.issuedAt),
        r.sequence,
      ],
    ),
  );
}

describe("ReceiptHashing (Solidity) == sdk/receipt == the SPEC formula", () => {
  const receipts = makeReceipts(12, {}, "hashing");

  it("has the same type string, typehash and EIP-712 domain", async () => {
    expect(await mock.read.receiptType()).to.equal(RECEIPT_TYPE_STRING);
    expect(await mock.read.receiptTypehash()).to.equal(RECEIPT_TYPEHASH);
    const domainSeparator = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32,bytes32,bytes32"), [
        keccak256(stringToHex("EIP712Domain(string name,string version)")),
        keccak256(stringToHex("showwork")),
        keccak256(stringToHex("1")),
      ]),
    );
    expect(await mock.read.domainSeparator()).to.equal(domainSeparator);
  });

  it("hashes receipts and leaves identically (memory and calldata versions)", async () => {
    for (const r of receipts) {
      const expectedHash = specReceiptHash(r);
      expect(hashReceipt(r)).to.equal(expectedHash);
      expect(await mock.read.hashReceipt([receiptStruct(r)])).to.equal(expectedHash);
      expect(await mock.read.hashReceiptCalldata([receiptStruct(r)])).to.equal(expectedHash);
      const expectedLeaf = keccak256(expectedHash);
      expect(receiptLeaf(r)).to.equal(expectedLeaf);
      expect(await mock.read.leaf([receiptStruct(r)])).to.equal(expectedLeaf);
      expect(await mock.read.leafCalldata([receiptStruct(r)])).to.equal(expectedLeaf);
      expect(await mock.read.leafOfHash([expectedHash])).to.equal(expectedLeaf);
    }
  });

  it("gives the leaf OpenZeppelin's StandardMerkleTree computes for [TYPEHASH, ...fields]", async () => {
    const values = ozLeafValues(receipts);
    const tree = StandardMerkleTree.of(values, [...RECEIPT_LEAF_ABI_TYPES], { sortLeaves: false });
    for (const [i, value] of tree.entries()) {
      expect(await mock.read.leaf([receiptStruct(receipts[i]!)])).to.equal(tree.leafHash(value));
    }
  });

  it("computes tools digests, name hashes (model ids) and salted commitments like the SDK", async () => {
    for (const r of makeReceipts(4, { tools: 3 }, "tools").concat(makeReceipts(1, { tools: 0 }, "no-tools"))) {
      const tools = r.tools.map((t) => ({ nameHash: keccak256(stringToHex(t.name)), inputDigest: t.inputDigest, outputDigest: t.outputDigest }));
      expect(await mock.read.toolsDigest([tools])).to.equal(computeToolsDigest(r.tools));
      expect(await mock.read.toolsDigest([tools])).to.equal(r.toolsDigest);
    }
    expect(await mock.read.nameHash(["showwork-chat"])).to.equal(modelIdFromName("showwork-chat"));
    expect(await mock.read.nameHash(["modèle ✓"])).to.equal(modelIdFromName("modèle ✓"));
    for (const content of ["", "42", "a longer answer with ünïcödé 🚀", "x".repeat(1000)]) {
      const salt = h(`salt ${content.length}`);
      const digest = commitmentDigest(content, salt);
      expect(digest).to.equal(keccak256(concat([salt, stringToHex(content)])));
      expect(await mock.read.contentDigest([salt, stringToHex(content)])).to.equal(digest);
      expect(await mock.read.checkCommitment([digest, salt, stringToHex(content)])).to.equal(true);
      expect(await mock.read.checkCommitment([digest, h("other"), stringToHex(content)])).to.equal(false);
    }
  });

  it("accepts the SDK's EIP-712 signature by the serving node and rejects others", async () => {
    const node = privateKeyToAccount(generatePrivateKey());
    const [unsigned] = makeReceipts(1, { servingNode: node.address }, "signed");
    const signed = await signReceipt(node, unsigned!);
    const digest = hashTypedData({
      domain: RECEIPT_EIP712_DOMAIN,
      types: RECEIPT_EIP712_TYPES,
      primaryType: "Receipt",
      message: receiptStruct(signed),
    });
    expect(await mock.read.typedDataHash([receiptStruct(signed)])).to.equal(digest);
    expect(await mock.read.isSignedByServingNode([receiptStruct(signed), signed.signature!])).to.equal(true);
    const other = { ...receiptStruct(signed), sequence: signed.sequence + 1n };
    expect(await mock.read.isSignedByServingNode([other, signed.signature!])).to.equal(false);
    expect(await mock.read.isSignedByServingNode([receiptStruct(signed), "0x1234"])).to.equal(false);
  });
});
