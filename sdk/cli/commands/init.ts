/**
 * `showwork init --rpc URL`: the set-up of `showwork dev` on a real network (testnet, then mainnet):
 * the operator's key from SHOWWORK_OPERATOR_KEY (or the project's secrets), the anchoring account and
 * serving node from SHOWWORK_ANCHORER_KEY / SHOWWORK_NODE_KEY (or the secrets; generated when absent),
 * existing contracts from the config or --receipt-logs/--model-timeline. Says what it will send and
 * spend at most before sending, and needs --yes to send; idempotent: a second run sends nothing.
 * Writes the same `.showwork/config.json`.
 *
 * Several chains (issue #23): `--also` sets the chain up as an extra anchoring target (an entry of
 * `chains[1..]`, updated in place when one has that name, else added; `--cadence N[:ms]`, `--commit head`),
 * with its own contracts and log, the same serving node and models; its anchoring account is
 * SHOWWORK_ANCHORER_KEY_<NAME>'s when set, else the primary's. Without `--also` the chain is the primary
 * (`chains[0]`) and the extra chains already in the config are kept.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, createWalletClient, formatEther, http, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { CONFIG_DIR, SECRETS_FILE, loadConfig } from "../../config/loadConfig.js";
import { parseSecrets } from "../../config/parseConfig.js";
import { CONFIG_FORMAT, type ChainConfig, type ShowworkConfig } from "../../config/types.js";
import { writeConfig } from "../../config/writeConfig.js";
import { devModelDigest, logSalt, planSetup, runSetup } from "../../dev/setup.js";
import { ShowworkError } from "../../errors.js";
import { parsePrivateKey } from "../../service/chain/connect.js";
import { addressArgument, rpcUrlArgument } from "../commandOptions.js";
import { anchorerKeyVariable } from "../extraChains.js";

interface InitOptions {
  rpc: string;
  receiptLogs?: Address;
  modelTimeline?: Address;
  model: string[];
  name: string;
  yes?: boolean;
  config?: string;
  also?: boolean;
  cadence?: { batches: number; maxWaitMs?: number };
  commit?: "roots" | "head";
}

function cadenceArgument(value: string): { batches: number; maxWaitMs?: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value.trim());
  if (match === null || Number(match[1]) < 1) throw new InvalidArgumentError(`expected BATCHES[:MAX_WAIT_MS] (e.g. 10:600000), found "${value.slice(0, 40)}"`);
  return { batches: Number(match[1]), ...(match[2] === undefined ? {} : { maxWaitMs: Number(match[2]) }) };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function initCommand(): Command {
  return new Command("init")
    .description("set up a project on a network (testnet/mainnet): contracts, log, grants, timeline, models; says what it will spend first (--yes to send); idempotent; writes .showwork/config.json")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the network").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument).makeOptionMandatory())
    .addOption(new Option("--receipt-logs <address>", "an existing ReceiptLogs to use (default: deploy one)").env("SHOWWORK_RECEIPT_LOGS").argParser(addressArgument))
    .addOption(new Option("--model-timeline <address>", "an existing ModelTimeline of that ReceiptLogs").env("SHOWWORK_MODEL_TIMELINE").argParser(addressArgument))
    .addOption(new Option("--model <name[=digest]>", "a model your app calls (repeatable)").argParser(collect).default([]))
    .addOption(new Option("--name <name>", "the chain's name in the config").default("testnet"))
    .addOption(new Option("--yes", "send the transactions (without it: only say what would be sent and spent)"))
    .addOption(new Option("--also", "an extra anchoring chain (chains[1..], by --name), not the primary: every batch is anchored there too"))
    .addOption(new Option("--cadence <batches[:ms]>", "with --also: anchor there every N batches, or once the oldest waiting batch is ms old").argParser(cadenceArgument))
    .addOption(new Option("--commit <mode>", "with --also: 'roots' (every batch root) or 'head' (one commitment to the primary log's chained head covering many batches)").choices(["roots", "head"]))
    .action(async (options: InitOptions, command: Command) => {
      // The project config fills every option's default (the primary's contracts and RPC): for --also only what the user gave counts.
      const given = (name: keyof InitOptions): boolean => ["cli", "env"].includes(command.getOptionValueSource(name) ?? "");
      const root = process.cwd();
      const config = loadConfig({ ...(options.config === undefined ? {} : { file: options.config }) });
      const secretsFile = join(root, CONFIG_DIR, SECRETS_FILE);
      const stored = existsSync(secretsFile) ? parseSecrets(readFileSync(secretsFile, "utf8"), secretsFile) : {};
      const operatorKey = (config.secrets.operatorKey ?? stored.operatorKey) as Hex | undefined;
      if (operatorKey === undefined) {
        throw new ShowworkError("No operator key: SHOWWORK_OPERATOR_KEY is not set (nor operatorKey in .showwork/secrets.json).", {
          metaMessages: ["The operator deploys and administers the log; its account pays for the set-up.", "Do: export SHOWWORK_OPERATOR_KEY=0x… (a funded account), then run this again."],
        });
      }
      const secrets = {
        operatorKey,
        anchorerKey: (config.secrets.anchorerKey ?? stored.anchorerKey ?? generatePrivateKey()) as Hex,
        nodeKey: (config.secrets.nodeKey ?? stored.nodeKey ?? generatePrivateKey()) as Hex,
      };
      const operator = privateKeyToAccount(operatorKey);
      const fileChains = config.config?.chains ?? [];
      if (!options.also && (options.cadence !== undefined || options.commit !== undefined)) {
        throw new ShowworkError("--cadence and --commit are for an extra chain: add --also.", { metaMessages: ["The primary chain anchors every batch as soon as it is closed."] });
      }
      if (options.also && fileChains.length === 0) {
        throw new ShowworkError("--also adds an extra chain to a project that has a primary chain: run `showwork init --rpc URL` for the primary first.");
      }
      if (options.also && fileChains[0]?.name === options.name) throw new ShowworkError(`"${options.name}" is the primary chain's name: give the extra chain another --name.`);
      if (options.also && !given("rpc")) throw new ShowworkError("--also needs --rpc: the extra chain's endpoint (the config's RPC is the primary chain's).");
      const extraIndex = options.also ? fileChains.findIndex((c, i) => i > 0 && c.name === options.name) : -1;
      const existing = options.also ? (extraIndex === -1 ? undefined : fileChains[extraIndex]) : undefined;
      const extraKey = options.also ? process.env[anchorerKeyVariable(options.name)] : undefined;
      const anchorer = privateKeyToAccount(extraKey === undefined ? secrets.anchorerKey : parsePrivateKey(extraKey, anchorerKeyVariable(options.name))).address;
      const node = privateKeyToAccount(secrets.nodeKey).address;
      const models = { ...(config.models ?? {}) };
      for (const flag of options.model) {
        const [name, digest] = flag.split("=");
        models[name!] = { weightsDigest: (digest ?? devModelDigest(name!)) as Hex };
      }
      const toRegister = Object.entries(models).flatMap(([name, entry]) => ("weightsDigest" in entry ? [{ name, weightsDigest: entry.weightsDigest }] : []));
      const transport = http(options.rpc, { retryCount: 2, timeout: 30_000 });
      const probe = createPublicClient({ transport });
      const chainId = await probe.getChainId();
      const chain = { id: chainId, name: options.name, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [options.rpc] } } } as const;
      const client = createPublicClient({ chain, transport, pollingInterval: 500 }) as PublicClient;
      // An extra chain's contracts are its own entry's (the primary's addresses are on another chain).
      const known = options.also ? { receiptLogs: existing?.receiptLogs, modelTimeline: existing?.modelTimeline } : { receiptLogs: config.receiptLogs, modelTimeline: config.modelTimeline };
      const mine = (name: "receiptLogs" | "modelTimeline"): Address | undefined => (options.also && !given(name) ? undefined : options[name]);
      const target = { receiptLogs: mine("receiptLogs") ?? known.receiptLogs, modelTimeline: mine("modelTimeline") ?? known.modelTimeline, salt: logSalt(options.name), anchorer, node, models: toRegister };
      const plan = await planSetup(client, operator.address, target);
      const fees = await client.estimateFeesPerGas().catch(async () => ({ maxFeePerGas: await client.getGasPrice() }));
      const maxCost = plan.gas * (fees.maxFeePerGas ?? 0n);
      const balance = await client.getBalance({ address: operator.address });
      process.stdout.write(`chain ${chainId} at ${options.rpc}; operator ${operator.address} holds ${formatEther(balance)} ETH\n`);
      if (plan.steps.length === 0) {
        process.stdout.write("nothing to send: everything is in place\n");
      } else {
        process.stdout.write(`${plan.steps.length} transaction(s) to send, at most ${plan.gas} gas, at most ${formatEther(maxCost)} ETH at today's fees:\n`);
        for (const step of plan.steps) process.stdout.write(`  - ${step.what}\n`);
        if (!options.yes) {
          process.stdout.write("Nothing sent. Run again with --yes to send them.\n");
          process.exitCode = 1;
          return;
        }
        if (balance < maxCost) {
          throw new ShowworkError(`The operator ${operator.address} holds ${formatEther(balance)} ETH; the set-up may cost up to ${formatEther(maxCost)} ETH.`, { metaMessages: [`Do: send ETH to ${operator.address}, then run this again.`] });
        }
      }
      const wallet = createWalletClient({ account: operator, chain, transport });
      const setup = await runSetup(client, wallet, target, { onStep: (what, hash) => process.stdout.write(`  sent: ${what} (tx ${hash})\n`) });
      const entry: ChainConfig = {
        ...(existing ?? {}),
        name: options.name,
        chainId,
        rpc: [options.rpc],
        receiptLogs: setup.receiptLogs,
        modelTimeline: setup.modelTimeline,
        logId: setup.logId,
        confirmations: chainId === 31337 || chainId === 1337 ? 1 : 12,
        ...(setup.deploymentBlock === undefined ? {} : { deploymentBlock: Number(setup.deploymentBlock) }),
        ...(options.cadence === undefined && options.commit === undefined
          ? {}
          : { cadence: { ...((existing?.cadence as object | undefined) ?? {}), ...(options.cadence ?? {}), ...(options.commit === undefined ? {} : { commit: options.commit }) } }),
      };
      // The primary is chains[0]; the extra chains already there are kept (an extra one is updated in place or added).
      const chains = options.also
        ? extraIndex === -1
          ? [...fileChains, entry]
          : fileChains.map((c, i) => (i === extraIndex ? entry : c))
        : [entry, ...fileChains.slice(1)];
      const written = writeConfig(root, {
        ...(config.config ?? {}),
        format: CONFIG_FORMAT,
        operator: operator.address,
        chains,
        service: { ...(config.config?.service ?? {}), store: ".showwork/store.sqlite", anchorer },
        evidence: { ...(config.config?.evidence ?? {}), store: ".showwork/evidence.sqlite" },
        capture: { ...(config.config?.capture ?? {}), queue: ".showwork/queue.sqlite", node, models },
      } as ShowworkConfig, secrets);
      process.stdout.write(`${setup.transactions.length} transaction(s) sent; log ${setup.logId}; config ${written.file}\n`);
      process.stdout.write(
        options.also
          ? `Chain ${options.name} is chains[${extraIndex === -1 ? chains.length - 1 : extraIndex}]: \`npx showwork serve\` anchors every batch there too. Fund the anchoring account ${anchorer} on chain ${chainId}.\n`
          : `Next: fund the anchoring account ${anchorer}, then \`npx showwork serve\`; \`npx showwork doctor\` checks the set-up.\n`,
      );
    });
}
