import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";
import { zeroHash, type Hex } from "viem";

import {
  EvidenceConflictError,
  EvidenceKeyError,
  EvidenceStoreClosedError,
  InvalidEvidenceError,
  SqliteEvidenceStore,
  checkEvidence,
  parseEvidenceKey,
  type ReceiptEvidence,
} from "../../sdk/evidence/index.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { KEY, OTHER_KEY, artifact, sample } from "./support/fixtures.js";

describe("SqliteEvidenceStore", () => {
  after(() => removeTempDirs());

  for (const encrypted of [false, true]) {
    describe(encrypted ? "encrypted (AES-256-GCM)" : "plain", () => {
      const open = (path = join(tempDir(), "evidence.sqlite")) => SqliteEvidenceStore.open({ path, encryptionKey: encrypted ? KEY : null });

      it("stores evidence and gives it back exactly; the evidence opens the receipt's commitments", async () => {
        const store = open();
        const { receipt, evidence } = sample(1);
        await store.putEvidence(evidence);
        const back = await store.getEvidence(receipt.receiptId);
        expect(back).to.deep.equal(evidence);
        const check = checkEvidence(receipt, back!);
        expect(check.mismatches).to.deep.equal([]);
        expect(check.ok).to.equal(true);
        expect(check.unchecked).to.deep.equal(["retrievalIndexDigest", "memoryDigest"]);
        expect(store.encrypted).to.equal(encrypted);
        await store.close();
      });

      it("is idempotent by receipt id, and refuses different evidence under a stored id (keeping the stored one)", async () => {
        const store = open();
        const { evidence } = sample(2);
        await store.putEvidence(evidence);
        await store.putEvidence(structuredClone(evidence));
        const other = { ...evidence, output: { ...evidence.output, content: "a different answer" } };
        const error = await store.putEvidence(other).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(EvidenceConflictError);
        expect((await store.getEvidence(evidence.receiptId))!.output.content).to.equal(evidence.output.content);
        expect(await store.countEvidence()).to.equal(1);
        await store.close();
      });

      it("commits many concurrent writes together, rejecting only the bad one", async () => {
        const store = open();
        const samples = Array.from({ length: 500 }, (_, i) => sample(100 + i));
        await store.putEvidence(samples[0]!.evidence);
        const conflicting = { ...samples[0]!.evidence, output: { ...samples[0]!.evidence.output, content: "changed" } };
        const results = await Promise.allSettled([conflicting, ...samples.slice(1).map((s) => s.evidence)].map((e) => store.putEvidence(e)));
        expect(results.filter((r) => r.status === "rejected").length).to.equal(1);
        expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(EvidenceConflictError);
        expect(await store.countEvidence()).to.equal(500);
        for (const s of samples.slice(0, 20)) expect(checkEvidence(s.receipt, (await store.getEvidence(s.receipt.receiptId))!).ok).to.equal(true);
        await store.close();
      });

      it("keeps content-addressed artifacts, refuses a digest that is not keccak256(bytes), deletes by digest", async () => {
        const store = open();
        const a = artifact("Template v3: answer the procurement question {{question}}");
        const b = artifact("contract/northwind/2026.md: unit price 12.40 EUR");
        await store.putArtifacts([a, b]);
        await store.putArtifacts([a]);
        expect(await store.getArtifact(a.digest)).to.deep.equal({ mediaType: a.mediaType, bytes: a.bytes });
        const wrong = { ...b, digest: a.digest };
        const error = await store.putArtifacts([artifact("fresh"), wrong]).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidEvidenceError);
        expect((error as InvalidEvidenceError).field).to.equal("artifacts[1].digest");
        expect(await store.getArtifact(artifact("fresh").digest)).to.equal(undefined); // nothing of the call stored
        expect(await store.deleteArtifacts([a.digest, artifact("never stored").digest])).to.equal(1);
        expect(await store.getArtifact(a.digest)).to.equal(undefined);
        expect(await store.getArtifact(b.digest)).to.not.equal(undefined);
        await store.close();
      });

      it("deletes evidence per receipt and by age (retention)", async () => {
        const store = open();
        const samples = [sample(1, 1000), sample(2, 2000), sample(3, 3000), sample(4, 4000)];
        for (const s of samples) await store.putEvidence(s.evidence);
        expect(await store.deleteEvidence(samples[3]!.receipt.receiptId)).to.equal(true);
        expect(await store.deleteEvidence(samples[3]!.receipt.receiptId)).to.equal(false);
        expect(await store.deleteEvidenceBefore(3000)).to.equal(2);
        expect(await store.getEvidence(samples[0]!.receipt.receiptId)).to.equal(undefined);
        expect(await store.getEvidence(samples[2]!.receipt.receiptId)).to.not.equal(undefined);
        expect(await store.countEvidence()).to.equal(1);
        await store.close();
      });

      it("survives reopening the file", async () => {
        const path = join(tempDir(), "evidence.sqlite");
        const first = open(path);
        const { evidence } = sample(9);
        await first.putEvidence(evidence);
        await first.close();
        const second = open(path);
        expect(await second.getEvidence(evidence.receiptId)).to.deep.equal(evidence);
        await second.close();
      });
    });
  }

  it("names the field of malformed evidence and stores nothing", async () => {
    const store = SqliteEvidenceStore.open({ path: ":memory:", encryptionKey: null });
    const { evidence } = sample(5);
    const cases: [unknown, string][] = [
      [{ ...evidence, receiptId: "0x1234" }, "receiptId"],
      [{ ...evidence, format: "other" }, "format"],
      [{ ...evidence, output: { ...evidence.output, salt: "0xzz" } }, "output.salt"],
      [{ ...evidence, input: { ...evidence.input, encoding: "latin1" } }, "input.encoding"],
      [{ ...evidence, tools: [{ ...evidence.tools[0]!, name: 7 }] }, "tools[0].name"],
      [{ ...evidence, template: { ...evidence.template!, version: -1 } }, "template.version"],
      [{ ...evidence, retrieval: { root: zeroHash, documents: [{ id: "d", artifact: "0x" }] } }, "retrieval.documents[0].artifact"],
    ];
    for (const [bad, field] of cases) {
      const error = await store.putEvidence(bad as ReceiptEvidence).catch((e: unknown) => e);
      expect(error, field).to.be.instanceOf(InvalidEvidenceError);
      expect((error as InvalidEvidenceError).field).to.equal(field);
      expect((error as InvalidEvidenceError).message).to.include("Expected:");
    }
    expect(await store.countEvidence()).to.equal(0);
    await store.close();
    expect(await store.putEvidence(evidence).catch((e: unknown) => e)).to.be.instanceOf(EvidenceStoreClosedError);
  });

  it("checkEvidence says which commitment an altered record fails to open", () => {
    const { receipt, evidence } = sample(6);
    const check = checkEvidence(receipt, {
      ...evidence,
      output: { ...evidence.output, content: evidence.output.content + "!" },
      tools: [{ ...evidence.tools[0]!, input: { ...evidence.tools[0]!.input, salt: zeroHash } }],
      sampling: { ...evidence.sampling, "gen_ai.request.seed": 999 },
    });
    expect(check.ok).to.equal(false);
    expect(check.mismatches.map((m) => m.field)).to.deep.equal(["outputDigest", "samplingDigest", "tools[0].inputDigest"]);
    expect(check.mismatches[0]!.committed).to.equal(receipt.outputDigest);
  });

  describe("encryption at rest", () => {
    it("leaves no content, salt or artifact digest readable in the file", async () => {
      const path = join(tempDir(), "evidence.sqlite");
      const store = SqliteEvidenceStore.open({ path, encryptionKey: KEY });
      const { evidence } = sample(7);
      const a = artifact("the retrieval document text, confidential");
      await store.putEvidence(evidence);
      await store.putArtifacts([a]);
      await store.close();
      const file = readFileSync(path).toString("latin1") + readFileSync(`${path}-wal`, { flag: "a+" }).toString("latin1");
      for (const secret of ["secret question", "secret answer", "confidential", "text/plain"]) expect(file).to.not.include(secret);
      const raw = (hex: Hex) => Buffer.from(hex.slice(2), "hex").toString("latin1");
      for (const value of [evidence.input.salt, evidence.output.salt, a.digest]) expect(file).to.not.include(raw(value));
    });

    it("refuses a missing key, a wrong key, a key for a plain store and a malformed key, clearly", async () => {
      const path = join(tempDir(), "evidence.sqlite");
      await SqliteEvidenceStore.open({ path, encryptionKey: KEY }).close();
      const problem = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          expect(error).to.be.instanceOf(EvidenceKeyError);
          return (error as EvidenceKeyError).problem;
        }
        return "opened";
      };
      expect(problem(() => SqliteEvidenceStore.open({ path, encryptionKey: null }))).to.equal("missing");
      expect(problem(() => SqliteEvidenceStore.open({ path, encryptionKey: OTHER_KEY }))).to.equal("wrong-key");
      const plain = join(tempDir(), "plain.sqlite");
      await SqliteEvidenceStore.open({ path: plain, encryptionKey: null }).close();
      expect(problem(() => SqliteEvidenceStore.open({ path: plain, encryptionKey: KEY }))).to.equal("unexpected");
      expect(problem(() => parseEvidenceKey("not a key"))).to.equal("malformed");
      expect(parseEvidenceKey(Buffer.alloc(32, 0x42).toString("base64"))).to.deep.equal(parseEvidenceKey(KEY));
    });

    it("takes the key from SHOWWORK_EVIDENCE_KEY by default", async () => {
      const path = join(tempDir(), "evidence.sqlite");
      const saved = process.env.SHOWWORK_EVIDENCE_KEY;
      process.env.SHOWWORK_EVIDENCE_KEY = KEY.slice(2);
      try {
        const store = SqliteEvidenceStore.open({ path });
        expect(store.encrypted).to.equal(true);
        await store.close();
        const again = SqliteEvidenceStore.open({ path, encryptionKey: KEY });
        expect(again.encrypted).to.equal(true);
        await again.close();
      } finally {
        if (saved === undefined) delete process.env.SHOWWORK_EVIDENCE_KEY;
        else process.env.SHOWWORK_EVIDENCE_KEY = saved;
      }
    });

    it("detects a record that was altered or moved to another receipt's row", async () => {
      const path = join(tempDir(), "evidence.sqlite");
      const store = SqliteEvidenceStore.open({ path, encryptionKey: KEY });
      const one = sample(11);
      const two = sample(12);
      await store.putEvidence(one.evidence);
      await store.putEvidence(two.evidence);
      await store.close();
      const db = new DatabaseSync(path);
      const idOf = (e: ReceiptEvidence) => Buffer.from(e.receiptId.slice(2), "hex");
      // Move record one into record two's row (a log-controlling attacker swapping evidence).
      const body = (db.prepare("SELECT body FROM evidence WHERE receipt_id = ?").get(idOf(one.evidence)) as { body: Uint8Array }).body;
      db.prepare("UPDATE evidence SET body = ? WHERE receipt_id = ?").run(body, idOf(two.evidence));
      // Flip one bit of record one.
      const flipped = Buffer.from(body);
      flipped[20]! ^= 1;
      db.prepare("UPDATE evidence SET body = ? WHERE receipt_id = ?").run(flipped, idOf(one.evidence));
      db.close();
      const reopened = SqliteEvidenceStore.open({ path, encryptionKey: KEY });
      for (const id of [one.evidence.receiptId, two.evidence.receiptId]) {
        const error = await reopened.getEvidence(id).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(EvidenceKeyError);
        expect((error as EvidenceKeyError).problem).to.equal("undecryptable");
      }
      await reopened.close();
    });
  });
});
