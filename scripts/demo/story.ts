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
 *  6. A summary; bundles, the audit and a timeline picture are written to the output folder.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { network } from "hardhat";
import { createWalletClient, custom, formatEther, keccak256, parseEther, toHex, type Address, type EIP1193Provider, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { auditStore, type AuditEntry } from "../../sdk/cli/commands/audit.js";
import { toBundleJson, type ProofBundle } from "../../sdk/bundle/index.js";
import { answerEscrowAbi, modelTimelineAbi, receiptLogsAbi } from "../../sdk/contracts/abis.js";
import { buildReceipt, commitmentDigest, modelIdFromName, signReceipt, toReceiptStruct, type Receipt } from "../../sdk/receipt/index.js";
import { AnchoringService } from "../../sdk/service/AnchoringService.js";
import { connectEmbedded } from "../../sdk/service/chain/connect.js";
import { createServiceLog } from "../../sdk/service/chain/setupLog.js";
import type { ServiceEvent } from "../../sdk/service/events.js";
import { SqliteReceiptStore } from "../../sdk/service/store/sqlite.js";
import { readModelTimeline, renderTimelineSvg } from "../../sdk/timeline/index.js";
import { verifyBundle, type Verdict } from "../../sdk/verify/index.js";
import { answerQuestion, seededRandom, type RawAnswer } from "./agent.js";
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
  readonly verification: { readonly receiptId: Hex; readonly status: Verdict["status"]; readonly activeVersionAtReceipt: Hex | undefined; readonly checks: readonly { readonly id: string; readonly status: string; readonly message: string }[] };
  readonly audit: { readonly version: Hex; readonly from: number; readonly to: number; readonly receipts: number; readonly anchored: number; readonly paymentsDependingOnThem: readonly { readonly escrowId: string; readonly receiptId: Hex; readonly amountWei: string; readonly txHash: Hex }[] };
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
const AGENT_KEY = keccak256(toHex("showwork demo agent wallet"));
const SUPPLIER_KEY = keccak256(toHex("showwork demo supplier"));
const MODEL_NAME = "acme/procurement-assistant";
const WEI_PER_EUR = parseEther("0.0001"); // the demo's exchange rate: 1 EUR = 0.0001 test ETH

const HOUR = 3600;

/** Runs the story; returns the report. */
export async function runDemo(options: DemoOptions, say: DemoReporter): Promise<DemoReport> {
  const started = performance.now();
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
  const accounts = { agent: privateKeyToAccount(AGENT_KEY), supplier: privateKeyToAccount(SUPPLIER_KEY), node: privateKeyToAccount(NODE_KEY) };
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
    signers: [accounts.node.address],
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
  const store = SqliteReceiptStore.open({ path: path.join(options.out, "store.sqlite") });
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

  const rnd = seededRandom(options.seed);
  let sequence = 0;
  const receipts: { receipt: Receipt; raw: RawAnswer; version: "v1" | "v2" }[] = [];
  const phases: { name: string; version: "v1" | "v2"; answers: number; from: number; to: number }[] = [];

  /**
   * The agent answers `count` questions under `version`; receipts are recorded, then anchored. Before the
   * answer at `paymentAt`, `beforePayment` runs (the agent escrows the payment; the receipt must come after).
   */
  const answerPhase = async (
    name: string,
    version: "v1" | "v2",
    count: number,
    paymentAt = -1,
    beforePayment?: (raw: RawAnswer) => Promise<{ inputSalt: Hex }>,
  ): Promise<void> => {
    const weightsDigest = version === "v1" ? v1 : v2;
    const from = await chainNow();
    const label = `${name} (${version})`;
    const chunk = Math.max(1, Math.min(1000, options.batchSize));
    for (let i = 0; i < count; i += chunk) {
      const now = Math.max(from, Math.floor(Date.now() / 1000) + clockOffset);
      const built: Receipt[] = [];
      for (let j = i; j < Math.min(count, i + chunk); j++) {
        const raw = answerQuestion(sequence, version, rnd, j === paymentAt);
        const escrowed = j === paymentAt && beforePayment ? await beforePayment(raw) : undefined;
        const { receipt } = buildReceipt({
          model: { name: MODEL_NAME, weightsDigest },
          promptTemplate: { digest: keccak256(toHex("procurement-answer template v3")), version: 3 },
          retrievalIndexDigest: keccak256(toHex("procurement index snapshot 2026-11-20")),
          memoryDigest: keccak256(toHex(`agent memory after ${sequence} answers`)),
          tools: raw.tools,
          input: raw.question,
          ...(escrowed ? { inputSalt: escrowed.inputSalt } : {}),
          output: raw.answer,
          sampling: raw.sampling,
          servingNode: accounts.node.address,
          sequence: BigInt(sequence++),
          // The paid answer comes after the escrow's deposit (the escrow accepts no earlier receipt).
          issuedAt: escrowed ? Math.max(now, await chainNow()) : now,
        });
        const signed = await signReceipt(accounts.node, receipt);
        built.push(signed);
        receipts.push({ receipt: signed, raw, version });
      }
      await service.record(built);
      // Let the service's loop run between chunks (it closes and anchors batches meanwhile).
      await new Promise((resolve) => setImmediate(resolve));
      say.progress(label, Math.min(count, i + chunk), count, `answers recorded · ${anchoredReceipts.toLocaleString("en-US")} anchored`);
    }
    service.flush();
    const total = receipts.length;
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
  say.step(`3. v2 deployed. The agent answers ${n2.toLocaleString("en-US")} questions under v2; one approves an invoice, and the agent pays it`);
  await advancePhase(10 * 60);
  const paymentAt = Math.floor(n2 / 2);
  const firstV2 = receipts.length;
  // The agent is about to ask for an invoice approval and to act on it: it escrows the payment for the supplier
  // first, to be released only against a receipt for this very request (it picks the request's salt, so it knows
  // the input digest), issued after the deposit, signed by the log's serving node, under model v2 while v2 is the
  // active version, and anchored in the log.
  const escrow = { address: answerEscrow, abi: answerEscrowAbi } as const;
  const transport = custom(connection.provider as EIP1193Provider);
  const agent = createWalletClient({ account: accounts.agent, chain: operator.walletClient.chain, transport });
  const supplier = createWalletClient({ account: accounts.supplier, chain: operator.walletClient.chain, transport });
  let amountWei = 0n;
  let depositGas = 0n;
  const escrowFor = async (raw: RawAnswer): Promise<{ inputSalt: Hex }> => {
    const inputSalt = keccak256(toHex(`agent salt for ${raw.question}`));
    amountWei = raw.payment!.amountUnits * WEI_PER_EUR;
    const deadline = BigInt((await chainNow()) + 24 * HOUR);
    const depositTx = await agent.writeContract({
      ...escrow,
      functionName: "deposit",
      args: [accounts.supplier.address, { logId, modelId, weightsDigest: v2, inputDigest: commitmentDigest(raw.question, inputSalt), deadline }],
      value: amountWei,
    });
    depositGas = await sent(depositTx);
    return { inputSalt };
  };
  await answerPhase("v2 live", "v2", n2, paymentAt, escrowFor);
  const paid = receipts[firstV2 + paymentAt]!;
  const decision = paid.raw.payment!;
  const deposited = await publicClient.getContractEvents({ ...escrow, eventName: "Deposited", fromBlock: 0n });
  const escrowId = deposited.at(-1)!.args.escrowId!;
  const paidBundle = await service.bundle(paid.receipt.receiptId);
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
  say.step(`4. v2 found bad and rolled back to v1 ("${reason}"). ${n3.toLocaleString("en-US")} more answers under v1`);
  await advancePhase(10 * 60);
  await answerPhase("after rollback", "v1", n3);

  // ------------------------------------------------------------------ 5. the third party
  say.step("5. A third party, holding one v2 answer's proof bundle and an RPC URL, verifies it");
  const bridge = await serveProvider(connection.provider);
  const bundleFile = path.join(options.out, "bundles", `${paid.receipt.receiptId}.json`);
  await writeFile(bundleFile, JSON.stringify(toBundleJson(paidBundle), null, 2) + "\n");
  // The third party reads the file and talks to the chain through the URL only.
  const verdict = await verifyBundle(JSON.parse(await readFile(bundleFile, "utf8")), { rpcUrl: bridge.url, minConfirmations: 1 });
  for (const check of verdict.checks) say.note(`   ${check.status.padEnd(7)} ${check.id}: ${check.message}`);
  say.note(`   verdict: ${verdict.status.toUpperCase()}`);

  // The audit: every answer v2 produced in its window, and the payments that rode on one.
  const activations = await readModelTimeline(publicClient as PublicClient, { contract: modelTimeline, logId, modelId });
  const v2Start = activations.activations.find((a) => a.version === v2 && a.kind === "deployment")!.activatedAt;
  const v2End = activations.activations.find((a) => a.activatedAt > v2Start)?.activatedAt ?? (await chainNow());
  const audit = await auditStore(store, { modelId, weightsDigest: v2, from: v2Start, to: v2End });
  const auditIds = new Set(audit.entries.map((e: AuditEntry) => e.receiptId.toLowerCase()));
  const released = await publicClient.getContractEvents({ ...escrow, eventName: "Released", fromBlock: 0n });
  const payments = [];
  for (const event of released) {
    if (!auditIds.has(event.args.receiptId!.toLowerCase())) continue;
    const record = await publicClient.readContract({ ...escrow, functionName: "escrowOf", args: [event.args.escrowId!] });
    payments.push({ escrowId: event.args.escrowId!.toString(), receiptId: event.args.receiptId!, amountWei: record.amount.toString(), txHash: event.transactionHash });
  }
  say.note(`   audit: v2 was active ${new Date(v2Start * 1000).toISOString()} → ${new Date(v2End * 1000).toISOString()}; it produced ${audit.entries.length} answers, ${audit.entries.filter((e) => e.anchor).length} anchored; ${payments.length} payment(s) depended on one`);

  // ------------------------------------------------------------------ 6. outputs
  const files: string[] = [path.relative(options.out, bundleFile)];
  for (const entry of audit.entries.slice(0, 25)) {
    const file = path.join("bundles", `${entry.receiptId}.json`);
    if (files.includes(file)) continue;
    const bundle: ProofBundle = await service.bundle(entry.receiptId);
    await writeFile(path.join(options.out, file), JSON.stringify(toBundleJson(bundle), null, 2) + "\n");
    files.push(file);
  }
  const svg = renderTimelineSvg({
    activations: activations.activations,
    markers: [
      { at: paid.receipt.issuedAt, label: "the paid answer", kind: "receipt" },
      { at: Number(verdict.facts.anchoredAt ?? paid.receipt.issuedAt), label: "anchored", kind: "anchor" },
    ],
    highlight: v2,
    title: `${MODEL_NAME} in log ${logId.slice(0, 10)}…: deployments and rollbacks`,
  });
  await writeFile(path.join(options.out, "timeline.svg"), svg);
  files.push("timeline.svg");
  await writeFile(path.join(options.out, "audit-v2.json"), JSON.stringify({ version: v2, from: v2Start, to: v2End, entries: audit.entries, payments }, null, 2) + "\n");
  files.push("audit-v2.json");
  await bridge.close();
  const lastBatch = await store.lastBatch();
  await service.close();

  const byVersion = { v1: receipts.filter((r) => r.version === "v1").length, v2: receipts.filter((r) => r.version === "v2").length };
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
    receipts: { recorded: receipts.length, anchored: anchoredReceipts, byVersion },
    batches: { count: lastBatch ? lastBatch.index + 1 : 0, anchorTransactions, anchorGas: anchorGas.toString(), retries },
    payment: {
      escrowId: escrowId.toString(),
      receiptId: paid.receipt.receiptId,
      question: paid.raw.question,
      answer: paid.raw.answer,
      amountWei: amountWei.toString(),
      payee: accounts.supplier.address,
      releaseTx,
      batchIndex: paidBundle.anchor.batchIndex,
      gas: { deposit: depositGas.toString(), release: releaseGas.toString() },
    },
    verification: {
      receiptId: paid.receipt.receiptId,
      status: verdict.status,
      activeVersionAtReceipt: verdict.facts.activeVersion as Hex | undefined,
      checks: verdict.checks.map((c) => ({ id: c.id, status: c.status, message: c.message })),
    },
    audit: { version: v2, from: v2Start, to: v2End, receipts: audit.entries.length, anchored: audit.entries.filter((e) => e.anchor).length, paymentsDependingOnThem: payments },
    gasSpent: gasSpent.toString(),
    output: { folder: path.resolve(options.out), files: [...files, "summary.json", "store.sqlite"] },
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

