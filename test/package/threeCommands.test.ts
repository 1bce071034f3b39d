/**
 * README "Your app in three commands", done as a new user does it: the packed tarball
 * (support/consumer.ts: one build + pack per test process) installed into an EMPTY folder, then
 * only the README's own commands, parsed out of its code blocks (README and test cannot drift):
 *
 *   1. `npm install showwork openai`                    (showwork → the tarball; npm's cache, offline first)
 *   2. `npx showwork dev --model gpt-4o-mini`           (in the background, until its ready line)
 *   +  the README's JavaScript block, saved as app.mjs and run with `node app.mjs`
 *      (its `new OpenAI()` talks to the mock OpenAI-compatible upstream on 127.0.0.1 through
 *      OPENAI_BASE_URL, the openai client's own setting)
 *   3. `npx showwork verify --last`                     → VERIFIED, pinned to the operator the config names
 *
 * then Ctrl-C (SIGINT) and `showwork dev` again: the bundle saved yesterday still verifies. Then the
 * network flavour (README "On a network"): `showwork init --rpc URL --yes` against a real `hardhat node`
 * (the repository's hardhat, a random port), `showwork serve`, the app, `verify --last`, with the
 * operator's key taken from the Hardhat keystore (stored there beforehand, as a Hardhat user has it).
 *
 * Only these substitutions are made to the README's text, and each is a constant of the test, never a
 * value read from an earlier command's output: `showwork` in `npm install` → the tarball's path; `URL`
 * → the hardhat node's URL (the user's network); `--chain-port 0 --service-port 0` (dev) / `--service
 * http://127.0.0.1:<free port>` (init) appended (tests never take the fixed default ports 8545/8787).
 * The keystore's password is typed on init's standard input, as a person types it when asked. A step
 * whose command holds a placeholder (0x…, <…>, …) fails the test: it would mean copying by hand.
 *
 * The seconds of every step are printed (a table, for the README); nothing is asserted on time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createModelServer } from "../../sdk/capture/testing/index.js";
import { freePort, rpc, startHardhatNode, type HardhatNode } from "../service/helpers/processes.js";
import { hardhatKeystoreSet } from "../support/hardhatKeystore.js";
import { consumerEnv, packShowwork, releasePack, REPO, type Packed } from "./support/consumer.js";

/** The README's section, as commands and the app script. */
interface ReadmeFlow {
  readonly commands: string[];
  readonly script: string;
  /** "On a network": the commands of the README's third shell block (the app and verify --last as above). */
  readonly network: string[];
}

/** The ```sh blocks (each: its commands, comments dropped) and ```js blocks of the README section titled `title` (up to the next `## `). */
function readmeSection(title: string): { sh: string[][]; js: string[]; text: string } {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = readme.indexOf("\n## ", start + 4);
  const text = readme.slice(start, end < 0 ? undefined : end);
  const sh: string[][] = [];
  const js: string[] = [];
  for (const [, lang, body] of text.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    if (lang === "sh") sh.push(body!.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter((line) => line !== "" && !line.startsWith("#")));
    if (lang === "js") js.push(body!);
  }
  return { sh, js, text };
}

const PLACEHOLDER = /0x…|0x\.\.\.|<[^>]*>|…|\$\{?[A-Z_]+/;

interface Step {
  readonly flow: string;
  readonly what: string;
  readonly seconds: number;
}

/** argv of a README command (they hold no quotes). */
const argvOf = (command: string): string[] => command.split(/\s+/);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end in `dir` (`input`: what the user types on its standard input). */
function run(dir: string, argv: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A command left running in the background (showwork dev, showwork serve). */
interface Background {
  readonly child: ChildProcess;
  output(): string;
  /** Ctrl-C, then waits for its exit (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

function startBackground(dir: string, argv: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 180_000): Promise<{ bg: Background; match: RegExpExecArray }> {
  // detached: its own process group, so Ctrl-C reaches npx and the showwork process under it.
  const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const bg: Background = {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // gone
          }
        }, 20_000);
        child.once("exit", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        try {
          process.kill(-child.pid!, "SIGINT");
        } catch {
          resolve(child.exitCode);
        }
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(" ")}: no ready line within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ bg, match });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(" ")} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Waits until `showwork dev` has said "stopping" and removed its lock (its own exit, after Ctrl-C). */
async function stoppedCleanly(dir: string, bg: Background): Promise<void> {
  const lock = path.join(dir, ".showwork/dev.pid");
  for (let i = 0; i < 200 && existsSync(lock); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(existsSync(lock), `${lock} left behind:\n${bg.output()}`).to.equal(false);
  expect(bg.output()).to.include("[showwork dev] stopping");
}

describe("README 'Your app in three commands', from the packed tarball in an empty folder", function () {
  this.timeout(900_000);
  let pack: Packed;
  let upstream: Awaited<ReturnType<ReturnType<typeof createModelServer>["listen"]>>;
  const steps: Step[] = [];
  const running: Background[] = [];
  let app: string;
  let readme: ReadmeFlow;
  let installCommand: string;
  let lastBundleFile: string | undefined;
  let operator: string;

  /** The environment of a new user's shell: theirs, plus what the openai client reads; npm offline first (its cache). */
  const userEnv = (dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env = consumerEnv({
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      OPENAI_API_KEY: "sk-test",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      XDG_CONFIG_HOME: path.join(dir, "..", "xdg-config"), // the Hardhat keystore of this test's user
      FORCE_COLOR: "0",
      NO_COLOR: "1",
      ...extra,
    });
    // No SHOWWORK_* of the test's own shell, and not "CI" (Hardhat skips its keystore in CI).
    for (const name of Object.keys(env)) if (name.startsWith("SHOWWORK_") || name === "CI" || name === "GITHUB_ACTIONS") delete env[name];
    return env;
  };

  async function timed<T>(flow: string, what: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    steps.push({ flow, what, seconds: (performance.now() - started) / 1000 });
    return result;
  }

  before(async function () {
    const section = readmeSection("Your app in three commands");
    expect(section.js, "one JavaScript block").to.have.length(1);
    // The first two shell blocks (around the script) are the three commands; the third is "On a network".
    expect(section.sh, "three shell blocks: before the script, after it, and 'On a network'").to.have.length(3);
    readme = { commands: [...section.sh[0]!, ...section.sh[1]!], script: section.js[0]!, network: section.sh[2]! };
    installCommand = readme.commands[0]!;
    upstream = await createModelServer({ models: { "gpt-4o-mini": { version: "2026-01" } } }).listen(0);
    pack = await timed("build", "npm run build + npm pack (the test's preparation, not a user step)", () => packShowwork());
  });

  after(async function () {
    for (const bg of running) await bg.stop();
    await upstream?.close();
    await releasePack();
    if (steps.length > 0) {
      const width = Math.max(...steps.map((s) => s.what.length));
      process.stdout.write(`\n      seconds per step (${new Date().toISOString()}):\n`);
      for (const s of steps) process.stdout.write(`      ${s.flow.padEnd(8)} ${s.what.padEnd(width)} ${s.seconds.toFixed(1).padStart(6)} s\n`);
    }
  });

  it("the README section is 3 commands and a 5-line script, with nothing to fill in by hand", () => {
    expect(readme.commands).to.deep.equal(["npm install showwork openai", "npx showwork dev --model gpt-4o-mini", "npx showwork verify --last"]);
    const lines = readme.script.trim().split("\n");
    expect(lines, readme.script).to.have.length(5);
    expect(readme.script).to.include("withReceipts(new OpenAI())");
    for (const text of [...readme.commands, readme.script]) expect(PLACEHOLDER.test(text), text).to.equal(false);
  });

  it("showwork dev: install into an empty folder, dev, the app, verify --last → VERIFIED pinned to the config's operator", async () => {
    const dir = path.join(pack.work, "app");
    mkdirSync(dir);
    expect(readdirSync(dir)).to.deep.equal([]);
    const env = userEnv(dir);
    const [install, dev, verify] = readme.commands.map(argvOf) as [string[], string[], string[]];

    // 1. npm install showwork openai (no package.json yet: npm makes one, as for a new user).
    const installed = await timed("dev", `${installCommand}  (npm cache, offline first)`, () => run(dir, install.map((a) => (a === "showwork" ? pack.tarball : a)), env));
    expect(installed.code, installed.stderr).to.equal(0);
    expect(existsSync(path.join(dir, "node_modules/showwork/package.json"))).to.equal(true);

    // 2. npx showwork dev --model gpt-4o-mini, left running.
    const started = await timed("dev", `${readme.commands[1]}  (cold start, to its ready line)`, () => startBackground(dir, [...dev, "--chain-port", "0", "--service-port", "0"], env, /showwork dev: ready in ([\d.]+) s[\s\S]*Ctrl-C stops it/));
    running.push(started.bg);
    const out = started.bg.output();
    expect(out).to.match(/set-up {4}9 transactions/);
    expect(out).to.include("npx showwork verify --last");
    const config = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { operator: string; capture: { models: Record<string, unknown> } };
    operator = config.operator;
    expect(Object.keys(config.capture.models)).to.deep.equal(["gpt-4o-mini"]);

    // + the five lines, run with node.
    app = readme.script;
    writeFileSync(path.join(dir, "app.mjs"), app);
    const answered = await timed("dev", "node app.mjs  (one call; exits with its receipt delivered)", () => run(dir, [process.execPath, "app.mjs"], env));
    expect(answered.code, `${answered.stdout}\n${answered.stderr}`).to.equal(0);
    expect(answered.stdout.trim()).to.not.equal("");
    expect(existsSync(path.join(dir, ".showwork/last-receipt.json"))).to.equal(true);

    // 3. npx showwork verify --last
    const verified = await timed("dev", readme.commands[2]!, () => run(dir, verify, env));
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).to.equal(0);
    expect(verified.stdout).to.match(/^VERIFIED/m);
    expect(verified.stdout.toLowerCase()).to.include(operator.toLowerCase());
    expect(verified.stderr).to.include(`trusting the operator ${operator}`);
    const saved = /the latest answer's bundle, saved as (\S+)/.exec(verified.stderr)?.[1];
    expect(saved, verified.stderr).to.be.a("string");
    lastBundleFile = saved;
    const total = steps.filter((s) => s.flow === "dev").reduce((sum, s) => sum + s.seconds, 0);
    steps.push({ flow: "dev", what: "total: empty folder → VERIFIED (install + 2 commands + the app)", seconds: total });
  });

  it("Ctrl-C and `npx showwork dev` again: the chain comes back and the bundle saved before verifies", async function () {
    expect(lastBundleFile, "the case before saved no bundle (it failed): nothing to verify after the restart").to.be.a("string");
    const dir = path.join(pack.work, "app");
    const env = userEnv(dir);
    const dev = argvOf(readme.commands[1]!);
    const previous = running.pop()!;
    await previous.stop(); // npm exec dies of the SIGINT itself; showwork dev under it closes and removes its lock
    await stoppedCleanly(dir, previous);
    const again = await timed("restart", `${readme.commands[1]}  (again: replays its journal)`, () => startBackground(dir, [...dev, "--chain-port", "0", "--service-port", "0"], env, /showwork dev: ready in ([\d.]+) s[\s\S]*Ctrl-C stops it/));
    running.push(again.bg);
    expect(again.bg.output()).to.match(/\d+ blocks replayed/);
    expect(again.bg.output()).to.include("nothing to send: everything was in place");
    const bundle = path.relative(dir, lastBundleFile!);
    expect(bundle).to.match(/^\.showwork\/bundles\/0x[0-9a-f]{64}\.bundle\.json$/);
    const verified = await timed("restart", `npx showwork verify ${bundle.replace(/0x[0-9a-f]{64}/, "<id>")}`, () => run(dir, ["npx", "showwork", "verify", bundle], env));
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).to.equal(0);
    expect(verified.stdout).to.match(/^VERIFIED/m);
    expect(verified.stderr).to.include(`trusting the operator ${operator}`);
    const stopped = running.pop()!;
    await stopped.stop();
    await stoppedCleanly(dir, stopped);
  });

  it("On a network: an empty folder, install, `showwork init --rpc URL --keystore --yes` against a hardhat node, serve, the app, verify --last → VERIFIED", async () => {
    // The user's network (a hardhat node of the repository's Hardhat) and their funded account, whose key
    // they keep in the Hardhat keystore (production keystore, with a password).
    const node: HardhatNode = await startHardhatNode();
    try {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key).address;
      await rpc(node.url, "hardhat_setBalance", [account, "0x3635c9adc5dea00000"]); // 1000 ETH
      const dir = path.join(pack.work, "net-app");
      mkdirSync(dir);
      const password = "correct horse battery";
      const env = userEnv(dir);
      await hardhatKeystoreSet({ xdgConfigHome: env.XDG_CONFIG_HOME!, entry: "SHOWWORK_OPERATOR_KEY", value: key, password });
      expect(existsSync(path.join(dir, "../xdg-config/hardhat-nodejs/keystore.json"))).to.equal(true);

      // The README's "On a network" block: its commands, URL → the node's URL; the service on a free port.
      const port = await freePort();
      const service = `http://127.0.0.1:${port}`;
      expect(readme.network.length, readme.network.join("\n")).to.equal(2);
      for (const command of readme.network) expect(PLACEHOLDER.test(command.replace(/\bURL\b/, "")), command).to.equal(false);
      const [init, serve] = readme.network.map((command) => argvOf(command).map((a) => (a === "URL" ? node.url : a))) as [string[], string[]];
      expect(init.slice(0, 3)).to.deep.equal(["npx", "showwork", "init"]);
      expect(init).to.include("--keystore");
      expect(serve).to.deep.equal(["npx", "showwork", "serve"]);

      const [install, , verify] = readme.commands.map(argvOf) as [string[], string[], string[]];
      const installed = await timed("network", `${installCommand}  (npm cache, offline first)`, () => run(dir, install.map((a) => (a === "showwork" ? pack.tarball : a)), env));
      expect(installed.code, installed.stderr).to.equal(0);

      // init: the keystore's password typed when asked (stdin), nothing else.
      const initialised = await timed("network", `${readme.network[0]}  (9 set-up transactions + funding; the keystore's password typed)`, () =>
        run(dir, [...init, "--service", service], env, `${password}\n`),
      );
      expect(initialised.code, `${initialised.stdout}\n${initialised.stderr}`).to.equal(0);
      expect(initialised.stdout).to.include(`operator ${account}`);
      expect(initialised.stdout).to.match(/keystore/);
      expect(initialised.stdout).to.match(/\d+ transaction\(s\) sent/);
      expect(initialised.stdout + initialised.stderr).not.to.include(key.slice(2));
      const config = JSON.parse(readFileSync(path.join(dir, ".showwork/config.json"), "utf8")) as { operator: string; chains: { rpc: string[] }[] };
      expect(config.operator).to.equal(account);
      expect(config.chains[0]!.rpc).to.deep.equal([node.url]);
      const secrets = readFileSync(path.join(dir, ".showwork/secrets.json"), "utf8");
      expect(secrets, "the operator's key stays in the keystore").not.to.include(key.slice(2));

      // serve, left running: it listens where the config's service URL says (init wrote it).
      const served = await timed("network", `${readme.network[1]}  (to its listening line)`, () => startBackground(dir, serve, env, /showwork serve: listening on (\S+)/));
      running.push(served.bg);
      expect(served.match[1]).to.equal(service);

      writeFileSync(path.join(dir, "app.mjs"), readme.script);
      const answered = await timed("network", "node app.mjs  (one call; exits with its receipt delivered)", () => run(dir, [process.execPath, "app.mjs"], env));
      expect(answered.code, `${answered.stdout}\n${answered.stderr}`).to.equal(0);

      const verified = await timed("network", readme.commands[2]!, () => run(dir, verify, env));
      expect(verified.code, `${verified.stdout}\n${verified.stderr}\n${served.bg.output()}`).to.equal(0);
      expect(verified.stdout).to.match(/^VERIFIED/m);
      expect(verified.stderr).to.include(`trusting the operator ${account}`);
      const total = steps.filter((s) => s.flow === "network").reduce((sum, s) => sum + s.seconds, 0);
      steps.push({ flow: "network", what: `total: empty folder → VERIFIED (install + ${readme.network.length + 1} commands + the app)`, seconds: total });
      const stopped = running.pop()!;
      await stopped.stop();
    } finally {
      await node.stop();
    }
  });
});
