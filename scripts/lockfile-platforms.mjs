#!/usr/bin/env node
// Restores package-lock.json entries for optional platform packages that the
// registry mirror reachable from these machines does not hold (e.g. the macOS,
// Windows and arm64 builds of Hardhat's native EVM, @nomicfoundation/edr-*).
// npm drops such entries from the lockfile when it cannot fetch their
// manifests, and `npm ci` then refuses the lockfile ("Missing: ... from lock
// file"). Each restored entry carries only version, os, cpu and libc, and is
// marked optional, so npm skips it on this platform without fetching it.
//
// Run after every `npm install`:  node scripts/lockfile-platforms.mjs
// `--check` exits 1 (and names them) if entries are missing.
import { readFileSync, writeFileSync } from "node:fs";

/** Platform packages known to be missing from the mirror, by name suffix. */
const PLATFORMS = {
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "darwin-x64": { os: ["darwin"], cpu: ["x64"] },
  "linux-arm64-gnu": { os: ["linux"], cpu: ["arm64"], libc: ["glibc"] },
  "linux-arm64-musl": { os: ["linux"], cpu: ["arm64"], libc: ["musl"] },
  "linux-x64-gnu": { os: ["linux"], cpu: ["x64"], libc: ["glibc"] },
  "linux-x64-musl": { os: ["linux"], cpu: ["x64"], libc: ["musl"] },
  "win32-x64-msvc": { os: ["win32"], cpu: ["x64"] },
};

const check = process.argv.includes("--check");
const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const missing = [];
const packages = {};
for (const [path, entry] of Object.entries(lock.packages)) {
  packages[path] = entry;
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depPath = `node_modules/${dep}`;
    if (lock.packages[depPath] || packages[depPath]) continue;
    const suffix = Object.keys(PLATFORMS).find((s) => dep.endsWith(`-${s}`));
    if (!suffix) {
      console.error(`lockfile: optional dependency ${dep} of ${path} is missing and is not a known platform package`);
      process.exitCode = 1;
      continue;
    }
    missing.push(dep);
    packages[depPath] = {
      version,
      ...PLATFORMS[suffix],
      dev: entry.dev,
      optional: true,
      ...(entry.engines ? { engines: entry.engines } : {}),
    };
  }
}
if (check) {
  if (missing.length) {
    console.error(`lockfile: missing platform entries: ${missing.join(", ")}\nfix: node scripts/lockfile-platforms.mjs`);
    process.exit(1);
  }
} else if (missing.length) {
  lock.packages = packages;
  writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
  console.log(`lockfile: restored ${missing.length} platform entries: ${missing.join(", ")}`);
}
