/**
 * `showwork dev --chains 2` (sdk/dev/runDev.ts): two journaled local chains (ids 31337 and 31338) with the same
 * set-up, the service anchoring every batch on both, the config naming both; a captured answer's bundle carries
 * both anchors and verifies under `all`; after a restart (the choice remembered) both chains replay and it still does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import OpenAI from "openai";

import { capturerOptionsFromConfig, createCapturer, receiptIdOf, withReceipts } from "../../sdk/capture/index.js";
import { createModelServer } from "../../sdk/capture/testing/index.js";
import { toBundleJson } from "../../sdk/bundle/parseBundle.js";
import type { ProofBundle } from "../../sdk/bundle/types.js";
import { loadConfig } from "../../sdk/config/index.js";
import { startDev, type RunningDev } from "../../sdk/dev/runDev.js";
import { verifyBundleOnChains } from "../../sdk/verify/verifyOnChains.js";

async function bundleOnBothChains(dev: RunningDev, receiptId: string): Promise<ProofBundle> {
  for (let i = 0; i < 600; i++) {
    const bundle = await dev.service.service.bundle(receiptId).catch(() => undefined);
    if (bundle !== undefined && bundle.anchors.length === 2) return bundle;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`receipt ${receiptId} was not anchored on both chains: ${JSON.stringify(await dev.service.service.status(receiptId))}`);
}

describe("showwork dev --chains 2: two local chains, every batch anchored on both", function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "showwork-dev2-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sets up both chains, anchors the captured answer on both (VERIFIED under all, each chain confirming); a restart brings both chains back", async () => {
    const upstream = await createModelServer({ models: { "gpt-4o-mini": { version: "2026-01" } } }).listen(0);
    try {
      let bundle: Record<string, unknown>;
      const dev = await startDev({ cwd: dir, chainPort: 0, servicePort: 0, secondChainPort: 0, chains: 2, models: ["gpt-4o-mini"], maxDelayMs: 100 });
      let chains: { chainId: number; name: string; rpcUrls: string[] }[];
      try {
        expect(dev.secondChain?.chainId).to.equal(31_338);
        expect(dev.chain.chainId).to.not.equal(dev.secondChain?.chainId);
        expect(dev.secondSetup?.transactions.map((t) => t.what)).to.include.members(["deploy ReceiptLogs", "deploy ModelTimeline", "create the log"]);
        const config = loadConfig({ cwd: dir, env: {} });
        expect(config.chains.map((c) => [c.name, c.chainId])).to.deep.equal([
          ["local", dev.chain.chainId],
          ["local-l1", 31_338],
        ]);
        expect(config.chains[1]).to.deep.include({ receiptLogs: dev.secondSetup!.receiptLogs, logId: dev.secondSetup!.logId, rpc: [dev.secondChain!.url] });
        expect(dev.service.service.health().chains.map((c) => [c.name, c.chainId])).to.deep.equal([
          ["primary", dev.chain.chainId],
          ["local-l1", 31_338],
        ]);

        const capturer = createCapturer(capturerOptionsFromConfig({}, { cwd: dir, env: {} }));
        const openai = withReceipts(new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "test" }), { capturer });
        const answer = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Which supplier?" }] });
        const receiptId = receiptIdOf(answer)!;
        await capturer.close();
        const both = await bundleOnBothChains(dev, receiptId);
        expect(both.anchors.map((a) => a.chainId)).to.deep.equal([dev.chain.chainId, 31_338]);
        bundle = toBundleJson(both) as unknown as Record<string, unknown>;
        chains = config.chains.map((c) => ({ chainId: c.chainId, name: c.name, rpcUrls: [...c.rpc] }));
        const verdict = await verifyBundleOnChains(bundle, { chains, require: "all", trust: { logs: [], operators: [dev.operator] } });
        expect(verdict.status, verdict.summary).to.equal("verified");
        expect(verdict.chains.map((c) => [c.name, c.accepted])).to.deep.equal([
          ["local", true],
          ["local-l1", true],
        ]);
      } finally {
        await dev.close();
      }

      // Started again without --chains: both chains come back from their journals, nothing is sent again.
      const again = await startDev({ cwd: dir, chainPort: 0, servicePort: 0, secondChainPort: 0 });
      try {
        expect(again.secondChain?.created).to.equal(false);
        expect(again.secondSetup?.transactions).to.deep.equal([]);
        expect(again.setup.transactions).to.deep.equal([]);
        const config = loadConfig({ cwd: dir, env: {} });
        chains = config.chains.map((c) => ({ chainId: c.chainId, name: c.name, rpcUrls: [...c.rpc] }));
        expect(chains.map((c) => c.name)).to.deep.equal(["local", "local-l1"]);
        const verdict = await verifyBundleOnChains(bundle, { chains, require: "all", trust: { logs: [], operators: [again.operator] } });
        expect(verdict.status, verdict.summary).to.equal("verified");
      } finally {
        await again.close();
      }
    } finally {
      await upstream.close();
    }
  });

  it("measured at showwork dev's settings (batches close within 1 s, poll 200 ms, every batch on both chains): time from the answer to its first and last anchor", async () => {
    const upstream = await createModelServer({ models: { "gpt-4o-mini": { version: "2026-01" } } }).listen(0);
    const fresh = mkdtempSync(join(tmpdir(), "showwork-dev2-measure-"));
    const dev = await startDev({ cwd: fresh, chainPort: 0, servicePort: 0, secondChainPort: 0, chains: 2, models: ["gpt-4o-mini"] });
    try {
      const capturer = createCapturer(capturerOptionsFromConfig({}, { cwd: fresh, env: {} }));
      const openai = withReceipts(new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "test" }), { capturer });
      const answered: { receiptId: string; at: number }[] = [];
      for (let i = 0; i < 6; i++) {
        const answer = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `question ${i}` }] });
        answered.push({ receiptId: receiptIdOf(answer)!, at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, 350));
      }
      await capturer.close();
      const first: number[] = [];
      const last: number[] = [];
      for (const { receiptId, at } of answered) {
        await bundleOnBothChains(dev, receiptId);
        const chains = (await dev.service.service.status(receiptId)).chains!;
        expect(chains.map((c) => c.name)).to.deep.equal(["primary", "local-l1"]);
        const times = chains.map((c) => Date.parse(c.anchoredAt!));
        first.push(Math.min(...times) - at);
        last.push(Math.max(...times) - at);
      }
      console.log(`      showwork dev --chains 2 measurements (ms from the answer): ${JSON.stringify({ toFirstAnchor: first, toLastAnchor: last })}`);
      expect(first.every((ms, i) => ms <= last[i]!)).to.equal(true);
    } finally {
      await dev.close();
      await upstream.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
