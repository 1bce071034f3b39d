/**
 * Measures the npm package as a user gets it (figures for docs/package.md):
 *
 * - the tarball (`npm pack`): compressed size, unpacked size, file count;
 * - install time of the tarball into an empty project (`npm install --prefer-offline`, warm npm
 *   cache: what CI and a developer's second install see), median of N;
 * - the browser bundle of the verifier (`import { verifyBundle } from "showwork"`, esbuild,
 *   minified) and of the whole browser-safe core, raw and gzipped;
 * - cold start of the installed `showwork --help` (a new Node process each time), median of N.
 *
 *   npm run bench:package [-- --runs N]
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

const work = mkdtempSync(path.join(tmpdir(), "showwork-bench-package-"));
try {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" })) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  const tarball = path.join(work, packed!.filename);

  const installs: number[] = [];
  let project = "";
  for (let i = 0; i < RUNS; i++) {
    project = path.join(work, `install-${i}`);
    mkdirSync(project);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: `bench-${i}`, private: true, type: "module" }));
    const started = performance.now();
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: project, stdio: "ignore" });
    installs.push((performance.now() - started) / 1000);
  }

  const esbuild = await import("esbuild");
  const bundleOf = async (source: string): Promise<{ bytes: number; gzipped: number }> => {
    const entry = path.join(project, `entry-${installs.length}-${source.length}.js`);
    writeFileSync(entry, source);
    const result = await esbuild.build({ entryPoints: [entry], bundle: true, format: "esm", platform: "browser", target: "es2022", minify: true, write: false, absWorkingDir: project, logLevel: "silent" });
    const code = result.outputFiles[0]!.contents;
    return { bytes: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
  };
  const verifier = await bundleOf('export { verifyBundle } from "showwork";\n');
  const core = await bundleOf('export * from "showwork";\n');

  const bin = path.join(project, "node_modules/.bin/showwork");
  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = spawnSync(bin, ["--help"], { cwd: project, stdio: "ignore" });
    if (run.status !== 0) throw new Error(`showwork --help exited with ${run.status}`);
    starts.push(performance.now() - started);
  }
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ["-e", "0"], { stdio: "ignore" });
    bare.push(performance.now() - started);
  }

  const report = {
    tarball: { file: packed!.filename, bytes: packed!.size, unpackedBytes: packed!.unpackedSize, files: packed!.entryCount },
    installSeconds: { median: Number(median(installs).toFixed(2)), runs: installs.map((s) => Number(s.toFixed(2))) },
    browserBundle: { verifyBundle: verifier, wholeCore: core },
    coldStartHelpMs: { median: Math.round(median(starts)), runs: starts.map(Math.round), bareNodeMedian: Math.round(median(bare)) },
    runs: RUNS,
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    loadAverage: (await import("node:os")).loadavg().map((l) => Number(l.toFixed(1))),
  };
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `tarball ${report.tarball.file}: ${kib(report.tarball.bytes)} (unpacked ${kib(report.tarball.unpackedBytes)}, ${report.tarball.files} files)`,
        `install into an empty project (warm npm cache): median ${report.installSeconds.median} s of ${RUNS} (${report.installSeconds.runs.join(", ")})`,
        `browser bundle, verifyBundle only: ${kib(verifier.bytes)} minified, ${kib(verifier.gzipped)} gzipped`,
        `browser bundle, the whole core (showwork): ${kib(core.bytes)} minified, ${kib(core.gzipped)} gzipped`,
        `showwork --help cold start: median ${report.coldStartHelpMs.median} ms of ${RUNS} (bare \`node -e 0\`: ${report.coldStartHelpMs.bareNodeMedian} ms)`,
        `node ${report.node}, ${report.cpus} cores, load average ${report.loadAverage.join(" ")}`,
      ].join("\n") + "\n",
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
