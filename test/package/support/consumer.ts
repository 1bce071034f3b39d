/**
 * The packed package, installed once per test run into a fresh project outside the repository
 * (os.tmpdir()): `npm run build`, `npm pack`, then `npm install --prefer-offline` of the tarball
 * (plus hardhat and solc for the Solidity consumer, @types/node for tsc) into a copy of
 * test/package/fixtures/ (each NAME.txt there becomes NAME). Every consumer test shares this one pack and one install.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const require = createRequire(import.meta.url);
export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const FIXTURES = path.join(REPO, "test/package/fixtures");

/** The installed consumer project. */
export interface Consumer {
  /** The project folder (outside the repository). */
  readonly dir: string;
  readonly tarball: string;
  /** `npm pack --json`'s report. */
  readonly packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };
  /** Seconds `npm install` took. */
  readonly installSeconds: number;
  /** Removes the project and the tarball. */
  remove(): Promise<void>;
}

/** The packed tarball (`npm run build` + `npm pack`, once per test process) in its own temp folder. */
export interface Packed {
  /** The temp folder holding the tarball (projects are made inside it). */
  readonly work: string;
  readonly tarball: string;
  /** `npm pack --json`'s report. */
  readonly packed: Consumer["packed"];
  /** Seconds `npm run build` + `npm pack` took. */
  readonly packSeconds: number;
}

let packing: Promise<Packed> | undefined;

/** Builds and packs showwork once per test process (every consumer project of the run installs this tarball). */
export function packShowwork(): Promise<Packed> {
  packing ??= (async () => {
    const started = performance.now();
    const work = await mkdtemp(path.join(tmpdir(), "showwork-consumer-"));
    await exec("npm", ["run", "--silent", "build"], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
    const { stdout } = await exec("npm", ["pack", "--json", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Consumer["packed"][];
    return { work, tarball: path.join(work, packed!.filename), packed: packed!, packSeconds: (performance.now() - started) / 1000 };
  })();
  return packing;
}

/** Deletes the tarball's folder (with every project made inside it); the next {@link packShowwork} packs again. */
export async function releasePack(): Promise<void> {
  const current = packing;
  packing = undefined;
  pending = undefined;
  const packed = await current?.catch(() => undefined);
  if (packed !== undefined) await rm(packed.work, { recursive: true, force: true });
}

let pending: Promise<Consumer> | undefined;

/** The one consumer project of this run (packed and installed on first use). */
export function consumer(): Promise<Consumer> {
  pending ??= setUp();
  return pending;
}

async function versionOf(name: string): Promise<string> {
  // (a package whose exports do not list ./package.json is read from the repo's node_modules)
  const file = (() => {
    try {
      return require.resolve(`${name}/package.json`, { paths: [REPO] });
    } catch {
      return path.join(REPO, "node_modules", name, "package.json");
    }
  })();
  const manifest = JSON.parse(await readFile(file, "utf8")) as { version: string };
  return manifest.version;
}

async function setUp(): Promise<Consumer> {
  const { tarball, packed } = await packShowwork();
  const dir = await mkdtemp(path.join((await packShowwork()).work, "project-"));
  await cp(FIXTURES, dir, { recursive: true });
  await rm(path.join(dir, "README.md"));
  for (const entry of await readdir(dir, { recursive: true })) {
    if (entry.endsWith(".txt")) await rename(path.join(dir, entry), path.join(dir, entry.slice(0, -".txt".length)));
  }
  const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  manifest.dependencies = {
    showwork: `file:${tarball}`,
    viem: await versionOf("viem"),
    hardhat: await versionOf("hardhat"),
    solc: await versionOf("solc"),
    "@types/node": await versionOf("@types/node"),
    // the optional peers of showwork/otel and showwork/langchain, as an app using them has them
    "@opentelemetry/api": await versionOf("@opentelemetry/api"),
    "@langchain/core": await versionOf("@langchain/core"),
  };
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const started = performance.now();
  await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const installSeconds = (performance.now() - started) / 1000;
  await stat(path.join(dir, "node_modules/showwork/package.json"));
  return { dir, tarball, packed, installSeconds, remove: releasePack };
}

/**
 * The environment for commands in the consumer project: without the variables `hardhat test` sets
 * for its own run (HARDHAT_CONFIG and the other global options, HH_TEST), which would point the
 * consumer's Hardhat at the repository's config.
 */
export function consumerEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HARDHAT_|HH_)/.test(name)));
  return { ...env, ...extra };
}

/** Runs a command in the consumer project; resolves with its output whatever the exit code. */
export async function runIn(dir: string, file: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd: dir, env: consumerEnv(env), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error) };
  }
}
