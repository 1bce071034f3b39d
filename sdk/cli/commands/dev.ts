/**
 * `showwork dev`: a local chain with everything set up, the anchoring service on it, and the
 * project config (`.showwork/`) that every command and the SDK read. Runs until Ctrl-C; run it
 * again tomorrow and the same chain comes back (its journal is replayed), so old bundles verify.
 *
 * @module
 */
import { relative } from "node:path";

import { Command, Option } from "commander";

import { startDev } from "../../dev/runDev.js";
import { describeEvent } from "./serve.js";
import { integerOption } from "../serviceOptions.js";

interface DevCommandOptions {
  model: string[];
  chainPort?: number;
  servicePort?: number;
  reset?: boolean;
  quiet?: boolean;
  chains?: number;
  secondChainPort?: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function devCommand(): Command {
  return new Command("dev")
    .description("a local chain with everything set up (contracts, log, keys, models), the anchoring service, and .showwork/config.json for every command (state kept across restarts)")
    .addOption(new Option("--model <name[=digest]>", "a model your app calls, registered with a version (repeatable; kept in the config's manifest)").argParser(collect).default([]))
    .addOption(new Option("--chain-port <n>", "port of the chain's JSON-RPC (default: as last time, else 8545 when free; 0: any)").argParser(integerOption(0)))
    .addOption(new Option("--service-port <n>", "port of the anchoring service (default: as last time, else 8787 when free; 0: any)").argParser(integerOption(0)))
    .addOption(new Option("--chains <n>", "local chains: 1, or 2 (every batch anchored on both; the second one is the config's chains[1] \"local-l1\", chain id 31338). Default: as last time, else 1").argParser(integerOption(1)))
    .addOption(new Option("--second-chain-port <n>", "port of the second chain's JSON-RPC (default: as last time, else 8546 when free; 0: any)").argParser(integerOption(0)))
    .addOption(new Option("--reset", "start a new chain: the old chain's bundles will no longer verify"))
    .addOption(new Option("--quiet", "do not log batches and transactions"))
    .action(async (options: DevCommandOptions) => {
      const out = (line: string): void => void process.stdout.write(`${line}\n`);
      const err = (line: string): void => void process.stderr.write(`[showwork dev] ${line}\n`);
      const dev = await startDev({
        models: options.model,
        ...(options.chainPort === undefined ? {} : { chainPort: options.chainPort }),
        ...(options.servicePort === undefined ? {} : { servicePort: options.servicePort }),
        ...(options.reset ? { reset: true } : {}),
        ...(options.chains === undefined ? {} : { chains: options.chains as 1 | 2 }),
        ...(options.secondChainPort === undefined ? {} : { secondChainPort: options.secondChainPort }),
        onLog: err,
        onServiceEvent: (event) => {
          const text = describeEvent(event);
          if (text !== undefined && (!options.quiet || ["retry", "halted", "warning"].includes(event.type))) err(text);
        },
      });
      const rel = (path: string): string => relative(process.cwd(), path) || ".";
      const models = Object.entries(dev.models);
      out(`showwork dev: ready in ${(dev.startMs / 1000).toFixed(1)} s`);
      out(`  chain     ${dev.chain.url}  (chain id ${dev.chain.chainId}; ${dev.chain.created ? "new" : `${dev.chain.replayedBlocks} blocks replayed`}; kept in ${rel(dev.chain.journal)})`);
      out(`  contracts ReceiptLogs ${dev.setup.receiptLogs}, ModelTimeline ${dev.setup.modelTimeline}`);
      out(`  log       ${dev.setup.logId}`);
      if (dev.secondChain !== undefined && dev.secondSetup !== undefined) {
        out(`  chain 2   ${dev.secondChain.url}  (chain id ${dev.secondChain.chainId}, "local-l1": every batch is anchored there too; ${dev.secondChain.created ? "new" : `${dev.secondChain.replayedBlocks} blocks replayed`})`);
        out(`            ReceiptLogs ${dev.secondSetup.receiptLogs}, ModelTimeline ${dev.secondSetup.modelTimeline}, log ${dev.secondSetup.logId}`);
      }
      out(`  operator  ${dev.operator}  (administers the log)`);
      out(`  anchorer  ${dev.anchorer}  (sends the anchoring transactions)`);
      out(`  node      ${dev.node}  (signs your app's receipts)`);
      out(`  models    ${models.length === 0 ? "none (add one with --model NAME: answers of unregistered models fail the version check)" : models.map(([name, entry]) => ("weightsDigest" in entry ? `${name} ${entry.weightsDigest.slice(0, 10)}…` : name)).join(", ")}`);
      out(`  service   ${dev.server.url}  (store ${rel(dev.service.service.store.location)})`);
      out(`  config    ${rel(dev.configFile)}  (keys and token in secrets.json beside it, git-ignored)`);
      out(`  set-up    ${dev.setup.transactions.length === 0 ? "nothing to send: everything was in place" : `${dev.setup.transactions.length} transactions`}`);
      out("");
      out("Next, in another terminal:");
      out(`  1. in your app:  const openai = withReceipts(new OpenAI());   // import { withReceipts } from "showwork/capture"`);
      out(`  2. then:         npx showwork verify --last`);
      out("");
      out("Ctrl-C stops it; run `npx showwork dev` again to carry on with the same chain.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      err("stopping");
      await dev.close();
    });
}
