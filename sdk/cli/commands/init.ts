/**
 * `showwork init --rpc URL`: the set-up of `showwork dev` on a real network (testnet, then mainnet):
 * the operator's key from the Hardhat keystore (`--keystore [entry]`: no Hardhat project needed), or
 * SHOWWORK_OPERATOR_KEY (or the project's secrets); the anchoring account and serving node from
 * SHOWWORK_ANCHORER_KEY / SHOWWORK_NODE_KEY (or the secrets; generated when absent); the contracts from
 * --receipt-logs/--model-timeline, the config, or the deployments record for the chain (else deployed).
 * The anchoring account is funded from the operator's for 40 anchoring transactions at today's gas
 * price (--no-fund-anchorer: not), and the service gets an access token (in the secrets). Says what it
 * will send and spend at most before sending, and needs --yes to send; idempotent: a second run sends
 * nothing. Writes the same `.showwork/config.json`, so `showwork serve`, the capture and
 * `showwork verify --last` need nothing more.
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

import { readKeystoreSecret } from "../../config/hardhatKeystore.js";
import { CONFIG_DIR, SECRETS_FILE, loadConfig } from "../../config/loadConfig.js";
import { parseSecrets } from "../../config/parseConfig.js";
import { CONFIG_FORMAT, type ChainConfig, type ShowworkConfig } from "../../config/types.js";
import { writeConfig } from "../../config/writeConfig.js";
import { DeploymentNotFoundError } from "../../deployments/errors.js";
import { getDeployment } from "../../deployments/getDeployment.js";
import { readDeploymentsFile } from "../../deployments/readDeploymentsFile.js";
import { devModelDigest, logSalt, planSetup, runSetup } from "../../dev/setup.js";
import { ShowworkError } from "../../errors.js";
import { openAccessTokenStore } from "../../service/http/tokens.js";
import { parsePrivateKey } from "../../service/chain/connect.js";
import { addressArgument, rpcUrlArgument } from "../commandOptions.js";
import { anchorerKeyVariable } from "../extraChains.js";

interface InitOptions {
  rpc: string;
  receiptLogs?: Address;
  modelTimeline?: Address;
  deployments?: string;
  model: string[];
  name: string;
  keystore?: string | true;
  keystoreDev?: boolean;
  service?: string;
  fundAnchorer: boolean;
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

/** Gas of one anchoring transaction, at most (as serve's funds check counts it). */
const ANCHOR_GAS = 150_000n;
/** The anchoring account is funded for this many anchoring transactions (serve's check asks for 20). */
const FUNDED_ANCHORS = 40n;
/** Where `showwork serve` listens by default. */
const DEFAULT_SERVICE_URL = "http://127.0.0.1:8787";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function initCommand(): Command {
  return new Command("init")
    .description("set up a project on a network (testnet/mainnet): contracts, log, grants, timeline, models; says what it will spend first (--yes to send); idempotent; writes .showwork/config.json")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the network").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument).makeOptionMandatory())
    .addOption(new Option("--receipt-logs <address>", "an existing ReceiptLogs to use (default: deploy one)").env("SHOWWORK_RECEIPT_LOGS").argParser(addressArgument))
    .addOption(new Option("--model-timeline <address>", "an existing ModelTimeline of that ReceiptLogs").env("SHOWWORK_MODEL_TIMELINE").argParser(addressArgument))
    .addOption(new Option("--deployments <file>", "a deployments record whose contracts to use for the chain (default: the record the package ships)").env("SHOWWORK_DEPLOYMENTS_FILE"))
    .addOption(new Option("--keystore [entry]", "the operator's key from the Hardhat keystore (entry name, default SHOWWORK_OPERATOR_KEY; its password from SHOWWORK_KEYSTORE_PASSWORD or asked for); it is not copied into the secrets"))
    .addOption(new Option("--keystore-dev", "with --keystore: the development keystore (no password)"))
    .addOption(new Option("--service <url>", `where \`showwork serve\` will listen, for the capture and verify --last (default ${DEFAULT_SERVICE_URL})`).env("SHOWWORK_SERVICE_URL"))
    .addOption(new Option("--no-fund-anchorer", `do not send the anchoring account ETH for ${FUNDED_ANCHORS} anchoring transactions`))
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
      let operatorKey: Hex | undefined;
      let operatorKeyFrom: string;
      if (options.keystore !== undefined) {
        const entry = options.keystore === true ? "SHOWWORK_OPERATOR_KEY" : options.keystore;
        const read = await readKeystoreSecret({ entry, dev: options.keystoreDev === true });
        if (!/^0x[0-9a-fA-F]{64}$/.test(read.value.trim())) {
          throw new ShowworkError(`${read.source} is not a private key.`, { metaMessages: ["Expected: 0x followed by 64 hex digits", `Do: \`npx hardhat keystore set ${entry}\` with the operator's key.`] });
        }
        operatorKey = read.value.trim() as Hex;
        operatorKeyFrom = read.source;
      } else {
        operatorKey = (config.secrets.operatorKey ?? stored.operatorKey) as Hex | undefined;
        operatorKeyFrom = config.sources.operatorKey?.kind === "env" ? "SHOWWORK_OPERATOR_KEY" : "the secrets";
      }
      if (operatorKey === undefined) {
        throw new ShowworkError("No operator key: SHOWWORK_OPERATOR_KEY is not set (nor operatorKey in .showwork/secrets.json), and no --keystore.", {
          metaMessages: [
            "The operator deploys and administers the log; its account pays for the set-up.",
            "Do: keep its key in the Hardhat keystore (`npx hardhat keystore set SHOWWORK_OPERATOR_KEY`) and add --keystore, or export SHOWWORK_OPERATOR_KEY=0x… (a funded account); then run this again.",
          ],
        });
      }
      const secrets = {
        // A key read from the keystore stays there (later operator commands take --keystore too).
        ...(options.keystore === undefined ? { operatorKey } : {}),
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
      let receiptLogs = mine("receiptLogs") ?? known.receiptLogs;
      let modelTimeline = mine("modelTimeline") ?? known.modelTimeline;
      let contractsFrom = receiptLogs === undefined ? undefined : given("receiptLogs") ? "--receipt-logs" : "the config";
      let recordedBlock: number | undefined;
      if (receiptLogs === undefined) {
        const recordSource = options.deployments ?? "the deployments record the package ships";
        try {
          const recorded = getDeployment(chainId, options.deployments === undefined ? {} : { record: readDeploymentsFile(options.deployments) });
          receiptLogs = recorded.contracts.ReceiptLogs.address;
          modelTimeline ??= recorded.contracts.ModelTimeline.address;
          recordedBlock = recorded.deploymentBlock;
          contractsFrom = `${recordSource} (chain ${chainId})`;
        } catch (error) {
          if (!(error instanceof DeploymentNotFoundError)) throw error;
          if (options.deployments !== undefined) {
            throw new ShowworkError(`The deployments record ${options.deployments} lists no showwork deployment for chain ${chainId}.`, {
              metaMessages: ["Do: name the record of this chain, or leave out --deployments / SHOWWORK_DEPLOYMENTS_FILE to deploy the contracts."],
            });
          }
        }
      }
      const target = { receiptLogs, modelTimeline, salt: logSalt(options.name), anchorer, node, models: toRegister };
      const plan = await planSetup(client, operator.address, target);
      const fees = await client.estimateFeesPerGas().catch(async () => ({ maxFeePerGas: await client.getGasPrice() }));
      const gasPrice = await client.getGasPrice();
      const anchorerBalance = await client.getBalance({ address: anchorer });
      const wanted = ANCHOR_GAS * gasPrice * FUNDED_ANCHORS;
      const funding = options.fundAnchorer && anchorerBalance < wanted / 2n ? wanted - anchorerBalance : 0n;
      const transferGas = funding > 0n ? 21_000n : 0n;
      const maxCost = (plan.gas + transferGas) * (fees.maxFeePerGas ?? gasPrice) + funding;
      const balance = await client.getBalance({ address: operator.address });
      process.stdout.write(`chain ${chainId} at ${options.rpc}; operator ${operator.address} (key from ${operatorKeyFrom}) holds ${formatEther(balance)} ETH\n`);
      if (contractsFrom !== undefined) process.stdout.write(`contracts from ${contractsFrom}: ReceiptLogs ${receiptLogs}${modelTimeline === undefined ? "" : `, ModelTimeline ${modelTimeline}`}\n`);
      const count = plan.steps.length + (funding > 0n ? 1 : 0);
      if (count === 0) {
        process.stdout.write("nothing to send: everything is in place\n");
      } else {
        process.stdout.write(`${count} transaction(s) to send, at most ${plan.gas + transferGas} gas, at most ${formatEther(maxCost)} ETH at today's fees${funding > 0n ? ` (${formatEther(funding)} of it to the anchoring account)` : ""}:\n`);
        for (const step of plan.steps) process.stdout.write(`  - ${step.what}\n`);
        if (funding > 0n) process.stdout.write(`  - send ${formatEther(funding)} ETH to the anchoring account ${anchorer} (${FUNDED_ANCHORS} anchoring transactions at today's gas price)\n`);
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
      const sent = setup.transactions.length + (funding > 0n ? 1 : 0);
      if (funding > 0n) {
        const hash = await wallet.sendTransaction({ account: operator, chain, to: anchorer, value: funding });
        process.stdout.write(`  sent: ${formatEther(funding)} ETH to the anchoring account ${anchorer} (tx ${hash})\n`);
        const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 500 });
        if (receipt.status !== "success") throw new ShowworkError(`Funding the anchoring account failed (tx ${hash}, block ${receipt.blockNumber}).`);
      }
      if (sent > 0) await waitForChainClock(client);
      // The service's access token: issued into the store `showwork serve` will open, kept in the secrets.
      const storeLocation = config.store ?? join(root, CONFIG_DIR, "store.sqlite");
      const tokens = await openAccessTokenStore(storeLocation);
      let serviceToken = config.secrets.serviceToken ?? stored.serviceToken;
      let tokenIssued = false;
      try {
        const known = serviceToken === undefined ? undefined : await tokens.lookup(serviceToken);
        if (known === undefined || known.revokedAt !== undefined) {
          serviceToken = (await tokens.issue("showwork-init")).token;
          tokenIssued = true;
        }
      } finally {
        await tokens.close();
      }
      const serviceUrl = (options.service ?? config.serviceUrl ?? DEFAULT_SERVICE_URL).replace(/\/+$/, "");
      const deploymentBlock = setup.deploymentBlock === undefined ? (recordedBlock ?? config.deploymentBlock) : Number(setup.deploymentBlock);
      const entry: ChainConfig = {
        ...(existing ?? {}),
        name: options.name,
        chainId,
        rpc: [options.rpc],
        receiptLogs: setup.receiptLogs,
        modelTimeline: setup.modelTimeline,
        logId: setup.logId,
        confirmations: chainId === 31337 || chainId === 1337 ? 1 : 12,
        ...(deploymentBlock === undefined ? {} : { deploymentBlock }),
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
      const written = writeConfig(
        root,
        {
          ...(config.config ?? {}),
          format: CONFIG_FORMAT,
          operator: operator.address,
          chains,
          service: { ...(config.config?.service ?? {}), url: serviceUrl, store: config.config?.service?.store ?? ".showwork/store.sqlite", anchorer: options.also ? (config.config?.service?.anchorer ?? anchorer) : anchorer },
          evidence: { ...(config.config?.evidence ?? {}), store: config.config?.evidence?.store ?? ".showwork/evidence.sqlite" },
          capture: { ...(config.config?.capture ?? {}), queue: config.config?.capture?.queue ?? ".showwork/queue.sqlite", node, models },
        } as ShowworkConfig,
        { ...secrets, serviceToken },
      );
      process.stdout.write(`${sent} transaction(s) sent; log ${setup.logId}; ${tokenIssued ? "an access token issued for the service; " : ""}config ${written.file}\n`);
      process.stdout.write(
        options.also
          ? `Chain ${options.name} is chains[${extraIndex === -1 ? chains.length - 1 : extraIndex}]: \`npx showwork serve\` anchors every batch there too.${options.fundAnchorer ? "" : ` Fund the anchoring account ${anchorer} on chain ${chainId}.`}\n`
          : `Next: \`npx showwork serve\` (leave it running; it listens on ${serviceUrl}), your app with withReceipts(new OpenAI()), then \`npx showwork verify --last\`. \`npx showwork doctor\` checks the set-up.\n`,
      );
    });
}

/** The longest init waits for the wall clock to reach the chain's latest block time (beyond it: a warning). */
const CHAIN_CLOCK_WAIT_MS = 120_000;

/**
 * A node that mines each transaction in its own block (a `hardhat node`, anvil) gives each block a time one second
 * after the last one, so a dozen set-up transactions leave the chain's clock ahead of this machine's. The grants and
 * the model's activation count from their blocks' times; a receipt the app issues before then is judged by the
 * chain's clock (the model had no active version yet: FAILED). So init returns only once the wall clock has passed
 * the latest block's time, and says why it waits. On a public network the latest block is never ahead: no wait.
 */
async function waitForChainClock(client: PublicClient): Promise<void> {
  const block = await client.getBlock({ blockTag: "latest" });
  const aheadMs = (Number(block.timestamp) + 1) * 1000 - Date.now();
  if (aheadMs <= 0) return;
  if (aheadMs > CHAIN_CLOCK_WAIT_MS) {
    process.stderr.write(
      `showwork init: WARNING the chain's latest block (${block.number}) is ${Math.ceil(aheadMs / 1000)} s ahead of this machine's clock; receipts issued before ${new Date(Number(block.timestamp) * 1000).toISOString()} predate the set-up and will not verify. Check the node's clock (or this machine's).\n`,
    );
    return;
  }
  process.stdout.write(`waiting ${(aheadMs / 1000).toFixed(1)} s: the chain's clock is ahead of this machine's (one block per transaction), and the set-up counts from its blocks' times\n`);
  await new Promise((resolve) => setTimeout(resolve, aheadMs));
}
