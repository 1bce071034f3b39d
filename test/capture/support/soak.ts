/**
 * The capture soak: the whole path from an answer to the chain, with faults. The real `openai`
 * client wrapped by `withReceipts` in an app process (scripts/capture-soak-app.ts), and a
 * non-JS client (plain HTTP) through `showwork proxy`, both against the mock upstream
 * (`showwork/capture/testing`), delivering into `showwork serve` on a `hardhat node` over HTTP —
 * with signatures checked against the log (`--signatures authorised`). Faults:
 *
 * - the proxy started with a wrong token, then restarted with the right one;
 * - the upstream answering 500 and timing out (no answer: no receipt), and a stream breaking off
 *   (part of an answer: a partial receipt);
 * - the app SIGKILLed in the middle of a (slow) stream, then restarted on the same queue file;
 * - the service SIGKILLed while the app and the proxy keep answering, down for `outageMs`, restarted;
 * - anchored receipts sent again (HTTP and a sink): duplicates, delivered, never rejected;
 * - one receipt meant to be refused (dated an hour ahead): kept in the rejected set.
 *
 * Then it waits until every answer's receipt is final and every queue is empty, and counts. Used by
 * test/capture/soak.test.ts (short) and scripts/capture-soak.ts (long, figures in docs/capture.md).
 */
import { join } from "node:path";
import { createInterface } from "node:readline";

import { keccak256, stringToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { CaptureQueue, remoteSink } from "../../../sdk/capture/index.js";
import { createModelServer } from "../../../sdk/capture/testing/modelServer.js";
import { buildReceipt, parseReceipt, privateKeyToReceiptSigner, signReceipt } from "../../../sdk/receipt/index.js";
import { connectRpc } from "../../../sdk/service/chain/connect.js";
import { grantServiceSigner } from "../../../sdk/service/chain/setupLog.js";
import { SqliteAccessTokenStore } from "../../../sdk/service/http/tokens.js";
import { setupTestLog } from "../../service/helpers/chain.js";
import { exited, freePort, killAll, ROOT, spawnTracked, startHardhatNode, waitForLine } from "../../service/helpers/processes.js";
import { tempDir } from "../../service/helpers/service.js";

const MODEL = "acme/chat";
const WEIGHTS = keccak256(stringToBytes("acme/chat soak weights"));

export interface SoakOptions {
  /** Questions the app asks per run (two runs: before and during the outage). */
  readonly appAnswers: number;
  /** Requests of the non-JS client per phase (three phases). */
  readonly proxyAnswers: number;
  /** How long the service stays down, ms. */
  readonly outageMs: number;
  /**
   * The app's run during the outage ends (its `close()` waiting 1 s, not 60 s) before the service comes back:
   * it exits with receipts in its queue file, says so on stderr, and a later start delivers them.
   */
  readonly appExitsDuringOutage?: boolean;
  /** The app's capturer: in its thread (`createCapturer`, default) or on a worker thread (`createWorkerCapturer`). */
  readonly appCapturer?: "thread" | "worker";
  readonly onProgress?: (line: string) => void;
}

export interface SoakReport {
  /** Answers the clients received (complete or partial), each with a receipt id. */
  readonly answers: number;
  readonly partialAnswers: number;
  /** Requests that got no answer (upstream 500, timeout): no receipt expected. */
  readonly noAnswer: number;
  readonly faults: Record<string, number>;
  /** Received answers without a final receipt in the store. */
  readonly lost: number;
  /** Receipts stored beyond the answers received (a receipt twice, or for no answer). */
  readonly extra: number;
  /** Receipt ids the clients never completed (the killed stream) found in the store. */
  readonly receiptsForUnreceived: number;
  /** Receipts in the queues' rejected sets that were not meant to be refused. */
  readonly unintendedRejected: number;
  readonly intendedRejected: number;
  /** Duplicates answered on the resend of anchored receipts (HTTP 409 + sink), all counted delivered. */
  readonly duplicatesResent: number;
  readonly outageMs: number;
  /** Receipts waiting in the queues when the service came back, and how fast they drained. */
  readonly queuedAtRestart: number;
  readonly drainMs: number;
  readonly drainPerSecond: number;
  /** The loud lines seen on the clients' stderr (first failure, summaries, resumed). */
  readonly loud: { readonly tokenRefused: boolean; readonly unreachable: boolean; readonly resumed: boolean };
  readonly storeTotal: number;
  /** App runs started only to deliver what an earlier run left queued (its close() wait ended during the outage). */
  readonly appRestartsToDeliver: number;
  /** The app said on stderr, at exit, how many receipts it left queued and where. */
  readonly appExitSaid: boolean;
  readonly totalMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const say = options.onProgress ?? (() => undefined);
  const dir = tempDir();
  const node = await startHardhatNode();
  try {
    const log = await setupTestLog(node.url);
    const nodeKey = generatePrivateKey();
    const nodeAccount = privateKeyToAccount(nodeKey);
    const admin = await connectRpc(node.url, log.privateKey);
    await grantServiceSigner(admin.publicClient, admin.walletClient, log.contract, log.logId, nodeAccount.address);
    // A hardhat node mines one block per transaction, each a second after the last: the set-up runs the chain's
    // clock ahead of the wall clock. Receipts are dated by the wall clock, and the node is authorised only from
    // its grant's block time: wait until the wall clock has passed it.
    const grantedAt = Number((await admin.publicClient.getBlock()).timestamp);
    while (Date.now() / 1000 <= grantedAt + 1) await sleep(100);
    await admin.close();
    const store = join(dir, "store.sqlite");
    const tokens = SqliteAccessTokenStore.open(store);
    const token = (await tokens.issue("soak")).token;
    await tokens.close();
    const servicePort = await freePort();
    const serviceUrl = `http://127.0.0.1:${servicePort}`;

    const startService = async () => {
      const child = spawnTracked(process.execPath, [
        join(ROOT, "bin/showwork.mjs"), "serve", "--rpc", node.url, "--contract", log.contract, "--log-id", log.logId, "--store", store,
        "--port", String(servicePort), "--max-batch", "50", "--max-delay", "100", "--poll", "30", "--confirmations", "1", "--quiet",
      ], { env: { SHOWWORK_PRIVATE_KEY: log.privateKey } });
      child.stderr?.resume();
      await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:\d+/, 90_000);
      return child;
    };
    let service = await startService();

    const server = createModelServer({ models: { [MODEL]: { version: "v1" } }, slowChunkMs: 300 });
    const upstream = await server.listen();

    const loudLines: string[] = [];
    const startProxy = async (withToken: string) => {
      const child = spawnTracked(process.execPath, [
        join(ROOT, "bin/showwork.mjs"), "proxy", "--upstream", upstream.url, "--service", serviceUrl, "--port", "0",
        "--queue", join(dir, "proxy-queue.sqlite"), "--evidence", join(dir, "proxy-evidence.sqlite"), "--json",
      ], { env: { SHOWWORK_NODE_KEY: nodeKey, SHOWWORK_SERVICE_TOKEN: withToken, SHOWWORK_EVIDENCE_KEY: `0x${"42".repeat(32)}` } });
      child.stderr?.on("data", (d: Buffer) => loudLines.push(...d.toString().split("\n").filter(Boolean)));
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const first = JSON.parse((await lines.next()).value as string) as { url: string };
      return { child, url: first.url };
    };

    const received = new Map<string, string>(); // receiptId -> who
    const unreceived = new Set<string>();
    let partialAnswers = 0;
    let noAnswer = 0;
    const faults: Record<string, number> = {};
    const fault = (kind: string): void => {
      faults[kind] = (faults[kind] ?? 0) + 1;
    };

    /** One request of the non-JS client through the proxy (plain HTTP), streamed or not. */
    const ask = async (proxyUrl: string, i: number, stream: boolean, faultHeader?: string): Promise<void> => {
      try {
        const response = await fetch(`${proxyUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer upstream-key", ...(faultHeader ? { "x-mock-fault": faultHeader } : {}) },
          body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: `proxy question #${i}` }], ...(stream ? { stream: true } : {}) }),
          signal: AbortSignal.timeout(1_500),
        });
        const id = response.headers.get("x-showwork-receipt-id");
        const text = await response.text().catch(() => undefined);
        if (response.ok && id && text !== undefined) received.set(id, "proxy");
        else if (response.ok && id) {
          received.set(id, "proxy (partial)");
          partialAnswers++;
        } else noAnswer++;
      } catch {
        noAnswer++;
      }
    };

    // Phase 1: the proxy with a wrong token (loud, queued), then restarted with the right one.
    let proxy = await startProxy(`swt_${"0".repeat(16)}_${"x".repeat(43)}`);
    fault("wrong-token");
    for (let i = 0; i < options.proxyAnswers; i++) await ask(proxy.url, i, i % 2 === 1);
    // Upstream faults: an error, a timeout (no answer), a stream that breaks off (a partial answer).
    fault("upstream-500");
    await ask(proxy.url, 10_000, false, "500");
    fault("upstream-timeout");
    await ask(proxy.url, 10_001, false, "timeout");
    fault("upstream-abort");
    await ask(proxy.url, 10_002, true, "abort");
    for (const deadline = Date.now() + 10_000; !loudLines.some((l) => l.includes("token was refused")) && Date.now() < deadline; ) await sleep(50);
    proxy.child.kill("SIGTERM");
    await exited(proxy.child);
    proxy = await startProxy(token);
    say(`phase 1: ${received.size} answers, wrong token then fixed`);

    // Phase 2: the app, SIGKILLed in the middle of a slow stream, then restarted on the same queue.
    const appQueue = join(dir, "app-queue.sqlite");
    const appLines: string[] = [];
    const runApp = (run: number, from: number, to: number, slowAt?: number, closeMs = 60_000) => {
      const child = spawnTracked(process.execPath, ["--import", "tsx", join(ROOT, "scripts/capture-soak-app.ts")], {
        env: {
          SOAK_SERVICE: serviceUrl, SOAK_TOKEN: token, SOAK_QUEUE: appQueue, SOAK_NODE_KEY: nodeKey, SOAK_MODEL: MODEL, SOAK_WEIGHTS: WEIGHTS,
          SOAK_UPSTREAM: upstream.url, SOAK_FROM: String(from), SOAK_TO: String(to), SOAK_RUN: String(run), SOAK_CLOSE_MS: String(closeMs), SOAK_WORKER: options.appCapturer === "worker" ? "1" : "0",
          ...(slowAt === undefined ? {} : { SOAK_SLOW_AT: String(slowAt) }),
        },
      });
      child.stderr?.on("data", (d: Buffer) => appLines.push(...d.toString().split("\n").filter(Boolean)));
      const lines = createInterface({ input: child.stdout! });
      const done = new Promise<void>((resolve) => {
        lines.on("line", (text) => {
          const line = JSON.parse(text) as { received?: number; partial?: number; streaming?: number; failed?: number; receiptId?: string; done?: boolean };
          if (line.received !== undefined && line.receiptId) received.set(line.receiptId, "app");
          if (line.partial !== undefined && line.receiptId) {
            received.set(line.receiptId, "app (partial)");
            partialAnswers++;
          }
          if (line.failed !== undefined) noAnswer++;
          if (line.streaming !== undefined && line.receiptId) {
            unreceived.add(line.receiptId);
            child.kill("SIGKILL"); // mid-stream
          }
        });
        child.once("exit", () => resolve());
      });
      return { child, done };
    };
    const slowAt = Math.max(1, Math.floor(options.appAnswers / 2) | 1);
    fault("app-sigkill-mid-stream");
    await runApp(1, 0, options.appAnswers, slowAt).done;
    say(`phase 2: app killed mid-stream at #${slowAt}; ${received.size} answers so far`);
    // Phase 3: the service SIGKILLed; the app (restarted) and the proxy keep answering; the service comes back.
    fault("service-sigkill");
    service.kill("SIGKILL");
    await exited(service);
    const outageStart = Date.now();
    const appRun = runApp(2, slowAt + 1, options.appAnswers * 2, undefined, options.appExitsDuringOutage ? 1_000 : 60_000);
    for (let i = 0; i < options.proxyAnswers; i++) await ask(proxy.url, 1_000 + i, i % 2 === 0);
    for (let i = 0; i < options.proxyAnswers; i++) await ask(proxy.url, 2_000 + i, i % 2 === 1);
    if (options.appExitsDuringOutage) await appRun.done;
    while (Date.now() - outageStart < options.outageMs) await sleep(50);
    const queuedAtRestart = queuedIn([appQueue, join(dir, "proxy-queue.sqlite")]);
    service = await startService();
    const restartedAt = Date.now();
    const outageMs = restartedAt - outageStart;
    say(`phase 3: service down ${outageMs} ms; ${queuedAtRestart} receipts queued at restart`);
    await appRun.done;
    // An outage longer than the app's close() wait: the app exited with receipts left in its queue file (said on
    // its stderr); they are delivered when the app starts again — here, a run that asks nothing and closes.
    let appRestartsToDeliver = 0;
    if (queuedIn([appQueue]) > 0) {
      appRestartsToDeliver++;
      await runApp(3, 0, 0).done;
    }
    let drainMs = 0;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(20)) {
      if (queuedIn([appQueue, join(dir, "proxy-queue.sqlite")]) === 0) {
        drainMs = Date.now() - restartedAt;
        break;
      }
    }

    // Every received answer's receipt final.
    const stateOf = async (id: string): Promise<string | undefined> => {
      const response = await fetch(`${serviceUrl}/v1/receipts/${id}`);
      return response.status === 200 ? ((await response.json()) as { state: string }).state : undefined;
    };
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
      let pending = 0;
      for (const id of received.keys()) if ((await stateOf(id)) !== "final") pending++;
      if (pending === 0) break;
    }

    // Phase 4: anchored receipts sent again (HTTP and a sink: duplicates), and one meant to be refused.
    fault("duplicate-resend");
    const someIds = [...received.keys()].slice(0, 5);
    const bodies = await Promise.all(someIds.map(async (id) => {
      const response = await fetch(`${serviceUrl}/v1/receipts/${id}/bundle`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET bundle of ${id} (${received.get(id)}): ${response.status} ${text.slice(0, 200)}\nproxy: ${loudLines.slice(-6).join("\n")}\napp: ${appLines.slice(-6).join("\n")}`);
      return (JSON.parse(text) as { receipt: unknown }).receipt;
    }));
    const resend = await fetch(`${serviceUrl}/v1/receipts`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(bodies) });
    const resendBody = (await resend.json()) as { error?: { duplicates?: { alreadyStored: boolean }[] } };
    let duplicatesResent = resend.status === 409 ? (resendBody.error?.duplicates ?? []).filter((d) => d.alreadyStored).length : 0;
    const extraQueue = join(dir, "resend-queue.sqlite");
    const sink = remoteSink({ url: serviceUrl, token, queuePath: extraQueue, logger: false, minBackoffMs: 20 });
    await sink.submit(bodies.map((b) => parseReceipt(b)));
    const signer = privateKeyToReceiptSigner(nodeKey);
    const ahead = buildReceipt({
      model: { name: MODEL, weightsDigest: WEIGHTS }, promptTemplate: { digest: `0x${"00".repeat(32)}`, version: 0 }, retrievalIndexDigest: `0x${"00".repeat(32)}`, memoryDigest: `0x${"00".repeat(32)}`,
      input: "clock ahead", output: "x", sampling: {}, servingNode: signer.address, sequence: 1n, issuedAt: Math.floor(Date.now() / 1000) + 3_600,
    });
    await sink.submit([await signReceipt(signer, ahead.receipt)]);
    await sink.flush(30_000);
    duplicatesResent += sink.status().duplicates;
    const intendedRejected = sink.rejected().length;
    await sink.close();

    // Count.
    let lost = 0;
    for (const id of received.keys()) if ((await stateOf(id)) !== "final") lost++;
    let receiptsForUnreceived = 0;
    for (const id of unreceived) if ((await stateOf(id)) !== undefined) receiptsForUnreceived++;
    const metrics = (await (await fetch(`${serviceUrl}/v1/metrics`)).json()) as { receipts: { total: number } };
    const storeTotal = metrics.receipts.total;
    let unintendedRejected = 0;
    for (const file of [appQueue, join(dir, "proxy-queue.sqlite")]) {
      const q = CaptureQueue.open(file);
      unintendedRejected += q.counts().rejected;
      q.close();
    }
    proxy.child.kill("SIGTERM");
    await exited(proxy.child);
    service.kill("SIGTERM");
    await exited(service);
    await upstream.close();
    const appText = appLines.join("\n");
    const loud = {
      tokenRefused: loudLines.some((l) => l.includes("token was refused")),
      unreachable: appText.includes("unreachable") || loudLines.some((l) => l.includes("unreachable")),
      resumed: appText.includes("resumed") || loudLines.some((l) => l.includes("resumed")),
    };
    return {
      answers: received.size,
      partialAnswers,
      noAnswer,
      faults,
      lost,
      extra: storeTotal - (received.size - lost),
      receiptsForUnreceived,
      unintendedRejected,
      intendedRejected,
      duplicatesResent,
      outageMs,
      queuedAtRestart,
      drainMs,
      drainPerSecond: drainMs > 0 ? Math.round((queuedAtRestart / drainMs) * 1000) : 0,
      loud,
      storeTotal,
      appRestartsToDeliver,
      appExitSaid: appText.includes("not yet delivered"),
      totalMs: Date.now() - started,
    };
  } finally {
    await killAll();
    await node.stop().catch(() => undefined);
  }
}

function queuedIn(files: readonly string[]): number {
  let n = 0;
  for (const file of files) {
    const q = CaptureQueue.open(file);
    n += q.counts().queued;
    q.close();
  }
  return n;
}

