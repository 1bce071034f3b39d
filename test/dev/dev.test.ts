/**
 * `showwork dev` as a function (sdk/dev/runDev.ts), end to end with real parts: the journaled EDR
 * chain over HTTP, the set-up, the anchoring service, the config; capture with no options but the
 * config (the real `openai` client against the mock upstream on 127.0.0.1); `verify --last`'s fetch;
 * VERIFIED pinned to the config's operator; then a restart: nothing is sent again and the old
 * bundle still verifies.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import OpenAI from "openai";

import { capturerOptionsFromConfig, createCapturer, receiptIdOf, withReceipts } from "../../sdk/capture/index.js";
import { createModelServer } from "../../sdk/capture/testing/index.js";
import { fetchBundle, lastReceiptOf } from "../../sdk/cli/projectConfig.js";
import { loadConfig } from "../../sdk/config/index.js";
import { startDev } from "../../sdk/dev/runDev.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";

describe("showwork dev (in-process): set-up, capture from the config, VERIFIED, restart", function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "showwork-dev-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sets everything up once, captures with no options, verifies; after a restart the old bundle verifies and nothing is re-sent", async () => {
    const upstream = await createModelServer({ models: { "gpt-4o-mini": { version: "2026-01" } } }).listen(0);
    let bundleText: string;
    let operator: string;
    try {
      const dev = await startDev({ cwd: dir, chainPort: 0, servicePort: 0, models: ["gpt-4o-mini"], maxDelayMs: 100 });
      try {
        expect(dev.setup.transactions.map((t) => t.what)).to.include.members(["deploy ReceiptLogs", "deploy ModelTimeline", "create the log", "bind the log to the ModelTimeline"]);
        const config = loadConfig({ cwd: dir, env: {} });
        expect(config.file).to.equal(join(dir, ".showwork", "config.json"));
        expect(config.rpc).to.deep.equal([dev.chain.url]);
        expect(config.operator).to.equal(dev.operator);
        expect(config.secrets.nodeKey).to.match(/^0x[0-9a-f]{64}$/);
        expect(statSync(join(dir, ".showwork", "secrets.json")).mode & 0o777).to.equal(0o600);
        operator = dev.operator;

        // Capture: nothing but the config (cwd = the project).
        const capturer = createCapturer(capturerOptionsFromConfig({}, { cwd: dir, env: {} }));
        const openai = withReceipts(new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "test" }), { capturer });
        const answer = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Which supplier?" }] });
        const receiptId = receiptIdOf(answer)!;
        await capturer.close();
        expect(lastReceiptOf(config)).to.equal(receiptId);

        const fetched = await fetchBundle(config, receiptId, { waitMs: 60_000 });
        expect(fetched.file).to.equal(join(dir, ".showwork", "bundles", `${receiptId}.bundle.json`));
        bundleText = readFileSync(fetched.file, "utf8");
        const verdict = await verifyBundle(bundleText, { rpcUrls: [...config.rpc], trust: { logs: [], operators: [operator] } });
        expect(verdict.status, JSON.stringify(verdict.checks.filter((c) => c.status !== "pass"), null, 1)).to.equal("verified");
      } finally {
        await dev.close();
      }

      const again = await startDev({ cwd: dir, chainPort: 0, servicePort: 0 });
      try {
        expect(again.chain.created).to.equal(false);
        expect(again.chain.replayedBlocks).to.be.greaterThan(9);
        expect(again.setup.transactions).to.deep.equal([]);
        const config = loadConfig({ cwd: dir, env: {} });
        const verdict = await verifyBundle(bundleText, { rpcUrls: [...config.rpc], trust: { logs: [], operators: [operator] } });
        expect(verdict.status, JSON.stringify(verdict.checks.filter((c) => c.status !== "pass"), null, 1)).to.equal("verified");
      } finally {
        await again.close();
      }
    } finally {
      await upstream.close();
    }
  });
});
