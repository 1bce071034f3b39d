/**
 * The `showwork` CLI as a child process (`bin/showwork.mjs`, no colours), for the CLI tests of
 * the verifier and of disclosure.
 */
import { spawn } from "node:child_process";
import path from "node:path";

/** The CLI entry point, resolved from the working directory (the repository root under `hardhat test`). */
export const BIN = path.resolve("bin/showwork.mjs");

/** What the child process did (code null: killed by a signal). */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `showwork args` with our environment plus NO_COLOR=1 and `env`; with
 * `evidenceKey: false`, without our SHOWWORK_EVIDENCE_KEY (the test's stores are plain).
 */
export function spawnShowwork(args: readonly string[], env: Record<string, string> = {}, options: { evidenceKey?: boolean } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const { SHOWWORK_EVIDENCE_KEY: _key, ...withoutKey } = process.env;
    const inherited = options.evidenceKey === false ? withoutKey : process.env;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
