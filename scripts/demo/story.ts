/**
 * The main job: the rollback story, told by the software itself, on the embedded default
 * (Hardhat's in-process chain, an embedded SQLite store — nothing to start by hand).
 *
 *  1. Deploy the contracts; the operator creates a log, publishes model v1 and deploys it.
 *  2. The agent answers questions; every answer gets a signed receipt, recorded by the
 *     anchoring service and anchored in batches.
 *  3. v2 is deployed. More answers; one of them approves an invoice, the agent pays it
 *     through the AnswerEscrow contract, and the supplier collects against that answer's proof.
 *  4. v2 is found bad and rolled back to v1 (with a reason). More answers.
 *  5. A third party holding only one v2 answer's proof bundle and an RPC URL verifies it;
 *     the audit lists every answer v2 produced in its window and the payment that rode on one.
 *  6. The operator publishes every batch; a monitor checks the whole log from public data.
 *  7. The auditor receives the paid answer's disclosure (input, output, the invoice lookup, the
 *     approval policy and contract it retrieved, the template and the parameters), verifies every
 *     piece against the anchored receipt, and has it replayed on the local model under v2 and v1.
 *  8. A summary; bundles, the disclosure, the audit and a timeline picture are written to the output folder.
 */
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";

import { network } from "hardhat";
import OpenAI from "openai";
import { createPublicClient, createWalletClient, custom, formatEther, http, keccak256, parseEther, toHex, type Address, type EIP1193Provider, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { auditPages, type AuditEntry } from "../../sdk/cli/commands/audit.js";
import { toBundleJson, toBundleV2, type ProofBundle } from "../../sdk/bundle/index.js";
import { proveAnchor } from "../../sdk/chainproof/prove.js";
import { makeTrustFile } from "../../sdk/chainproof/trustFile.js";
import { answerEscrowAbi, modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { createCapturer, inputDigestOf, receiptIdOf, serviceSink, TemplateRegistry, withReceiptContext, withReceipts } from "../../sdk/capture/index.js";
import { createModelServer, systemFingerprint } from "../../sdk/capture/testing/modelServer.js";
import { buildDisclosure, replayReceipt, toDisclosureJson, type DisclosureReport, type ReplayResult } from "../../sdk/disclosure/index.js";
import { SqliteEvidenceStore } from "../../sdk/evidence/index.js";
import { keccak256Utf8 } from "../../sdk/hash/keccak.js";
import { monitorLog } from "../../sdk/monitor/monitorLog.js";
import { DirectorySource } from "../../sdk/monitor/source.js";
import type { Finding, MonitorReport } from "../../sdk/monitor/types.js";
import { publishToDirectory } from "../../sdk/publish/publishDirectory.js";
import { modelIdFromName, privateKeyToReceiptSigner, toReceiptStruct } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { connectEmbedded } from "../../sdk/service/chain/connect.js";
import { createServiceLog } from "../../sdk/service/chain/setupLog.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { readModelTimeline, renderTimelineSvg } from "../../sdk/timeline/index.js";
import { verifyBundle, type Verdict } from "../../sdk/verify/index.js";
import { chatRequest, paymentOf, planQuestion, procurementModel, PROCUREMENT_TEMPLATE, seededRandom, type PlannedQuestion, type RawAnswer } from "./agent.js";
import { serveProvider } from "./rpcBridge.js";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Answers in all (split 40% v1, 30% v2, 30% v1 after the rollback). */
  readonly answers: number;
  /** Receipts per batch (the service's maxReceipts). */
  readonly batchSize: number;
  /** Output folder (emptied first). */
  readonly out: string;
  /** Seed of the agent's generator. */
  readonly seed: number;
}

/** What the demo reports (its summary, also written as summary.json). */
export interface DemoReport {
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly contracts: { readonly receiptLogs: Address; readonly modelTimeline: Address; readonly answerEscrow: Address };
  readonly logId: Hex;
  readonly model: { readonly name: string; readonly modelId: Hex; readonly v1: Hex; readonly v2: Hex };
  readonly phases: readonly { readonly name: string; readonly version: "v1" | "v2"; readonly answers: number; readonly from: number; readonly to: number }[];
  readonly timeline: readonly { readonly kind: string; readonly label: string; readonly version: Hex; readonly at: number; readonly reason: string }[];
  /** The agent's answers (the stale node's are under `monitor.staleNode`). */
  readonly receipts: { readonly recorded: number; readonly anchored: number; readonly byVersion: { readonly v1: number; readonly v2: number } };
  readonly batches: { readonly count: number; readonly anchorTransactions: number; readonly anchorGas: string; readonly retries: number };
  readonly payment: {
    readonly escrowId: string;
    readonly receiptId: Hex;
    readonly question: string;
    readonly answer: string;
    readonly amountWei: string;
    readonly payee: Address;
    readonly releaseTx: Hex;
    readonly batchIndex: number;
    readonly gas: { readonly deposit: string; readonly release: string };
  };
  readonly verification: { readonly receiptId: Hex; readonly status: Verdict["status"]; readonly headline: string; readonly activeVersionAtReceipt: Hex | undefined; readonly checks: readonly { readonly id: string; readonly status: string; readonly message: string }[] };
  readonly audit: { readonly version: Hex; readonly from: number; readonly to: number; readonly receipts: number; readonly anchored: number; readonly paymentsDependingOnThem: readonly { readonly escrowId: string; readonly receiptId: Hex; readonly amountWei: string; readonly txHash: Hex }[] };
  /** Step 6: what the monitor found from the published folder and the RPC URL only. */
  readonly disclosure: {
    readonly file: string;
    readonly receiptId: Hex;
    /** The disclosed pieces, each with its check against the receipt. */
    readonly pieces: readonly { readonly field: string; readonly status: string }[];
    readonly notShown: readonly string[];
    /** The auditor's verdict on the disclosure file (bundle checks and every piece). */
    readonly verdict: Verdict["status"];
    readonly status: DisclosureReport["status"];
    /** The paid answer replayed on the local model: identical under v2, different under v1. */
    readonly replay: {
      readonly v2: Pick<ReplayResult, "identical" | "summary">;
      readonly v1: Pick<ReplayResult, "identical" | "summary" | "diff"> & { readonly answer: string };
    };
  };
  readonly monitor: {
    readonly published: { readonly folder: string; readonly batches: number; readonly receipts: number; readonly bytes: number };
    readonly staleNode: { readonly address: Address; readonly answers: number; readonly recorded: readonly Hex[]; readonly lost: readonly Hex[] };
    readonly status: MonitorReport["status"];
    readonly checked: { readonly batches: number; readonly receipts: number };
    readonly headRecomputed: boolean;
    readonly findingCounts: MonitorReport["findingCounts"];
    readonly findings: readonly Finding[];
  };
  readonly gasSpent: string;
  readonly output: { readonly folder: string; readonly files: readonly string[] };
  readonly elapsedMs: number;
}

/** What the demo says while it runs (stderr in the CLI). */
export interface DemoReporter {
  step(text: string): void;
  progress(label: string, done: number, total: number, detail: string): void;
  note(text: string): void;
  done(): void;
}

// Fixed demo keys: the operator (log admin, anchors), the serving node (signs receipts),
// the agent's wallet (pays) and the supplier (is paid). Local chain only.
const OPERATOR_KEY = keccak256(toHex("showwork demo operator"));
const NODE_KEY = keccak256(toHex("showwork demo serving node"));
/** A second serving node of the operator that misses the rollback (it keeps serving v2). */
const STALE_NODE_KEY = keccak256(toHex("showwork demo stale serving node"));
/** Answers the stale node gives after the rollback; the receipt of the second one is lost. */
const STALE_ANSWERS = 4;
const AGENT_KEY = keccak256(toHex("showwork demo agent wallet"));
const SUPPLIER_KEY = keccak256(toHex("showwork demo supplier"));
const MODEL_NAME = "acme/procurement-assistant";
const WEI_PER_EUR = parseEther("0.0001"); // the demo's exchange rate: 1 EUR = 0.0001 test ETH

const HOUR = 3600;
/** Questions the agent has in flight at once (more only adds memory and GC; the work is CPU-bound). */
const IN_FLIGHT = 16;

/** The retrieval index the agent answers from (one snapshot: its Merkle root is every receipt's retrievalIndexDigest). */
const PROCUREMENT_INDEX = {
  entries: [
    { id: "contract/northwind-metals/2026.md", content: "Northwind Metals, 2026 frame contract: steel brackets 12.40 EUR/unit; conveyor belts 310 EUR/unit; net 30." },
    { id: "contract/blue-harbor-logistics/2026.md", content: "Blue Harbor Logistics, 2026: pallet wrap 18.90 EUR/roll; freight insurance 0.4% of goods value." },
    { id: "contract/kestrel-office-supply/2026.md", content: "Kestrel Office Supply, 2026: toner cartridges 54.00 EUR; invoices in EUR cents in the ERP." },
    { id: "contract/orchid-labs/2026.md", content: "Orchid Labs, 2026: lab gloves 7.20 EUR/box of 100." },
    { id: "contract/tamarack-freight/2026.md", content: "Tamarack Freight, 2026: freight per pallet 41 EUR; late delivery credit 5% per day." },
    { id: "policy/invoice-approval.md", content: "Approve an invoice only when it matches the contract price. ERP amounts are in cents: divide by 100." },
  ],
} as const;

/** How far V8 may grow its old space over the live set after a full collection, in percent (see runDemo). */
const DEMO_HEAP_GROWING_PERCENT = 60;

/** Runs the story; returns the report. */
export async function runDemo(options: DemoOptions, say: DemoReporter): Promise<DemoReport> {
  const started = performance.now();
  // The main job is one long batch run whose live JS heap stays ~90-115 MB whatever the number of answers
  // (heap snapshots at 2·10^4 answers: after answering and while publishing). V8's default lets the old
  // space grow to 3-4x the live set after each full collection when allocation is fast, which was most of
  // the process's RSS (V8's 256 KiB heap pages: 215-317 MB of 443-649 MB). Growing the heap by 60 % over
  // the live set instead bounds it; measured at 2·10^4 answers: peak RSS 691-728 -> 489 MB, CPU +4 %.
  setFlagsFromString(`--heap-growing-percent=${DEMO_HEAP_GROWING_PERCENT}`);
  await rm(options.out, { recursive: true, force: true });
  await mkdir(path.join(options.out, "bundles"), { recursive: true });

  // ------------------------------------------------------------------ 1. contracts, log, model v1
  say.step("1. In-process chain: deploying ReceiptLogs, ModelTimeline and AnswerEscrow");
  const connection = await network.create();
  const request = (method: string, params: unknown[] = []) => connection.provider.request({ method, params });
  const operator = await connectEmbedded(OPERATOR_KEY, connection);
  const { publicClient } = operator;
  const chainId = await publicClient.getChainId();
  let gasSpent = 0n;
  const sent = async (hash: Hex): Promise<bigint> => {
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    gasSpent += r.gasUsed;
    return r.gasUsed;
  };
  const accounts = { agent: privateKeyToAccount(AGENT_KEY), supplier: privateKeyToAccount(SUPPLIER_KEY), node: privateKeyToAccount(NODE_KEY), staleNode: privateKeyToAccount(STALE_NODE_KEY) };
  for (const account of [accounts.agent, accounts.supplier]) await request("hardhat_setBalance", [account.address, "0x3635c9adc5dea00000"]);
  const { viem } = connection;

  const deploy = async (name: "ReceiptLogs" | "ModelTimeline" | "AnswerEscrow", args: readonly unknown[]): Promise<Address> => {
    const contract = await viem.deployContract(name, args as never, { client: { wallet: operator.walletClient } });
    return contract.address;
  };
  const receiptLogs = await deploy("ReceiptLogs", []);
  const modelTimeline = await deploy("ModelTimeline", [receiptLogs]);
  const answerEscrow = await deploy("AnswerEscrow", [receiptLogs]);
  // The log authorises the serving node to sign its receipts and is bound to its timeline, for good.
  const logId = await createServiceLog(publicClient, operator.walletClient, receiptLogs, {
    salt: "acme procurement",
    maxAnchorDelay: HOUR,
    signers: [accounts.node.address, accounts.staleNode.address],
    timeline: modelTimeline,
  });
  say.note(`   ReceiptLogs ${receiptLogs}, ModelTimeline ${modelTimeline}, AnswerEscrow ${answerEscrow}`);
  say.note(`   log ${logId} (operator ${operator.walletClient.account.address}, promises anchoring within 1 h)`);
  say.note(`   serving node ${accounts.node.address} granted as the log's signer; timeline bound to the log`);

  const op = { account: operator.walletClient.account, chain: operator.walletClient.chain } as const;
  const timeline = { address: modelTimeline, abi: modelTimelineAbi } as const;
  const modelId = modelIdFromName(MODEL_NAME);
  const v1 = keccak256(toHex("acme/procurement-assistant weights 2026-10-01"));
  const v2 = keccak256(toHex("acme/procurement-assistant weights 2026-11-15"));
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "registerModel", args: [logId, modelId, MODEL_NAME] }));
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "publishVersion", args: [logId, modelId, v1, "ipfs://acme/procurement-assistant/v1"] }));
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "deployVersion", args: [logId, modelId, v1] }));
  say.note(`   model ${MODEL_NAME}: v1 published and deployed`);

  // The anchoring service: embedded SQLite store, in-process chain.
  // A 16 MiB page cache (default 64): the demo's batches are small, and the main job must stay under 400 MB at 10^5 answers.
  const store = SqliteReceiptStore.open({ path: path.join(options.out, "store.sqlite"), cacheMiB: 16 });
  let retries = 0;
  let anchorTransactions = 0;
  let anchoredReceipts = 0;
  const service = await AnchoringService.open({
    store,
    chain: { publicClient, walletClient: operator.walletClient, contract: receiptLogs, logId },
    batching: { maxReceipts: options.batchSize, maxDelayMs: 250 },
    anchoring: { confirmations: 1 },
    pollIntervalMs: 25,
    timelineContract: modelTimeline,
    // Receipts carry chain time, which the story moves on by hours: no wall-clock window. Signatures are
    // checked against the log's authorised nodes (the serving node was granted above).
    ingestion: { issuedAtWindow: false, signatures: "authorised" },
    onEvent: (event: ServiceEvent) => {
      if (event.type === "retry") {
        retries++;
        say.note(`   retry (${event.kind}): ${event.message}`);
      } else if (event.type === "anchored") {
        anchorTransactions++;
        anchoredReceipts += event.receipts;
      }
    },
  });
  service.start();

  // Chain time moves on by hours between the phases (evm_increaseTime); receipts carry chain time.
  const chainNow = async (): Promise<number> => Number((await publicClient.getBlock()).timestamp);
  const advance = async (seconds: number): Promise<number> => {
    await request("evm_increaseTime", [seconds]);
    await request("evm_mine");
    return chainNow();
  };

  // The model: served by the local deterministic OpenAI-compatible model server, reached in-process
  // (its fetch: no sockets) by the official `openai` client, wrapped with receipts. Every answer is
  // receipted by capture: the version from the manifest (the server's system_fingerprint of the live
  // version), the template from the registry, the retrieval snapshot and the memory from the request
  // context; signed by the serving node; content and salts kept in the evidence store; recorded with
  // the anchoring service in this process.
  const modelServer = createModelServer({ models: { [MODEL_NAME]: { version: "v1", respond: procurementModel } } });
  const evidence = SqliteEvidenceStore.open({ path: path.join(options.out, "evidence.sqlite"), encryptionKey: null, durability: "normal" });
  let clockFloor = 0;
  const capturer = createCapturer({
    // The serving node signs on the SDK's fast path (libsecp256k1 under Node; same bytes as viem's signTypedData).
    signer: privateKeyToReceiptSigner(NODE_KEY),
    sink: serviceSink(service),
    evidence,
    models: { [MODEL_NAME]: { fingerprints: { [systemFingerprint("v1")]: v1, [systemFingerprint("v2")]: v2 } } },
    templates: TemplateRegistry.of([PROCUREMENT_TEMPLATE]),
    defaultContext: { template: PROCUREMENT_TEMPLATE.id, retrievalIndex: PROCUREMENT_INDEX },
    clock: () => Math.max(clockFloor, Math.floor(Date.now() / 1000) + clockOffset),
    firstSequence: 0n,
    onEvent: (event) => {
      if (event.type === "error") say.note(`   capture error (${event.stage}): ${event.error instanceof Error ? event.error.message : String(event.error)}`);
    },
  });
  const openai = withReceipts(new OpenAI({ apiKey: "demo", baseURL: "http://model.local/v1", fetch: modelServer.fetch, maxRetries: 0 }), { capturer });
  let memoryRoot: Hex = keccak256(toHex("agent memory: empty"));

  const rnd = seededRandom(options.seed);
  let sequence = 0;
  // Only counts and the answers the story comes back to are kept (not every answer: the main job runs at 10^5).
  const recorded = { v1: 0, v2: 0, all: 0 };
  const phases: { name: string; version: "v1" | "v2"; answers: number; from: number; to: number }[] = [];

  /** The agent asks the model one planned question (with `inputSalt` when it must know the input digest). */
  const ask = async (planned: PlannedQuestion, n: number, version: "v1" | "v2", inputSalt?: Hex): Promise<{ receiptId: Hex; raw: RawAnswer }> => {
    const request = chatRequest(MODEL_NAME, planned, n);
    const completion = await withReceiptContext({ memory: { root: memoryRoot }, ...(inputSalt ? { inputSalt } : {}) }, () => openai.chat.completions.create(request));
    const answer = completion.choices[0]?.message.content ?? "";
    const { askPayment: _ask, ...rest } = planned;
    const payment = paymentOf(answer);
    const raw: RawAnswer = { ...rest, answer, ...(payment ? { payment } : {}) };
    const receiptId = receiptIdOf(completion)!;
    recorded[version]++;
    recorded.all++;
    return { receiptId, raw };
  };

  /**
   * The agent answers `count` questions under `version`; receipts are recorded, then anchored. At
   * `paymentAt` it asks for an invoice approval and acts on it with `pay` (which may ask again).
   */
  const answerPhase = async (
    name: string,
    version: "v1" | "v2",
    count: number,
    paymentAt = -1,
    pay?: (planned: PlannedQuestion, decision: { receiptId: Hex; raw: RawAnswer }, n: number) => Promise<void>,
  ): Promise<void> => {
    const from = await chainNow();
    clockFloor = from;
    const label = `${name} (${version})`;
    const chunk = Math.max(1, Math.min(1000, options.batchSize));
    let asked = 0;
    while (asked < count) {
      const end = Math.min(count, asked + chunk);
      const calls: Promise<unknown>[] = [];
      for (; asked < end; asked++) {
        const n = sequence++;
        if (asked === paymentAt && pay) {
          await Promise.all(calls.splice(0));
          const planned = planQuestion(n, rnd, true);
          const decision = await ask(planned, n, version);
          await pay(planned, decision, n);
          asked++; // the payment took two answers: the decision and its confirmation
          continue;
        }
        calls.push(ask(planQuestion(n, rnd, false), n, version));
        if (calls.length >= IN_FLIGHT) await Promise.all(calls.splice(0));
      }
      await Promise.all(calls);
      await capturer.settled();
      memoryRoot = keccak256Utf8(`agent memory after ${recorded.all} answers`);
      // Let the service's loop run between chunks (it closes and anchors batches meanwhile).
      await new Promise((resolve) => setImmediate(resolve));
      say.progress(label, Math.min(count, asked), count, `answers recorded · ${anchoredReceipts.toLocaleString("en-US")} anchored`);
    }
    service.flush();
    const total = recorded.all;
    while (anchoredReceipts < total) {
      say.progress(label, count, count, `answers recorded · ${anchoredReceipts.toLocaleString("en-US")}/${total.toLocaleString("en-US")} anchored`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    say.progress(label, count, count, `answers recorded · all ${total.toLocaleString("en-US")} anchored`);
    say.done();
    phases.push({ name, version, answers: count, from, to: await chainNow() });
  };

  let clockOffset = (await chainNow()) - Math.floor(Date.now() / 1000);
  const advancePhase = async (seconds: number): Promise<void> => {
    const t = await advance(seconds);
    clockOffset = t - Math.floor(Date.now() / 1000);
  };

  const n1 = Math.max(1, Math.round(options.answers * 0.4));
  const n2 = Math.max(1, Math.round(options.answers * 0.3));
  const n3 = Math.max(1, options.answers - n1 - n2);

  // ------------------------------------------------------------------ 2. v1 answers
  say.step(`2. The agent answers ${n1.toLocaleString("en-US")} questions under v1; receipts are recorded and anchored in batches of up to ${options.batchSize.toLocaleString("en-US")}`);
  await advancePhase(10 * 60);
  await answerPhase("before v2", "v1", n1);

  // ------------------------------------------------------------------ 3. v2 deployed, a payment
  await advancePhase(2 * HOUR);
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "publishVersion", args: [logId, modelId, v2, "ipfs://acme/procurement-assistant/v2"] }));
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "deployVersion", args: [logId, modelId, v2] }));
  modelServer.models[MODEL_NAME]!.version = "v2"; // the serving side deploys v2
  say.step(`3. v2 deployed. The agent answers ${n2.toLocaleString("en-US")} questions under v2; one approves an invoice, and the agent pays it`);
  await advancePhase(10 * 60);
  const paymentAt = Math.min(Math.floor(n2 / 2), Math.max(0, n2 - 2));
  // The agent asks the model to approve an invoice; v2 approves an amount. The agent escrows that amount for
  // the supplier, to be released only against a receipt for its confirmation request (it picks the request's
  // input salt, so it knows the input digest the receipt will carry), issued after the deposit, signed by the
  // log's serving node, under model v2 while v2 is the active version, and anchored in the log.
  const escrow = { address: answerEscrow, abi: answerEscrowAbi } as const;
  const transport = custom(connection.provider as EIP1193Provider);
  const agent = createWalletClient({ account: accounts.agent, chain: operator.walletClient.chain, transport });
  const supplier = createWalletClient({ account: accounts.supplier, chain: operator.walletClient.chain, transport });
  let amountWei = 0n;
  let depositGas = 0n;
  let paid: { receiptId: Hex; raw: RawAnswer } | undefined;
  const payFor = async (planned: PlannedQuestion, decision: { receiptId: Hex; raw: RawAnswer }, n: number): Promise<void> => {
    if (decision.raw.payment === undefined) throw new Error(`the model did not approve the invoice: ${decision.raw.answer}`);
    const inputSalt = keccak256(toHex(`agent salt for ${planned.question}`));
    const confirmation = chatRequest(MODEL_NAME, planned, n);
    amountWei = decision.raw.payment.amountUnits * WEI_PER_EUR;
    const deadline = BigInt((await chainNow()) + 24 * HOUR);
    const depositTx = await agent.writeContract({
      ...escrow,
      functionName: "deposit",
      args: [accounts.supplier.address, { logId, modelId, weightsDigest: v2, inputDigest: inputDigestOf("openai.chat.completions", confirmation, inputSalt), deadline }],
      value: amountWei,
    });
    depositGas = await sent(depositTx);
    // The confirmation comes after the deposit (the escrow accepts no earlier receipt).
    clockFloor = await chainNow();
    paid = await ask(planned, n, "v2", inputSalt);
    sequence++;
  };
  await answerPhase("v2 live", "v2", n2, paymentAt, payFor);
  if (paid === undefined) throw new Error("the payment step did not run");
  const decision = paid.raw.payment!;
  const deposited = await publicClient.getContractEvents({ ...escrow, eventName: "Deposited", fromBlock: 0n });
  const escrowId = deposited.at(-1)!.args.escrowId!;
  const paidBundle = await service.bundle(paid.receiptId);
  const releaseTx = await supplier.writeContract({
    ...escrow,
    functionName: "release",
    args: [escrowId, toReceiptStruct(paidBundle.receipt), paidBundle.receipt.signature!, BigInt(paidBundle.anchor.batchIndex), [...paidBundle.proof]],
  });
  const releaseGas = await sent(releaseTx);
  say.note(`   "${decision.invoiceId}": v2 approved ${decision.amountUnits.toLocaleString("en-US")} EUR (${formatEther(amountWei)} ETH) to ${decision.supplier}`);
  say.note(`   escrow #${escrowId} released to the supplier against the answer's proof (batch ${paidBundle.anchor.batchIndex}), tx ${releaseTx}`);

  // ------------------------------------------------------------------ 4. rollback
  await advancePhase(2 * HOUR);
  const reason = "v2 reads invoice amounts in cents as units: approved payments 100x too large";
  await sent(await operator.walletClient.writeContract({ ...timeline, ...op, functionName: "rollbackTo", args: [logId, modelId, v1, reason] }));
  modelServer.models[MODEL_NAME]!.version = "v1"; // and rolls back
  say.step(`4. v2 found bad and rolled back to v1 ("${reason}"). ${n3.toLocaleString("en-US")} more answers under v1`);
  await advancePhase(10 * 60);
  await answerPhase("after rollback", "v1", n3);

  // The stale node: a second serving node of the operator was never switched back. After the rollback it
  // keeps answering under v2 (its model server still runs v2), and one of its answers never reaches the log
  // (its receipt is lost on the way to the service). Nobody tells anyone: step 6 finds both from public data.
  const agentAnchored = anchoredReceipts;
  const staleServer = createModelServer({ models: { [MODEL_NAME]: { version: "v2", respond: procurementModel } } });
  const staleSink = serviceSink(service);
  const lost: Hex[] = [];
  const staleRecorded: Hex[] = [];
  let staleSeen = 0;
  const staleCapturer = createCapturer({
    signer: privateKeyToReceiptSigner(STALE_NODE_KEY),
    sink: {
      submit: async (batch) => {
        const kept = batch.filter((r) => (++staleSeen === 2 ? (lost.push(r.receiptId), false) : true));
        staleRecorded.push(...kept.map((r) => r.receiptId));
        if (kept.length > 0) await staleSink.submit(kept);
      },
    },
    evidence,
    models: { [MODEL_NAME]: { fingerprints: { [systemFingerprint("v1")]: v1, [systemFingerprint("v2")]: v2 } } },
    templates: TemplateRegistry.of([PROCUREMENT_TEMPLATE]),
    defaultContext: { template: PROCUREMENT_TEMPLATE.id, retrievalIndex: PROCUREMENT_INDEX },
    clock: () => Math.max(clockFloor, Math.floor(Date.now() / 1000) + clockOffset),
    firstSequence: 0n,
  });
  const staleOpenai = withReceipts(new OpenAI({ apiKey: "demo", baseURL: "http://model.local/v1", fetch: staleServer.fetch, maxRetries: 0 }), { capturer: staleCapturer });
  const staleRnd = seededRandom(options.seed + 1);
  for (let i = 0; i < STALE_ANSWERS; i++) {
    await withReceiptContext({ memory: { root: memoryRoot } }, () => staleOpenai.chat.completions.create(chatRequest(MODEL_NAME, planQuestion(sequence + i, staleRnd, false), sequence + i)));
    await staleCapturer.settled();
  }
  await staleCapturer.close();
  service.flush();
  while ((await service.metrics()).lag.unanchoredReceipts > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  say.note(`   meanwhile node ${accounts.staleNode.address} missed the rollback: it answered ${STALE_ANSWERS} more questions under v2; ${lost.length} of its receipts never reached the log`);

  // ------------------------------------------------------------------ 5. the third party
  say.step("5. A third party, holding one v2 answer's proof bundle and an RPC URL, and trusting this operator, verifies it");
  const bridge = await serveProvider(connection.provider);
  const bundleFile = path.join(options.out, "bundles", `${paid.receiptId}.json`);
  await writeFile(bundleFile, JSON.stringify(toBundleJson(paidBundle), null, 2) + "\n");
  // The third party reads the file and talks to the chain through the URL only; it pins the operator it trusts
  // (the log's admin), so a bundle from anyone else's log would fail.
  const verdict = await verifyBundle(JSON.parse(await readFile(bundleFile, "utf8")), {
    rpcUrl: bridge.url,
    minConfirmations: 1,
    trust: { operators: [operator.walletClient.account.address] },
  });
  say.note(`   ${verdict.status === "verified" ? `VERIFIED: ${verdict.headline}` : verdict.summary}`);
  for (const check of verdict.checks) say.note(`   ${check.status.padEnd(7)} ${check.id}: ${check.message}`);
  for (const item of verdict.uncertain) say.note(`   uncertain: ${item}`);
  say.note(`   verdict: ${verdict.status.toUpperCase()}`);

  // The audit: every answer v2 produced in its window, and the payments that rode on one.
  const activations = await readModelTimeline(publicClient as PublicClient, { contract: modelTimeline, logId, modelId });
  const v2Start = activations.activations.find((a) => a.version === v2 && a.kind === "deployment")!.activatedAt;
  const v2End = activations.activations.find((a) => a.activatedAt > v2Start)?.activatedAt ?? (await chainNow());
  const payments: { escrowId: string; receiptId: Hex; amountWei: string; txHash: Hex }[] = [];
  // audit-v2.json is written while the store is read, a page at a time (the window holds 30 % of the answers: at
  // 3·10^5 answers, keeping every entry to the end held ~56 MB); kept here: counts, the first 25 entries, and which
  // released escrows' receipts fall in the window.
  const released = await publicClient.getContractEvents({ ...escrow, eventName: "Released", fromBlock: 0n });
  const releasedIds = new Set(released.map((event) => event.args.receiptId!.toLowerCase()));
  const releasedInWindow = new Set<string>();
  const audit = { receipts: 0, anchored: 0, first: [] as AuditEntry[] };
  const auditFile = await open(path.join(options.out, "audit-v2.json"), "w");
  const indented = (value: unknown, pad: string): string => JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
  try {
    // The same text as JSON.stringify({ version, from, to, entries, payments }, null, 2), written in pieces.
    await auditFile.write(`{\n  "version": ${JSON.stringify(v2)},\n  "from": ${JSON.stringify(v2Start)},\n  "to": ${JSON.stringify(v2End)},\n  "entries": [`);
    for await (const page of auditPages(store, { modelId, weightsDigest: v2, from: v2Start, to: v2End }, await store.getBinding())) {
      await auditFile.write(`${audit.receipts === 0 ? "" : ","}${page.entries.map((entry) => `\n    ${indented(entry, "    ")}`).join(",")}`);
      for (const entry of page.entries) {
        if (entry.anchor) audit.anchored++;
        if (releasedIds.has(entry.receiptId.toLowerCase())) releasedInWindow.add(entry.receiptId.toLowerCase());
        if (audit.first.length < 25) audit.first.push(entry);
      }
      audit.receipts += page.entries.length;
    }
    const found = [];
    for (const event of released) {
      if (!releasedInWindow.has(event.args.receiptId!.toLowerCase())) continue;
      const record = await publicClient.readContract({ ...escrow, functionName: "escrowOf", args: [event.args.escrowId!] });
      found.push({ escrowId: event.args.escrowId!.toString(), receiptId: event.args.receiptId!, amountWei: record.amount.toString(), txHash: event.transactionHash });
    }
    payments.push(...found);
    await auditFile.write(`${audit.receipts === 0 ? "]" : "\n  ]"},\n  "payments": ${indented(payments, "  ")}\n}\n`);
  } finally {
    await auditFile.close();
  }
  say.note(`   audit: v2 was active ${new Date(v2Start * 1000).toISOString()} → ${new Date(v2End * 1000).toISOString()}; it produced ${audit.receipts} answers, ${audit.anchored} anchored; ${payments.length} payment(s) depended on one`);

  // ------------------------------------------------------------------ 6. the monitor, from public data only
  say.step("6. The operator publishes every anchored batch; a monitor holding only that folder and an RPC URL checks the whole log");
  const publishedDir = path.join(options.out, "published");
  const published = await publishToDirectory({ store, out: publishedDir });
  const monitorClient = createPublicClient({ transport: http(bridge.url, { batch: true }) }) as PublicClient;
  const { report: monitored } = await monitorLog({ client: monitorClient, contract: receiptLogs, logId, source: new DirectorySource(publishedDir) });
  say.note(`   published ${published.index.batches.length} batches, ${published.index.totalReceipts.toLocaleString("en-US")} receipts, ${published.index.totalBytes.toLocaleString("en-US")} bytes into ${publishedDir}`);
  say.note(`   monitor: ${monitored.checked.batches} batches, ${monitored.checked.receipts.toLocaleString("en-US")} receipts checked; head ${monitored.head.recomputed ? "recomputes" : "DOES NOT recompute"}; result ${monitored.status.toUpperCase()}`);
  for (const finding of monitored.findings.slice(0, 10)) say.note(`   found ${finding.kind}: ${finding.message}`);

  // ------------------------------------------------------------------ 7. disclosure and replay
  say.step("7. The auditor receives the paid answer's disclosure, verifies every piece, and has it replayed under v2 and v1");
  // The operator picks what to show (showwork disclose does the same from the two stores): the question and
  // the answer, the invoice lookup the agent made, the approval policy and the supplier's contract it
  // retrieved, the template and the sampling parameters.
  const paidEvidence = await evidence.getEvidence(paid.receiptId);
  if (paidEvidence === undefined) throw new Error("the paid answer has no evidence");
  const contractId = paidEvidence.retrieval?.documents.find((d) => d.id === `contract/${decision.supplier.toLowerCase().replace(/ /g, "-")}/2026.md`)?.id;
  const disclosed = await buildDisclosure({
    bundle: paidBundle,
    evidence: paidEvidence,
    artifacts: evidence,
    fields: ["input", "output", "tools", "template", "sampling", "retrieval:policy/invoice-approval.md", ...(contractId ? [`retrieval:${contractId}`] : [])],
  });
  await mkdir(path.join(options.out, "disclosure"), { recursive: true });
  const disclosureFile = path.join(options.out, "disclosure", `${paid.receiptId}.disclosure.json`);
  await writeFile(disclosureFile, JSON.stringify(toDisclosureJson(disclosed), null, 2) + "\n");
  // The auditor holds the file and an RPC URL: the bundle's checks, then each piece against the receipt.
  const disclosureJson = JSON.parse(await readFile(disclosureFile, "utf8")) as { bundle: unknown };
  const audited = await verifyBundle(disclosureJson.bundle, { rpcUrl: bridge.url, minConfirmations: 1, disclosure: disclosureJson });
  const disclosureReport = audited.disclosure!;
  for (const piece of disclosureReport.pieces) say.note(`   ${piece.status.padEnd(4)} ${piece.field}: ${piece.message}`);
  say.note(`   not shown: ${disclosureReport.notShown.join(", ") || "nothing"}; verdict ${audited.status.toUpperCase()}`);
  // Replay (it needs the stored request: the operator runs it for the auditor, as showwork replay does) on the
  // local model server over HTTP, once under v2 (what answered) and once under v1 (what should have).
  const replayServer = createModelServer({ models: { [MODEL_NAME]: { version: "v2", respond: procurementModel } } });
  const replayHttp = await replayServer.listen();
  const replayV2 = await replayReceipt({ evidence: paidEvidence, endpoint: `${replayHttp.url}/v1` });
  replayServer.models[MODEL_NAME]!.version = "v1";
  const replayV1 = await replayReceipt({ evidence: paidEvidence, endpoint: `${replayHttp.url}/v1` });
  await replayHttp.close();
  say.note(`   replay under v2: ${replayV2.identical ? "IDENTICAL to the committed answer" : `DIFFERENT (${replayV2.summary})`}`);
  say.note(`   replay under v1: ${replayV1.identical ? "identical" : "DIFFERENT"}:`);
  for (const line of replayV1.diff.output) say.note(`      ${line}`);

  // ------------------------------------------------------------------ 8. outputs
  const files: string[] = [path.relative(options.out, bundleFile), path.relative(options.out, disclosureFile)];
  for (const entry of audit.first) {
    const file = path.join("bundles", `${entry.receiptId}.json`);
    if (files.includes(file)) continue;
    const bundle: ProofBundle = await service.bundle(entry.receiptId);
    await writeFile(path.join(options.out, file), JSON.stringify(toBundleJson(bundle), null, 2) + "\n");
    files.push(file);
  }
  // The paid answer's bundle, made self-contained (v2 with chain proofs), and the operator's signed checkpoint
  // beside it: `showwork verify --offline --trust trust.json bundles/<id>.json` verifies it after this chain is gone.
  {
    const head = Number(await publicClient.getBlockNumber({ cacheTime: 0 }));
    const chainProof = await proveAnchor(publicClient as PublicClient, paidBundle, { proofBlock: head });
    const selfContained = toBundleV2(paidBundle, { anchors: [{ ...paidBundle.anchor, chainProof }] });
    await writeFile(bundleFile, JSON.stringify(toBundleJson(selfContained), null, 2) + "\n");
    const trust = await makeTrustFile({
      client: publicClient as PublicClient,
      blockNumber: head,
      logs: [logId],
      operators: [operator.walletClient.account.address],
      contracts: { receiptLogs, modelTimeline },
      signer: operator.walletClient.account,
    });
    await writeFile(path.join(options.out, "trust.json"), JSON.stringify(trust, null, 2) + "\n");
    files.push("trust.json");
    say.note(`   wrote trust.json (checkpoint: block ${head}, signed by the operator) and the paid answer's self-contained bundle (${chainProof.headers.length} headers, ${chainProof.accounts.length} account proofs)`);
  }
  const svg = renderTimelineSvg({
    activations: activations.activations,
    markers: [
      { at: paidBundle.receipt.issuedAt, label: "the paid answer", kind: "receipt" },
      { at: Number(verdict.facts.anchoredAt ?? paidBundle.receipt.issuedAt), label: "anchored", kind: "anchor" },
    ],
    highlight: v2,
    title: `${MODEL_NAME} in log ${logId.slice(0, 10)}…: deployments and rollbacks`,
  });
  await writeFile(path.join(options.out, "timeline.svg"), svg);
  files.push("timeline.svg");
  files.push("audit-v2.json"); // written at step 5
  await bridge.close();
  const lastBatch = await store.lastBatch();
  await capturer.close();
  await evidence.close();
  await service.close();

  const byVersion = { v1: recorded.v1, v2: recorded.v2 };
  const anchorGas = await anchorGasOf(publicClient as PublicClient, receiptLogs, logId);
  gasSpent += anchorGas;
  const report: DemoReport = {
    chainId,
    rpcUrl: bridge.url,
    contracts: { receiptLogs, modelTimeline, answerEscrow },
    logId,
    model: { name: MODEL_NAME, modelId, v1, v2 },
    phases,
    timeline: activations.activations.map((a) => ({ kind: a.kind, label: a.label ?? `v${a.versionNumber}`, version: a.version, at: a.activatedAt, reason: a.reason })),
    receipts: { recorded: recorded.all, anchored: agentAnchored, byVersion },
    batches: { count: lastBatch ? lastBatch.index + 1 : 0, anchorTransactions, anchorGas: anchorGas.toString(), retries },
    payment: {
      escrowId: escrowId.toString(),
      receiptId: paid.receiptId,
      question: paid.raw.question,
      answer: paid.raw.answer,
      amountWei: amountWei.toString(),
      payee: accounts.supplier.address,
      releaseTx,
      batchIndex: paidBundle.anchor.batchIndex,
      gas: { deposit: depositGas.toString(), release: releaseGas.toString() },
    },
    verification: {
      receiptId: paid.receiptId,
      status: verdict.status,
      headline: verdict.headline,
      activeVersionAtReceipt: verdict.facts.activeVersion as Hex | undefined,
      checks: verdict.checks.map((c) => ({ id: c.id, status: c.status, message: c.message })),
    },
    audit: { version: v2, from: v2Start, to: v2End, receipts: audit.receipts, anchored: audit.anchored, paymentsDependingOnThem: payments },
    disclosure: {
      file: path.relative(options.out, disclosureFile),
      receiptId: paid.receiptId,
      pieces: disclosureReport.pieces.map((p) => ({ field: p.field, status: p.status })),
      notShown: disclosureReport.notShown,
      verdict: audited.status,
      status: disclosureReport.status,
      replay: {
        v2: { identical: replayV2.identical, summary: replayV2.summary },
        v1: { identical: replayV1.identical, summary: replayV1.summary, diff: replayV1.diff, answer: replayV1.replayed.texts[0] ?? "" },
      },
    },
    monitor: {
      published: { folder: "published", batches: published.index.batches.length, receipts: published.index.totalReceipts, bytes: published.index.totalBytes },
      staleNode: { address: accounts.staleNode.address, answers: STALE_ANSWERS, recorded: staleRecorded, lost },
      status: monitored.status,
      checked: { batches: monitored.checked.batches, receipts: monitored.checked.receipts },
      headRecomputed: monitored.head.recomputed,
      findingCounts: monitored.findingCounts,
      findings: monitored.findings,
    },
    gasSpent: gasSpent.toString(),
    output: { folder: path.resolve(options.out), files: [...files, "published", "summary.json", "store.sqlite", "evidence.sqlite"] },
    elapsedMs: Math.round(performance.now() - started),
  };
  await writeFile(path.join(options.out, "summary.json"), JSON.stringify(report, null, 2) + "\n");
  await connection.close();
  return report;
}

/** Gas used by every anchoring transaction of the log (from its BatchAnchored events). */
async function anchorGasOf(client: PublicClient, contract: Address, logId: Hex): Promise<bigint> {
  const events = await client.getContractEvents({ address: contract, abi: receiptLogsAbi, eventName: "BatchAnchored", args: { logId }, fromBlock: 0n });
  const hashes = [...new Set(events.map((e) => e.transactionHash))];
  let total = 0n;
  for (const hash of hashes) total += (await client.getTransactionReceipt({ hash })).gasUsed;
  return total;
}

