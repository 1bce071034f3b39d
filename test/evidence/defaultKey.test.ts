/**
 * Evidence encrypted at rest by default (issue #21): a new evidence store inside a project gets a
 * key generated into `.showwork/secrets.json` (0600, other secrets kept) and is created encrypted;
 * an existing store, a store outside a project, keep what they are — and a plain store is warned
 * about by the capturer at start (log line and warning event).
 */
import { statSync, writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";

import { createCapturer, type CaptureEvent } from "../../sdk/capture/index.js";
import { evidenceKeyForStore } from "../../sdk/evidence/defaultKey.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/sqlite.js";
import { privateKeyToReceiptSigner } from "../../sdk/receipt/index.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

describe("evidence: encrypted at rest by default", () => {
  after(() => removeTempDirs());

  it("generates a key into the project's secrets file for a new store, keeps the other secrets, and reuses it", async () => {
    const root = tempDir();
    mkdirSync(join(root, ".showwork"));
    const secretsFile = join(root, ".showwork", "secrets.json");
    const nodeKey = generatePrivateKey();
    writeFileSync(secretsFile, JSON.stringify({ nodeKey }), { mode: 0o600 });
    const store = join(root, ".showwork", "evidence.sqlite");
    const choice = evidenceKeyForStore({ store, key: undefined, secretsFile });
    expect(choice.generated).to.equal(true);
    expect(choice.key).to.match(/^0x[0-9a-f]{64}$/);
    const written = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
    expect(written).to.deep.equal({ nodeKey, evidenceKey: choice.key });
    expect(statSync(secretsFile).mode & 0o777).to.equal(0o600);
    const opened = SqliteEvidenceStore.open({ path: store, encryptionKey: choice.key! });
    expect(opened.encrypted).to.equal(true);
    await opened.close();
    // The store exists now: nothing is generated again, the given key is used.
    expect(evidenceKeyForStore({ store, key: choice.key, secretsFile })).to.deep.equal({ key: choice.key, generated: false });
    expect(evidenceKeyForStore({ store, key: undefined, secretsFile })).to.deep.equal({ key: undefined, generated: false });
  });

  it("never keys an existing plain store or one outside a project; the capturer warns about plain evidence", async () => {
    const dir = tempDir();
    expect(evidenceKeyForStore({ store: join(dir, "e.sqlite"), key: undefined, secretsFile: undefined })).to.deep.equal({ key: undefined, generated: false });
    expect(evidenceKeyForStore({ store: "postgres://u@127.0.0.1/db", key: undefined, secretsFile: join(dir, "secrets.json") }).generated).to.equal(false);
    const plain = SqliteEvidenceStore.open({ path: join(dir, "plain.sqlite"), encryptionKey: null });
    const lines: string[] = [];
    const events: CaptureEvent[] = [];
    const capturer = createCapturer({
      signer: privateKeyToReceiptSigner(generatePrivateKey()),
      sink: { direct: true, submit: async () => undefined },
      evidence: plain,
      onEvent: (e) => events.push(e),
      logger: { warn: (m) => lines.push(m), info: () => undefined },
    });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/keeps prompts and answers in PLAIN TEXT.*SHOWWORK_EVIDENCE_KEY.*showwork dev/);
    expect(events.filter((e) => e.type === "warning")).to.have.length(1);
    await capturer.close();
    await plain.close();
  });
});
