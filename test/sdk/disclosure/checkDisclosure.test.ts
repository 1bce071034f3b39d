import { readFileSync } from "node:fs";

import { Ajv } from "ajv";
import { expect } from "chai";
import { type Hex } from "viem";

import {
  checkDisclosure,
  formatDisclosureReport,
  parseDisclosure,
  Snapshot,
  toDisclosureJson,
  type DisclosedPieces,
  type Disclosure,
} from "../../../sdk/disclosure/index.js";
import { InvalidDocumentError, UnsupportedFormatError } from "../../../sdk/index.js";
import { DOCUMENTS, makeAnswer, TEMPLATE, type Answer } from "./fixture.js";

const bundleSchema = JSON.parse(readFileSync(new URL("../../../sdk/bundle/bundle.schema.json", import.meta.url), "utf8"));
const schema = JSON.parse(readFileSync(new URL("../../../sdk/disclosure/disclosure.schema.json", import.meta.url), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true, schemas: [bundleSchema] }).compile(schema);

const flipHex = (hex: Hex): Hex => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}` as Hex;
/** The text with one character changed (one wrong byte). */
const oneByte = (text: string): string => `${text.slice(0, 5)}${text[5] === "x" ? "y" : "x"}${text.slice(6)}`;

function only(answer: Answer, pieces: DisclosedPieces): Disclosure {
  return { ...answer.full, disclosed: pieces };
}

function failing(d: Disclosure): { field: string; code: string | undefined }[] {
  return checkDisclosure(d)
    .pieces.filter((p) => p.status === "fail")
    .map((p) => ({ field: p.field, code: p.code }));
}

describe("disclosure: checkDisclosure", () => {
  let answer: Answer;
  before(async () => {
    answer = await makeAnswer();
  });

  it("every field disclosed correctly passes, each named; the other retrieval documents are listed as not shown", () => {
    const report = checkDisclosure(answer.full);
    expect(report.status).to.equal("pass");
    expect(report.pieces.map((p) => [p.field, p.status])).to.deep.equal([
      ["input", "pass"],
      ["output", "pass"],
      ["tools[0].input", "pass"],
      ["tools[0].output", "pass"],
      ["tools[1].input", "pass"],
      ["tools[1].output", "pass"],
      ["template", "pass"],
      ["sampling", "pass"],
      [`retrieval:${DOCUMENTS[0]!.id}`, "pass"],
      ["memory:session/last-question", "pass"],
      ["memory:preferences/currency", "pass"],
    ]);
    expect(report.notShown).to.deep.equal(["retrieval (4 other entries)"]);
    expect(report.pieces[0]!.shown).to.equal(answer.full.disclosed.input!.content);
    expect(report.summary).to.match(/^11 disclosed piece\(s\) match the receipt/);
  });

  it("nothing disclosed: status none, every commitment listed as not shown", () => {
    const report = checkDisclosure(only(answer, {}));
    expect(report.status).to.equal("none");
    expect(report.pieces).to.deep.equal([]);
    expect(report.notShown).to.deep.equal([
      "input",
      "output",
      "tools[0].input",
      "tools[0].output",
      "tools[1].input",
      "tools[1].output",
      "template",
      "sampling",
      "retrieval",
      "memory",
    ]);
  });

  it("only the output: passes, and says the rest was not shown", () => {
    const report = checkDisclosure(only(answer, { output: answer.full.disclosed.output }));
    expect(report.status).to.equal("pass");
    expect(report.pieces.map((p) => p.field)).to.deep.equal(["output"]);
    expect(report.notShown).to.include.members(["input", "template", "sampling", "retrieval", "memory", "tools[1].output"]);
  });

  describe("each wrong byte fails, naming the field", () => {
    const cases: [string, (d: DisclosedPieces) => DisclosedPieces][] = [
      ["input", (d) => ({ ...d, input: { ...d.input!, content: oneByte(d.input!.content as string) } })],
      ["output", (d) => ({ ...d, output: { ...d.output!, content: oneByte(d.output!.content as string) } })],
      ["tools[0].input", (d) => ({ ...d, tools: d.tools!.map((t, i) => (i === 0 ? { ...t, input: { ...t.input!, content: oneByte(t.input!.content as string) } } : t)) })],
      ["tools[1].output", (d) => ({ ...d, tools: d.tools!.map((t, i) => (i === 1 ? { ...t, output: { ...t.output!, content: oneByte(t.output!.content as string) } } : t)) })],
      ["template", (d) => ({ ...d, template: { ...d.template!, text: oneByte(d.template!.text) } })],
      ["sampling", (d) => ({ ...d, sampling: { ...d.sampling!, temperature: 0.21 } })],
      [`retrieval:${DOCUMENTS[0]!.id}`, (d) => ({ ...d, retrieval: d.retrieval!.map((e) => ({ ...e, content: oneByte(e.content as string) })) })],
      ["memory:preferences/currency", (d) => ({ ...d, memory: d.memory!.map((e) => (e.id === "preferences/currency" ? { ...e, content: oneByte(e.content as string) } : e)) })],
    ];
    for (const [field, tamper] of cases) {
      it(field, () => {
        const d = only(answer, tamper(answer.full.disclosed));
        const report = checkDisclosure(d);
        expect(report.status).to.equal("fail");
        expect(failing(d).map((f) => f.field)).to.deep.equal([field]);
        expect(report.summary).to.include(field);
      });
    }
  });

  describe("each wrong salt fails, naming the field", () => {
    const cases: [string, (d: DisclosedPieces) => DisclosedPieces][] = [
      ["input", (d) => ({ ...d, input: { ...d.input!, salt: flipHex(d.input!.salt) } })],
      ["output", (d) => ({ ...d, output: { ...d.output!, salt: flipHex(d.output!.salt) } })],
      ["tools[1].input", (d) => ({ ...d, tools: d.tools!.map((t, i) => (i === 1 ? { ...t, input: { ...t.input!, salt: flipHex(t.input!.salt) } } : t)) })],
      // The salt of another piece (tool 0's output salt used for the output).
      ["output", (d) => ({ ...d, output: { ...d.output!, salt: d.tools![0]!.output!.salt } })],
    ];
    for (const [field, tamper] of cases) {
      it(field, () => {
        expect(failing(only(answer, tamper(answer.full.disclosed)))).to.deep.equal([{ field, code: "mismatch" }]);
      });
    }
  });

  it("a document not in the snapshot fails, naming retrieval:ID (with a valid proof from another snapshot)", () => {
    const other = Snapshot.of("retrieval", [...DOCUMENTS.slice(1), { id: "invoices/INV-99999.json", content: "forged" }]);
    const forged = { id: "invoices/INV-99999.json", content: "forged", ...other.prove("invoices/INV-99999.json") };
    const report = checkDisclosure(only(answer, { retrieval: [forged] }));
    expect(report.status).to.equal("fail");
    expect(report.pieces).to.have.length(1);
    expect(report.pieces[0]).to.include({ field: "retrieval:invoices/INV-99999.json", status: "fail", code: "not-in-snapshot", expected: answer.bundle.receipt.retrievalIndexDigest, found: other.root });
  });

  it("a document with a proof of the wrong length fails (bad-proof), naming it", () => {
    const entry = answer.full.disclosed.retrieval![0]!;
    expect(failing(only(answer, { retrieval: [{ ...entry, proof: entry.proof.slice(1) }] }))).to.deep.equal([{ field: `retrieval:${entry.id}`, code: "bad-proof" }]);
  });

  it("a memory record shown as a retrieval document fails (domain separation)", () => {
    const record = answer.full.disclosed.memory![0]!;
    expect(failing(only(answer, { retrieval: [record] }))).to.deep.equal([{ field: `retrieval:${record.id}`, code: "not-in-snapshot" }]);
  });

  it("a swapped template fails naming template; a wrong version too", () => {
    const swapped = only(answer, { template: { text: "You are a lenient assistant. Approve everything.\n{{question}}", version: 3 } });
    const report = checkDisclosure(swapped);
    expect(report.pieces[0]).to.include({ field: "template", status: "fail", code: "mismatch", expected: answer.bundle.receipt.promptTemplateDigest });
    expect(failing(only(answer, { template: { text: TEMPLATE, version: 2 } }))).to.deep.equal([{ field: "template", code: "version-mismatch" }]);
  });

  it("sampling with a parameter added or left out fails", () => {
    const { seed: _seed, ...withoutSeed } = answer.full.disclosed.sampling!;
    expect(failing(only(answer, { sampling: withoutSeed }))).to.deep.equal([{ field: "sampling", code: "mismatch" }]);
    expect(failing(only(answer, { sampling: { ...answer.full.disclosed.sampling!, stop: null } }))).to.deep.equal([{ field: "sampling", code: "mismatch" }]);
  });

  it("a tool under another name, or a tool the receipt does not have, fails naming it", () => {
    const tools = answer.full.disclosed.tools!;
    expect(failing(only(answer, { tools: [{ ...tools[0]!, name: "erp.pay_invoice" }] }))).to.deep.equal([{ field: "tools[0].name", code: "name-mismatch" }]);
    expect(failing(only(answer, { tools: [{ ...tools[0]!, index: 2 }] }))).to.deep.equal([{ field: "tools[2]", code: "no-such-tool" }]);
  });

  it("a disclosure checked against another receipt fails on bundle and on every piece", async () => {
    const other = await makeAnswer();
    const report = checkDisclosure(answer.full, other.bundle.receipt);
    expect(report.status).to.equal("fail");
    expect(report.pieces[0]).to.include({ field: "bundle", code: "other-receipt" });
    // The salted openings cannot open the other receipt's commitments.
    expect(failing(answer.full).length).to.equal(0);
    expect(report.pieces.filter((p) => p.status === "fail").map((p) => p.field)).to.include.members(["bundle", "input", "output", "tools[0].input"]);
  });

  it("evidence deleted: status deleted, says when", () => {
    const report = checkDisclosure({ ...answer.full, disclosed: {}, evidenceDeleted: { at: 1_795_100_000 } });
    expect(report.status).to.equal("deleted");
    expect(report.summary).to.match(/was deleted at 2026-.*Z: nothing can be disclosed \(the receipt and its proof stay verifiable\)/);
  });

  describe("the JSON form", () => {
    it("round-trips through toDisclosureJson / parseDisclosure, and passes the schema", () => {
      const json = JSON.parse(JSON.stringify(toDisclosureJson(answer.full)));
      expect(validate(json), JSON.stringify(validate.errors)).to.equal(true);
      expect(parseDisclosure(json)).to.deep.equal(answer.full);
    });

    it("keeps raw bytes as contentHex", () => {
      const bytes = { ...answer.full, disclosed: { input: { content: new Uint8Array([0, 255, 10]), salt: answer.full.disclosed.input!.salt } } };
      const json = toDisclosureJson(bytes);
      expect(json.disclosed.input).to.deep.equal({ contentHex: "0x00ff0a", salt: answer.full.disclosed.input!.salt });
      expect(validate(JSON.parse(JSON.stringify(json)))).to.equal(true);
      expect(parseDisclosure(json).disclosed.input!.content).to.deep.equal(new Uint8Array([0, 255, 10]));
    });

    // The last flag: the schema cannot say it (documented in its description); parseDisclosure does.
    const invalid: [string, (j: Record<string, unknown>) => void, string, boolean?][] = [
      ["an unknown top-level field", (j) => (j.extra = 1), "extra"],
      ["an unknown piece", (j) => ((j.disclosed as Record<string, unknown>).weights = "x"), "disclosed.weights"],
      ["both content and contentHex", (j) => (((j.disclosed as Record<string, Record<string, unknown>>).input!).contentHex = "0x00"), "disclosed.input"],
      ["a short salt", (j) => (((j.disclosed as Record<string, Record<string, unknown>>).output!).salt = "0x1234"), "disclosed.output.salt"],
      ["an entry index beyond its count", (j) => (((j.disclosed as Record<string, Record<string, unknown>[]>).retrieval![0]!).index = 5), "disclosed.retrieval[0].index", true],
      ["a broken bundle", (j) => ((j.bundle as Record<string, unknown>).leaf = "0x12"), "bundle.leaf"],
      ["a tool without a name", (j) => delete ((j.disclosed as Record<string, Record<string, unknown>[]>).tools![0]!).name, "disclosed.tools[0].name"],
    ];
    for (const [what, tamper, field, beyondSchema] of invalid) {
      it(`rejects ${what}, naming ${field}${beyondSchema ? " (beyond the schema)" : " (and so does the schema)"}`, () => {
        const json = JSON.parse(JSON.stringify(toDisclosureJson(answer.full))) as Record<string, unknown>;
        tamper(json);
        expect(validate(json)).to.equal(beyondSchema === true);
        expect(() => parseDisclosure(json)).to.throw(InvalidDocumentError).with.property("field", field);
      });
    }

    it("reports another format as unsupported", () => {
      const json = { ...toDisclosureJson(answer.full), format: "showwork/disclosure@2" };
      expect(() => parseDisclosure(json)).to.throw(UnsupportedFormatError);
    });
  });
  it("a disclosure cannot drive the verifier's terminal: control characters in ids and content are shown escaped", () => {
    const evil = "invoices/\u001b[2J\u001b[32mPASS  everything\rINV.json";
    const snapshot = Snapshot.of("retrieval", [{ id: evil, content: "x\u001b]0;owned\u0007" }, { id: "b", content: "y" }]);
    const report = checkDisclosure(only(answer, { retrieval: [{ id: evil, content: "x\u001b]0;owned\u0007", ...snapshot.prove(evil) }] }));
    const text = formatDisclosureReport(report);
    // eslint-disable-next-line no-control-regex
    expect(text).to.not.match(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(text).to.include("\\u{1b}[2J");
    expect(text).to.include("FAIL  retrieval:invoices/");
  });

  it("a snapshot count beyond 2^31 is refused as out of range, not hashed", () => {
    const entry = answer.full.disclosed.retrieval![0]!;
    const report = checkDisclosure(only(answer, { retrieval: [{ ...entry, count: 2 ** 40, index: 2 ** 40 - 1 }] }));
    expect(report.pieces[0]).to.include({ status: "fail", code: "bad-proof" });
    expect(report.pieces[0]!.message).to.include("outside the snapshot");
  });
});
