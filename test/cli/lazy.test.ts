/**
 * The CLI imports only the chosen command's module (sdk/cli/program.ts). These tests check that the
 * help stays complete and identical to that of the eager CLI, which imported every command module.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import type { Command } from "commander";

import { buildProgram, chosenCommand, COMMANDS } from "../../sdk/cli/program.js";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/showwork.mjs");

/** Every command the eager CLI (before lazy loading) listed, in its order. */
const EAGER_COMMANDS = [
  "dev", "init", "doctor", "serve", "proxy", "anchor", "log", "model", "prove", "bundle", "verify", "trust", "disclose",
  "evidence", "replay", "timeline", "token", "audit", "publish", "monitor", "verifier", "capture",
];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function subcommand(program: Command, name: string): Command {
  const command = program.commands.find((c) => c.name() === name);
  if (!command) throw new Error(`no command ${name}`);
  return command;
}

/** The help of a command and of all its subcommands, depth first. */
function helpTree(command: Command): string[] {
  return [command.helpInformation(), ...command.commands.flatMap(helpTree)];
}

describe("CLI: lazy command loading", function () {
  this.timeout(180_000);

  it("lists the same commands, in the same order, as the eager CLI", () => {
    expect(COMMANDS.map((c) => c.name)).to.deep.equal(EAGER_COMMANDS);
  });

  it("finds the chosen command in argv", () => {
    expect(chosenCommand(["--help"])).to.equal(undefined);
    expect(chosenCommand([])).to.equal(undefined);
    expect(chosenCommand(["verify", "--help"])).to.equal("verify");
    expect(chosenCommand(["--json", "log", "show"])).to.equal("log");
    expect(chosenCommand(["help", "model"])).to.equal("model");
  });

  it("prints the same top-level help as the eager program", async () => {
    const eager = await buildProgram(["--help"], { eager: true });
    const lazy = await buildProgram(["--help"]);
    expect(lazy.helpInformation()).to.equal(eager.helpInformation());
  });

  it("loads the chosen command for real: its help (and its subcommands') equals the eager program's", async () => {
    const eager = await buildProgram([], { eager: true });
    for (const name of EAGER_COMMANDS) {
      const lazy = await buildProgram([name, "--help"]);
      expect(helpTree(subcommand(lazy, name)), name).to.deep.equal(helpTree(subcommand(eager, name)));
      // The top-level help is the same whichever command is loaded.
      expect(lazy.helpInformation(), name).to.equal(eager.helpInformation());
    }
  });

  it("`showwork --help` lists every command; `showwork NAME --help` prints `Usage: showwork NAME`", async () => {
    const top = await run(["--help"]);
    expect(top.code).to.equal(0);
    const listed = top.stdout.split("\n").filter((line) => /^ {2}[a-z]/.test(line)).map((line) => line.trim().split(/\s/)[0]);
    for (const name of EAGER_COMMANDS) expect(listed, name).to.include(name);

    const queue = [...EAGER_COMMANDS];
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          const { code, stdout, stderr } = await run([name, "--help"]);
          if (code !== 0 || !stdout.startsWith(`Usage: showwork ${name}`)) {
            failures.push(`${name}: exit ${code}\n${stdout}\n${stderr}`);
          }
        }
      }),
    );
    expect(failures).to.deep.equal([]);
  });

  it("keeps commander's errors: an unknown command exits 1 with a suggestion", async () => {
    const { code, stderr } = await run(["verfy"]);
    expect(code).to.equal(1);
    expect(stderr).to.include("unknown command 'verfy'");
    expect(stderr).to.include("(Did you mean verify?)");
  });
});
