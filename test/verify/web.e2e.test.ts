/**
 * The web verifier end to end: `showwork verifier`'s server (page built with esbuild), Debian's
 * headless Chromium driven by playwright-core, and a `hardhat node` process on 127.0.0.1 as the
 * RPC endpoint the visitor types in.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { chromium, type BrowserContext, type Page } from "playwright-core";

import type { ProofBundleJson } from "../../sdk/bundle/types.js";
import { DISCLOSURE_FORMAT, toDisclosureJson } from "../../sdk/disclosure/index.js";
import { startVerifierServer, type VerifierServer } from "../../sdk/cli/commands/verifier.js";
import { renderTimelineSvg } from "../../sdk/timeline/renderTimelineSvg.js";
import { CHECK_IDS } from "../../sdk/verify/verdict.js";
import { startHardhatNode, type HardhatNodeProcess } from "./support/hardhatNode.js";
import { zeroHash, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { anchor, createLog, receiptBy } from "./support/attacks.js";
import { buildScenario, deploy, httpChain, ROLLBACK_REASON, WEIGHTS_V1, WEIGHTS_V2, type Scenario } from "./support/scenario.js";
import { flip } from "./support/tampers.js";

const CHROMIUM = "/usr/bin/chromium";
/** Screenshots of the page (gitignored: out/). */
const ARTIFACTS = path.resolve("out/test-artifacts/web-verifier");
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
    await mkdir(ARTIFACTS, { recursive: true });
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
    // Each check's block: its text, and the full values of the hash chips in it (the text shows them shortened).
    const rows = await page.$$eval("#checks li[data-check]", (lis) =>
      lis.map((li) => ({
        id: (li as HTMLElement).dataset.check,
        status: (li as HTMLElement).dataset.status,
        text: li.textContent ?? "",
        hex: Array.from(li.querySelectorAll<HTMLElement>(".hash")).map((chip) => chip.dataset.full ?? ""),
      })),
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
    // Who vouches, first: the serving node, the operator and the log as hash chips (full values behind them).
    const vouchers = await page.$$eval("#headline .hash", (chips) => chips.map((chip) => (chip as HTMLElement).dataset.full));
    expect(vouchers.map((v) => v?.toLowerCase())).to.deep.equal([scenario.servingNode.address, scenario.chain.admin.account.address, scenario.logId].map((v) => v.toLowerCase()));
    expect(await page.textContent("#headline")).to.match(/^Answer by serving node 0x.{6}….{4}Copy, authorised by operator /).and.include("Model acme-chat v2, the active version at");
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
    expect(failed[0]!.text).to.include("does not lead");
    expect(failed[0]!.hex).to.include(tampered.root);
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

  it("with a trust file's checkpoint in the pin box and an RPC URL, a bundle without a chain proof is proven over RPC in the page and checked against the checkpoint (issue #25)", async () => {
    const page = await open();
    const head = await scenario.chain.publicClient.getBlock();
    const trust = { format: "showwork/trust@1", logs: [scenario.logId], checkpoints: [{ chainId: scenario.chainId, number: Number(head.number), hash: head.hash }] };
    await page.fill("#pin", JSON.stringify(trust));
    const result = await verifyInPage(page, scenario.json(scenario.v2Batch.bundles[0]!), node.url);
    expect(result.status, JSON.stringify(result.rows)).to.equal("verified");
    const chain = result.rows.find((row) => row.id === "chain")!;
    expect(chain.text).to.contain("the RPC endpoint's").and.contain(`block ${head.number}`);
    expect(result.rows.find((row) => row.id === "pinned")!.status).to.equal("pass");
    // Another hash pinned at that block: the endpoint's proof does not lead to it — could not check, not failed.
    await page.fill("#pin", JSON.stringify({ ...trust, checkpoints: [{ ...trust.checkpoints[0]!, hash: `0x${"ab".repeat(32)}` }] }));
    await page.evaluate(() => document.body.removeAttribute("data-state"));
    const other = await verifyInPage(page, scenario.json(scenario.v2Batch.bundles[0]!), node.url);
    expect(other.status).to.equal("pending");
    expect(other.reason).to.equal("could-not-check");
    expect(other.rows.filter((row) => row.status === "fail")).to.deep.equal([]);
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
      page.$$eval("#disclosure-pieces li", (lis) => lis.map((li) => ({ field: (li as HTMLElement).dataset.field, status: (li as HTMLElement).dataset.status, text: li.textContent ?? "" })));
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

  describe("readable at desktop (1280 px) and phone (390 px) widths; screenshots in out/test-artifacts/web-verifier/", () => {
    const WIDTHS = [
      { name: "desktop", width: 1280, height: 900 },
      { name: "phone", width: 390, height: 844 },
    ] as const;

    /** Layout facts of the page as Chromium lays it out. */
    async function layout(page: Page) {
      // (No named functions inside: the test's TypeScript transform would wrap them in a helper the page lacks.)
      return page.evaluate(() => {
        const shown = Array.from(document.querySelectorAll("main > section, main > section > *, .check-body, #claims dd, #facts dd")).filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
        });
        const blocks = shown.filter((el) => el.matches("main > section > *"));
        const first = blocks.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
        const squeezed = shown
          .filter((el) => el.matches(".check-body, #claims dd, #facts dd"))
          .map((el) => ({ text: (el.textContent ?? "").slice(0, 40), width: el.getBoundingClientRect().width }));
        return {
          viewport: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth,
          firstBlock: first?.id ?? first?.className ?? "",
          bannerTop: document.getElementById("verdict-banner")!.getBoundingClientRect().top,
          mainWidth: document.querySelector("main")!.getBoundingClientRect().width,
          narrowest: squeezed.sort((a, b) => a.width - b.width)[0],
        };
      });
    }

    /** The timeline's labels as Chromium draws them: one per band, none overlapping (text boxes from getBBox). */
    async function timelineLabels(page: Page) {
      return page.$eval("#timeline-picture svg", (svg) => {
        const boxes = Array.from(svg.querySelectorAll("g[data-label]")).map((g) => {
          const rects = Array.from(g.querySelectorAll("text")).map((t) => (t as SVGGraphicsElement).getBBox());
          const x = Math.min(...rects.map((r) => r.x));
          const y = Math.min(...rects.map((r) => r.y));
          return { kind: g.getAttribute("data-label"), text: g.textContent ?? "", x, y, right: Math.max(...rects.map((r) => r.x + r.width)), bottom: Math.max(...rects.map((r) => r.y + r.height)) };
        });
        const overlaps: string[] = [];
        for (const [i, a] of boxes.entries()) {
          for (const b of boxes.slice(i + 1)) if (a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom) overlaps.push(`${a.text} / ${b.text}`);
        }
        const width = Number(svg.getAttribute("width"));
        return {
          bands: svg.querySelectorAll("[data-activation]").length,
          bandLabels: boxes.filter((b) => b.kind === "activation").map((b) => b.text),
          events: boxes.filter((b) => b.kind === "event").map((b) => b.text),
          overlaps,
          outside: boxes.filter((b) => b.x < 0 || b.right > width).map((b) => b.text),
          width,
        };
      });
    }

    for (const size of WIDTHS) {
      it(`${size.name}: the verdict and who vouches first, hash chips that copy the full value, no overflow, a label per timeline band`, async () => {
        const page = await open();
        await page.setViewportSize({ width: size.width, height: size.height });
        await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(site.url).origin });
        // Before any verdict: the inputs come first, and nothing overflows either.
        await page.screenshot({ path: path.join(ARTIFACTS, `empty-${size.name}.png`), fullPage: true });
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).to.be.at.most(0);
        const result = await verifyInPage(page, scenario.json(scenario.afterRollback.bundles[0]!), node.url);
        expect(result.status).to.equal("failed");
        // A rollback: failed, and the page still says what the bundle claims.
        await page.waitForSelector("#timeline-picture svg");
        await page.screenshot({ path: path.join(ARTIFACTS, `failed-rollback-${size.name}.png`), fullPage: true });
        let facts = await layout(page);
        expect(facts.scrollWidth, "horizontal overflow").to.be.at.most(facts.viewport);
        expect(facts.firstBlock).to.equal("verdict-banner");
        expect(await page.textContent("#verdict-banner")).to.include("Failed").and.include("Model version active");
        const claims = await page.$$eval("#claims dd", (dds) => Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset.claim, (dd.querySelector(".hash") as HTMLElement | null)?.dataset.full ?? dd.textContent])));
        const bundle = scenario.json(scenario.afterRollback.bundles[0]!);
        expect(claims).to.include({ receiptId: bundle.receipt.receiptId, servingNode: bundle.receipt.servingNode, weightsDigest: bundle.receipt.weightsDigest, logId: bundle.anchor.logId, txHash: bundle.anchor.txHash });
        expect(await page.textContent("#claims-title")).to.equal("What the bundle claims (not proven)");
        // The timeline: a label per band, the rollback's reason and time, no label over another.
        let picture = await timelineLabels(page);
        expect(picture.bandLabels).to.have.lengthOf(picture.bands);
        expect(picture.bandLabels.map((text) => text.replace(/\d\d:\d\d:\d\dZ$/, ""))).to.deep.equal(["v1 deployed", "v2 deployed", "rollback to v1"]);
        expect(picture.events).to.have.lengthOf(1);
        expect(picture.events[0]).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ rolled back to v1/).and.include(`reason: “${ROLLBACK_REASON}”`);
        expect(picture.overlaps).to.deep.equal([]);
        expect(picture.outside).to.deep.equal([]);
        expect(picture.width).to.be.at.most(facts.mainWidth);

        // Verified: who vouches first; a chip shows its full value on a click, and Copy copies the full value.
        await verifyInPage(page, scenario.json(scenario.v2Batch.bundles[0]!), node.url);
        await page.waitForSelector("#timeline-picture svg");
        await page.screenshot({ path: path.join(ARTIFACTS, `verified-${size.name}.png`), fullPage: true });
        await page.screenshot({ path: path.join(ARTIFACTS, `verified-${size.name}-first-screen.png`) });
        facts = await layout(page);
        expect(facts.scrollWidth, "horizontal overflow").to.be.at.most(facts.viewport);
        expect(facts.firstBlock).to.equal("verdict-banner");
        expect(facts.bannerTop).to.be.below(size.height / 4);
        // No squeezed column: every check's text and every value gets most of the line.
        expect(facts.narrowest!.width, JSON.stringify(facts.narrowest)).to.be.at.least(size.name === "phone" ? 280 : 500);
        const chip = page.locator("#headline .hash").first();
        const full = (await chip.getAttribute("data-full"))!;
        expect(full).to.equal(scenario.servingNode.address);
        expect((await chip.locator(".hash-value").textContent())!).to.equal(`${full.slice(0, 8)}…${full.slice(-4)}`);
        await chip.locator(".hash-value").click();
        expect(await chip.locator(".hash-value").textContent()).to.equal(full);
        await chip.locator(".copy").click();
        await page.waitForSelector("#headline .copy[data-copied=true]");
        expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal(full);
        const txChip = page.locator('#claims dd[data-claim="txHash"] .hash');
        await txChip.locator(".copy").click();
        await page.waitForSelector('#claims dd[data-claim="txHash"] .copy[data-copied=true]');
        expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal(scenario.json(scenario.v2Batch.bundles[0]!).anchor.txHash);
        facts = await layout(page);
        expect(facts.scrollWidth, "overflow with a full value shown").to.be.at.most(facts.viewport);
        picture = await timelineLabels(page);
        expect(picture.bandLabels).to.have.lengthOf(picture.bands);
        expect(picture.overlaps).to.deep.equal([]);

        // Could not check: says so first, and still what the bundle claims.
        await verifyInPage(page, scenario.json(scenario.v1Batch.bundles[1]!), "http://127.0.0.1:9");
        await page.screenshot({ path: path.join(ARTIFACTS, `could-not-check-${size.name}.png`), fullPage: true });
        facts = await layout(page);
        expect(facts.firstBlock).to.equal("verdict-banner");
        expect(facts.scrollWidth).to.be.at.most(facts.viewport);
        expect(await page.textContent("#verdict")).to.equal("Could not check");
        // One line per distinct reason (the endpoint is down: one line for every check it stopped), not repeated below.
        const reasons = await page.$$eval("#verdict-banner .failures li", (lis) => lis.map((li) => li.textContent ?? ""));
        expect(reasons).to.have.lengthOf(1);
        expect(reasons[0]).to.match(/^Chain, Anchoring contract and \d+ more checks: could not check: the RPC endpoint could not be reached/);
        expect(await page.isVisible("#uncertain-box")).to.equal(false);
        expect(await page.$$eval("#claims dd[data-claim] .hash", (chips) => chips.length)).to.be.greaterThan(5);
        pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_UNSAFE_PORT/.test(e)));
        await page.close();
      });
    }

    it("redraws the timeline at the new width when the window is resized (phone → desktop)", async () => {
      const page = await open();
      await page.setViewportSize({ width: 390, height: 844 });
      await verifyInPage(page, scenario.json(scenario.v2Batch.bundles[0]!), node.url);
      await page.waitForSelector("#timeline-picture svg");
      const narrow = Number(await page.getAttribute("#timeline-picture svg", "width"));
      expect(narrow).to.be.within(300, 370);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.waitForFunction(() => Number(document.querySelector("#timeline-picture svg")?.getAttribute("width")) > 800);
      expect((await timelineLabels(page)).overlaps).to.deep.equal([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).to.be.at.most(0);
      await page.close();
    });

    it("an RPC URL without a scheme is an input error that says what to write", async () => {
      const page = await open();
      await page.fill("#bundle", JSON.stringify(scenario.json(scenario.v1Batch.bundles[0]!)));
      await page.fill("#rpc", "127.0.0.1:8545");
      await page.click("#verify");
      await page.waitForSelector("body[data-state=input-error]");
      expect(await page.textContent("#input-error")).to.equal('The RPC URL "127.0.0.1:8545" has no scheme: write http://127.0.0.1:8545 (http:// or https:// is required).');
      expect(await page.getAttribute("#rpc", "aria-invalid")).to.equal("true");
      await page.close();
    });

    it("crowded timelines: Chromium's text boxes of the labels never overlap (the SVG's own layout, real fonts)", async () => {
      const page = await context.newPage();
      const t0 = 1_795_000_000;
      const digest = (i: number) => `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex;
      const crowded = Array.from({ length: 12 }, (_, i) => ({ index: i, kind: "deployment" as const, versionNumber: i + 1, version: digest(i), activatedAt: t0 + i * 3, reason: "", label: `v${i + 1}` }));
      const withRollbacks = [
        ...crowded.slice(0, 6),
        { index: 6, kind: "rollback" as const, versionNumber: 2, version: digest(1), activatedAt: t0 + 20, reason: "answers quoted last year's refund policy to 212 customers before anyone noticed", label: "v2" },
        { index: 7, kind: "deactivation" as const, versionNumber: 0, version: zeroHash, activatedAt: t0 + 21, reason: "taken offline", label: "none" },
      ];
      for (const [name, activations] of [["crowded", crowded], ["rollbacks", withRollbacks]] as const) {
        for (const width of [760, 360]) {
          const svg = renderTimelineSvg({
            activations,
            markers: [
              { at: t0 + 10, label: "this answer", kind: "receipt" },
              { at: t0 + 11, label: "anchored", kind: "anchor" },
            ],
            highlight: digest(3),
            title: "acme-chat: a crowded timeline (times UTC)",
            width,
          });
          await page.setContent(`<!doctype html><body style="margin:0"><div id="timeline-picture">${svg}</div></body>`);
          await page.screenshot({ path: path.join(ARTIFACTS, `timeline-${name}-${width}.png`), fullPage: true });
          const picture = await timelineLabels(page);
          expect(picture.bandLabels, `${name} ${width}`).to.have.lengthOf(activations.length);
          expect(picture.overlaps, `${name} ${width}`).to.deep.equal([]);
          expect(picture.outside, `${name} ${width}`).to.deep.equal([]);
        }
      }
      await page.close();
    });
  });

  it("raised no error in the page", () => {
    expect(pageErrors).to.deep.equal([]);
  });
});
