/**
 * `showwork doctor` on the capture side (issue #21): the model versions the capture saw are kept in
 * the queue file (`versions`: first/last seen, answers), so that doctor — another process, after the
 * app stopped — warns (⚠, with "Do:") about a hosted model's provider fingerprint that is not
 * published, clears it once the config's manifest lists it, and reads a running proxy's `/metrics`
 * (`--proxy URL`) the same way. The real `openai` package against the mock upstream, whose
 * `system_fingerprint` changes when its version does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import OpenAI from "openai";
import { generatePrivateKey } from "viem/accounts";

import { CaptureQueue, createCapturer, remoteSink, startCaptureProxy, withReceipts, type ReceiptSink } from "../../sdk/capture/index.js";
import { createModelServer, systemFingerprint } from "../../sdk/capture/testing/modelServer.js";
import { privateKeyToReceiptSigner } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { createServiceApp } from "../../sdk/service/http/app.js";
import { generateAccessToken } from "../../sdk/service/http/tokens.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { showwork } from "../service/helpers/processes.js";
import { removeTempDirs, tempDir } from "../service/helpers/service.js";

const MODEL = "acme/chat";
const signer = privateKeyToReceiptSigner(generatePrivateKey());

interface Finding {
  check: string;
  ok: boolean;
  warn?: boolean;
  message: string;
  fix?: string;
}

describe("capture: showwork doctor warns about model versions seen but not published", function () {
  this.timeout(180_000);
  after(() => removeTempDirs());

  it("keeps each (model, fingerprint) seen in the queue file; doctor warns about the unpublished one with the publish command, and stops once the manifest lists it", async () => {
    const root = tempDir();
    mkdirSync(join(root, ".showwork"));
    const configFile = join(root, ".showwork", "config.json");
    const v1 = systemFingerprint("v1");
    const v2 = systemFingerprint("v2");
    const writeConfig = (published: string[]): void =>
      writeFileSync(configFile, JSON.stringify({ format: "showwork/config@1", chains: [], capture: { queue: ".showwork/queue.sqlite", models: { [MODEL]: { provider: "acme", published } } } }));
    writeConfig([v1]);
    const queuePath = join(root, ".showwork", "queue.sqlite");

    const service = await AnchoringService.open({ store: SqliteReceiptStore.open({ path: join(tempDir(), "store.sqlite") }) });
    const token = generateAccessToken().token;
    const app = createServiceApp(service, { door: { auth: { devToken: token }, allowedHosts: ["anchor.test"] } });
    const server = createModelServer({ models: { [MODEL]: { version: "v1" } } });
    const sink = remoteSink({ url: "http://anchor.test", token, queuePath, fetch: ((input: string | URL | Request, init?: RequestInit) => app.fetch(new Request(input, init))) as typeof fetch, logger: false });
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { provider: "acme", published: [v1] } }, logger: false, handleSignals: false });
    const client = withReceipts(new OpenAI({ apiKey: "test", baseURL: "http://model.local/v1", fetch: server.fetch, maxRetries: 0 }), { capturer });
    await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "a" }] });
    server.models[MODEL]!.version = "v2"; // the provider rotates its fingerprint
    for (const q of ["b", "c"]) await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: q }] });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "d" }], stream: true });
    for await (const _ of stream) void _;
    expect(await capturer.close({ timeoutMs: 10_000 })).to.include({ delivered: true, queued: 0 });
    await service.close();

    // What the queue file keeps (the capturer is gone).
    const queue = CaptureQueue.open(queuePath);
    const versions = queue.versions();
    queue.close();
    const byFingerprint = new Map(versions.map((v) => [v.systemFingerprint, v]));
    expect([...byFingerprint.keys()].sort()).to.deep.equal([v1, v2].sort());
    expect(byFingerprint.get(v1)).to.include({ model: MODEL, provider: "acme", published: true, answers: 1 });
    expect(byFingerprint.get(v2)).to.include({ model: MODEL, provider: "acme", published: false, answers: 3 });
    expect(byFingerprint.get(v2)!.lastSeen).to.be.at.least(byFingerprint.get(v2)!.firstSeen);

    const env = { SHOWWORK_CONFIG: configFile };
    const json = await showwork(["doctor", "--json"], env);
    const findings = (JSON.parse(json.stdout) as { ok: boolean; findings: Finding[] }).findings;
    const warning = findings.find((f) => f.check === "model-version");
    expect(warning, json.stdout).to.include({ ok: false, warn: true });
    expect(warning!.message).to.include(`hosted model "${MODEL}" answered as a provider version not published (provider acme, system_fingerprint "${v2}"`).and.include("3 answer(s) from ");
    expect(warning!.message).to.include(byFingerprint.get(v2)!.weightsDigest);
    expect(warning!.fix).to.equal(`publish the version: showwork model publish "${MODEL}" --weights ${byFingerprint.get(v2)!.weightsDigest} --hosted acme:${v2}, then add "${v2}" to capture.models["${MODEL}"].published in ${configFile}`);
    expect(findings.find((f) => f.check === "capture-queue")).to.include({ ok: true });
    expect(json.code).to.not.equal(0);

    const human = await showwork(["doctor"], env);
    expect(human.stdout).to.match(new RegExp(`⚠ hosted model "acme/chat" answered as a provider version not published .*${v2}.*\\n  Do: publish the version: showwork model publish`));

    // The operator published it and listed it in the manifest: no more warning.
    writeConfig([v1, v2]);
    const fixed = JSON.parse((await showwork(["doctor", "--json"], env)).stdout) as { findings: Finding[] };
    expect(fixed.findings.filter((f) => f.check === "model-version")).to.deep.equal([{ check: "model-version", ok: true, message: "every model version the capture saw is published (or declared in the manifest)" }]);
  });

  it("reads a running proxy's /metrics (--proxy URL) for versions seen but not published", async () => {
    const server = createModelServer({ models: { [MODEL]: { version: "v3" } } });
    const upstream = await server.listen();
    const sink: ReceiptSink = { direct: true, submit: async () => undefined };
    const capturer = createCapturer({ signer, sink, models: { [MODEL]: { provider: "acme", published: [] } }, logger: false, handleSignals: false });
    const proxy = await startCaptureProxy({ upstream: upstream.url, capturer });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
      await capturer.settled();
      const run = await showwork(["doctor", "--json", "--proxy", proxy.url, "--queue", join(tempDir(), "none.sqlite")]);
      expect(run.stdout, run.stderr).to.match(/^\{/);
      const findings = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
      const warning = findings.find((f) => f.check === "model-version");
      expect(warning, run.stdout).to.include({ ok: false, warn: true });
      expect(warning!.message).to.include(`system_fingerprint "${systemFingerprint("v3")}"`).and.include(`1 answer(s) since the proxy started (proxy ${proxy.url})`);
      expect(warning!.fix).to.match(new RegExp(`^publish the version: showwork model publish "acme/chat" --weights 0x[0-9a-f]{64} --hosted acme:${systemFingerprint("v3")}, then add`));
    } finally {
      await proxy.close();
      await capturer.close();
      await upstream.close();
    }
  });
});
