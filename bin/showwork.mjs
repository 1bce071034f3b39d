#!/usr/bin/env node
// The `showwork` command.
//
// - Installed package (`npm install showwork`): runs the compiled CLI, dist/sdk/cli/main.js.
// - In a source checkout (tsconfig.json and sdk/cli/main.ts next to bin/): runs the TypeScript
//   sources through tsx (a devDependency), so the command is always the code you are editing and
//   never a stale dist/. Set SHOWWORK_CLI=dist to run the compiled CLI in a checkout
//   (`npm run build` first). In a checkout without tsx (e.g. `npm ci --omit=dev`) the compiled CLI
//   runs when dist/ exists; otherwise the command says what to do.
import { existsSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`showwork needs Node.js >= 22.13 (this is ${process.version}); see the README, "Quick start" (./run bootstraps Node 22).\n`);
  process.exit(1);
}

// node:sqlite prints an ExperimentalWarning on Node 22; the store relies on it knowingly.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message;
  if (typeof text === "string" && text.includes("SQLite is an experimental feature")) return;
  emitWarning(warning, ...rest);
};

const root = new URL("../", import.meta.url);
const compiled = new URL("dist/sdk/cli/main.js", root);
const checkout = existsSync(new URL("tsconfig.json", root)) && existsSync(new URL("sdk/cli/main.ts", root));

async function loadTsx() {
  try {
    return await import("tsx/esm/api");
  } catch {
    return undefined;
  }
}

const tsx = checkout && process.env.SHOWWORK_CLI !== "dist" ? await loadTsx() : undefined;
if (tsx) {
  tsx.register();
  await import(new URL("sdk/cli/main.ts", root).href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write(
    checkout
      ? "showwork: neither tsx (a devDependency: run `npm ci`) nor the compiled CLI (dist/sdk/cli/main.js: run `npm run build`) is available in this checkout.\n"
      : "showwork: the compiled CLI (dist/sdk/cli/main.js) is missing from this installation: reinstall the package.\n",
  );
  process.exit(1);
}
