/**
 * The evidence store contract: the same cases against both EvidenceStore implementations
 * (SQLite on a temp file; PostgreSQL on a real server, one database for this file, a fresh
 * schema per case), plain and encrypted. SQLite-only details stay in sqlite.test.ts.
 */
import { join } from "node:path";

import { expect } from "chai";
import pg from "pg";
import { zeroHash, type Hex } from "viem";

import {
  EvidenceConflictError,
  EvidenceKeyError,
  InvalidEvidenceError,
  PostgresEvidenceStore,
  SqliteEvidenceStore,
  checkEvidence,
  type EvidenceStore,
  type ReceiptEvidence,
} from "../../sdk/evidence/index.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";
import { freshDatabase } from "../support/postgres.js";
import { KEY, OTHER_KEY, artifact, sample } from "./support/fixtures.js";

type Store = EvidenceStore & { readonly encrypted: boolean; countEvidence(): Promise<number> };
let pgUrl: string | undefined;
let schemas = 0;

interface Kind {
  readonly name: string;
  fresh(): Promise<string>;
  open(where: string, key: string | null): Promise<Store>;
  /** Every stored byte, as text (to look for plaintext). */
  rawText(where: string): Promise<string>;
}

const KINDS: Kind[] = [
  {
    name: "SQLite",
    fresh: async () => join(tempDir(), "evidence.sqlite"),
    open: async (where, key) => SqliteEvidenceStore.open({ path: where, encryptionKey: key }),
    rawText: async (where) => {
      const { readFileSync } = await import("node:fs");
      return readFileSync(where).toString("latin1") + readFileSync(`${where}-wal`, { flag: "a+" }).toString("latin1");
    },
  },
  {
    name: "PostgreSQL",
    fresh: async () => {
      pgUrl ??= await freshDatabase("evidence_contract");
      return `e${++schemas}`;
    },
    open: async (where, key) => PostgresEvidenceStore.open({ url: pgUrl!, schema: where, encryptionKey: key }),
    rawText: async (where) => {
      const client = new pg.Client({ connectionString: pgUrl! });
      await client.connect();
      try {
        const parts: string[] = [];
        for (const table of ["evidence", "evidence_artifacts", "evidence_meta"]) {
          for (const row of (await client.query(`SELECT * FROM ${where}.${table}`)).rows as Record<string, unknown>[]) {
            for (const value of Object.values(row)) parts.push(value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : String(value));
          }
        }
        return parts.join("|");
      } finally {
        await client.end();
      }
    },
  },
];

for (const kind of KINDS) {
  describe(`EvidenceStore contract: ${kind.name}`, function () {
    this.timeout(60_000);
    after(() => removeTempDirs());

    for (const encrypted of [false, true]) {
      describe(encrypted ? "encrypted (AES-256-GCM)" : "plain", () => {
        const open = async (where?: string): Promise<Store> => kind.open(where ?? (await kind.fresh()), encrypted ? KEY : null);

        it("stores evidence and gives it back exactly; the evidence opens the receipt's commitments", async () => {
          const store = await open();
          const { receipt, evidence } = sample(1);
          await store.putEvidence(evidence);
          const back = await store.getEvidence(receipt.receiptId);
          expect(back).to.deep.equal(evidence);
          expect(checkEvidence(receipt, back!).ok).to.equal(true);
          expect(store.encrypted).to.equal(encrypted);
          expect(await store.getEvidence(`0x${"00".repeat(32)}`)).to.equal(undefined);
          expect(await store.getEvidence("0x12" as Hex)).to.equal(undefined);
          await store.close();
        });

        it("is idempotent by receipt id, and refuses different evidence under a stored id (keeping the stored one)", async () => {
          const store = await open();
          const { evidence } = sample(2);
          await store.putEvidence(evidence);
          await store.putEvidence(structuredClone(evidence));
          const other = { ...evidence, output: { ...evidence.output, content: "a different answer" } };
          expect(await store.putEvidence(other).catch((e: unknown) => e)).to.be.instanceOf(EvidenceConflictError);
          expect((await store.getEvidence(evidence.receiptId))!.output.content).to.equal(evidence.output.content);
          expect(await store.countEvidence()).to.equal(1);
          await store.close();
        });

        it("takes many concurrent writes, rejecting only the bad one", async () => {
          const store = await open();
          const samples = Array.from({ length: 200 }, (_, i) => sample(100 + i));
          await store.putEvidence(samples[0]!.evidence);
          const conflicting = { ...samples[0]!.evidence, output: { ...samples[0]!.evidence.output, content: "changed" } };
          const results = await Promise.allSettled([conflicting, ...samples.slice(1).map((s) => s.evidence)].map((e) => store.putEvidence(e)));
          expect(results.filter((r) => r.status === "rejected").length).to.equal(1);
          expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(EvidenceConflictError);
          expect(await store.countEvidence()).to.equal(200);
          for (const s of samples.slice(0, 10)) expect(checkEvidence(s.receipt, (await store.getEvidence(s.receipt.receiptId))!).ok).to.equal(true);
          await store.close();
        });

        it("keeps content-addressed artifacts, refuses a digest that is not keccak256(bytes), deletes by digest", async () => {
          const store = await open();
          const a = artifact("Template v3: answer the procurement question {{question}}");
          const b = artifact("contract/northwind/2026.md: unit price 12.40 EUR");
          await store.putArtifacts([a, b]);
          await store.putArtifacts([a]);
          expect(await store.getArtifact(a.digest)).to.deep.equal({ mediaType: a.mediaType, bytes: a.bytes });
          const error = await store.putArtifacts([artifact("fresh"), { ...b, digest: a.digest }]).catch((e: unknown) => e);
          expect(error).to.be.instanceOf(InvalidEvidenceError);
          expect((error as InvalidEvidenceError).field).to.equal("artifacts[1].digest");
          expect(await store.getArtifact(artifact("fresh").digest), "nothing of the call stored").to.equal(undefined);
          expect(await store.deleteArtifacts([a.digest, artifact("never stored").digest])).to.equal(1);
          expect(await store.getArtifact(a.digest)).to.equal(undefined);
          expect(await store.getArtifact(b.digest)).to.not.equal(undefined);
          await store.close();
        });

        it("deletes evidence per receipt and by age (retention), and says when", async () => {
          const store = await open();
          const samples = [sample(1, 1000), sample(2, 2000), sample(3, 3000), sample(4, 4000)];
          for (const s of samples) await store.putEvidence(s.evidence);
          const before = Math.floor(Date.now() / 1000);
          expect(await store.deleteEvidence(samples[3]!.receipt.receiptId)).to.equal(true);
          expect(await store.deleteEvidence(samples[3]!.receipt.receiptId)).to.equal(false);
          expect(await store.deleteEvidenceBefore(3000)).to.equal(2);
          expect(await store.getEvidence(samples[0]!.receipt.receiptId)).to.equal(undefined);
          expect(await store.getEvidence(samples[2]!.receipt.receiptId)).to.not.equal(undefined);
          expect(await store.countEvidence()).to.equal(1);
          expect((await store.getDeletion!(samples[0]!.receipt.receiptId))?.deletedAt).to.be.at.least(before);
          expect((await store.getDeletion!(samples[3]!.receipt.receiptId))?.deletedAt).to.be.at.least(before);
          expect(await store.getDeletion!(samples[2]!.receipt.receiptId), "not deleted").to.equal(undefined);
          await store.close();
        });

        it("survives reopening", async () => {
          const where = await kind.fresh();
          const first = await open(where);
          const { evidence } = sample(9);
          await first.putEvidence(evidence);
          await first.close();
          const second = await open(where);
          expect(await second.getEvidence(evidence.receiptId)).to.deep.equal(evidence);
          await second.close();
        });
      });
    }

    it("names the field of malformed evidence and stores nothing", async () => {
      const store = await kind.open(await kind.fresh(), null);
      const { evidence } = sample(5);
      const cases: [unknown, string][] = [
        [{ ...evidence, receiptId: "0x1234" }, "receiptId"],
        [{ ...evidence, output: { ...evidence.output, salt: "0xzz" } }, "output.salt"],
        [{ ...evidence, tools: [{ ...evidence.tools[0]!, name: 7 }] }, "tools[0].name"],
        [{ ...evidence, retrieval: { root: zeroHash, documents: [{ id: "d", artifact: "0x" }] } }, "retrieval.documents[0].artifact"],
      ];
      for (const [bad, field] of cases) {
        const error = await store.putEvidence(bad as ReceiptEvidence).catch((e: unknown) => e);
        expect(error, field).to.be.instanceOf(InvalidEvidenceError);
        expect((error as InvalidEvidenceError).field).to.equal(field);
      }
      expect(await store.countEvidence()).to.equal(0);
      await store.close();
    });

    it("encrypted: leaves no content, salt, media type or artifact digest readable in storage", async () => {
      const where = await kind.fresh();
      const store = await kind.open(where, KEY);
      const { evidence } = sample(7);
      const a = artifact("the retrieval document text, confidential");
      await store.putEvidence(evidence);
      await store.putArtifacts([a]);
      await store.close();
      const raw = await kind.rawText(where);
      for (const secret of ["secret question", "secret answer", "confidential", "text/plain"]) expect(raw).to.not.include(secret);
      const bin = (hex: Hex) => Buffer.from(hex.slice(2), "hex").toString("latin1");
      for (const value of [evidence.input.salt, evidence.output.salt, a.digest]) expect(raw).to.not.include(bin(value));
    });

    it("refuses a missing key, a wrong key and a key for a plain store, clearly", async () => {
      const where = await kind.fresh();
      await (await kind.open(where, KEY)).close();
      const problem = async (open: () => Promise<Store>): Promise<string> => {
        try {
          await (await open()).close();
          return "opened";
        } catch (error) {
          expect(error).to.be.instanceOf(EvidenceKeyError);
          return (error as EvidenceKeyError).problem;
        }
      };
      expect(await problem(() => kind.open(where, null))).to.equal("missing");
      expect(await problem(() => kind.open(where, OTHER_KEY))).to.equal("wrong-key");
      const plain = await kind.fresh();
      await (await kind.open(plain, null)).close();
      expect(await problem(() => kind.open(plain, KEY))).to.equal("unexpected");
    });
  });
}
