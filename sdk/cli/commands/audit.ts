/**
 * `showwork audit --model M --version V --from T1 --to T2`: every receipt one model version
 * produced in a time window, each with its anchor — the question people ask right after a rollback.
 * Two sources: the operator's store (`--store`, the default), or — for anyone — the published
 * batches plus the chain (`--source URL|DIR --rpc URL --log LOG_ID`): then every answer comes with
 * its proof bundle, and the gaps that could hide answers are listed (exit 1 when there are any).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, http, type Address, type Hex } from "viem";

import { toBundleJson } from "../../bundle/parseBundle.js";
import { BatchTreeCache } from "../../service/batchTree.js";
import { bundleOfStoredReceipt } from "../../service/bundles.js";
import { RECEIPT_STATES, hasProof, type ReceiptState } from "../../service/states.js";
import { isPostgresUrl, openStore } from "../../service/store/open.js";
import type { ReceiptStore, StoreBinding, StoredReceipt } from "../../service/store/types.js";
import { readModelTimeline } from "../../timeline/readModelTimeline.js";
import { isoTime } from "../../verify/check.js";
import { addressArgument, bytes32Argument, modelArgument, nonNegativeInteger, rpcUrlArgument, timeArgument } from "../commandOptions.js";
import { addWitnessOptions, monitorParameters, publicLogClient, witnessLogs, type WitnessSpec } from "./monitor.js";
import { AUDIT_CANNOT_COVER, auditPublished } from "../../monitor/auditPublished.js";
import { printable } from "../../text/display.js";
import { LogReader } from "../../monitor/chain.js";
import { DEFAULT_STORE } from "../serviceOptions.js";

interface AuditOptions {
  source?: string;
  log?: Hex;
  contract?: Address;
  timeout: number;
  model: string;
  version: string;
  from?: number;
  to?: number;
  store: string;
  rpc?: string;
  timeline?: Address;
  bundles?: string;
  json?: boolean;
  pageBlocks: number;
  fromBlock?: number;
  witness?: WitnessSpec[];
  witnessGrace: number;
}

/** One audited receipt. */
export interface AuditEntry {
  readonly receiptId: Hex;
  readonly issuedAt: number;
  readonly state: ReceiptState;
  readonly batchIndex?: number;
  readonly leafIndex?: number;
  readonly batchSize?: number;
  readonly anchor?: { chainId: number; contract: Address; logId: Hex; txHash: Hex; blockNumber: number };
}

/**
 * The receipts of one model version issued in [from, to], from a store, by recording order: one entry each,
 * a page of up to 1,000 at a time with the stored receipts of that page (bodies, batch records). Memory
 * holds one page: a caller that writes the entries out as they come never holds the whole window
 * (entries of one batch share their anchor object).
 */
export async function* auditPages(
  store: ReceiptStore,
  query: { modelId: Hex; weightsDigest: Hex; from: number; to: number },
  binding: StoreBinding | undefined,
): AsyncGenerator<{ entries: AuditEntry[]; receipts: StoredReceipt[] }> {
  const anchors = new Map<number, NonNullable<AuditEntry["anchor"]>>();
  const anchorOf = (batch: NonNullable<StoredReceipt["batch"]>, anchor: NonNullable<NonNullable<StoredReceipt["batch"]>["anchor"]>, bound: StoreBinding): NonNullable<AuditEntry["anchor"]> => {
    let shared = anchors.get(batch.index);
    if (shared === undefined || shared.txHash !== anchor.txHash) {
      shared = { chainId: bound.chainId, contract: bound.contract, logId: bound.logId, txHash: anchor.txHash, blockNumber: anchor.blockNumber };
      anchors.set(batch.index, shared);
    }
    return shared;
  };
  for (let afterSeq = 0; ; ) {
    const page = await store.listReceipts({
      modelId: query.modelId,
      weightsDigest: query.weightsDigest,
      issuedFrom: query.from,
      issuedTo: query.to,
      afterSeq,
      limit: 1000,
    });
    const entries = page.map((receipt): AuditEntry => {
      const { issuedAt } = JSON.parse(receipt.body) as { issuedAt: number };
      const batch = receipt.batch;
      return {
        receiptId: receipt.receiptId,
        issuedAt,
        state: receipt.state,
        ...(batch ? { batchIndex: batch.index, leafIndex: receipt.leafIndex, batchSize: batch.leafCount } : {}),
        ...(batch?.anchor && binding && hasProof(receipt.state) ? { anchor: anchorOf(batch, batch.anchor, binding) } : {}),
      };
    });
    if (page.length > 0) yield { entries, receipts: page };
    if (page.length < 1000) break;
    afterSeq = page[page.length - 1]!.seq;
  }
}

/**
 * The receipts of one model version issued in [from, to], from a store, by recording order: every entry
 * (see {@link auditPages}). The stored receipts themselves are kept only with `keepReceipts` (for writing
 * their bundles); without it memory holds the entries alone.
 */
export async function auditStore(
  store: ReceiptStore,
  query: { modelId: Hex; weightsDigest: Hex; from: number; to: number },
  options: { keepReceipts?: boolean } = {},
): Promise<{ binding: StoreBinding | undefined; entries: AuditEntry[]; receipts: StoredReceipt[] }> {
  const binding = await store.getBinding();
  const receipts: StoredReceipt[] = [];
  const entries: AuditEntry[] = [];
  for await (const page of auditPages(store, query, binding)) {
    entries.push(...page.entries);
    if (options.keepReceipts === true) receipts.push(...page.receipts);
  }
  return { binding, entries, receipts };
}

/** Resolves `--version`: a weights digest, or a version number / label (`2`, `v2`) looked up in the timeline. */
async function resolveVersion(options: AuditOptions, modelId: Hex, binding: StoreBinding | undefined): Promise<{ digest: Hex; label?: string }> {
  if (/^0x[0-9a-fA-F]{64}$/.test(options.version)) return { digest: options.version.toLowerCase() as Hex };
  const number = /^v?(\d+)$/.exec(options.version)?.[1];
  if (number === undefined) throw new InvalidArgumentError(`--version: expected a weights digest (0x + 64 hex digits) or a version number like v2, found "${options.version}"`);
  if (!options.rpc || !options.timeline || !binding) {
    throw new InvalidArgumentError("--version v<N> is looked up in the model's timeline: give --rpc and --timeline (and a store bound to a log), or pass the weights digest");
  }
  const client = createPublicClient({ transport: http(options.rpc, { timeout: 10_000, retryCount: 1 }) });
  const view = await readModelTimeline(client, { contract: options.timeline, logId: binding.logId, modelId });
  const match = view.activations.find((a) => a.versionNumber === Number(number));
  if (!match) throw new InvalidArgumentError(`--version: v${number} was never activated in this model's timeline (${view.activations.length} activations)`);
  return { digest: match.version, label: `v${number}` };
}

/** `showwork audit`. */
export function auditCommand(): Command {
  const command = new Command("audit")
    .description("list the receipts a model version produced in a time window (from the operator's store), each with its anchor")
    .addOption(new Option("--model <model>", "the model's name (or its id, 0x + 64 hex digits)").makeOptionMandatory())
    .addOption(new Option("--version <version>", "the version: its weights digest, or vN (looked up in the timeline with --rpc and --timeline)").makeOptionMandatory())
    .addOption(new Option("--from <time>", "issued at or after (unix seconds or ISO-8601; default: the beginning)").argParser(timeArgument))
    .addOption(new Option("--to <time>", "issued at or before (unix seconds or ISO-8601; default: now)").argParser(timeArgument))
    .addOption(new Option("--store <path|url>", "the operator's store (SQLite file, or postgres:// URL)").env("SHOWWORK_STORE").default(DEFAULT_STORE))
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint (only to look up --version vN)").env("SHOWWORK_RPC_URL").argParser(rpcUrlArgument))
    .addOption(new Option("--timeline <address>", "ModelTimeline contract (only to look up --version vN)").env("SHOWWORK_MODEL_TIMELINE").argParser(addressArgument))
    .addOption(new Option("--bundles <dir>", "also write the proof bundle of every anchored receipt into this folder"))
    .addOption(new Option("--source <url|dir>", "public audit: the published log (a base URL or a folder from showwork publish) instead of the store"))
    .addOption(new Option("--log <logId>", "public audit: the log's id").argParser(bytes32Argument))
    .addOption(new Option("--contract <address>", "public audit: the ReceiptLogs contract (default: the deployments record's)").env("SHOWWORK_RECEIPT_LOGS").argParser(addressArgument))
    .addOption(new Option("--timeout <ms>", "public audit: per-request timeout, ms").argParser(nonNegativeInteger).default(30_000))
    .addOption(new Option("--page-blocks <n>", "public audit: blocks per eth_getLogs request (providers cap the range)").argParser(nonNegativeInteger).default(10_000))
    .addOption(new Option("--from-block <n>", "public audit: search the log's creation (and the witnesses' events) from this block").argParser(nonNegativeInteger))
    .addOption(new Option("--json", "print the result as JSON"));
  return addWitnessOptions(command)
    .action(async (options: AuditOptions) => {
      if (options.source !== undefined) {
        await publicAudit(options);
        return;
      }
      if (!isPostgresUrl(options.store) && !existsSync(options.store)) throw new InvalidArgumentError(`--store: no store at ${options.store}`);
      const model = modelArgument(options.model);
      const store = await openStore(options.store, { readOnly: true });
      try {
        const version = await resolveVersion(options, model.modelId, await store.getBinding());
        const from = options.from ?? 0;
        const to = options.to ?? Math.floor(Date.now() / 1000);
        const { binding, entries, receipts } = await auditStore(store, { modelId: model.modelId, weightsDigest: version.digest, from, to }, { keepReceipts: Boolean(options.bundles) });
        const written: string[] = [];
        if (options.bundles && binding) {
          await mkdir(options.bundles, { recursive: true });
          const trees = new BatchTreeCache();
          for (const receipt of receipts) {
            if (!hasProof(receipt.state)) continue;
            const bundle = await bundleOfStoredReceipt({ store, binding, trees, receipt, timelineContract: options.timeline });
            const file = path.join(options.bundles, `${receipt.receiptId}.bundle.json`);
            await writeFile(file, `${JSON.stringify(toBundleJson(bundle), null, 2)}\n`);
            written.push(file);
          }
        }
        const counts = Object.fromEntries(RECEIPT_STATES.map((state) => [state, entries.filter((e) => e.state === state).length]));
        if (options.json) {
          const query = { modelId: model.modelId, ...(model.name ? { model: model.name } : {}), weightsDigest: version.digest, from, to };
          process.stdout.write(`${JSON.stringify({ query, store: store.location, count: entries.length, states: counts, receipts: entries, bundles: written }, null, 2)}\n`);
          return;
        }
        const lines = [
          `${model.name ?? model.modelId} ${version.label ?? ""}${version.label ? " " : ""}(${version.digest}): ${entries.length} receipt${entries.length === 1 ? "" : "s"} issued ${isoTime(from)} .. ${isoTime(to)} (store ${store.location})`,
        ];
        for (const e of entries) {
          const where =
            e.batchIndex === undefined
              ? "not in a batch yet"
              : `batch ${e.batchIndex} leaf ${e.leafIndex}/${e.batchSize}` +
                (e.anchor ? `  anchored: chain ${e.anchor.chainId} block ${e.anchor.blockNumber} tx ${e.anchor.txHash}` : "  not anchored yet");
          lines.push(`${e.receiptId}  ${isoTime(e.issuedAt)}  ${e.state.padEnd(9)}  ${where}`);
        }
        lines.push(`by state: ${RECEIPT_STATES.filter((s) => counts[s]! > 0).map((s) => `${s} ${counts[s]}`).join(", ") || "none"}`);
        if (written.length > 0) lines.push(`wrote ${written.length} proof bundle${written.length === 1 ? "" : "s"} into ${options.bundles}`);
        process.stdout.write(`${lines.join("\n")}\n`);
      } finally {
        await store.close();
      }
    });
}

/**
 * `showwork audit --source …`: the public audit, from published batches and the chain only. Exit 0 complete, 1 answers
 * may be missing (gaps, withheld, altered or unreadable batches, a head that does not recompute), 2 could not check
 * (something unchecked, or nothing could be read).
 */
async function publicAudit(options: AuditOptions): Promise<void> {
  if (!options.rpc || !options.log) {
    process.stderr.write("showwork audit: --source needs --rpc <url> and --log <logId> (the public audit reads the chain, not a store)\n");
    process.exitCode = 2;
    return;
  }
  const model = modelArgument(options.model);
  const logOptions = {
    rpc: options.rpc,
    log: options.log,
    source: options.source!,
    confirmations: 0,
    pageBlocks: Math.max(1, options.pageBlocks),
    signatures: true,
    timeout: options.timeout,
    ...(options.fromBlock === undefined ? {} : { fromBlock: options.fromBlock }),
    ...(options.contract ? { contract: options.contract } : {}),
    ...(options.timeline ? { timeline: options.timeline } : {}),
  };
  const witnesses = witnessLogs(options.witness ?? [], options.timeout);
  let result;
  let version: { digest: Hex; label?: string };
  let from: number;
  let to: number;
  try {
    const { client, contract } = await publicLogClient(logOptions);
    version = { digest: options.version.toLowerCase() as Hex };
    if (!/^0x[0-9a-fA-F]{64}$/.test(options.version)) {
      const number = /^v?(\d+)$/.exec(options.version)?.[1];
      if (number === undefined) throw new InvalidArgumentError(`--version: expected a weights digest (0x + 64 hex digits) or a version number like v2, found "${options.version}"`);
      const reader = new LogReader(client, { contract, logId: options.log, blockNumber: await client.getBlockNumber({ cacheTime: 0 }) });
      const timeline = (await reader.boundTimeline()) ?? options.timeline;
      if (!timeline) throw new InvalidArgumentError("--version vN: the log has no bound timeline to look it up in; pass the weights digest");
      const untrusted = await reader.untrustedTimeline(timeline);
      if (untrusted !== undefined) throw new InvalidArgumentError(`--version vN: the log's timeline cannot be trusted (${untrusted}); pass the weights digest`);
      const view = await reader.timeline(timeline, model.modelId);
      const match = view.activations.find((a) => a.versionNumber === Number(number));
      if (!match) throw new InvalidArgumentError(`--version: v${number} was never activated in this model's timeline (${view.activations.length} activations)`);
      version = { digest: match.version.toLowerCase() as Hex, label: `v${number}` };
    }
    from = options.from ?? 0;
    to = options.to ?? Math.floor(Date.now() / 1000);
    result = await auditPublished({
      ...monitorParameters(logOptions, client, contract),
      modelId: model.modelId,
      weightsDigest: version.digest,
      from,
      to,
      ...(witnesses.length === 0 ? {} : { witnesses, witnessGrace: options.witnessGrace }),
    });
  } catch (error) {
    process.stderr.write(`showwork audit: could not audit the published log: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const written: string[] = [];
  if (options.bundles) {
    await mkdir(options.bundles, { recursive: true });
    for (const bundle of result.bundles) {
      const file = path.join(options.bundles, `${bundle.receipt.receiptId}.bundle.json`);
      await writeFile(file, `${JSON.stringify(toBundleJson(bundle), null, 2)}\n`);
      written.push(file);
    }
  }
  const complete = result.complete;
  const output = {
    query: { modelId: model.modelId, ...(model.name ? { model: model.name } : {}), weightsDigest: version.digest, from, to },
    source: options.source,
    logId: result.report.logId,
    chainId: result.report.chainId,
    contract: result.report.contract,
    block: result.report.block,
    complete,
    incomplete: result.incomplete,
    cannotCover: AUDIT_CANNOT_COVER,
    count: result.entries.length,
    receipts: result.entries,
    gaps: result.gaps,
    withheldBatches: result.withheldBatches,
    monitor: { status: result.report.status, findingCounts: result.report.findingCounts, unchecked: result.report.unchecked },
    ...(result.crossChain === undefined ? {} : { chains: result.crossChain.chains, crossChain: { findings: result.crossChain.findings, unchecked: result.crossChain.unchecked } }),
    bundles: written,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    const lines = [
      `${printable(model.name ?? model.modelId)} ${version.label ?? ""}${version.label ? " " : ""}(${version.digest}): ${result.entries.length} answer${result.entries.length === 1 ? "" : "s"} issued ${isoTime(from)} .. ${isoTime(to)} (published log ${result.report.logId} at ${options.source}, chain ${result.report.chainId} block ${result.report.block})`,
    ];
    for (const e of result.entries) {
      const also = e.alsoOn === undefined ? "" : e.alsoOn.length === 0 ? "  on no other chain" : `  also on ${e.alsoOn.map((w) => `${printable(w.name)} (index ${w.batchIndex}, block ${w.blockNumber})`).join(", ")}`;
      lines.push(`${e.receiptId}  ${isoTime(e.issuedAt)}  node ${e.servingNode} #${e.sequence}  batch ${e.batchIndex} leaf ${e.leafIndex}/${e.batchSize}  anchored block ${e.anchor.blockNumber} tx ${e.anchor.txHash}${also}${e.activeThen === false ? "  NOT the active version then" : e.activeThen === undefined ? "  version not decided (see unchecked)" : ""}`);
    }
    for (const c of result.crossChain?.chains ?? []) lines.push(`chain ${printable(c.name)}: ${c.size} batches, ${c.compared} compared, ${c.missing} missing, ${c.disagreeing} with another root`);
    for (const f of result.crossChain?.findings ?? []) lines.push(`${f.kind === "chain-disagreement" ? "CHAINS DISAGREE" : "WITHHELD ON A CHAIN"}: ${printable(f.message)}`);
    for (const g of result.gaps) lines.push(`GAP: ${printable(g.message)}`);
    if (result.withheldBatches.length) lines.push(`WITHHELD: batches ${result.withheldBatches.join(", ")} are anchored but not published, or published altered or unreadable: their answers cannot be listed`);
    lines.push(
      complete
        ? `complete: no gap, no withheld or altered batch, the head recomputed, nothing unchecked in the window; ${AUDIT_CANNOT_COVER}`
        : `INCOMPLETE: answers may be missing from this list: ${result.incomplete.map(printable).join("; ")}`,
    );
    if (written.length > 0) lines.push(`wrote ${written.length} proof bundle${written.length === 1 ? "" : "s"} into ${options.bundles}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  process.exitCode = complete ? 0 : result.incompleteKind === "unchecked" ? 2 : 1;
}
