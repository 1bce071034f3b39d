/**
 * The web verifier verifies a self-contained (v2) bundle from a dropped file with no RPC endpoint at all, given a
 * checkpoint (a trust file pasted in the pin box), in headless Chromium; the chain is stopped before the page opens
 * and every request that leaves the page's own origin is refused and counted.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { chromium, type BrowserContext } from "playwright-core";

import { toBundleJson, toBundleV2 } from "../../sdk/bundle/parseBundle.js";
import { proveAnchor } from "../../sdk/chainproof/prove.js";
import { makeTrustFile } from "../../sdk/chainproof/trustFile.js";
import { startVerifierServer, type VerifierServer } from "../../sdk/cli/commands/verifier.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain } from "../verify/support/scenario.js";
import { privateKeyToAccount } from "viem/accounts";

const HARDHAT_ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

describe("web verifier: a self-contained bundle, offline, in headless Chromium", function () {
  this.timeout(180_000);
  let node: HardhatNodeProcess | undefined;
  let site: VerifierServer;
  let context: BrowserContext;
  let dir: string;
  let bundleFile: string;
  let trustText: string;
  let signedTrust: Record<string, unknown>;

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    dir = await mkdtemp(path.join(tmpdir(), "showwork-web-offline-"));
    node = await startHardhatNode();
    const scenario = await buildScenario(await httpChain(node.url));
    const client = scenario.chain.publicClient;
    const head = Number(await client.getBlockNumber());
    const bundle = scenario.v2Batch.bundles[0]!;
    const chainProof = await proveAnchor(client, bundle, { proofBlock: head });
    bundleFile = path.join(dir, "answer.bundle.json");
    await writeFile(bundleFile, JSON.stringify(toBundleJson(toBundleV2(bundle, { anchors: [{ ...bundle.anchor, chainProof }] })), null, 2));
    trustText = JSON.stringify(await makeTrustFile({ client, blockNumber: head, logs: [scenario.logId] }), null, 2);
    const operator = privateKeyToAccount(HARDHAT_ACCOUNT_0_KEY);
    expect(operator.address.toLowerCase()).to.equal(scenario.chain.admin.account.address.toLowerCase());
    signedTrust = await makeTrustFile({ client, blockNumber: head, logs: [scenario.logId], operators: [operator.address], signer: operator });
    // The chain is gone before the page opens.
    await node.stop();
    node = undefined;
    site = await startVerifierServer({ port: 0, root: path.join(dir, "site") });
    context = await chromium.launchPersistentContext(path.join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  after(async () => {
    await context?.close();
    await site?.close();
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies from the dropped file and the pasted checkpoint, with no request beyond the page itself", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const origin = new URL(site.url).origin;
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(site.url);
    await page.fill("#rpc", "");
    await page.setInputFiles("#bundle-file", bundleFile);
    await page.waitForFunction(() => (document.getElementById("bundle") as HTMLTextAreaElement).value.includes("showwork/bundle@2"));
    await page.fill("#pin", trustText);
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      await page.evaluate(() => document.body.removeAttribute("data-state"));
      await page.click("#verify");
      await page.waitForSelector("body[data-state=done]", { timeout: 30_000 });
      const summary = (await page.textContent("#verdict-summary")) ?? "";
      times.push(Number(/· ([\d.]+) ms/.exec(summary)?.[1] ?? NaN));
    }
    expect(await page.getAttribute("#verdict", "data-status"), (await page.textContent("#checks")) ?? "").to.equal("verified");
    const chain = await page.$eval("#checks li[data-check=chain]", (li) => li.textContent ?? "");
    expect(chain).to.include("checkpoint");
    expect(outside).to.deep.equal([]);
    expect(errors).to.deep.equal([]);
    times.sort((a, b) => a - b);
    process.stdout.write(`      offline verification in Chromium (${times.length} runs): median ${times[5]} ms, p90 ${times[9]} ms\n`);
  });
  it("checks a signed trust file in the pin box: names its operator, and refuses one changed after signing before verifying", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(site.url);
    await page.fill("#rpc", "");
    await page.setInputFiles("#bundle-file", bundleFile);
    await page.waitForFunction(() => (document.getElementById("bundle") as HTMLTextAreaElement).value.includes("showwork/bundle@2"));
    const operator = (signedTrust.operators as string[])[0]!;
    await page.fill("#pin", JSON.stringify(signedTrust));
    await page.click("#verify");
    await page.waitForSelector("body[data-state=done]", { timeout: 30_000 });
    expect(await page.getAttribute("#verdict", "data-status")).to.equal("verified");
    expect(await page.isVisible("#pin-signed")).to.equal(true);
    expect(await page.textContent("#pin-signed")).to.contain(`signed by operator ${operator}`);

    // The same file with its issuedAt changed: the signature recovers to another key, not an operator of the file.
    await page.evaluate(() => document.body.removeAttribute("data-state"));
    await page.fill("#pin", JSON.stringify({ ...signedTrust, issuedAt: (signedTrust.issuedAt as number) + 1 }));
    await page.click("#verify");
    await page.waitForSelector("body[data-state=input-error]", { timeout: 30_000 });
    expect(await page.textContent("#input-error")).to.match(/The trust file's signature: signed by 0x[0-9a-fA-F]{40}, which is not one of the file's operators/);
    expect(await page.getAttribute("#pin", "aria-invalid")).to.equal("true");
    expect(errors).to.deep.equal([]);
  });
});
