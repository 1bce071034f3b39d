/**
 * showwork as other projects use it: the `npm pack` tarball installed into one fresh project
 * outside the repository (support/consumer.ts: one pack, one install per run), then
 *   (a) TypeScript ESM: `tsc` against the package's types (strict, skipLibCheck off; DOM lib, as viem needs),
 *       and a compiled script that builds receipts, a tree, a bundle and verifies it offline;
 *   (b) a browser page bundled with esbuild for the browser (no Node polyfills) that imports
 *       `showwork` and verifies a bundle against a `hardhat node`, in headless Chromium;
 *   (c) a Hardhat 3 project whose own contract imports `showwork/contracts/...` (IReceiptLogs,
 *       ReceiptHashing) and checks a real receipt's inclusion on-chain;
 *   (d) the installed `showwork` command: `--help`, and `serve` against the node.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { chromium } from "playwright-core";
import { parseEther, type Abi, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { toReceiptStruct } from "../../sdk/receipt/receiptStruct.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { startHardhatNode, type HardhatNodeProcess } from "../verify/support/hardhatNode.js";
import { buildScenario, httpChain, type Scenario } from "../verify/support/scenario.js";
import { consumer, consumerEnv, REPO, runIn, type Consumer } from "./support/consumer.js";

const TSC = path.join(REPO, "node_modules/typescript/bin/tsc");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

describe("the packed package in fresh consumer projects", function () {
  let project: Consumer;
  let node: HardhatNodeProcess;
  let scenario: Scenario;

  before(async function () {
    this.timeout(900_000);
    [project, node] = await Promise.all([consumer(), startHardhatNode()]);
    scenario = await buildScenario(await httpChain(node.url));
  });
  after(async () => {
    await node?.stop();
    await project?.remove();
  });

  describe("the tarball", () => {
    it("ships compiled JS with types and maps, the Solidity sources without mocks, the deployments, LICENSE; no tests", () => {
      const files = project.packed.files.map((f) => f.path);
      for (const file of [
        "dist/sdk/index.js",
        "dist/sdk/index.d.ts",
        "dist/sdk/index.d.ts.map",
        "dist/sdk/cli/main.js",
        "dist/sdk/service/index.js",
        "dist/sdk/actions/index.d.ts",
        "dist/sdk/bundle/bundle.schema.json",
        "dist/sdk/otel/index.js",
        "dist/sdk/langchain/index.d.ts",
        "vectors/index.json",
        "vectors/bundles.json",
        "dist/artifacts/contracts/ReceiptLogs.sol/ReceiptLogs.json",
        "dist/web/dist/app.js",
        "contracts/interfaces/IReceiptLogs.sol",
        "contracts/ReceiptHashing.sol",
        "deployments/deployments.json",
        "bin/showwork.mjs",
        "LICENSE",
        "README.md",
      ]) {
        expect(files, file).to.include(file);
      }
      expect(files.filter((f) => f.startsWith("contracts/mocks/") || f.startsWith("test/") || f.startsWith("scripts/"))).to.deep.equal([]);
    });

    it("declares no TypeScript runtime loader: tsx is not a dependency, the bin runs dist/", async () => {
      const manifest = JSON.parse(await readFile(path.join(project.dir, "node_modules/showwork/package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
      expect(Object.keys(manifest.dependencies ?? {})).to.not.include("tsx");
      expect(manifest.private).to.equal(undefined);
      // The bin runs the TS sources only in a checkout (tsconfig.json next to bin/): never in an install.
      expect(existsSync(path.join(project.dir, "node_modules/showwork/tsconfig.json"))).to.equal(false);
    });

    it("every JavaScript subpath in exports loads in Node from the install", async () => {
      const manifest = JSON.parse(await readFile(path.join(project.dir, "node_modules/showwork/package.json"), "utf8")) as { exports: Record<string, unknown> };
      const subpaths = Object.keys(manifest.exports)
        .filter((key) => !key.includes("*") && !key.endsWith(".json") && !String(manifest.exports[key]).endsWith(".json")) // JSON needs { type: "json" }
        .map((key) => (key === "." ? "showwork" : `showwork/${key.slice(2)}`));
      expect(subpaths).to.include.members(["showwork", "showwork/actions", "showwork/service", "showwork/abis", "showwork/deployments", "showwork/otel", "showwork/langchain"]);
      const script = `const out = {}; for (const s of ${JSON.stringify(subpaths)}) out[s] = Object.keys(await import(s)).length; console.log(JSON.stringify(out));`;
      const r = await runIn(project.dir, process.execPath, ["--input-type=module", "--disable-warning=ExperimentalWarning", "-e", script]);
      expect(r.code, r.stderr).to.equal(0);
      const counts = JSON.parse(r.stdout) as Record<string, number>;
      for (const subpath of subpaths) expect(counts[subpath], subpath).to.be.greaterThan(0);
    });

    it("ships the conformance vectors as showwork/vectors (index.json and every file it lists)", async () => {
      const script = `const index = (await import("showwork/vectors", { with: { type: "json" } })).default;
        const out = { format: index.format, files: {} };
        for (const f of index.files) out.files[f.file] = (await import("showwork/vectors/" + f.file, { with: { type: "json" } })).default.format;
        console.log(JSON.stringify(out));`;
      const r = await runIn(project.dir, process.execPath, ["--input-type=module", "-e", script]);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as { format: string; files: Record<string, string> };
      expect(out.format).to.equal("showwork/vectors@1");
      expect(Object.keys(out.files)).to.include.members(["receipts.json", "proofs.json", "signatures.json", "bundles.json", "disclosures.json", "snapshots.json", "commitments.json"]);
      expect(new Set(Object.values(out.files))).to.deep.equal(new Set(["showwork/vectors@1"]));
    });
  });

  describe("(a) a TypeScript ESM project", () => {
    it("type-checks against the package's types (strict, exactOptionalPropertyTypes, skipLibCheck off)", async () => {
      const r = await runIn(project.dir, process.execPath, [TSC, "-p", ".", "--noEmit"]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    });

    it("its compiled script builds receipts and a tree, verifies a bundle offline and rejects a tampered one", async () => {
      const built = await runIn(project.dir, process.execPath, [TSC, "-p", "."]);
      expect(built.code, built.stdout).to.equal(0);
      const r = await runIn(project.dir, process.execPath, ["out/offline.js"]);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out.root).to.match(/^0x[0-9a-f]{64}$/);
      expect(out.root).to.equal(out.treeRoot);
      expect(out.receiptModelId).to.equal(out.modelId);
      expect(out.tamperedError).to.equal("LeafMismatchError");
      expect(out.missingDeployment).to.equal("DeploymentNotFoundError");
      expect(out.schemaId).to.equal("https://showwork.dev/schemas/bundle.json");
      expect(out.deploymentsFormat).to.equal("showwork/deployments@1");
      expect(out.functions).to.deep.equal(["createLog", "rollbackTo"]);
      expect(out.kinds).to.deep.equal(Array(7).fill("function"));
    });
  });

  describe("(b) a browser page bundled with esbuild", () => {
    let server: Server;
    let site: string;
    let profile: string;

    before(async function () {
      this.timeout(300_000);
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
      const esbuild = await import("esbuild");
      const result = await esbuild.build({
        entryPoints: [path.join(project.dir, "web/main.ts")],
        outfile: path.join(project.dir, "web/dist/app.js"),
        absWorkingDir: project.dir,
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        minify: true,
        metafile: true,
        logLevel: "silent",
      });
      const inputs = Object.keys(result.metafile.inputs);
      // Resolved from the installed package, not from the repository's sources.
      expect(inputs.some((f) => f.startsWith("node_modules/showwork/dist/sdk/"))).to.equal(true);
      expect(inputs.filter((f) => f.includes("/sdk/") && !f.startsWith("node_modules/showwork/dist/"))).to.deep.equal([]);
      await writeFile(path.join(project.dir, "web/dist/index.html"), '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="./app.js"></script>');
      await writeFile(path.join(project.dir, "web/dist/bundle.json"), JSON.stringify(scenario.json(scenario.v2Batch.bundles[0]!)));
      const root = path.join(project.dir, "web/dist");
      server = createServer((request, response) => {
        const file = path.join(root, path.basename(new URL(request.url ?? "/", "http://x").pathname) || "index.html");
        readFile(file).then(
          (body) => response.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : file.endsWith(".json") ? "application/json" : "text/html" }).end(body),
          () => response.writeHead(404).end(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      site = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      profile = await mkdtemp(path.join(tmpdir(), "showwork-consumer-chromium-"));
    });
    after(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    it("verifies a bundle against the hardhat node in headless Chromium, with the same verdict as Node", async function () {
      this.timeout(180_000);
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(`${site}index.html?rpc=${encodeURIComponent(node.url)}`);
        await page.waitForSelector("body[data-state=done]", { state: "attached", timeout: 120_000 });
        const result = JSON.parse((await page.getAttribute("body", "data-result")) ?? "{}") as { status: string; checks: [string, string][]; decoratorStatus: string };
        expect(errors).to.deep.equal([]);
        const inNode = await verifyBundle(scenario.json(scenario.v2Batch.bundles[0]!), { rpcUrl: node.url });
        expect(result.status).to.equal(inNode.status);
        expect(result.checks).to.deep.equal(inNode.checks.map((c) => [c.id, c.status]));
        expect(result.decoratorStatus).to.equal(inNode.status);
        expect(result.checks.find(([id]) => id === "batch-root")?.[1]).to.equal("pass");
      } finally {
        await context.close();
      }
    });
  });

  describe("(c) a Hardhat 3 project importing showwork/contracts/...", () => {
    it("compiles its own contract against IReceiptLogs and ReceiptHashing and checks a real receipt's inclusion on-chain", async function () {
      this.timeout(300_000);
      const built = await runIn(project.dir, "npx", ["--no-install", "hardhat", "build"]);
      expect(built.code, `${built.stdout}\n${built.stderr}`).to.equal(0);
      const artifact = JSON.parse(await readFile(path.join(project.dir, "artifacts/contracts/AnswerCheck.sol/AnswerCheck.json"), "utf8")) as { abi: Abi; bytecode: Hex };
      const { admin, publicClient } = scenario.chain;
      const hash = await admin.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [scenario.receiptLogs], account: admin.account, chain: admin.chain });
      const check = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
      const batch = scenario.v1Batch;
      const isAnchored = (receipt: (typeof batch.receipts)[number], index: number, proof: readonly Hex[]) =>
        publicClient.readContract({ address: check, abi: artifact.abi, functionName: "isAnchored", args: [scenario.logId, BigInt(index), toReceiptStruct(receipt), proof] });
      for (const receipt of batch.receipts) {
        expect(await isAnchored(receipt, batch.batchIndex, batch.tree.getInclusion(receipt.receiptId).proof), receipt.receiptId).to.equal(true);
      }
      const first = batch.receipts[0]!;
      const proof = batch.tree.getInclusion(first.receiptId).proof;
      expect(await isAnchored({ ...first, outputDigest: `0x${"ab".repeat(32)}` }, batch.batchIndex, proof)).to.equal(false);
      expect(await isAnchored(first, scenario.v2Batch.batchIndex, proof)).to.equal(false);
    });
  });

  describe("(d) the installed showwork command", () => {
    it("npx showwork --help and a subcommand's help", async () => {
      const help = await runIn(project.dir, "npx", ["--no-install", "showwork", "--help"]);
      expect(help.code, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/^Usage: showwork /m);
      for (const command of ["serve", "verify", "log", "model"]) expect(help.stdout).to.match(new RegExp(`^  ${command} `, "m"));
      const log = await runIn(project.dir, "npx", ["--no-install", "showwork", "log", "--help"]);
      expect(log.stdout).to.match(/^Usage: showwork log /m);
    });

    it("showwork serve from the package anchors against the node (--deploy uses the packaged ReceiptLogs bytecode) and answers /health", async function () {
      this.timeout(180_000);
      const key = generatePrivateKey();
      const { admin, publicClient } = scenario.chain;
      await publicClient.waitForTransactionReceipt({ hash: await admin.sendTransaction({ to: privateKeyToAccount(key).address, value: parseEther("10"), account: admin.account, chain: admin.chain }) });
      const store = path.join(project.dir, "serve-store.sqlite");
      const child = spawn(path.join(project.dir, "node_modules/.bin/showwork"), ["serve", "--rpc", node.url, "--deploy", "--store", store, "--port", "0"], {
        cwd: project.dir,
        env: consumerEnv({ SHOWWORK_ANCHORER_KEY: key }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`showwork serve did not start:\n${output}`)), 150_000);
          const onData = (chunk: Buffer): void => {
            output += chunk.toString();
            const match = /showwork serve: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (match?.[1]) {
              clearTimeout(timer);
              resolve(match[1]);
            }
          };
          child.stdout.on("data", onData);
          child.stderr.on("data", onData);
          child.once("exit", (code) => reject(new Error(`showwork serve exited with ${code}:\n${output}`)));
        });
        const health = await fetch(new URL("/health", url));
        expect(health.status, output).to.equal(200);
        expect(await health.json()).to.be.an("object");
      } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      }
    });
  });
});
