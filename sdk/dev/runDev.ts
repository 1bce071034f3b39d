/**
 * `showwork dev`, as a function: a local chain with everything VERIFIED needs, the anchoring
 * service on it, and the project config every command and the SDK read.
 *
 * 1. The project: the folder of an existing dev config above the working directory, else the working directory.
 * 2. Keys (operator, anchoring account, serving node, evidence) from `.showwork/secrets.json`, generated when missing.
 * 3. The chain: EDR on 127.0.0.1, replaying its journal (`.showwork/dev/chain.jsonl`) so yesterday's state is there.
 * 4. The set-up, idempotent ({@link runSetup}): contracts, log, grants, timeline, models and their versions.
 * 5. The anchoring service (store `.showwork/store.sqlite`) and its HTTP API, with an access token in the secrets.
 * 6. `.showwork/config.json` written.
 *
 * With `chains: 2` a second local chain (chain id 31338, journal `.showwork/dev/l1/`) gets the same set-up
 * (same operator, anchoring account, serving node, models; its own contracts and log) and the service anchors
 * every batch on both: the config's `chains[1]` ("local-l1"), so `verify` checks both (docs/service.md, "Several
 * anchoring chains"). The choice is kept: the next run starts both again.
 *
 * @module
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";

import { createPublicClient, createWalletClient, custom, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import type { ModelManifestEntry } from "../capture/manifest.js";
import { openServiceFromOptions, type OpenedService } from "../cli/serviceOptions.js";
import { CONFIG_DIR, CONFIG_FILE, SECRETS_FILE, findConfigFile, projectRootOf } from "../config/loadConfig.js";
import { parseConfig, parseSecrets } from "../config/parseConfig.js";
import { CONFIG_FORMAT, type ShowworkConfig, type ShowworkSecrets } from "../config/types.js";
import { writeConfig } from "../config/writeConfig.js";
import { ShowworkError } from "../errors.js";
import { startHttpServer, type RunningServer } from "../service/http/server.js";
import { openAccessTokenStore, type AccessTokenStore } from "../service/http/tokens.js";
import type { ServiceExtraChain } from "../service/AnchoringService.js";
import { DevChainError, startDevChain, type DevChain } from "./devChain.js";
import { devModelDigest, logSalt, runSetup, type SetupResult } from "./setup.js";

/** Options of {@link startDev}. */
export interface DevOptions {
  /** Working directory (default `process.cwd()`). */
  readonly cwd?: string;
  /** The chain's port (default: the last one used, else 8545 when free, else any free port; 0: any free port). */
  readonly chainPort?: number;
  /** The service's port (default: the last one used, else 8787 when free, else any; 0: any free port). */
  readonly servicePort?: number;
  /** Models to register (name, or name=0xdigest), added to the manifest. */
  readonly models?: readonly string[];
  /** Start a new chain (the old one's bundles will no longer verify): deletes the journal and the stores. */
  readonly reset?: boolean;
  /** Progress lines. */
  readonly onLog?: (line: string) => void;
  /** Service events (batches, anchoring), as lines. */
  readonly onServiceEvent?: Parameters<typeof openServiceFromOptions>[1]["onEvent"];
  /** Longest wait before a receipt's batch closes, ms (default 1,000). */
  readonly maxDelayMs?: number;
  /** Local chains to run: 1, or 2 (a second one every batch is also anchored on; default: as last time, else 1). */
  readonly chains?: 1 | 2;
  /** The second chain's port (default: the last one used, else 8546 when free, else any; 0: any free port). */
  readonly secondChainPort?: number;
}

/** A running `showwork dev`. */
export interface RunningDev {
  readonly root: string;
  readonly configFile: string;
  readonly chain: DevChain;
  /** The second local chain (with `chains: 2`). */
  readonly secondChain?: DevChain | undefined;
  /** The set-up on the second chain (with `chains: 2`). */
  readonly secondSetup?: SetupResult | undefined;
  readonly service: OpenedService;
  readonly server: RunningServer;
  readonly setup: SetupResult;
  readonly operator: Address;
  readonly anchorer: Address;
  readonly node: Address;
  readonly models: Readonly<Record<string, ModelManifestEntry>>;
  /** Milliseconds from the call to ready. */
  readonly startMs: number;
  close(): Promise<void>;
}

/** `showwork dev` cannot run here (with what to do). */
export class DevSetupError extends ShowworkError {
  override name = "DevSetupError";
}

const DEV_LOCK = "dev.pid";
/** The second local chain of `showwork dev --chains 2`: its name in the config and its chain id. */
export const SECOND_CHAIN_NAME = "local-l1";
export const SECOND_CHAIN_ID = 31_338;

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function choosePort(explicit: number | undefined, last: number | undefined, preferred: number): Promise<number> {
  if (explicit !== undefined) return explicit;
  if (last !== undefined) return last;
  return (await portIsFree(preferred)) ? preferred : 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseModelFlag(flag: string): { name: string; weightsDigest: Hex } {
  const at = flag.lastIndexOf("=");
  const name = at > 0 ? flag.slice(0, at) : flag;
  const digest = at > 0 ? flag.slice(at + 1) : undefined;
  if (name.trim() === "") throw new DevSetupError(`--model ${JSON.stringify(flag)}: expected NAME or NAME=0xDIGEST.`);
  if (digest !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(digest)) {
    throw new DevSetupError(`--model ${JSON.stringify(flag)}: the version digest must be 0x + 64 hex digits.`, { metaMessages: ["Do: --model NAME (a digest is made up for it) or --model NAME=0x<64 hex digits>."] });
  }
  return { name, weightsDigest: (digest ?? devModelDigest(name)) as Hex };
}

/** Starts `showwork dev` (see the module comment). Close the result to stop everything. */
export async function startDev(options: DevOptions = {}): Promise<RunningDev> {
  const started = performance.now();
  const log = options.onLog ?? (() => undefined);
  const cwd = options.cwd ?? process.cwd();

  // 1. The project.
  const found = findConfigFile({ cwd, env: {} });
  let root = cwd;
  let previous: ShowworkConfig | undefined;
  if (found !== undefined) {
    const config = parseConfig(readFileSync(found, "utf8"), found);
    if (config.dev !== undefined) {
      root = projectRootOf(found);
      previous = config;
    } else if (projectRootOf(found) === cwd) {
      throw new DevSetupError(`${found} is set up for ${config.chains[0]?.name ?? "another chain"} (showwork init), not for showwork dev.`, {
        metaMessages: ["showwork dev would replace its chain, contracts and log.", "Do: run showwork dev in another folder, or move .showwork/ away first."],
      });
    }
  }
  const dir = join(root, CONFIG_DIR);
  const devDir = join(dir, "dev");
  const lock = join(dir, DEV_LOCK);
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, "utf8").trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new DevSetupError(`showwork dev already runs for ${root} (process ${pid}).`, { metaMessages: [`Do: use that one (its config is ${join(dir, CONFIG_FILE)}), or stop it first (kill ${pid}).`] });
    }
  }
  if (options.reset) {
    for (const name of ["dev", "store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "queue.sqlite", "queue.sqlite-wal", "queue.sqlite-shm", "bundles"]) rmSync(join(dir, name), { recursive: true, force: true });
    previous = previous === undefined ? undefined : { ...previous, chains: [] };
    log("reset: a new chain (the old chain's journal, store and queue are deleted)");
  }

  // 2. Keys.
  const secretsFile = join(dir, SECRETS_FILE);
  const old: ShowworkSecrets = existsSync(secretsFile) ? parseSecrets(readFileSync(secretsFile, "utf8"), secretsFile) : {};
  const secrets = {
    operatorKey: old.operatorKey ?? generatePrivateKey(),
    anchorerKey: old.anchorerKey ?? generatePrivateKey(),
    nodeKey: old.nodeKey ?? generatePrivateKey(),
    evidenceKey: old.evidenceKey ?? `0x${randomBytes(32).toString("hex")}`,
    ...(old.serviceToken === undefined ? {} : { serviceToken: old.serviceToken }),
  };
  const operator = privateKeyToAccount(secrets.operatorKey);
  const anchorer = privateKeyToAccount(secrets.anchorerKey).address;
  const node = privateKeyToAccount(secrets.nodeKey).address;

  // Models: the manifest's self-declared versions, plus --model.
  const models: Record<string, ModelManifestEntry> = { ...(previous?.capture?.models ?? {}) };
  for (const flag of options.models ?? []) {
    const { name, weightsDigest } = parseModelFlag(flag);
    models[name] = { weightsDigest };
  }
  const toRegister = Object.entries(models).flatMap(([name, entry]) => ("weightsDigest" in entry ? [{ name: entry.name ?? name, weightsDigest: entry.weightsDigest }] : []));

  // 3. The chain (and the second one).
  const lastDev = previous?.dev as { chainPort?: number; servicePort?: number; chains?: number; secondChainPort?: number } | undefined;
  const chainCount = options.chains ?? (lastDev?.chains === 2 ? 2 : 1);
  if (chainCount !== 1 && chainCount !== 2) throw new DevSetupError(`chains: ${String(chainCount)} is not supported.`, { metaMessages: ["Expected: 1 or 2 local chains."] });
  const chainPort = await choosePort(options.chainPort, lastDev?.chainPort, 8545);
  const chain = await startDevChain({ dir: devDir, port: chainPort, onLog: log });
  let secondChain: DevChain | undefined;
  writeFileSync(lock, `${process.pid}\n`);
  let service: OpenedService | undefined;
  let server: RunningServer | undefined;
  let tokens: AccessTokenStore | undefined;
  try {
    log(chain.created ? `chain: new, ${chain.url} (chain id ${chain.chainId})` : `chain: ${chain.replayedBlocks} blocks replayed from ${relative(root, chain.journal)}, ${chain.url}`);
    const evmChain = { id: chain.chainId, name: "showwork dev", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [chain.url] } } } as const;
    const transport = custom(chain.provider, { retryCount: 0 });
    const publicClient = createPublicClient({ chain: evmChain, transport, pollingInterval: 50 }) as PublicClient;
    const wallet = createWalletClient({ account: operator, chain: evmChain, transport });
    for (const address of [operator.address, anchorer]) {
      if ((await publicClient.getBalance({ address })) < 10n ** 20n) {
        await chain.provider.request({ method: "hardhat_setBalance", params: [address, "0x3635c9adc5dea00000"] }); // 1000 ETH
      }
    }

    // 4. The set-up.
    const primary = previous?.chains[0];
    const setup = await runSetup(
      publicClient,
      wallet,
      { receiptLogs: primary?.receiptLogs, modelTimeline: primary?.modelTimeline, salt: logSalt("dev"), anchorer, node, models: toRegister },
      { onStep: (what, hash) => log(`  ${what} (tx ${hash.slice(0, 10)}…)`) },
    );
    log(setup.transactions.length === 0 ? "set-up: everything was in place" : `set-up: ${setup.transactions.length} transactions`);

    // The second chain: the same set-up on its own contracts and log; the service anchors every batch there too.
    let secondSetup: SetupResult | undefined;
    const extraChains: ServiceExtraChain[] = [];
    if (chainCount === 2) {
      const port = await choosePort(options.secondChainPort, lastDev?.secondChainPort, 8546);
      secondChain = await startDevChain({ dir: join(devDir, "l1"), port, chainId: SECOND_CHAIN_ID, onLog: log });
      log(secondChain.created ? `second chain: new, ${secondChain.url} (chain id ${secondChain.chainId})` : `second chain: ${secondChain.replayedBlocks} blocks replayed, ${secondChain.url}`);
      const second = { id: secondChain.chainId, name: "showwork dev l1", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [secondChain.url] } } } as const;
      const secondTransport = custom(secondChain.provider, { retryCount: 0 });
      const secondClient = createPublicClient({ chain: second, transport: secondTransport, pollingInterval: 50 }) as PublicClient;
      for (const address of [operator.address, anchorer]) {
        if ((await secondClient.getBalance({ address })) < 10n ** 20n) {
          await secondChain.provider.request({ method: "hardhat_setBalance", params: [address, "0x3635c9adc5dea00000"] });
        }
      }
      const before = previous?.chains[1];
      secondSetup = await runSetup(
        secondClient,
        createWalletClient({ account: operator, chain: second, transport: secondTransport }),
        { receiptLogs: before?.receiptLogs, modelTimeline: before?.modelTimeline, salt: logSalt("dev"), anchorer, node, models: toRegister },
        { onStep: (what, hash) => log(`  [${SECOND_CHAIN_NAME}] ${what} (tx ${hash.slice(0, 10)}…)`) },
      );
      log(secondSetup.transactions.length === 0 ? "second chain set-up: everything was in place" : `second chain set-up: ${secondSetup.transactions.length} transactions`);
      extraChains.push({
        name: SECOND_CHAIN_NAME,
        publicClient: secondClient,
        walletClient: createWalletClient({ account: privateKeyToAccount(secrets.anchorerKey), chain: second, transport: secondTransport }),
        contract: secondSetup.receiptLogs,
        logId: secondSetup.logId,
        anchoring: { confirmations: 1 },
      });
    }

    // 5. The service, with an access token.
    const store = join(dir, "store.sqlite");
    tokens = await openAccessTokenStore(store);
    let serviceToken = secrets.serviceToken;
    if (serviceToken === undefined || (await tokens.lookup(serviceToken))?.revokedAt !== undefined || (await tokens.lookup(serviceToken)) === undefined) {
      const active = (await tokens.list()).filter((t) => t.name === "showwork-dev" && t.revokedAt === undefined);
      for (const t of active) await tokens.revoke(t.id);
      serviceToken = (await tokens.issue("showwork-dev")).token;
    }
    service = await openServiceFromOptions(
      {
        store,
        rpc: chain.url,
        contract: setup.receiptLogs,
        logId: setup.logId,
        timeline: setup.modelTimeline,
        anchorerKey: secrets.anchorerKey,
        confirmations: 1,
        maxBatch: 10_000,
        maxDelay: options.maxDelayMs ?? 1_000,
        durability: "full",
        poll: 200,
        signatures: "authorised",
        maxFutureSkew: { futureSeconds: 60 }, // no limit in the past: late is not lost (docs/service.md)
        signer: [],
        leaseTtl: 5_000,
      },
      { owner: "showwork dev", chains: extraChains, ...(options.onServiceEvent === undefined ? {} : { onEvent: options.onServiceEvent }) },
    );
    service.service.start();
    const servicePort = await choosePort(options.servicePort, lastDev?.servicePort, 8787);
    server = await startHttpServer(service.service, { host: "127.0.0.1", port: servicePort, auth: { tokens } }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE" || /EADDRINUSE/.test(String(error))) {
        throw new DevChainError(`Port ${servicePort} on 127.0.0.1 is taken: the anchoring service cannot listen on it.`, { metaMessages: ["Do: stop what runs there, or pass --service-port N (0: any free port)."] });
      }
      throw error;
    });

    // 6. The config.
    const config: ShowworkConfig = {
      ...(previous ?? {}),
      format: CONFIG_FORMAT,
      operator: operator.address,
      chains: [
        {
          name: "local",
          chainId: chain.chainId,
          rpc: [chain.url],
          receiptLogs: setup.receiptLogs,
          modelTimeline: setup.modelTimeline,
          logId: setup.logId,
          confirmations: 1,
          deploymentBlock: Number(setup.deploymentBlock ?? BigInt(primary?.deploymentBlock ?? 0)),
        },
        ...(secondChain === undefined || secondSetup === undefined
          ? []
          : [
              {
                name: SECOND_CHAIN_NAME,
                chainId: secondChain.chainId,
                rpc: [secondChain.url],
                receiptLogs: secondSetup.receiptLogs,
                modelTimeline: secondSetup.modelTimeline,
                logId: secondSetup.logId,
                confirmations: 1,
                deploymentBlock: Number(secondSetup.deploymentBlock ?? BigInt(previous?.chains[1]?.deploymentBlock ?? 0)),
              },
            ]),
      ],
      service: { ...(previous?.service ?? {}), url: server.url, store: `${CONFIG_DIR}/store.sqlite`, anchorer },
      evidence: { ...(previous?.evidence ?? {}), store: `${CONFIG_DIR}/evidence.sqlite` },
      capture: { ...(previous?.capture ?? {}), queue: `${CONFIG_DIR}/queue.sqlite`, node, models },
      dev: {
        chainPort: chain.port,
        servicePort: server.port,
        journal: `${CONFIG_DIR}/dev/chain.jsonl`,
        anchorer,
        chains: chainCount,
        ...(secondChain === undefined ? {} : { secondChainPort: secondChain.port, secondJournal: `${CONFIG_DIR}/dev/l1/chain.jsonl` }),
      },
    };
    const written = writeConfig(root, config, { ...secrets, serviceToken });
    const runningService = service;
    const runningServer = server;
    const runningTokens = tokens;
    const runningSecond = secondChain;
    let closed = false;
    return {
      root,
      configFile: written.file,
      chain,
      secondChain: runningSecond,
      secondSetup,
      service: runningService,
      server: runningServer,
      setup,
      operator: operator.address,
      anchorer,
      node,
      models,
      startMs: performance.now() - started,
      close: async () => {
        if (closed) return;
        closed = true;
        await runningServer.close();
        await runningService.close();
        await runningTokens.close();
        await runningSecond?.close();
        await chain.close();
        rmSync(lock, { force: true });
      },
    };
  } catch (error) {
    await server?.close();
    await service?.close();
    await tokens?.close();
    await secondChain?.close();
    await chain.close();
    rmSync(lock, { force: true });
    throw error;
  }
}
