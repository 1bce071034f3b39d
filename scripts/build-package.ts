/**
 * Builds the npm package's compiled output into dist/ (what `npm pack` ships; `prepack` runs it):
 *
 * - `tsc -p tsconfig.build.json`: ESM JavaScript, `.d.ts` types, declaration maps and source maps
 *   for sdk/ into dist/sdk/ (dist/ mirrors the repository, so relative paths in the sources,
 *   e.g. `../../deployments/deployments.json`, hold in dist as well);
 * - the assets the compiled code reads at run time: `dist/sdk/bundle/bundle.schema.json`, the
 *   `ReceiptLogs` and `ModelTimeline` creation bytecode and ABI (for `showwork serve --deploy` on
 *   development chains) and the
 *   prebuilt web verifier (`showwork verifier`) in dist/web/dist.
 *
 *   npm run build        (hardhat build first, then this)
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { buildWeb } from "../web/build.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");
const rel = (file: string): string => path.relative(ROOT, file);

const started = performance.now();
await rm(DIST, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json")], {
  stdio: "inherit",
  cwd: ROOT,
});
if (tsc.status !== 0) {
  process.stderr.write("build: tsc -p tsconfig.build.json failed (see above); dist/ is incomplete.\n");
  process.exit(tsc.status ?? 1);
}

// The bundle's JSON Schema, exported as `showwork/bundle.schema.json`.
await mkdir(path.join(DIST, "sdk/bundle"), { recursive: true });
await copyFile(path.join(ROOT, "sdk/bundle/bundle.schema.json"), path.join(DIST, "sdk/bundle/bundle.schema.json"));
// The disclosure's JSON Schema, exported as `showwork/disclosure.schema.json` (it refers to the bundle's by $id).
await mkdir(path.join(DIST, "sdk/disclosure"), { recursive: true });
await copyFile(path.join(ROOT, "sdk/disclosure/disclosure.schema.json"), path.join(DIST, "sdk/disclosure/disclosure.schema.json"));

// The contracts' bytecode for sdk/service/chain/setupLog.ts (it reads ../../../artifacts/... relative
// to itself: dev chains get ReceiptLogs and ModelTimeline deployed by `showwork serve --deploy`).
for (const name of ["ReceiptLogs", "ModelTimeline"]) {
  const artifactPath = path.join(ROOT, `artifacts/contracts/${name}.sol/${name}.json`);
  let artifact: { contractName?: string; sourceName?: string; abi?: unknown; bytecode?: string };
  try {
    artifact = JSON.parse(await readFile(artifactPath, "utf8")) as typeof artifact;
  } catch {
    process.stderr.write(`build: ${rel(artifactPath)} is missing: run \`npx hardhat build\` first (npm run build does).\n`);
    process.exit(1);
  }
  const artifactOut = path.join(DIST, `artifacts/contracts/${name}.sol/${name}.json`);
  await mkdir(path.dirname(artifactOut), { recursive: true });
  const { contractName, sourceName, abi, bytecode } = artifact;
  await writeFile(artifactOut, `${JSON.stringify({ contractName, sourceName, abi, bytecode })}\n`);
}

// The web verifier, prebuilt: the installed package has no esbuild and no web/src.
const web = await buildWeb(path.join(DIST, "web/dist"));
// Its source map (about 2.7 MB, six times the page) stays out of the package.
const appJs = path.join(DIST, "web/dist/app.js");
await rm(`${appJs}.map`, { force: true });
await writeFile(appJs, (await readFile(appJs, "utf8")).replace(/\n?\/\/# sourceMappingURL=app\.js\.map\s*$/, "\n"));

process.stdout.write(
  `built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s: tsc (sdk -> dist/sdk), bundle.schema.json, contract bytecode, web verifier (${(web.scriptBytes / 1024).toFixed(0)} KiB)\n`,
);
