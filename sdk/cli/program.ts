/**
 * The `showwork` program (sdk/cli/main.ts runs it). One file per command under `commands/`.
 *
 * Start-up is lazy: the command modules pull in viem, hono, pg, the service and more, so only the
 * module of the command being run is imported. Every other command is registered as a stub that
 * carries just what the top-level help lists (name, usage term, description), from {@link COMMANDS}.
 * test/cli/lazy.test.ts checks that the help is identical to that of the real commands.
 *
 * @module
 */
import { Command, Help } from "commander";

import { loadConfig } from "../config/loadConfig.js";
import { applyConfigDefaults, applyDeprecatedEnv, applyNamingScheme } from "./naming.js";

/** One command: what `showwork --help` lists about it, and how to load the real thing. */
export interface LazyCommand {
  name: string;
  /** As commander's `Help.subcommandTerm` prints it for the real command. */
  term: string;
  description: string;
  load: () => Promise<Command>;
}

/** Every command, in the order of `showwork --help`. */
export const COMMANDS: readonly LazyCommand[] = [
  { name: "dev", term: "dev [options]", description: "a local chain with everything set up (contracts, log, keys, models), the anchoring service, and .showwork/config.json for every command (state kept across restarts)", load: async () => (await import("./commands/dev.js")).devCommand() },
  { name: "init", term: "init [options]", description: "set up a project on a network (testnet/mainnet): contracts, log, grants, timeline, models; says what it will spend first (--yes to send); idempotent; writes .showwork/config.json", load: async () => (await import("./commands/init.js")).initCommand() },
  { name: "doctor", term: "doctor [options]", description: "say what is wrong with this project's set-up (config, chain, log, grants, funds, timeline, serving nodes, store, service, capture queue, model versions seen but not published), each with the fix (exit 0 all good, 1 something to fix, 2 could not check)", load: async () => (await import("./commands/doctor.js")).doctorCommand() },
  { name: "serve", term: "serve [options]", description: "run the anchoring service and its HTTP API", load: async () => (await import("./commands/serve.js")).serveCommand() },
  { name: "proxy", term: "proxy [options]", description: "an OpenAI-compatible proxy that receipts every answer (x-showwork-receipt-id in the response headers)", load: async () => (await import("./commands/proxy.js")).proxyCommand() },
  { name: "anchor", term: "anchor [options] <file>", description: "record and anchor a file of receipts (JSON Lines), with progress and a summary", load: async () => (await import("./commands/anchor.js")).anchorCommand() },
  { name: "log", term: "log", description: "administer a log in ReceiptLogs: create, grant-anchorer, revoke-anchorer, grant-signer, revoke-signer, bind-timeline, set-max-delay, show, checkpoint", load: async () => (await import("./commands/log.js")).logCommand() },
  { name: "model", term: "model", description: "record model versions on-chain: register, publish, deploy, rollback --reason, deactivate --reason, grant-publisher, show", load: async () => (await import("./commands/model.js")).modelCommand() },
  { name: "prove", term: "prove [options] <receipt-id>", description: "write the proof bundle of an anchored receipt", load: async () => (await import("./commands/prove.js")).proveCommand() },
  { name: "bundle", term: "bundle", description: "work on proof bundles: upgrade (make one self-contained, bundle v2 with chain proofs)", load: async () => (await import("./commands/bundle.js")).bundleCommand() },
  { name: "verify", term: "verify [options] [bundle]", description: "verify an answer's proof bundle against the chain (exit 0 verified, 1 failed, 2 pending or could not check)", load: async () => (await import("./commands/verify.js")).verifyCommand() },
  { name: "trust", term: "trust", description: "keep a pinned trust file current: refresh (take an operator's newer signed trust file)", load: async () => (await import("./commands/trust.js")).trustCommand() },
  { name: "disclose", term: "disclose [options] <receipt-id>", description: "write a disclosure: a receipt's proof bundle plus the chosen pieces of its evidence (exit 0 written, 1 error, 3 evidence deleted)", load: async () => (await import("./commands/disclose.js")).discloseCommand() },
  { name: "evidence", term: "evidence", description: "the evidence store: retention (delete per receipt or by age)", load: async () => (await import("./commands/evidence.js")).evidenceCommand() },
  { name: "replay", term: "replay [options] <receipt-id>", description: "re-send an answer's exact stored request to an OpenAI-compatible endpoint and compare (exit 0 identical, 1 different, 2 could not replay)", load: async () => (await import("./commands/replay.js")).replayCommand() },
  { name: "timeline", term: "timeline [options] <model>", description: "print a model's activations (deployments and rollbacks) in a log, from the chain", load: async () => (await import("./commands/timeline.js")).timelineCommand() },
  { name: "token", term: "token", description: "issue, list and revoke the access tokens of the service's HTTP API", load: async () => (await import("./commands/token.js")).tokenCommand() },
  { name: "audit", term: "audit [options]", description: "list the receipts a model version produced in a time window (from the operator's store), each with its anchor", load: async () => (await import("./commands/audit.js")).auditCommand() },
  { name: "publish", term: "publish [options]", description: "write every anchored batch (commitments only) and an index into a folder, for any static host (incremental)", load: async () => (await import("./commands/publish.js")).publishCommand() },
  { name: "monitor", term: "monitor [options]", description: "follow a log from the chain and check every published batch: withheld batches, altered files, gaps, duplicates, unauthorised nodes, late anchoring, inactive versions (exit 0 clean, 1 found, 2 could not check)", load: async () => (await import("./commands/monitor.js")).monitorCommand() },
  { name: "verifier", term: "verifier [options]", description: "serve the web verifier on 127.0.0.1 (a static page: verification runs in the browser, against the RPC URL you enter)", load: async () => (await import("./commands/verifier.js")).verifierCommand() },
  { name: "capture", term: "capture", description: "the capture side: its delivery queue (list what waits and what the service refused; retry)", load: async () => (await import("./commands/capture.js")).captureCommand() },
];

/** `--config PATH` / `--config=PATH` in `argv`, for loading the config before parsing. */
function configFlag(argv: readonly string[]): { file?: string } {
  for (const [i, arg] of argv.entries()) {
    if (arg === "--config" && argv[i + 1] !== undefined) return { file: argv[i + 1]! };
    if (arg.startsWith("--config=")) return { file: arg.slice("--config=".length) };
  }
  return {};
}

/** The command `argv` (user arguments, after `node script`) runs: the first operand, or the one after `help`. */
export function chosenCommand(argv: readonly string[]): string | undefined {
  const operands = argv.filter((arg) => !arg.startsWith("-"));
  return operands[0] === "help" ? operands[1] : operands[0];
}

/**
 * The `showwork` program for `argv`: the chosen command is loaded for real, every other one is a stub.
 * With `eager`, every command is loaded (what the CLI did before; used by the test).
 */
export async function buildProgram(argv: readonly string[], { eager = false }: { eager?: boolean } = {}): Promise<Command> {
  const chosen = chosenCommand(argv);
  const stubTerms = new Map<Command, string>();
  const program = new Command()
    .name("showwork")
    .description("A verifiable receipt for every AI answer: record, batch, anchor, prove, verify.")
    .showHelpAfterError()
    .configureHelp({
      subcommandTerm: (command) => stubTerms.get(command) ?? new Help().subcommandTerm(command),
    });
  const asksHelp = argv.some((arg) => arg === "--help" || arg === "-h") || argv.filter((arg) => !arg.startsWith("-"))[0] === "help";
  if (!eager) applyDeprecatedEnv(chosen);
  for (const entry of COMMANDS) {
    if (eager || entry.name === chosen) {
      const command = applyNamingScheme(await entry.load());
      // The project config's values are every option's defaults (flags and environment win); not for help, which stays the same everywhere.
      if (!eager && !asksHelp && entry.name !== "dev") applyConfigDefaults(command, loadConfig({ ...configFlag(argv) }));
      program.addCommand(command);
    } else {
      const stub = new Command(entry.name).description(entry.description);
      stubTerms.set(stub, entry.term);
      program.addCommand(stub);
    }
  }
  return program;
}
