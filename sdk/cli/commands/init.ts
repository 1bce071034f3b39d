/**
 * `showwork init --rpc URL`: the set-up of `showwork dev` on a real network (testnet, then mainnet):
 * the operator's key from SHOWWORK_OPERATOR_KEY (or the project's secrets), the anchoring account and
 * serving node from SHOWWORK_ANCHORER_KEY / SHOWWORK_NODE_KEY (or the secrets; generated when absent),
 * existing contracts from the config or --receipt-logs/--model-timeline. Says what it will send and
 * spend at most before sending, and needs --yes to send; idempotent: a second run sends nothing.
 * Writes the same `.showwork/config.json`.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { Command, Option } from "commander";
import { createPublicClient, createWalletClient, formatEther, http, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { CONFIG_DIR, SECRETS_FILE, loadConfig } from "../../config/loadConfig.js";
import { parseSecrets } from "../../config/parseConfig.js";
import { CONFIG_FORMAT, type ShowworkConfig } from "../../config/types.js";
import { writeConfig } from "../../config/writeConfig.js";
import { devModelDigest, logSalt, planSetup, runSetup } from "../../dev/setup.js";
import { ShowworkError } from "../../errors.js";
import { addressArgument, rpcUrlArgument } from "../commandOptions.js";

interface InitOptions {
  rpc: string;
  receiptLogs?: Address;
  modelTimeline?: Address;
  model: string[];
  name: string;
  yes?: boolean;
  config?: string;
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
    .action(async (options: InitOptions) => {
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
      const anchorer = privateKeyToAccount(secrets.anchorerKey).address;
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
      const target = { receiptLogs: options.receiptLogs ?? config.receiptLogs, modelTimeline: options.modelTimeline ?? config.modelTimeline, salt: logSalt(options.name), anchorer, node, models: toRegister };
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
      const written = writeConfig(root, {
        ...(config.config ?? {}),
        format: CONFIG_FORMAT,
        operator: operator.address,
        chains: [{ name: options.name, chainId, rpc: [options.rpc], receiptLogs: setup.receiptLogs, modelTimeline: setup.modelTimeline, logId: setup.logId, confirmations: chainId === 31337 || chainId === 1337 ? 1 : 12, ...(setup.deploymentBlock === undefined ? {} : { deploymentBlock: Number(setup.deploymentBlock) }) }],
        service: { ...(config.config?.service ?? {}), store: ".showwork/store.sqlite", anchorer },
        evidence: { ...(config.config?.evidence ?? {}), store: ".showwork/evidence.sqlite" },
        capture: { ...(config.config?.capture ?? {}), queue: ".showwork/queue.sqlite", node, models },
      } as ShowworkConfig, secrets);
      process.stdout.write(`${setup.transactions.length} transaction(s) sent; log ${setup.logId}; config ${written.file}\n`);
      process.stdout.write(`Next: fund the anchoring account ${anchorer}, then \`npx showwork serve\`; \`npx showwork doctor\` checks the set-up.\n`);
    });
}
