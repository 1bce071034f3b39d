/**
 * The checks that read the chain: chain id, anchoring contract, anchored root, anchoring
 * transaction, confirmations, anchorer, anchoring delay and model version.
 *
 * Every independent read is started at once (viem batches them into one JSON-RPC request when
 * the transport allows it); the answers are then interpreted one check at a time. A read that
 * fails because the endpoint did not answer makes its check `error` ("could not check"), never
 * `fail`.
 *
 * @module
 */
import {
  encodeAbiParameters,
  getAddress,
  keccak256,
  parseEventLogs,
  TransactionReceiptNotFoundError,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";

import type { ProofBundle } from "../../bundle/types.js";
import { receiptLogsAbi } from "../../contracts/abis.js";
import { duration, errored, fail, isoTime, pass, pending, short, skipped } from "../check.js";
import type { DeploymentsRecord } from "../../deployments/record.js";
import { recordedDeploymentOf, type RecordedDeployment } from "../recordedDeployment.js";
import { describeRpcFailure, isRpcUnavailable } from "../rpcFailure.js";
import { settle, type Settled } from "../settle.js";
import { CHECK_IDS, type Check, type CheckId, type VerdictFacts } from "../verdict.js";
import { checkModelVersion, startModelVersionReads } from "./modelVersion.js";

/** Inputs of {@link runChainChecks}. */
export interface ChainCheckParameters {
  readonly client: PublicClient;
  readonly bundle: ProofBundle;
  readonly minConfirmations: bigint;
  /** Unix seconds: judges whether a batch that is not anchored yet is already overdue. */
  readonly now: number;
  /** Timeline contract to read the model version from (overrides the bundle's). */
  readonly timeline: Address | undefined;
  /** Seconds a receipt's time may be after its anchoring block's time (serving-node clock skew). */
  readonly maxClockSkew: number;
  /** The deployments record to place the contract in (and to find its timeline when the bundle names none). */
  readonly deployments: DeploymentsRecord | undefined;
}

/** Known inputs for the interface probe: a ReceiptLogs contract must answer computeLogId(creator, salt) with their hash. */
const PROBE_CREATOR: Address = "0x000000000000000000000000000000000000dEaD";
const PROBE_SALT: Hex = keccak256(new TextEncoder().encode("showwork/verifier/probe"));
const PROBE_EXPECTED = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [PROBE_CREATOR, PROBE_SALT]));

/** Entries of a log's max-delay history read per call. */
const HISTORY_PAGE = 1024n;

/** Thrown inside a check when a read it needs failed because the endpoint did not answer. */
class Unavailable {
  constructor(readonly error: unknown) {}
}

/** The value of a settled read; throws {@link Unavailable} when the endpoint did not answer, rethrows other errors. */
function need<T>(settled: Settled<T>): T {
  if (settled.ok) return settled.value;
  if (isRpcUnavailable(settled.error)) throw new Unavailable(settled.error);
  throw settled.error;
}

/** The value of a settled read or `undefined` when the chain answered with an error (unavailability still throws). */
function answer<T>(settled: Settled<T>): T | undefined {
  if (settled.ok) return settled.value;
  if (isRpcUnavailable(settled.error)) throw new Unavailable(settled.error);
  return undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 200);
}

/** A BatchAnchored event, decoded. */
interface AnchoredEvent {
  logId: Hex;
  index: bigint;
  root: Hex;
  leafCount: bigint;
  head: Hex;
  anchorer: Address;
}

/** The on-chain checks: the run of {@link CHECK_IDS} from "chain" to "model-version". */
const CHAIN_CHECKS: readonly CheckId[] = CHECK_IDS.slice(CHECK_IDS.indexOf("chain"), CHECK_IDS.indexOf("model-version") + 1);

/** Runs the on-chain checks, in {@link CHAIN_CHECKS} order. */
export async function runChainChecks(params: ChainCheckParameters): Promise<{ checks: Check[]; facts: VerdictFacts }> {
  const { client, bundle, minConfirmations, now, maxClockSkew } = params;
  const { anchor, receipt } = bundle;
  const logs = { address: anchor.contract, abi: receiptLogsAbi } as const;
  const recorded = params.deployments ? recordedDeploymentOf(params.deployments, anchor.chainId, anchor.contract) : undefined;
  const recordedTimeline = recorded?.kind === "current" || recorded?.kind === "previous" ? recorded.modelTimeline : undefined;
  const timelineAddress = params.timeline ?? bundle.timeline?.contract ?? recordedTimeline;
  const facts: VerdictFacts = {
    chainId: anchor.chainId,
    contract: anchor.contract,
    logId: anchor.logId,
    batchIndex: anchor.batchIndex.toString(),
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber.toString(),
    ...(timelineAddress ? { timelineContract: timelineAddress } : {}),
    ...(recorded && recorded.kind !== "unknown-chain" ? { recordedDeployment: describeRecorded(recorded) } : {}),
  };

  // Every read that does not depend on another answer starts now.
  const reads = {
    chainId: settle(() => client.getChainId()),
    code: settle(() => client.getCode({ address: anchor.contract })),
    probe: settle(() => client.readContract({ ...logs, functionName: "computeLogId", args: [PROBE_CREATOR, PROBE_SALT] })),
    logExists: settle(() => client.readContract({ ...logs, functionName: "logExists", args: [anchor.logId] })),
    logSize: settle(() => client.readContract({ ...logs, functionName: "logSize", args: [anchor.logId] })),
    batchRoot: settle(() => client.readContract({ ...logs, functionName: "batchRoot", args: [anchor.logId, BigInt(anchor.batchIndex)] })),
    delayHistory: settle(async () => {
      // One page covers any realistic history; longer ones are read page by page.
      const page = (start: bigint) =>
        client.readContract({ ...logs, functionName: "maxAnchorDelayHistory", args: [anchor.logId, start, HISTORY_PAGE] });
      const history = [...(await page(0n))];
      while (history.length > 0 && BigInt(history.length) % HISTORY_PAGE === 0n) {
        const next = await page(BigInt(history.length));
        if (next.length === 0) break;
        history.push(...next);
      }
      return history;
    }),
    tx: settle(() => client.getTransactionReceipt({ hash: anchor.txHash })),
    block: settle(() => client.getBlock({ blockNumber: BigInt(anchor.blockNumber) })),
    head: settle(() => client.getBlockNumber({ cacheTime: 0 })),
  };
  const modelVersionReads = timelineAddress
    ? startModelVersionReads(client, { timeline: timelineAddress, bundle })
    : undefined;

  const checks: Check[] = [];
  const run = async (id: CheckId, body: () => Check | Promise<Check>): Promise<Check> => {
    let result: Check;
    try {
      result = await body();
    } catch (error) {
      result =
        error instanceof Unavailable
          ? errored(id, `could not check: ${describeRpcFailure(error.error)}`, { code: "rpc-unavailable" })
          : errored(id, `could not check: ${firstLine(error)}`, { code: "read-failed" });
    }
    checks.push(result);
    return result;
  };
  const skipRest = (reason: string, code: string): { checks: Check[]; facts: VerdictFacts } => {
    for (const id of CHAIN_CHECKS.slice(checks.length)) {
      checks.push(code === "rpc-unavailable" ? errored(id, reason, { code }) : skipped(id, reason, code));
    }
    return { checks, facts };
  };

  // chain
  const chain = await run("chain", async () => {
    const chainId = need(await reads.chainId);
    return chainId === anchor.chainId
      ? pass("chain", `the RPC endpoint serves chain ${chainId}`, { expected: anchor.chainId, found: chainId })
      : fail("chain", `the bundle names chain ${anchor.chainId} but the RPC endpoint serves chain ${chainId}: use an endpoint of chain ${anchor.chainId} (or the bundle's chain id was changed)`, {
          expected: anchor.chainId,
          found: chainId,
          code: "wrong-chain",
        });
  });
  if (chain.status === "error") return skipRest(chain.message, "rpc-unavailable");
  if (chain.status !== "pass") return skipRest("not checked: the RPC endpoint serves another chain", "prerequisite");

  // contract
  const contract = await run("contract", async () => {
    const code = need(await reads.code);
    if (code === undefined || code === "0x") {
      return fail("contract", `there is no contract at ${anchor.contract} on chain ${anchor.chainId}`, {
        expected: "ReceiptLogs contract code",
        found: "no code",
        code: "no-code",
      });
    }
    const probe = answer(await reads.probe);
    if (probe?.toLowerCase() !== PROBE_EXPECTED) {
      return fail("contract", `the contract at ${anchor.contract} does not answer the ReceiptLogs interface: it is not the anchoring contract`, {
        expected: `computeLogId(${PROBE_CREATOR}, probe salt) = ${PROBE_EXPECTED}`,
        found: probe ?? "a revert or no return data",
        code: "not-receipt-logs",
      });
    }
    const where = recorded && recorded.kind !== "unknown-chain" ? `; ${describeRecorded(recorded)}` : "";
    return pass("contract", `the contract at ${anchor.contract} answers the ReceiptLogs interface (${(code.length - 2) / 2} bytes of code)${where}`, {
      expected: "ReceiptLogs",
      found: "ReceiptLogs interface",
    });
  });
  if (contract.status === "error") return skipRest(contract.message, "rpc-unavailable");
  if (contract.status !== "pass") return skipRest("not checked: the address is not the anchoring contract", "prerequisite");

  // batch-root
  const batchRoot = await run("batch-root", async () => {
    if (!need(await reads.logExists)) {
      return fail("batch-root", `log ${anchor.logId} does not exist in this contract (the log id was changed?)`, {
        expected: `log ${anchor.logId}`,
        found: "no such log",
        code: "unknown-log",
      });
    }
    const root = need(await reads.batchRoot);
    const size = need(await reads.logSize);
    if (root === zeroHash) {
      return pending("batch-root", `batch ${anchor.batchIndex} is not anchored (yet): the log has ${size} batches`, {
        expected: bundle.root,
        found: `not anchored (log size ${size})`,
        code: "not-anchored",
      });
    }
    return root.toLowerCase() === bundle.root.toLowerCase()
      ? pass("batch-root", `batch ${anchor.batchIndex} of the log holds the bundle's root`, { expected: bundle.root, found: root })
      : fail("batch-root", `batch ${anchor.batchIndex} of the log holds another root: the root, the log id or the batch index was changed`, {
          expected: bundle.root,
          found: root,
          code: "mismatch",
        });
  });

  // transaction
  let event: AnchoredEvent | undefined;
  let anchoredAt = 0;
  let txReceipt: TransactionReceipt | undefined;
  const transaction = await run("transaction", async () => {
    const tx = await reads.tx;
    if (!tx.ok && tx.error instanceof TransactionReceiptNotFoundError) {
      return batchRoot.status === "pending"
        ? pending("transaction", `transaction ${anchor.txHash} is not mined (yet)`, { expected: anchor.txHash, found: "not found", code: "not-mined" })
        : fail("transaction", `transaction ${anchor.txHash} does not exist on chain ${anchor.chainId}`, {
            expected: anchor.txHash,
            found: "no such transaction",
            code: "tx-not-found",
          });
    }
    txReceipt = need(tx);
    if (txReceipt.status !== "success") {
      return fail("transaction", `transaction ${anchor.txHash} reverted: it anchored nothing`, { expected: "success", found: txReceipt.status, code: "reverted" });
    }
    const events = parseEventLogs({ abi: receiptLogsAbi, eventName: "BatchAnchored", logs: txReceipt.logs, strict: true }).filter(
      (log) => log.address.toLowerCase() === anchor.contract.toLowerCase(),
    );
    const decoded: AnchoredEvent[] = events.map((log) => log.args);
    const match = decoded.find((e) => e.logId.toLowerCase() === anchor.logId.toLowerCase() && e.index === BigInt(anchor.batchIndex));
    const wanted = `BatchAnchored(log ${short(anchor.logId)}, batch ${anchor.batchIndex})`;
    if (!match) {
      const found = decoded.length === 0 ? "no BatchAnchored event from this contract" : decoded.map((e) => `BatchAnchored(log ${short(e.logId)}, batch ${e.index})`).join(", ");
      return fail("transaction", `transaction ${short(anchor.txHash)} did not anchor batch ${anchor.batchIndex} of this log: the transaction hash, log id or batch index was changed`, {
        expected: wanted,
        found,
        code: "event-mismatch",
      });
    }
    event = match;
    if (match.root.toLowerCase() !== bundle.root.toLowerCase()) {
      return fail("transaction", "the transaction anchored another root for this batch", { expected: bundle.root, found: match.root, code: "root-mismatch" });
    }
    if (match.leafCount !== BigInt(bundle.batchSize)) {
      return fail("transaction", `the transaction anchored a batch of ${match.leafCount} receipts, the bundle says ${bundle.batchSize}`, {
        expected: `${bundle.batchSize} receipts`,
        found: `${match.leafCount} receipts`,
        code: "leaf-count-mismatch",
      });
    }
    if (txReceipt.blockNumber !== BigInt(anchor.blockNumber)) {
      return fail("transaction", `the transaction is in block ${txReceipt.blockNumber}, the bundle says block ${anchor.blockNumber}`, {
        expected: `block ${anchor.blockNumber}`,
        found: `block ${txReceipt.blockNumber}`,
        code: "block-mismatch",
      });
    }
    const block = need(await reads.block);
    if (block.hash !== txReceipt.blockHash) {
      return fail("transaction", `block ${anchor.blockNumber} is not the block that includes the transaction (reorganised?)`, {
        expected: txReceipt.blockHash,
        found: block.hash ?? "no hash",
        code: "block-mismatch",
      });
    }
    anchoredAt = Number(block.timestamp);
    facts.anchoredAt = anchoredAt;
    facts.anchorer = match.anchorer;
    return pass("transaction", `anchored by transaction ${short(anchor.txHash)} in block ${txReceipt.blockNumber} at ${isoTime(anchoredAt)}`, {
      expected: `${wanted} in block ${anchor.blockNumber}`,
      found: `${wanted} in block ${txReceipt.blockNumber} at ${isoTime(anchoredAt)}`,
    });
  });
  const anchored = transaction.status === "pass" && event !== undefined && txReceipt !== undefined;

  // Reads that depend on the anchoring transaction.
  const anchorerReads =
    anchored && event && txReceipt
      ? {
          atBlock: settle(() =>
            client.readContract({ ...logs, functionName: "isAnchorer", args: [anchor.logId, event!.anchorer], blockNumber: txReceipt!.blockNumber }),
          ),
          latest: settle(() => client.readContract({ ...logs, functionName: "isAnchorer", args: [anchor.logId, event!.anchorer] })),
        }
      : undefined;

  // confirmations
  await run("confirmations", async () => {
    if (transaction.status === "pending") {
      return pending("confirmations", "not anchored yet: no confirmations", { expected: `≥ ${minConfirmations}`, found: 0, code: "not-anchored" });
    }
    if (!anchored || !txReceipt) return skipped("confirmations", "not checked: the anchoring transaction did not check out", "prerequisite");
    const head = need(await reads.head);
    const confirmations = head >= txReceipt.blockNumber ? head - txReceipt.blockNumber + 1n : 0n;
    facts.confirmations = confirmations.toString();
    const detail = { expected: `≥ ${minConfirmations}`, found: confirmations };
    return confirmations >= minConfirmations
      ? pass("confirmations", `${confirmations} confirmation${confirmations === 1n ? "" : "s"} (minimum ${minConfirmations})`, detail)
      : pending("confirmations", `${confirmations} of ${minConfirmations} confirmations so far: not final yet`, { ...detail, code: "not-final" });
  });

  // anchorer
  await run("anchorer", async () => {
    if (transaction.status === "pending") return pending("anchorer", "not anchored yet", { code: "not-anchored" });
    if (!anchorerReads || !event || !txReceipt) return skipped("anchorer", "not checked: the anchoring transaction did not check out", "prerequisite");
    const atBlock = await anchorerReads.atBlock;
    const latest = need(await anchorerReads.latest);
    let authorised: boolean;
    let when: string;
    if (atBlock.ok) {
      authorised = atBlock.value;
      when = `at block ${txReceipt.blockNumber}`;
    } else if (isRpcUnavailable(atBlock.error)) {
      throw new Unavailable(atBlock.error);
    } else {
      // The endpoint keeps no state that old: the contract only lets authorised accounts anchor,
      // so the event itself proves the authorisation; report today's state.
      authorised = true;
      when = `at block ${txReceipt.blockNumber} (the contract admits only authorised anchorers; this endpoint keeps no state that old)`;
    }
    const now = latest ? "still authorised" : "authorisation revoked since";
    const detail = { expected: "an authorised anchorer of the log", found: `${event.anchorer} (${authorised ? "authorised" : "not authorised"} ${when}; ${now})` };
    return authorised
      ? pass("anchorer", `anchored by ${event.anchorer}, an authorised anchorer of the log ${when}; ${now}`, detail)
      : fail("anchorer", `${event.anchorer} was not an authorised anchorer of the log ${when}`, { ...detail, code: "unauthorised" });
  });

  // anchor-delay
  await run("anchor-delay", async () => {
    if (transaction.status !== "pending" && !anchored) {
      return skipped("anchor-delay", "not checked: the anchoring transaction did not check out", "prerequisite");
    }
    const history = need(await reads.delayHistory);
    const issuedAt = receipt.issuedAt;
    if (transaction.status === "pending") {
      const strictest = strictestDelay(history, issuedAt, now);
      const waited = now - issuedAt;
      if (strictest !== undefined && waited > strictest) {
        return fail("anchor-delay", `not anchored ${duration(waited)} after the receipt's time, but the log promises at most ${duration(strictest)}: overdue`, {
          expected: `anchored within ${strictest} s`,
          found: `not anchored after ${waited} s`,
          code: "overdue",
        });
      }
      return pending("anchor-delay", `not anchored yet (${duration(waited)} after the receipt's time)`, { code: "not-anchored" });
    }
    if (!event) return skipped("anchor-delay", "not checked: the anchoring transaction did not check out", "prerequisite");
    const delay = anchoredAt - issuedAt;
    facts.anchorDelay = delay;
    const strictest = strictestDelay(history, issuedAt, anchoredAt);
    if (strictest !== undefined) facts.maxAnchorDelay = strictest;
    if (delay < -maxClockSkew) {
      return fail("anchor-delay", `the receipt's time (${isoTime(issuedAt)}) is ${duration(-delay)} after its batch was anchored (${isoTime(anchoredAt)}): the receipt's time was changed or is false`, {
        expected: `issuedAt ≤ anchoring time ${anchoredAt} (+${maxClockSkew} s clock skew)`,
        found: `issuedAt ${issuedAt}`,
        code: "receipt-after-anchor",
      });
    }
    if (strictest === undefined) {
      return pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time; the log declares no maximum delay`, {
        expected: "no maximum declared",
        found: `${delay} s`,
      });
    }
    return delay <= strictest
      ? pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time, within the log's declared maximum of ${duration(strictest)}`, {
          expected: `≤ ${strictest} s`,
          found: `${delay} s`,
        })
      : fail("anchor-delay", `anchored ${duration(delay)} after the receipt's time, later than the log's declared maximum of ${duration(strictest)}: late`, {
          expected: `≤ ${strictest} s`,
          found: `${delay} s`,
          code: "late",
        });
  });

  // model-version
  await run("model-version", async () => {
    if (!modelVersionReads || !timelineAddress) {
      return skipped(
        "model-version",
        "no timeline contract: the bundle names none and the deployments record has none for this contract (pass a timeline contract address to check the model version)",
      );
    }
    try {
      return await checkModelVersion(modelVersionReads, { bundle, facts, timeline: getAddress(timelineAddress) });
    } catch (error) {
      if (isRpcUnavailable(error)) throw new Unavailable(error);
      throw error;
    }
  });

  return { checks, facts };
}

/**
 * The strictest (smallest non-zero) maximum delay in force at any moment of `[from, to]`, from a
 * log's history (oldest first); `undefined` when the log declared no maximum during that window.
 * An entry is in force from its `since` until the next entry's `since`.
 */
export function strictestDelay(history: readonly { since: bigint | number; maxAnchorDelay: number }[], from: number, to: number): number | undefined {
  let strictest: number | undefined;
  for (let i = 0; i < history.length; i++) {
    const entry = history[i]!;
    const next = history[i + 1];
    const start = Number(entry.since);
    const end = next === undefined ? Number.POSITIVE_INFINITY : Number(next.since);
    if (end <= start) continue; // replaced within the same second: never in force
    // In force during [start, end); the first entry also covers any time before the log existed.
    const overlaps = (i === 0 || start <= to) && end > from;
    if (overlaps && entry.maxAnchorDelay > 0) strictest = strictest === undefined ? entry.maxAnchorDelay : Math.min(strictest, entry.maxAnchorDelay);
  }
  return strictest;
}

function describeRecorded(recorded: Exclude<RecordedDeployment, { kind: "unknown-chain" }>): string {
  if (recorded.kind === "other") return `not the ReceiptLogs recorded for ${recorded.chainName} (${recorded.recorded}): an independent deployment`;
  return recorded.kind === "current"
    ? `the showwork deployment recorded for ${recorded.chainName}`
    : `an earlier showwork deployment recorded for ${recorded.chainName}`;
}
