import { expect } from "chai";

import {
  InvalidBatchError,
  InvalidDocumentError,
  InvalidReceiptError,
  ProofMismatchError,
  ShowworkError,
  UnsupportedFormatError,
} from "../../sdk/index.js";

describe("sdk/errors", () => {
  it("every error is a ShowworkError with shortMessage, metaMessages and a walkable cause", () => {
    const root = new InvalidReceiptError({ field: "inputDigest", expected: "32-byte hex", found: "0x12" });
    const outer = new InvalidDocumentError({ document: "batch", field: "receipts[0].inputDigest", expected: "a valid receipt", found: {}, cause: root });
    expect(outer).to.be.instanceOf(ShowworkError).and.instanceOf(Error);
    expect(outer.name).to.equal("InvalidDocumentError");
    expect(outer.shortMessage).to.equal('Invalid batch: field "receipts[0].inputDigest".');
    expect(outer.details).to.equal(root.message);
    expect(outer.cause).to.equal(root);
    expect(outer.walk()).to.equal(root);
    expect(outer.walk((e) => e instanceof InvalidReceiptError)).to.equal(root);
    expect(outer.walk((e) => e instanceof ProofMismatchError)).to.equal(null);
    expect(root.metaMessages).to.deep.equal(["Expected: 32-byte hex", 'Found:    "0x12"']);
  });

  it("messages say what was expected and what was found", () => {
    const mismatch = new ProofMismatchError({ expectedRoot: "0xaa", computedRoot: "0xbb" });
    expect(mismatch.message).to.contain("Expected root: 0xaa").and.contain("Computed root: 0xbb");
    expect(new UnsupportedFormatError({ what: "saved batch", expected: ["showwork/batch@1"], found: "v0" }).message).to.contain('"showwork/batch@1"');
    expect(new InvalidBatchError({ reason: "duplicate-receipt-id", receiptId: "0x01", indices: [1, 4] }).shortMessage).to.contain("positions 1 and 4");
  });
});
