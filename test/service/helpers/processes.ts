/**
 * Child processes for the reliability tests: a `hardhat node` on 127.0.0.1, and the
 * `showwork` CLI. Every child is tracked and killed by {@link killAll} (call it in `after`).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const children = new Set<ChildProcess>();

/**
 * The environment for a child: ours without HARDHAT_* and npm_* variables (`hardhat test` sets
 * HARDHAT_CONFIG & co., which would point a child Hardhat at the parent's project settings).
 */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(HARDHAT_|npm_)/i.test(key)));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Spawns a tracked child process. */
export function spawnTracked(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...childEnv(), ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Resolves when the child exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGKILLs a child and waits until it is gone (reaped). */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await exited(child);
}

/** Kills every tracked child. */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map((child) => killHard(child)));
}

/** Waits for a line matching `pattern` on the child's stdout (or stderr). */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} (output so far: ${buffer.slice(-2000)})`)), timeoutMs);
    const onData = (data: Buffer): void => {
      buffer += data.toString();
      const match = pattern.exec(buffer);
      if (match) done(undefined, match);
    };
    const onExit = (): void => done(new Error(`process exited before printing ${pattern}: ${buffer.slice(-2000)}`));
    function done(error?: Error, match?: RegExpMatchArray): void {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(match!);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** A running `hardhat node`. */
export interface HardhatNode {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port of 127.0.0.1 (with `chainId`, else Hardhat's default) and waits until it answers. */
export async function startHardhatNode(options: { chainId?: number } = {}): Promise<HardhatNode> {
  const port = await freePort();
  const chainId = options.chainId === undefined ? [] : ["--chain-id", String(options.chainId)];
  const child = spawnTracked(process.execPath, [`${ROOT}node_modules/hardhat/dist/src/cli.js`, "node", "--port", String(port), "--hostname", "127.0.0.1", ...chainId]);
  child.stdout?.resume();
  child.stderr?.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error("hardhat node exited");
    if (Date.now() > deadline) throw new Error("hardhat node did not start within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, child, stop: () => killHard(child) };
}

/** One JSON-RPC call. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** What a CLI child process did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/showwork.mjs args` (in {@link ROOT}, environment {@link childEnv} plus `env`) to its
 * end, at most 120 s; exit code 1 when it was killed or failed to start.
 */
export function showwork(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/showwork.mjs"), ...args],
      { cwd: ROOT, env: { ...childEnv(), ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
