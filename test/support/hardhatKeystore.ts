/**
 * Stores a key in a Hardhat 3 keystore the way a Hardhat user does: `npx hardhat keystore set NAME`
 * (the repository's Hardhat and its keystore plugin), answering its prompts (password, confirmation,
 * value) on standard input as they come. `XDG_CONFIG_HOME` chooses whose keystore (Hardhat's global
 * config folder is under it on Linux).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function hardhatKeystoreSet(options: { xdgConfigHome: string; entry: string; value: string; password?: string; dev?: boolean }): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: options.xdgConfigHome, FORCE_COLOR: "0", NO_COLOR: "1" };
  delete env.CI; // Hardhat's keystore tasks refuse to prompt in CI
  const args = [path.join(REPO, "node_modules/hardhat/dist/src/cli.js"), "keystore", "set", ...(options.dev === true ? ["--dev"] : []), options.entry, "--force"];
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let answered = 0;
  // Each prompt, in the order shown: the password (and its confirmation, for a new keystore), then the value.
  const PROMPT = /Enter the password|confirm your password|Enter secret/g;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const shown = [...output.matchAll(PROMPT)].map((m) => m[0]);
    for (; answered < shown.length; answered++) {
      if (shown[answered] === "Enter secret") child.stdin.end(`${options.value}\n`); // the last answer
      else child.stdin.write(`${options.password ?? ""}\n`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) throw new Error(`npx hardhat keystore set ${options.entry}: exit ${code}\n${output}`);
}
