import { expect } from "chai";

import { buildDisclosure, checkDisclosure, DisclosureInputError, parseDisclosure, toDisclosureJson } from "../../../sdk/disclosure/index.js";
import { SqliteEvidenceStore } from "../../../sdk/evidence/sqlite.js";
import { DOCUMENTS, makeAnswer, type Answer } from "./fixture.js";

async function rejects(promise: Promise<unknown>): Promise<DisclosureInputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DisclosureInputError);
    return error as DisclosureInputError;
  }
  throw new Error("expected a DisclosureInputError");
}

describe("disclosure: buildDisclosure from the evidence store", () => {
  let answer: Answer;
  let store: SqliteEvidenceStore;

  beforeEach(async () => {
    answer = await makeAnswer();
    store = SqliteEvidenceStore.open({ path: ":memory:", encryptionKey: null });
    await store.putArtifacts(answer.artifacts);
    await store.putEvidence(answer.evidence);
  });
  afterEach(async () => store.close());

  const build = (fields: string[], evidence = answer.evidence) => buildDisclosure({ bundle: answer.bundle, evidence, artifacts: store, fields, now: 1_795_000_100 });

  it("every field, from the stored evidence: the same disclosure as built by hand, and every piece passes", async () => {
    const disclosure = await build(["input", "output", "tools", "template", "sampling", `retrieval:${DOCUMENTS[0]!.id}`, "memory"]);
    expect(disclosure.disclosed).to.deep.equal(answer.full.disclosed);
    const report = checkDisclosure(disclosure);
    expect(report.status).to.equal("pass");
    expect(report.pieces.every((piece) => piece.status === "pass")).to.equal(true);
    expect(report.notShown).to.deep.equal(["retrieval (4 other entries)"]);
    // And it survives its JSON form.
    expect(parseDisclosure(JSON.parse(JSON.stringify(toDisclosureJson(disclosure))))).to.deep.equal(disclosure);
  });

  it("only what was asked for: output and one tool call; the rest is listed as not shown", async () => {
    const disclosure = await build(["output", "tools[1]"]);
    expect(Object.keys(disclosure.disclosed)).to.deep.equal(["output", "tools"]);
    expect(disclosure.disclosed.tools!.map((t) => t.index)).to.deep.equal([1]);
    expect(checkDisclosure(disclosure).notShown).to.deep.equal(["input", "tools[0].input", "tools[0].output", "template", "sampling", "retrieval", "memory"]);
  });

  it("retrieval (every document): each with its proof, nothing of the snapshot left unshown", async () => {
    const disclosure = await build(["retrieval"]);
    expect(disclosure.disclosed.retrieval!.map((e) => e.id).sort()).to.deep.equal(DOCUMENTS.map((d) => d.id).sort());
    const report = checkDisclosure(disclosure);
    expect(report.pieces.filter((p) => p.status === "pass")).to.have.length(5);
    expect(report.notShown).to.not.include("retrieval");
  });

  it("rejects an unknown field, a tool the receipt does not have and a document not in the snapshot, naming each", async () => {
    expect((await rejects(build(["input", "weights"]))).field).to.equal("weights");
    expect((await rejects(build(["tools[2]"]))).field).to.equal("tools[2]");
    const notThere = await rejects(build(["retrieval:invoices/INV-99999.json"]));
    expect(notThere.field).to.equal("retrieval:invoices/INV-99999.json");
    expect(notThere.message).to.include("an id in the retrieval snapshot the answer used (5 entries)");
    expect((await rejects(build([]))).field).to.equal("--fields");
  });

  it("refuses to hand out evidence that does not open the receipt (damaged or another receipt's), naming the field", async () => {
    const damaged = { ...answer.evidence, output: { ...answer.evidence.output, content: `${answer.evidence.output.content} ` } };
    const error = await rejects(build(["input", "output"], damaged));
    expect(error.field).to.equal("output");
    expect(error.message).to.include("another receipt's, or damaged");
    const other = await makeAnswer();
    expect((await rejects(build(["input"], other.evidence))).field).to.equal("evidence");
  });

  it("says which artifact is missing (e.g. the template text was deleted)", async () => {
    await store.deleteArtifacts([answer.evidence.template!.artifact!]);
    const error = await rejects(build(["template"]));
    expect(error.field).to.equal("template");
    expect(error.message).to.include("missing");
  });

  it("rejects a stored snapshot whose root is not the receipt's retrieval digest", async () => {
    const evidence = { ...answer.evidence, retrieval: { ...answer.evidence.retrieval!, documents: answer.evidence.retrieval!.documents.slice(1) } };
    const error = await rejects(build([`retrieval:${DOCUMENTS[1]!.id}`], evidence));
    expect(error.field).to.equal(`retrieval:${DOCUMENTS[1]!.id}`);
    expect(error.message).to.include("retrievalIndexDigest");
  });
});
