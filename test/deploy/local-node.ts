/**
 * Helpers for tests that rehearse a deployment against a real JSON-RPC node:
 * a fresh checkout-like copy of the project, a `hardhat node` child process on
 * 127.0.0.1, and commands run the way a user runs them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cp, mkdir, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

/** What a checkout needs to deploy (sources, modules, scripts, SDK, config, the committed record). */
const PROJECT_ENTRIES = [
  "contracts",
  "ignition/modules",
  "scripts",
  "sdk",
  "deployments/deployments.json",
  "hardhat.config.ts",
  "package.json",
  "tsconfig.json",
];

/**
 * Lays out a checkout-like copy of the project in `cache/deploy-rehearsal/`
 * (node_modules symlinked): sources, modules, scripts, SDK, config and the
 * committed record are copied afresh, and no deployment state (Ignition
 * journals, local record) survives from an earlier run. Only the copy's own
 * build output is kept between runs, so an unchanged project is not
 * recompiled. Deploying there leaves this checkout's artifacts, journals and
 * records untouched.
 */
export async function copyProject(root: string): Promise<string> {
  const dir = path.join(root, "cache", "deploy-rehearsal");
  await mkdir(dir, { recursive: true });
  for (const entry of [...PROJECT_ENTRIES, "ignition", "deployments"]) {
    await rm(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const entry of PROJECT_ENTRIES) {
    await mkdir(path.dirname(path.join(dir, entry)), { recursive: true });
    await cp(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  await rm(path.join(dir, "node_modules"), { force: true });
  await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** Removes the copy's deployment state (keeps its build cache). */
export async function removeDeploymentState(dir: string): Promise<void> {
  for (const entry of ["ignition/deployments", "deployments/local.json"]) {
    await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not get a free port");
  return address.port;
}

/**
 * The environment of a child command, as in a user's shell: this Node first on
 * PATH, and none of the variables the test runner or an enclosing `npm run`
 * set: `hardhat test` exports its global options as HARDHAT_* (HARDHAT_CONFIG
 * would point the child at this checkout's config instead of the copy's), and
 * npm_config_local_prefix would make `npm run` act on this checkout.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|HARDHAT_)/i.test(key) || ["INIT_CWD", "HH_TEST", "NODE_ENV"].includes(key)) continue;
    env[key] = value;
  }
  Object.assign(env, extra);
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
  return env;
}

export interface LocalNode {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Starts `hardhat node --hostname 127.0.0.1 --port <free port>` in `cwd` and waits until it answers. */
export async function startHardhatNode(cwd: string, options: { chainId?: number } = {}): Promise<LocalNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [path.join(cwd, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)];
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  const child = spawn(process.execPath, args, { cwd, env: childEnv({}), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once("exit", () => (exited = true));

  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`hardhat node exited before it answered:\n${output}`);
    try {
      await rpc(url, "eth_chainId");
      return { url, process: child, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on ${url} within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing stdout and stderr together. */
export async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}
