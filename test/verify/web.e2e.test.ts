/**
 * The web verifier end to end: `showwork verifier`'s server (page built with esbuild), Debian's
 * headless Chromium driven by playwright-core, and a `hardhat node` process on 127.0.0.1 as the
 * RPC endpoint the visitor types in.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { chromium, type BrowserContext, type Page } from "playwright-core";

import type { ProofBundleJson } from "../../sdk/bundle/types.js";
import { DISCLOSURE_FORMAT, toDisclosureJson } from "../../sdk/disclosure/index.js";
import { startVerifierServer, type VerifierServer } from "../../sdk/cli/commands/verifier.js";
import { CHECK_IDS } from "../../sdk/verify/verdict.js";
import { startHardhatNode, type HardhatNodeProcess } from "./support/hardhatNode.js";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { anchor, createLog, receiptBy } from "./support/attacks.js";
import { buildScenario, deploy, httpChain, WEIGHTS_V1, WEIGHTS_V2, type Scenario } from "./support/scenario.js";
import { flip } from "./support/tampers.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

describe("web verifier in headless Chromium", function () {
  let node: HardhatNodeProcess;
  let site: VerifierServer;
  let context: BrowserContext;
  let scenario: Scenario;
  let siteDir: string;
  let profileDir: string;
  const pageErrors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does it when run as root`);
    }
    siteDir = await mkdtemp(path.join(tmpdir(), "showwork-web-"));
    profileDir = await mkdtemp(path.join(tmpdir(), "showwork-chromium-"));
    [node, site] = await Promise.all([startHardhatNode(), startVerifierServer({ port: 0, root: siteDir })]);
    scenario = await buildScenario(await httpChain(node.url));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await context?.close();
    await site?.close();
    await node?.stop();
    await Promise.all([siteDir, profileDir].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function open(): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(site.url);
    return page;
  }

  async function verifyInPage(page: Page, bundle: ProofBundleJson | string, rpcUrl: string) {
    await page.fill("#bundle", typeof bundle === "string" ? bundle : JSON.stringify(bundle, null, 2));
    await page.fill("#rpc", rpcUrl);
    await page.click("#verify");
    await page.waitForSelector("body[data-state=done]", { timeout: 30_000 });
    const status = await page.getAttribute("#verdict", "data-status");
    const reason = await page.getAttribute("#verdict", "data-reason");
    const rows = await page.$$eval("#checks tbody tr", (trs) =>
      trs.map((tr) => ({ id: (tr as HTMLElement).dataset.check, status: (tr as HTMLElement).dataset.status, text: tr.textContent ?? "" })),
    );
    return { status, reason, rows };
  }

  it("serves the page from 127.0.0.1 and only its files", async () => {
    expect(site.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(site.url);
    expect(index.status).to.equal(200);
    expect(index.headers.get("content-type")).to.match(/text\/html/);
    expect((await fetch(new URL("app.js", site.url))).status).to.equal(200);
    expect((await fetch(new URL("../package.json", site.url))).status).to.be.oneOf([403, 404]);
    expect((await fetch(new URL("%2e%2e/package.json", site.url))).status).to.be.oneOf([403, 404]);
    expect((await fetch(site.url, { method: "POST" })).status).to.equal(405);
  });

  it("shows a valid bundle as verified, check by check, with the model's timeline", async () => {
    const page = await open();
    const result = await verifyInPage(page, scenario.json(scenario.v2Batch.bundles[0]!), node.url);
    expect(result.status, JSON.stringify(result.rows)).to.equal("verified");
    expect(result.rows.map((row) => row.id)).to.deep.equal([...CHECK_IDS]);
    for (const row of result.rows) expect(row.status, row.text).to.equal(row.id === "disclosure" || row.id === "pinned" ? "skipped" : "pass");
    expect(await page.textContent("#verdict")).to.equal("Verified");
    expect(await page.textContent("#headline")).to.include(`answer by node ${scenario.servingNode.address}`).and.include("model acme-chat v2");
    expect(await page.textContent("#uncertain")).to.include("nothing pinned");
    const endpoints = await page.$$eval("#endpoints li", (lis) => lis.map((li) => ({ url: (li as HTMLElement).dataset.url, answered: Number((li as HTMLElement).dataset.answered) })));
    expect(endpoints.map((e) => e.url)).to.deep.equal([node.url]);
    expect(endpoints[0]!.answered).to.be.greaterThan(5);
    // The timeline picture: deployment of v1, deployment of v2, rollback to v1; the receipt marked.
    await page.waitForSelector("#timeline-picture svg");
    const kinds = await page.$$eval("#timeline-picture svg [data-activation]", (gs) => gs.map((g) => (g as SVGGElement).dataset.kind));
    expect(kinds).to.deep.equal(["deployment", "deployment", "rollback"]);
    expect(await page.$("#timeline-picture svg [data-marker=receipt]")).to.not.equal(null);
    expect(await page.$("#timeline-picture svg [data-marker=anchor]")).to.not.equal(null);
    await page.close();
  });

  it("shows a tampered bundle as failed and names the check that failed", async () => {
    const page = await open();
    const tampered = scenario.json(scenario.v1Batch.bundles[0]!);
    tampered.proof[1] = flip(tampered.proof[1]!);
    const result = await verifyInPage(page, tampered, node.url);
    expect(result.status).to.equal("failed");
    const failed = result.rows.filter((row) => row.status === "fail");
    expect(failed.map((row) => row.id)).to.deep.equal(["proof-root"]);
    expect(failed[0]!.text).to.include(tampered.root).and.include("does not lead");
    expect(await page.textContent("#verdict")).to.equal("Failed");
    await page.close();
  });

  it("names the model-version check for a receipt made after a rollback", async () => {
    const page = await open();
    const result = await verifyInPage(page, scenario.json(scenario.afterRollback.bundles[0]!), node.url);
    expect(result.status).to.equal("failed");
    expect(result.rows.filter((row) => row.status === "fail").map((row) => row.id)).to.deep.equal(["model-version"]);
    await page.close();
  });

  it("loads a bundle from a chosen file", async () => {
    const page = await open();
    const file = path.join(siteDir, "answer.bundle.json");
    await writeFile(file, JSON.stringify(scenario.json(scenario.v1Batch.bundles[2]!)));
    await page.setInputFiles("#bundle-file", file);
    await page.waitForFunction(() => (document.getElementById("bundle") as HTMLTextAreaElement).value.includes("showwork/bundle@1"));
    await page.fill("#rpc", node.url);
    await page.click("#verify");
    await page.waitForSelector("body[data-state=done]");
    expect(await page.getAttribute("#verdict", "data-status")).to.equal("verified");
    await page.close();
  });

  it("says 'could not check' when the RPC endpoint is down", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const page = await open();
    const errorsBefore = pageErrors.length;
    const result = await verifyInPage(page, scenario.json(scenario.v1Batch.bundles[0]!), `http://127.0.0.1:${port}`);
    expect([result.status, result.reason]).to.deep.equal(["pending", "could-not-check"]);
    expect(await page.textContent("#verdict")).to.equal("Could not check");
    expect(result.rows.filter((row) => row.status === "fail")).to.deep.equal([]);
    // The browser logs the refused connection itself; nothing else may go wrong in the page.
    pageErrors.splice(errorsBefore, pageErrors.length - errorsBefore, ...pageErrors.slice(errorsBefore).filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)));
    await page.close();
  });

  describe("issue #12 attacks 1-3 in the browser", () => {
    it("1. a receipt from an attacker's own log, signed by a key the log never authorised: failed, naming the signer check", async () => {
      const attacker = scenario.chain.outsider;
      const key = privateKeyToAccount(generatePrivateKey());
      const logId = await createLog(scenario, attacker, scenario.receiptLogs, 0, "web attacker");
      const r = await receiptBy({ weightsDigest: WEIGHTS_V2, node: key.address, issuedAt: await scenario.chainTime(), sequence: 9001n, signer: key });
      const [bundle] = await anchor(scenario, attacker, scenario.receiptLogs, logId, [r]);
      const page = await open();
      const result = await verifyInPage(page, bundle!, node.url);
      expect(result.status).to.equal("failed");
      expect(result.rows.filter((row) => row.status === "fail").map((row) => row.id)).to.deep.equal(["signer"]);
      // And a genuine bundle with a pin on another log fails the pin.
      await page.fill("#pin", logId);
      const pinned = await verifyInPage(page, scenario.json(scenario.v1Batch.bundles[0]!), node.url);
      expect(pinned.status).to.equal("failed");
      expect(pinned.rows.filter((row) => row.status === "fail").map((row) => row.id)).to.deep.equal(["pinned"]);
      await page.fill("#pin", scenario.logId);
      expect((await verifyInPage(page, scenario.json(scenario.v1Batch.bundles[0]!), node.url)).status).to.equal("verified");
      await page.fill("#pin", "0x1234");
      await page.click("#verify");
      await page.waitForSelector("body[data-state=input-error]");
      expect(await page.textContent("#input-error")).to.include("0x1234");
      await page.close();
    });

    it("2. a rolled-back version pointed at another timeline: failed on the model version", async () => {
      const other = await deploy(scenario.chain, "ModelTimeline", [scenario.receiptLogs], scenario.chain.outsider);
      const stale = scenario.json(scenario.afterRollback.bundles[0]!);
      stale.timeline = { contract: other };
      const page = await open();
      const result = await verifyInPage(page, stale, node.url);
      expect(result.status).to.equal("failed");
      const failed = result.rows.filter((row) => row.status === "fail");
      expect(failed.map((row) => row.id)).to.deep.equal(["model-version"]);
      expect(failed[0]!.text).to.include("never used");
      await page.close();
    });

    it("3. a contract imitating ReceiptLogs: failed on the contract's code", async () => {
      const attacker = scenario.chain.outsider;
      const fake = await deploy(scenario.chain, "ReceiptLogsLookalike", [], attacker);
      const logId = await createLog(scenario, attacker, fake, 0, "web lookalike");
      const r = await receiptBy({ weightsDigest: WEIGHTS_V1, node: scenario.servingNode.address, issuedAt: await scenario.chainTime(), sequence: 9002n, signer: scenario.servingNode });
      const [bundle] = await anchor(scenario, attacker, fake, logId, [r]);
      const page = await open();
      const result = await verifyInPage(page, bundle!, node.url);
      expect(result.status).to.equal("failed");
      const failed = result.rows.filter((row) => row.status === "fail");
      expect(failed.map((row) => row.id)).to.deep.equal(["contract"]);
      expect(failed[0]!.text).to.include("not the showwork ReceiptLogs build");
      await page.close();
    });

    it("never takes an endpoint from the page's URL without asking; uses several endpoints and shows each", async () => {
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(`${site.url}?rpc=${encodeURIComponent("http://127.0.0.1:1/liar")}`);
      expect(await page.inputValue("#rpc")).not.to.include("127.0.0.1:1");
      expect(await page.isVisible("#rpc-offer")).to.equal(true);
      expect(await page.textContent("#rpc-offer-url")).to.equal("http://127.0.0.1:1/liar");
      await page.click("#rpc-offer-dismiss");
      expect(await page.isVisible("#rpc-offer")).to.equal(false);
      const second = node.url.replace("127.0.0.1", "localhost");
      const result = await verifyInPage(page, scenario.json(scenario.v1Batch.bundles[0]!), `${node.url}\n${second}`);
      expect(result.status).to.equal("verified");
      const urls = await page.$$eval("#endpoints li", (lis) => lis.map((li) => (li as HTMLElement).dataset.url));
      expect(urls).to.deep.equal([node.url, second]);
      await page.close();
    });
  });

  it("shows each piece of a pasted disclosure file (what it shows, pass or FAIL) and lists what was not shown", async () => {
    const batch = scenario.v1Batch;
    const openings = batch.openings[0]!;
    const json = toDisclosureJson({
      format: DISCLOSURE_FORMAT,
      bundle: batch.bundles[0]!,
      disclosed: {
        input: { content: "Where is my order #1000?", salt: openings.inputSalt },
        output: { content: "Your order #1000 has shipped.", salt: openings.outputSalt },
        template: { text: "support template", version: 3 },
        sampling: { temperature: 0.2, seed: 7 },
      },
    });
    const page = await open();
    const result = await verifyInPage(page, JSON.stringify(json, null, 2), node.url);
    expect(result.status, JSON.stringify(result.rows)).to.equal("verified");
    expect(result.rows.find((row) => row.id === "disclosure")!.status).to.equal("pass");
    const pieces = () =>
      page.$$eval("#disclosure-pieces tbody tr", (trs) => trs.map((tr) => ({ field: (tr as HTMLElement).dataset.field, status: (tr as HTMLElement).dataset.status, text: tr.textContent ?? "" })));
    const shown = await pieces();
    expect(shown.map((p) => [p.field, p.status])).to.deep.equal([["input", "pass"], ["output", "pass"], ["template", "pass"], ["sampling", "pass"]]);
    expect(shown[1]!.text).to.include("Your order #1000 has shipped.");
    expect(await page.$$eval("#not-shown li", (lis) => lis.map((li) => li.textContent))).to.deep.equal(["tools[0].input", "tools[0].output", "retrieval", "memory"]);

    // One wrong byte in the output: failed, and the page names the piece.
    (json.disclosed.output as { content: string }).content = "Your order #1000 has shipped!";
    const tampered = await verifyInPage(page, JSON.stringify(json), node.url);
    expect(tampered.status).to.equal("failed");
    expect(tampered.rows.find((row) => row.id === "disclosure")!.status).to.equal("fail");
    expect((await pieces()).filter((p) => p.status === "fail").map((p) => p.field)).to.deep.equal(["output"]);
    // Markup in disclosed content stays text.
    (json.disclosed.output as { content: string }).content = "<img src=x onerror=alert(1)>";
    await verifyInPage(page, JSON.stringify(json), node.url);
    expect(await page.$$eval("#disclosure-pieces img", (imgs) => imgs.length)).to.equal(0);
  });

  it("raised no error in the page", () => {
    expect(pageErrors).to.deep.equal([]);
  });
});
