/**
 * The crash-safety harness: a `hardhat node` on 127.0.0.1, the real `showwork serve` in a
 * child process, a driver that posts receipts over HTTP and remembers which were
 * acknowledged, and SIGKILLs at random points — from outside at random times, and from
 * inside at the service's crash points (while recording, while building a tree, after
 * persisting/sending a transaction before its confirmation, while writing results).
 * After the last restart it waits until everything is final and checks:
 *
 * - every acknowledged receipt is stored, final, and anchored exactly once (one batch,
 *   one leaf), and its proof bundle verifies against the root on chain;
 * - the log on chain has exactly the store's batches, each index used once
 *   (one `BatchAnchored` event per index), with the store's roots and sizes;
 * - the leaf counts on chain add up to the number of receipts in the store.
 *
 * With `store: "postgres"` it runs `instances` services on one PostgreSQL database (a fresh one
 * on the private test cluster): load arrives at all of them, and each kill hits a random
 * instance (the anchoring one included), which is restarted; the same guarantees are checked.
 *
 * Used by test/service/reliability/crash.test.ts (short) and scripts/crash-soak.ts (long).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { createPublicClient, http, type Hex, type PublicClient } from "viem";

import { parseBundle, processProof, verifyBundleInclusion, type ProofBundleJson } from "../../../sdk/index.js";
import { findBatchAnchored, readBatchRoot, readLogSize } from "../../../sdk/service/anchor/receiptLogsReader.js";
import { FAILPOINTS, type Failpoint } from "../../../sdk/service/failpoints.js";
import { headOfCommitment, headSize } from "../../../sdk/verify/commitment.js";
import { openAccessTokenStore, SqliteAccessTokenStore } from "../../../sdk/service/http/tokens.js";
import { setupTestLog, type TestLog } from "../helpers/chain.js";
import { exited, ROOT, spawnTracked, startHardhatNode, waitForLine, type HardhatNode } from "../helpers/processes.js";
import { makeReceipts } from "../helpers/receipts.js";
import { tempDir } from "../helpers/service.js";
import { freshDatabase } from "../../support/postgres.js";

export interface CrashReport {
  readonly kills: number;
  readonly killsBy: Record<string, number>;
  readonly acknowledged: number;
  readonly stored: number;
  readonly unacknowledgedStored: number;
  readonly batches: number;
  readonly transactions: number;
  readonly bundlesVerified: number;
  readonly meanRestartMs: number;
  readonly finalizeMs: number;
  readonly totalMs: number;
  /** Instances that ran at once. */
  readonly instances: number;
  /** Kills of the instance that held the anchoring role at that moment (several instances only). */
  readonly anchoringKills: number;
  /** Problems found (empty = all guarantees held). */
  readonly violations: string[];
}

interface Metrics {
  chains?: { name: string; batchesBehind: number }[];
  receipts: { recorded: number; final: number; total: number };
  batches: { lastClosed: number | null };
  retries: { total: number; byKind: Record<string, number> };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the service; `url` is undefined when a crash point killed it before it listened. */
export function startService(
  node: HardhatNode,
  log: TestLog,
  store: string,
  failpoints: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<{ child: ReturnType<typeof spawnTracked>; url: string | undefined; startedAt: number }> {
  const startedAt = Date.now();
  const child = spawnTracked(
    process.execPath,
    [
      join(ROOT, "bin/showwork.mjs"),
      "serve",
      "--rpc",
      node.url,
      "--contract",
      log.contract,
      "--log-id",
      log.logId,
      "--store",
      store,
      "--port",
      "0",
      "--max-batch",
      "40",
      "--max-delay",
      "100",
      "--poll",
      "30",
      "--resend-after",
      "300",
      "--confirmations",
      "1",
      "--durability",
      "full",
      "--quiet",
      // The driver posts unsigned test receipts with fixed past issuedAt (ingestion checks: test/service/ingestion.test.ts).
      "--signatures",
      "off",
      "--issued-at-window",
      "off",
      ...extraArgs,
    ],
    { env: { SHOWWORK_ANCHORER_KEY: log.privateKey, SHOWWORK_FAILPOINTS: failpoints, ...extraEnv } },
  );
  const output: string[] = [];
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  return waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000).then(
    (match) => ({ child, url: match[1], startedAt }),
    async (error: unknown) => {
      await exited(child);
      if (child.signalCode === "SIGKILL" && failpoints !== "") return { child, url: undefined, startedAt };
      throw new Error(`service did not start: ${String(error)}\n${output.join("").slice(-3000)}`);
    },
  );
}

/** Posts receipts until the service dies; returns the acknowledged ids. */
async function drive(url: string, token: string, alive: () => boolean, acked: Set<string>, pauseMs = 30): Promise<void> {
  while (alive()) {
    const receipts = makeReceipts(1 + Math.floor(Math.random() * 30));
    try {
      const response = await fetch(`${url}/v1/receipts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(receipts),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 201) {
        const body = (await response.json()) as { receipts: { receiptId: string }[] };
        for (const r of body.receipts) acked.add(r.receiptId);
      } else if (response.status >= 400 && response.status < 500) {
        throw new Error(`unexpected ${response.status}: ${await response.text()}`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("unexpected")) throw error;
      return; // the service died mid-request: these receipts are not acknowledged
    }
    await sleep(Math.random() * pauseMs);
  }
}

const FAILPOINT_PROBABILITY: Record<Failpoint, number> = {
  "record:before-commit": 0.15,
  "record:after-commit": 0.15,
  "batch:building-tree": 0.3,
  "batch:before-commit": 0.3,
  "tx:before-persist": 0.4,
  "tx:before-send": 0.4,
  "tx:after-send": 0.4,
  "tx:before-mark-included": 0.4,
  "tx:before-mark-final": 0.4,
  "chains:between": 0.3,
};

/** Options of {@link runCrashHarness}. */
export interface CrashHarnessOptions {
  readonly kills: number;
  /** "sqlite" (default: one instance, restarted after each kill) or "postgres" (several instances). */
  readonly store?: "sqlite" | "postgres";
  /** With "postgres": instances running at once (default 3). */
  readonly instances?: number;
  readonly onProgress?: (line: string) => void;
  /**
   * SQLite only: 2 anchors every batch on a second chain as well (a second `hardhat node`, chain id 31339,
   * given to the service as the project config's chains[1]); its log is checked like the primary's, and every
   * bundle must carry both anchors. Kills then also fall between the two chains' transactions.
   */
  readonly chains?: 1 | 2;
  /**
   * With 2 chains (SQLite or PostgreSQL): "head" makes the second chain hold head commitments (`cadence.commit "head"`): each entry the primary
   * log's head after some batch; checked: entries strictly increasing in size, each the primary's head there, the last
   * covering every batch, every bundle's commitment anchor leading to its entry. Default "roots".
   */
  readonly commit?: "roots" | "head";
}

/** A second chain for the harness: its node, log, and the project config that names it. */
interface SecondChain {
  readonly node: HardhatNode;
  readonly log: TestLog;
  readonly env: Record<string, string>;
  readonly commit: "roots" | "head";
}

async function startSecondChain(primary: HardhatNode, primaryLog: TestLog, commit: "roots" | "head" = "roots"): Promise<SecondChain> {
  const node = await startHardhatNode({ chainId: 31_339 });
  const log = await setupTestLog(node.url);
  const dir = tempDir();
  mkdirSync(join(dir, ".showwork"), { recursive: true });
  const config = {
    format: "showwork/config@1",
    chains: [
      { name: "primary", chainId: 31_337, rpc: [primary.url], receiptLogs: primaryLog.contract, logId: primaryLog.logId, confirmations: 1 },
      { name: "l1", chainId: 31_339, rpc: [node.url], receiptLogs: log.contract, logId: log.logId, confirmations: 1, cadence: { batches: 2, maxWaitMs: 300, commit } },
    ],
  };
  const file = join(dir, ".showwork", "config.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { node, log, env: { SHOWWORK_CONFIG: file, SHOWWORK_ANCHORER_KEY_L1: log.privateKey }, commit };
}

/** Runs the harness with `kills` SIGKILLs; `onProgress` gets a line per lifetime. */
export async function runCrashHarness(options: CrashHarnessOptions): Promise<CrashReport> {
  if (options.store === "postgres") return runSharedCrashHarness({ ...options, instances: options.instances ?? 3 });
  const started = Date.now();
  const node = await startHardhatNode();
  let second: SecondChain | undefined;
  try {
    const log = await setupTestLog(node.url);
    if (options.chains === 2) second = await startSecondChain(node, log, options.commit);
    const env = second?.env ?? {};
    const store = join(tempDir(), "store.sqlite");
    // The service refuses writes without an access token: issue one in the store, as an operator would.
    const tokens = SqliteAccessTokenStore.open(store);
    const token = (await tokens.issue("crash-harness")).token;
    await tokens.close();
    const acked = new Set<string>();
    const killsBy: Record<string, number> = {};
    let restartMs = 0;
    let kills = 0;
    for (let lifetime = 0; kills < options.kills; lifetime++) {
      const failpoint = lifetime % 2 === 1 ? FAILPOINTS[Math.floor(Math.random() * FAILPOINTS.length)]! : undefined;
      const { child, url, startedAt } = await startService(node, log, store, failpoint === undefined ? "" : `${failpoint}=${FAILPOINT_PROBABILITY[failpoint]}`, [], env);
      restartMs += Date.now() - startedAt;
      let killedFromOutside = false;
      const outsideKillAfter = failpoint === undefined ? 100 + Math.random() * 1500 : 4000;
      const timer = setTimeout(() => {
        killedFromOutside = true;
        child.kill("SIGKILL");
      }, outsideKillAfter);
      let alive = child.exitCode === null && child.signalCode === null;
      child.once("exit", () => (alive = false));
      if (url !== undefined) await drive(url, token, () => alive, acked);
      await exited(child);
      clearTimeout(timer);
      if (child.signalCode !== "SIGKILL") throw new Error(`service exited by itself (code ${child.exitCode}, signal ${child.signalCode})`);
      const by = killedFromOutside
        ? failpoint === undefined
          ? "outside (random time)"
          : "outside (failpoint not reached)"
        : `failpoint ${failpoint}${url === undefined ? " (before listening)" : ""}`;
      killsBy[by] = (killsBy[by] ?? 0) + 1;
      kills++;
      options.onProgress?.(`kill ${kills}/${options.kills}: ${by}; ${acked.size} acknowledged so far`);
    }

    // Last life: no crash points; everything must become final.
    const finalizeStarted = Date.now();
    const { child, url: lastUrl } = await startService(node, log, store, "", [], env);
    const url = lastUrl!;
    let metrics: Metrics;
    for (;;) {
      metrics = (await (await fetch(`${url}/v1/metrics`)).json()) as Metrics;
      const chainsDone = second === undefined || (metrics.chains ?? []).every((c) => c.batchesBehind === 0);
      if (metrics.receipts.recorded === 0 && metrics.receipts.final === metrics.receipts.total && chainsDone) break;
      if (Date.now() - finalizeStarted > 120_000) throw new Error(`not final after 120 s: ${JSON.stringify(metrics)}`);
      await sleep(100);
    }
    const finalizeMs = Date.now() - finalizeStarted;
    const { violations, batches, transactions, verified } = await checkGuarantees(node, log, url, metrics, acked);
    if (second !== undefined) {
      violations.push(...(second.commit === "head" ? await checkHeadCommitments(second, node, log, url, batches, acked) : await checkSecondChain(second, url, batches, acked)));
    }
    child.kill("SIGTERM");
    await exited(child);
    return {
      kills,
      killsBy,
      acknowledged: acked.size,
      stored: metrics.receipts.total,
      unacknowledgedStored: metrics.receipts.total - acked.size,
      batches,
      transactions,
      bundlesVerified: verified,
      meanRestartMs: Math.round(restartMs / Math.max(1, kills)),
      finalizeMs,
      totalMs: Date.now() - started,
      instances: 1,
      anchoringKills: kills,
      violations,
    };
  } finally {
    await node.stop();
    await second?.node.stop();
  }
}

/**
 * The second chain: its log holds exactly the store's batches (same indices: both logs started empty),
 * one event per index, the store's roots; every acknowledged receipt's bundle carries both anchors.
 */
async function checkSecondChain(second: SecondChain, url: string, batches: number, acked: Set<string>): Promise<string[]> {
  const violations: string[] = [];
  const client = createPublicClient({ transport: http(second.node.url) }) as PublicClient;
  const location = { contract: second.log.contract, logId: second.log.logId };
  const size = await readLogSize(client, location);
  if (size !== batches) violations.push(`second chain: log size ${size}, store has ${batches} batches`);
  const events = await findBatchAnchored(client, location, { fromBlock: 0 });
  const perIndex = new Map<number, number>();
  for (const e of events) perIndex.set(e.index, (perIndex.get(e.index) ?? 0) + 1);
  for (const [index, n] of perIndex) if (n !== 1) violations.push(`second chain: batch index ${index} used ${n} times`);
  for (let index = 0; index < batches; index++) {
    const batch = (await (await fetch(`${url}/v1/batches/${index}`)).json()) as { root: string };
    const event = events.find((e) => e.index === index);
    if (event?.root !== batch.root) violations.push(`second chain: batch ${index} root ${event?.root ?? "missing"}, store ${batch.root}`);
  }
  for (const id of acked) {
    const response = await fetch(`${url}/v1/receipts/${id}/bundle`);
    if (response.status !== 200) continue; // reported by checkGuarantees
    const bundle = parseBundle((await response.json()) as ProofBundleJson);
    if (bundle.anchors.length !== 2) {
      violations.push(`bundle of ${id} carries ${bundle.anchors.length} anchor(s), expected 2`);
      continue;
    }
    const onSecond = bundle.anchors[1]!;
    if (onSecond.chainId !== 31_339 || onSecond.root !== bundle.root) violations.push(`bundle of ${id}: second anchor ${JSON.stringify(onSecond)}`);
  }
  return violations;
}

/**
 * The second chain in head-commitment mode: one event per entry; entries' heads strictly increasing in size (no primary
 * batch committed twice), each the primary log's head after the batch its size names, the last covering every batch;
 * every acknowledged receipt's bundle carries a commitment anchor whose links start at its batch and lead to its entry.
 */
async function checkHeadCommitments(second: SecondChain, primary: HardhatNode, primaryLog: TestLog, url: string, batches: number, acked: Set<string>): Promise<string[]> {
  const violations: string[] = [];
  const client = createPublicClient({ transport: http(second.node.url) }) as PublicClient;
  const primaryClient = createPublicClient({ transport: http(primary.url) }) as PublicClient;
  const entries = await findBatchAnchored(client, { contract: second.log.contract, logId: second.log.logId }, { fromBlock: 0 });
  const heads = new Map((await findBatchAnchored(primaryClient, { contract: primaryLog.contract, logId: primaryLog.logId }, { fromBlock: 0 })).map((e) => [e.index, e.head]));
  let covered = 0;
  entries.forEach((e, k) => {
    if (e.index !== k) violations.push(`second chain: entry ${k} has index ${e.index} (an index used twice or skipped)`);
    const size = headSize(e.root);
    if (size <= covered) violations.push(`second chain: entry ${e.index} commits size ${size}, not beyond the ${covered} batches committed before (committed twice)`);
    if (heads.get(size - 1) !== e.root) violations.push(`second chain: entry ${e.index} holds ${e.root}, the primary's head after batch ${size - 1} is ${heads.get(size - 1) ?? "missing"}`);
    covered = Math.max(covered, size);
  });
  if (covered !== batches) violations.push(`second chain: commitments cover ${covered} batches, the store has ${batches}`);
  for (const id of acked) {
    const response = await fetch(`${url}/v1/receipts/${id}/bundle`);
    if (response.status !== 200) continue; // reported by checkGuarantees
    const bundle = parseBundle((await response.json()) as ProofBundleJson);
    const [onPrimary, onSecond] = bundle.anchors;
    if (bundle.anchors.length !== 2 || onSecond?.commitment === undefined) {
      violations.push(`bundle of ${id} carries ${bundle.anchors.length} anchor(s), expected the primary's and a head commitment`);
      continue;
    }
    const c = onSecond.commitment;
    if (c.batchIndex !== onPrimary!.batchIndex || c.links[0]?.root !== bundle.root) violations.push(`bundle of ${id}: its commitment does not start at its batch ${onPrimary!.batchIndex}`);
    if (headOfCommitment(c) !== onSecond.root || entries[onSecond.batchIndex]?.root !== onSecond.root) violations.push(`bundle of ${id}: its commitment does not lead to entry ${onSecond.batchIndex}`);
  }
  return violations;
}

/** Waits until everything the store holds is final (read from `url`'s metrics). */
async function waitAllFinal(url: string, timeoutMs: number, chains = false): Promise<Metrics> {
  const started = Date.now();
  for (;;) {
    const metrics = (await (await fetch(`${url}/v1/metrics`)).json()) as Metrics;
    const chainsDone = !chains || (metrics.chains ?? []).every((c) => c.batchesBehind === 0);
    if (metrics.receipts.recorded === 0 && metrics.receipts.final === metrics.receipts.total && chainsDone) return metrics;
    if (Date.now() - started > timeoutMs) throw new Error(`not final after ${timeoutMs / 1000} s: ${JSON.stringify(metrics)}`);
    await sleep(100);
  }
}

/**
 * The guarantees, checked against the chain and the service at `url`: one event per index, the
 * store's roots and sizes on chain, leaf counts add up, every acknowledged receipt final with a
 * bundle that verifies against the root on chain.
 */
export async function checkGuarantees(
  node: HardhatNode,
  log: TestLog,
  url: string,
  metrics: Metrics,
  acked: Set<string>,
): Promise<{ violations: string[]; batches: number; transactions: number; verified: number }> {
    const violations: string[] = [];
  const client = createPublicClient({ transport: http(node.url) }) as PublicClient;
  const logLocation = { contract: log.contract, logId: log.logId };

  // The chain: one event per index, our roots and sizes, sizes add up to the store's receipts.
  const batches = metrics.batches.lastClosed === null ? 0 : metrics.batches.lastClosed + 1;
  const size = await readLogSize(client, logLocation);
  if (size !== batches) violations.push(`log size on chain ${size}, store has ${batches} batches`);
  const events = await findBatchAnchored(client, logLocation, { fromBlock: 0 });
  const perIndex = new Map<number, number>();
  for (const e of events) perIndex.set(e.index, (perIndex.get(e.index) ?? 0) + 1);
  for (const [index, n] of perIndex) if (n !== 1) violations.push(`batch index ${index} used ${n} times`);
  const storeRoots = new Map<number, { root: string; leafCount: number; txHash?: string }>();
  let leafTotal = 0;
  const txs = new Set<string>();
  for (let index = 0; index < batches; index++) {
    const batch = (await (await fetch(`${url}/v1/batches/${index}`)).json()) as { root: string; leafCount: number; state: string; anchor?: { txHash: string } };
    storeRoots.set(index, batch);
    if (batch.state !== "final") violations.push(`batch ${index} is ${batch.state}`);
    if (batch.anchor) txs.add(batch.anchor.txHash);
    const event = events.find((e) => e.index === index);
    if (event === undefined) violations.push(`batch ${index} has no BatchAnchored event`);
    else {
    if (event.root !== batch.root) violations.push(`batch ${index}: root on chain ${event.root}, store ${batch.root}`);
    if (event.leafCount !== batch.leafCount) violations.push(`batch ${index}: ${event.leafCount} leaves on chain, store ${batch.leafCount}`);
    leafTotal += event.leafCount;
    }
  }
  if (leafTotal !== metrics.receipts.total) violations.push(`leaves on chain ${leafTotal}, receipts in store ${metrics.receipts.total}`);

  // Every acknowledged receipt: final, and its bundle verifies against the chain.
  const roots = new Map<number, Hex | undefined>();
  let verified = 0;
  for (const id of acked) {
    const response = await fetch(`${url}/v1/receipts/${id}/bundle`);
    if (response.status !== 200) {
    violations.push(`acknowledged receipt ${id}: bundle ${response.status} ${await response.text()}`);
    continue;
    }
    const bundle = parseBundle((await response.json()) as ProofBundleJson);
    verifyBundleInclusion(bundle);
    if (bundle.receipt.receiptId !== id) violations.push(`bundle of ${id} carries receipt ${bundle.receipt.receiptId}`);
    const index = bundle.anchor.batchIndex;
    if (!roots.has(index)) roots.set(index, await readBatchRoot(client, logLocation, index));
    if (processProof(bundle.leaf, bundle.proof) !== roots.get(index)) violations.push(`bundle of ${id} does not lead to the root of batch ${index} on chain`);
    else verified++;
  }
  return { violations, batches, transactions: txs.size, verified };
}

interface Instance {
  child: ReturnType<typeof spawnTracked>;
  url: string | undefined;
  alive: boolean;
}

/** The harness on PostgreSQL: `instances` services on one database, random kills of any of them. */
async function runSharedCrashHarness(options: CrashHarnessOptions & { instances: number }): Promise<CrashReport> {
  const started = Date.now();
  const node = await startHardhatNode();
  let second: SecondChain | undefined;
  try {
    const log = await setupTestLog(node.url);
    if (options.chains === 2) second = await startSecondChain(node, log, options.commit);
    const env = second?.env ?? {};
    const store = await freshDatabase("crash");
    const tokens = await openAccessTokenStore(store);
    const token = (await tokens.issue("crash-harness")).token;
    await tokens.close();
    const extra = ["--lease-ttl", "1500"];
    const acked = new Set<string>();
    const driverErrors: string[] = [];
    const killsBy: Record<string, number> = {};
    let restartMs = 0;
    let anchoringKills = 0;
    const launch = async (failpoints: string): Promise<Instance> => {
      const t = Date.now();
      const { child, url } = await startService(node, log, store, failpoints, extra, env);
      restartMs += Date.now() - t;
      const instance: Instance = { child, url, alive: child.exitCode === null && child.signalCode === null };
      child.once("exit", () => (instance.alive = false));
      if (url !== undefined) void driveForever(instance, token, acked, driverErrors);
      return instance;
    };
    const slots: Instance[] = [];
    for (let i = 0; i < options.instances; i++) slots.push(await launch(""));
    for (let kills = 0; kills < options.kills; ) {
      await sleep(300 + Math.random() * 1200);
      const i = Math.floor(Math.random() * slots.length);
      const victim = slots[i]!;
      let by: string;
      if (victim.alive) {
        const role = victim.url === undefined ? undefined : await roleOf(victim.url);
        if (role === "anchoring") anchoringKills++;
        victim.child.kill("SIGKILL");
        by = `outside (${role ?? "unknown role"})`;
      } else {
        by = "failpoint";
      }
      await exited(victim.child);
      killsBy[by] = (killsBy[by] ?? 0) + 1;
      kills++;
      const failpoint = Math.random() < 0.5 ? FAILPOINTS[Math.floor(Math.random() * FAILPOINTS.length)]! : undefined;
      slots[i] = await launch(failpoint === undefined ? "" : `${failpoint}=${FAILPOINT_PROBABILITY[failpoint]}`);
      options.onProgress?.(`kill ${kills}/${options.kills}: instance ${i} ${by}; ${acked.size} acknowledged so far`);
      // Crash points may have killed other instances meanwhile: restart them without crash points.
      for (let j = 0; j < slots.length; j++) {
        if (j !== i && !slots[j]!.alive) {
          killsBy["failpoint"] = (killsBy["failpoint"] ?? 0) + 1;
          kills++;
          slots[j] = await launch("");
        }
      }
    }
    // Last lives: no crash points; everything must become final.
    for (let j = 0; j < slots.length; j++) {
      if (slots[j]!.alive && slots[j]!.url !== undefined && (await roleOf(slots[j]!.url!)) !== undefined) continue;
      await killHardInstance(slots[j]!);
      slots[j] = await launch("");
    }
    for (const s of slots) s.alive = false; // stop the drivers
    await sleep(200);
    const finalizeStarted = Date.now();
    const url = slots[0]!.url!;
    const metrics = await waitAllFinal(url, 120_000, second !== undefined);
    const finalizeMs = Date.now() - finalizeStarted;
    const { violations, batches, transactions, verified } = await checkGuarantees(node, log, url, metrics, acked);
    if (second !== undefined) {
      violations.push(...(second.commit === "head" ? await checkHeadCommitments(second, node, log, url, batches, acked) : await checkSecondChain(second, url, batches, acked)));
    }
    violations.push(...driverErrors);
    // Every instance serves the same answers.
    for (const s of slots.slice(1)) {
      const other = (await (await fetch(`${s.url}/v1/metrics`)).json()) as Metrics;
      if (other.receipts.total !== metrics.receipts.total) violations.push(`instance ${s.url} counts ${other.receipts.total} receipts, ${url} ${metrics.receipts.total}`);
    }
    const roles = await Promise.all(slots.map((s) => roleOf(s.url!)));
    if (roles.filter((r) => r === "anchoring").length !== 1) violations.push(`roles at the end: ${roles.join(", ")} (expected exactly one anchoring)`);
    for (const s of slots) {
      s.child.kill("SIGTERM");
      await exited(s.child);
    }
    const kills = Object.values(killsBy).reduce((a, b) => a + b, 0);
    return {
      kills,
      killsBy,
      acknowledged: acked.size,
      stored: metrics.receipts.total,
      unacknowledgedStored: metrics.receipts.total - acked.size,
      batches,
      transactions,
      bundlesVerified: verified,
      meanRestartMs: Math.round(restartMs / Math.max(1, kills + options.instances)),
      finalizeMs,
      totalMs: Date.now() - started,
      instances: options.instances,
      anchoringKills,
      violations,
    };
  } finally {
    await node.stop();
    await second?.node.stop();
  }
}

async function killHardInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill("SIGKILL");
  await exited(instance.child);
}

/** The instance's anchoring role per /health (undefined when it does not answer). */
export async function roleOf(url: string): Promise<string | undefined> {
  try {
    const health = (await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) })).json()) as { anchoring?: { role: string } };
    return health.anchoring?.role;
  } catch {
    return undefined;
  }
}

/** Posts receipts to one instance for as long as it lives. */
async function driveForever(instance: Instance, token: string, acked: Set<string>, errors: string[]): Promise<void> {
  // Three drivers at once: slower each, so the final check (a bundle per receipt) stays short.
  await drive(instance.url!, token, () => instance.alive, acked, 200).catch((error: unknown) => errors.push(`driver of ${instance.url}: ${String(error)}`));
}
