#!/usr/bin/env node
// Lints the npm package as it would be published: `npm run build` (dist/), `npm pack` into a temp
// folder, then publint and @arethetypeswrong/cli on that tarball. attw runs with the `esm-only`
// profile: showwork is ESM only (`"type": "module"`, no `require` condition), so the node10 and
// node16-from-CJS resolutions are ignored on purpose. Part of `npm run lint`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(tmpdir(), "showwork-lint-package-"));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
try {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: ["ignore", "inherit", "inherit"] });
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--silent", "--ignore-scripts", "--pack-destination", dir]));
  const tarball = path.join(dir, packed.filename);
  process.stdout.write(`lint-package: packed ${packed.filename} (${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB)\n`);
  execFileSync("npx", ["--no-install", "publint", "run", tarball, "--strict"], { stdio: "inherit" });
  execFileSync("npx", ["--no-install", "attw", tarball, "--profile", "esm-only"], { stdio: "inherit" });
} catch (error) {
  process.stderr.write(`lint-package: failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
