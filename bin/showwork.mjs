#!/usr/bin/env node
// The `showwork` command: registers tsx (TypeScript sources run as they are) and starts the CLI.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`showwork needs Node.js >= 22.13 (this is ${process.version}); see the README, "Quick start" (./run bootstraps Node 22).\n`);
  process.exit(1);
}

const { register } = await import("tsx/esm/api");

// node:sqlite prints an ExperimentalWarning on Node 22; the store relies on it knowingly.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message;
  if (typeof text === "string" && text.includes("SQLite is an experimental feature")) return;
  emitWarning(warning, ...rest);
};

register();
await import("../sdk/cli/main.ts");
