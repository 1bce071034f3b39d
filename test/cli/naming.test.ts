/**
 * One naming scheme across every command (sdk/cli/naming.ts, docs/configuration.md): walks every
 * command's options as built, checks the flags and environment variables against the table, that the
 * docs list them, and that the old names still work with a deprecation line.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import type { Command, Option } from "commander";

import { DEPRECATED_ENV, ENV } from "../../sdk/config/env.js";
import { CANONICAL_FLAGS, DEPRECATED_FLAGS, applyDeprecatedEnv } from "../../sdk/cli/naming.js";
import { buildProgram } from "../../sdk/cli/program.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Environment variables outside the config's table, each a command's own input. */
const OWN_ENV = new Set(["SHOWWORK_UPSTREAM"]);

function leaves(command: Command, prefix = ""): { path: string; command: Command }[] {
  const here = prefix === "" ? command.name() : `${prefix} ${command.name()}`;
  if (command.commands.length === 0) return [{ path: here, command }];
  return command.commands.flatMap((sub) => leaves(sub, prefix === "" && command.name() === "showwork" ? "" : here));
}

function captureStderr<T>(fn: () => T): { result: T; stderr: string } {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: fn(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe("CLI: one naming scheme for flags and environment variables", function () {
  this.timeout(60_000);
  let commands: { path: string; command: Command }[];
  before(async () => {
    commands = leaves(await buildProgram([], { eager: true }));
  });

  it("every command takes --config, and no visible option uses an old name", () => {
    expect(commands.length).to.be.greaterThan(25);
    for (const { path: name, command } of commands) {
      const options = command.options as Option[];
      expect(options.some((o) => o.long === "--config"), `${name} --config`).to.equal(true);
      for (const option of options.filter((o) => !o.hidden)) {
        expect(Object.keys(DEPRECATED_FLAGS), `${name} ${option.flags}`).not.to.include(option.long);
      }
    }
  });

  it("every flag of the scheme has its one environment variable, and every variable is in the table", () => {
    const table = new Set<string>(Object.values(ENV));
    const byFlag = new Map(CANONICAL_FLAGS.map((f) => [f.flag, f.env]));
    for (const { path: name, command } of commands) {
      for (const option of (command.options as Option[]).filter((o) => !o.hidden)) {
        if (option.envVar !== undefined) expect(table.has(option.envVar) || OWN_ENV.has(option.envVar), `${name} ${option.flags}: ${option.envVar}`).to.equal(true);
        const expected = byFlag.get(option.long!);
        if (expected !== undefined && !(name === "verify" && option.long === "--log")) expect(option.envVar, `${name} ${option.flags}`).to.equal(expected);
      }
    }
  });

  it("docs/configuration.md lists every flag, variable and old name", () => {
    const doc = readFileSync(path.join(ROOT, "docs/configuration.md"), "utf8");
    for (const { flag, env } of CANONICAL_FLAGS) {
      expect(doc, flag).to.include(`\`${flag}\``);
      if (env !== undefined) expect(doc, env).to.include(`\`${env}\``);
    }
    for (const name of [...Object.values(ENV), ...Object.keys(DEPRECATED_ENV), "SHOWWORK_PRIVATE_KEY", ...Object.keys(DEPRECATED_FLAGS)]) expect(doc, name).to.include(`\`${name}\``);
  });

  it("old flags still work, with a one-line deprecation warning", () => {
    const find = (name: string): Command => commands.find((c) => c.path === name)!.command;
    const logId = `0x${"ab".repeat(32)}`;
    const show = find("log show");
    const { stderr } = captureStderr(() => show.parseOptions(["--log-id", logId]));
    expect(show.opts().logId).to.equal(logId);
    expect(stderr).to.match(/the flag --log-id is deprecated; use --log/);
    const serve = find("serve");
    const address = `0x${"12".repeat(20)}`;
    const moved = captureStderr(() => serve.parseOptions(["--contract", address, "--timeline", address]));
    expect(serve.opts().contract).to.equal(address);
    expect(serve.opts().timeline).to.equal(address);
    expect(moved.stderr).to.match(/--contract is deprecated; use --receipt-logs/);
    expect(moved.stderr).to.match(/--timeline is deprecated; use --model-timeline/);
  });

  it("old environment variables are moved to the new names with a warning (SHOWWORK_PRIVATE_KEY by command)", () => {
    const key = `0x${"33".repeat(32)}`;
    const forLog: NodeJS.ProcessEnv = { SHOWWORK_PRIVATE_KEY: key, SHOWWORK_TIMELINE: "0x1", SHOWWORK_CAPTURE_QUEUE: "q" };
    const a = captureStderr(() => applyDeprecatedEnv("log", forLog));
    expect(forLog.SHOWWORK_OPERATOR_KEY).to.equal(key);
    expect(forLog.SHOWWORK_ANCHORER_KEY).to.equal(undefined);
    expect(forLog.SHOWWORK_MODEL_TIMELINE).to.equal("0x1");
    expect(forLog.SHOWWORK_QUEUE).to.equal("q");
    expect(a.stderr).to.match(/SHOWWORK_PRIVATE_KEY is deprecated; use SHOWWORK_OPERATOR_KEY/);
    const forServe: NodeJS.ProcessEnv = { SHOWWORK_PRIVATE_KEY: key };
    const b = captureStderr(() => applyDeprecatedEnv("serve", forServe));
    expect(forServe.SHOWWORK_ANCHORER_KEY).to.equal(key);
    expect(b.stderr).to.match(/SHOWWORK_PRIVATE_KEY is deprecated; use SHOWWORK_ANCHORER_KEY/);
  });
});

describe("CLI: the project config as every command's default", () => {
  it("verify's --log stays a stated pin (no environment variable)", async () => {
    const program = await buildProgram([], { eager: true });
    const verify = program.commands.find((c) => c.name() === "verify")!;
    const log = (verify.options as Option[]).find((o) => o.long === "--log")!;
    expect(log.envVar).to.equal(undefined);
  });
});
