#!/usr/bin/env node
// The `showwork` command: registers tsx (TypeScript sources run as they are) and starts the CLI.
import { register } from "tsx/esm/api";

// node:sqlite prints an ExperimentalWarning on Node 22; the store relies on it knowingly.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message;
  if (typeof text === "string" && text.includes("SQLite is an experimental feature")) return;
  emitWarning(warning, ...rest);
};

register();
await import("../sdk/cli/main.ts");
