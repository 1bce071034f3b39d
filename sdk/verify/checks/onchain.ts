/**
 * The checks that read the chain: chain id, anchoring contract (its code), anchored root,
 * anchoring transaction, confirmations, anchorer, anchoring delay, model version (in the
 * timeline bound to the log), the serving node's authorisation, and the caller's pins.
 *
 * Every independent read is started at once (viem batches them into one JSON-RPC request when
 * the transport allows it); the answers are then interpreted one check at a time. A read that
 * fails because the endpoint did not answer makes its check `error` ("could not check"), never
 * `fail`.
 *
 * @module
 */
import {
  getAddress,
  parseEventLogs,
  TransactionReceiptNotFoundError,
  zeroAddress,
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
import { strictestDelay } from "../anchorDelay.js";
import { expectedAnchorRoot } from "../commitment.js";
import { delayBoundOf } from "../modelVersionRule.js";
import { judgeCompromise, type SignerCompromiseReport } from "../compromise.js";
import { codeHashOf, matchShowworkCode } from "../contractCode.js";
import { describeDisagreement } from "../endpoints.js";
import { couldNotCheck, disagreementIn, need, Unavailable } from "../reads.js";
import { recordedDeploymentOf, type RecordedDeployment } from "../recordedDeployment.js";
import { describeRpcFailure } from "../rpcFailure.js";
import { settle } from "../settle.js";
import { CHECK_IDS, type Check, type CheckId, type TrustPins, type VerdictFacts } from "../verdict.js";
import { checkModelVersion } from "./modelVersion.js";

/** Inputs of {@link runChainChecks}. */
export interface ChainCheckParameters {
  readonly client: PublicClient;
  readonly bundle: ProofBundle;
  readonly minConfirmations: bigint;
  /** Unix seconds: judges whether a batch that is not anchored yet is already overdue. */
  readonly now: number;
  /** Seconds a receipt's time may be after its anchoring block's time (serving-node clock skew). */
  readonly maxClockSkew: number;
  /** The deployments record to place the contract in (reported, not trusted: the code is what is checked). */
  readonly deployments: DeploymentsRecord | undefined;
  /** Logs and operators the caller trusts. */
  readonly trust: TrustPins | undefined;
  /** Caps on what hostile contracts can make the verifier read. */
  readonly limits: VerifyLimits;
  /** An earlier anchoring of the same batch that the caller accepted on another chain (see {@link EarlierAnchoring}). */
  readonly earlierAnchoring?: EarlierAnchoring | undefined;
}

/**
 * An earlier anchoring of the same batch, accepted by the caller on another chain (`verifyBundleOnChains`: the earliest
 * anchoring time its policy accepts). When it is earlier than this chain's anchoring block, the time-dependent checks
 * (anchor delay, model version, a compromised key's cut-off time) judge the receipt at that time: the batch provably
 * existed then. This chain still proves its own root, transaction, confirmations and anchorer.
 */
export interface EarlierAnchoring {
  /** Unix seconds. */
  readonly at: number;
  /** Where, as the verdict says it ("l2 (chain 10)"). */
  readonly on: string;
}

/** Caps on reads a hostile contract could inflate (see `verifyBundle({ limits })`). */
export interface VerifyLimits {
  /** Entries of a log's max-delay history read at most (default {@link MAX_DELAY_HISTORY}). */
  readonly maxDelayHistory: number;
  /** Timeline entries read at most between a receipt's time and its anchoring (default 64). */
  readonly maxSpanActivations: number;
}

/** Entries of a log's max-delay history read per call. */
const HISTORY_PAGE = 256n;
/** The most max-delay history entries read at all: a hostile or careless admin cannot make the verifier loop. */
export const MAX_DELAY_HISTORY = 4096;

/** A verification that cannot finish: the history read is longer than {@link MAX_DELAY_HISTORY}. */
class TooLong extends Error {}

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

export { strictestDelay } from "../anchorDelay.js";

/** The on-chain checks: the run of {@link CHECK_IDS} from "chain" to "pinned". */
export const CHAIN_CHECKS: readonly CheckId[] = CHECK_IDS.slice(CHECK_IDS.indexOf("chain"), CHECK_IDS.indexOf("pinned") + 1);

/** Runs the on-chain checks, in {@link CHAIN_CHECKS} order. */
export async function runChainChecks(params: ChainCheckParameters): Promise<{ checks: Check[]; facts: VerdictFacts }> {
  const { client, bundle, minConfirmations, now, maxClockSkew } = params;
  const { anchor, receipt } = bundle;
  const logs = { address: anchor.contract, abi: receiptLogsAbi } as const;
  const recorded = params.deployments ? recordedDeploymentOf(params.deployments, anchor.chainId, anchor.contract) : undefined;
  const facts: VerdictFacts = {
    chainId: anchor.chainId,
    contract: anchor.contract,
    logId: anchor.logId,
    batchIndex: anchor.batchIndex.toString(),
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber.toString(),
    servingNode: receipt.servingNode,
    ...(recorded && recorded.kind !== "unknown-chain" ? { recordedDeployment: describeRecorded(recorded) } : {}),
  };

  // Every read that does not depend on another answer starts now.
  const reads = {
    chainId: settle(() => client.getChainId()),
    code: settle(() => client.getCode({ address: anchor.contract })),
    logExists: settle(() => client.readContract({ ...logs, functionName: "logExists", args: [anchor.logId] })),
    logSize: settle(() => client.readContract({ ...logs, functionName: "logSize", args: [anchor.logId] })),
    batchRoot: settle(() => client.readContract({ ...logs, functionName: "batchRoot", args: [anchor.logId, BigInt(anchor.batchIndex)] })),
    delayHistory: settle(async () => {
      // One page covers any realistic history; longer ones are read page by page, up to the cap.
      const cap = params.limits.maxDelayHistory;
      const size = BigInt(Math.min(Number(HISTORY_PAGE), cap + 1));
      const page = (start: bigint) => client.readContract({ ...logs, functionName: "maxAnchorDelayHistory", args: [anchor.logId, start, size] });
      const history = [];
      for (;;) {
        const next = await page(BigInt(history.length));
        if (BigInt(next.length) > size) throw new TooLong("the contract answered a longer page than asked for");
        history.push(...next);
        if (history.length > cap) throw new TooLong(`the log's max-delay history is longer than ${cap} entries`);
        if (BigInt(next.length) < size) return history;
      }
    }),
    admin: settle(() => client.readContract({ ...logs, functionName: "logAdmin", args: [anchor.logId] })),
    timeline: settle(() => client.readContract({ ...logs, functionName: "logTimeline", args: [anchor.logId] })),
    signerAt: settle(() =>
      client.readContract({ ...logs, functionName: "isSignerAt", args: [anchor.logId, receipt.servingNode, BigInt(receipt.issuedAt)] }),
    ),
    signerNow: settle(() => client.readContract({ ...logs, functionName: "isSigner", args: [anchor.logId, receipt.servingNode] })),
    compromise: settle(() => client.readContract({ ...logs, functionName: "signerCompromise", args: [anchor.logId, receipt.servingNode] })),
    tx: settle(() => client.getTransactionReceipt({ hash: anchor.txHash })),
    block: settle(() => client.getBlock({ blockNumber: BigInt(anchor.blockNumber) })),
    head: settle(() => client.getBlockNumber({ cacheTime: 0 })),
  };

  const checks: Check[] = [];
  const run = async (id: CheckId, body: () => Check | Promise<Check>): Promise<Check> => {
    let result: Check;
    try {
      result = await body();
    } catch (error) {
      const disagreement = disagreementIn(error instanceof Unavailable ? error.error : error);
      result = disagreement
        ? errored(id, `could not check: ${describeDisagreement(disagreement)}`, { code: "endpoints-disagree" })
        : error instanceof Unavailable
          ? errored(id, `could not check: ${describeRpcFailure(error.error)}`, { code: "rpc-unavailable" })
          : error instanceof TooLong
            ? errored(id, `could not check: ${error.message} (a cap against hostile contracts)`, { code: "too-long" })
            : errored(id, `could not check: ${firstLine(error)}`, { code: "read-failed" });
    }
    checks.push(result);
    return result;
  };
  const skipRest = (reason: string, code: string): { checks: Check[]; facts: VerdictFacts } => {
    for (const id of CHAIN_CHECKS.slice(checks.length)) {
      checks.push(code === "rpc-unavailable" || code === "endpoints-disagree" || code === "head-below-anchoring" ? errored(id, reason, { code }) : skipped(id, reason, code));
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
  if (chain.status === "error") return skipRest(chain.message, chain.code ?? "rpc-unavailable");
  if (chain.status !== "pass") return skipRest("not checked: the RPC endpoint serves another chain", "prerequisite");

  // Never judge the chain's state below the anchoring block: there the log, its signers and its batch do not exist
  // yet, and an endpoint that lags (or lies about its head) would turn a genuine bundle into "failed".
  const headRead = await reads.head;
  if (!headRead.ok) {
    const disagreement = disagreementIn(headRead.error instanceof Unavailable ? headRead.error.error : headRead.error);
    if (disagreement) return skipRest(`could not check: ${describeDisagreement(disagreement)}`, "endpoints-disagree");
    return skipRest(`could not check: ${describeRpcFailure(headRead.error instanceof Unavailable ? headRead.error.error : headRead.error)}`, "rpc-unavailable");
  }
  if (headRead.value < BigInt(anchor.blockNumber)) {
    return skipRest(
      `could not check: the RPC endpoint's latest block (${headRead.value}) is below the anchoring block (${anchor.blockNumber}); it lags or lies about its head, and nothing is judged below the anchoring block`,
      "head-below-anchoring",
    );
  }

  // contract
  /** A build of an earlier release (profile "…@rN"): it has no compromise reports (`signerCompromise`). */
  let legacyContract = false;
  const contract = await run("contract", async () => {
    const code = need(await reads.code);
    if (code === undefined || code === "0x") {
      return fail("contract", `there is no contract at ${anchor.contract} on chain ${anchor.chainId}`, {
        expected: "ReceiptLogs contract code",
        found: "no code",
        code: "no-code",
      });
    }
    const match = matchShowworkCode(code, "ReceiptLogs");
    const where = recorded && recorded.kind !== "unknown-chain" ? `; ${describeRecorded(recorded)}` : "";
    if (!match) {
      return fail("contract", `the code at ${anchor.contract} is not the showwork ReceiptLogs build: a look-alike contract can answer the interface and lie about logs, anchorers and signers${where}`, {
        expected: "the runtime code of the showwork ReceiptLogs build (sdk/contracts/codeHashes.ts)",
        found: `code hash ${codeHashOf(code)} (${(code.length - 2) / 2} bytes)`,
        code: "not-showwork-code",
      });
    }
    legacyContract = match.profile.includes("@");
    return pass("contract", `the code at ${anchor.contract} is the showwork ReceiptLogs build (${match.profile} profile)${where}`, {
      expected: "ReceiptLogs",
      found: `ReceiptLogs, ${match.profile} build`,
    });
  });
  if (contract.status === "error") return skipRest(contract.message, contract.code ?? "rpc-unavailable");
  if (contract.status !== "pass") return skipRest("not checked: the address is not the anchoring contract", "prerequisite");

  // batch-root (for a head commitment: the head its links lead to, see ../commitment.ts)
  const expected = expectedAnchorRoot(bundle, anchor);
  const batchRoot = await run("batch-root", async () => {
    if (!need(await reads.logExists)) {
      return fail("batch-root", `log ${anchor.logId} does not exist in this contract (the log id was changed?)`, {
        expected: `log ${anchor.logId}`,
        found: "no such log",
        code: "unknown-log",
      });
    }
    if (expected.mismatch !== undefined) {
      return fail("batch-root", `${expected.mismatch}: the commitment's links were changed`, { expected: "links starting at the bundle's batch", found: "other links", code: "commitment-mismatch" });
    }
    if (anchor.root.toLowerCase() !== expected.root) {
      return fail("batch-root", anchor.commitment
        ? `the anchor says head ${short(anchor.root)} was committed, but its links lead to ${short(expected.root)}: the anchor's root or its links were changed`
        : `the anchor says root ${short(anchor.root)} was anchored, but the bundle's proof leads to ${short(bundle.root)}: the anchor's root was changed`, {
        expected: expected.root,
        found: anchor.root,
        code: "anchor-root-mismatch",
      });
    }
    const root = need(await reads.batchRoot);
    const size = need(await reads.logSize);
    const entry = anchor.commitment ? "entry" : "batch";
    if (root === zeroHash) {
      return pending("batch-root", `${entry} ${anchor.batchIndex} is not anchored (yet): the log has ${size} ${entry === "entry" ? "entries" : "batches"}`, {
        expected: expected.root,
        found: `not anchored (log size ${size})`,
        code: "not-anchored",
      });
    }
    return root.toLowerCase() === expected.root
      ? pass("batch-root", `${entry} ${anchor.batchIndex} of the log holds ${expected.what}`, { expected: expected.root, found: root })
      : fail("batch-root", anchor.commitment
        ? `entry ${anchor.batchIndex} of the log holds another head than the bundle's links lead to: the primary log's history differs from what this chain committed (or the index was changed)`
        : `batch ${anchor.batchIndex} of the log holds another root: the root, the log id or the batch index was changed`, {
          expected: expected.root,
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
    if (expected.root === undefined || match.root.toLowerCase() !== expected.root) {
      return fail("transaction", "the transaction anchored another root for this batch", { expected: expected.root ?? bundle.root, found: match.root, code: "root-mismatch" });
    }
    // A head commitment's leaf count is the number of primary batches it newly covers; the links bind the bundle's batch size.
    if (anchor.commitment === undefined && match.leafCount !== BigInt(bundle.batchSize)) {
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
  // The time the delay, model-version and compromise checks judge by: this chain's anchoring block, or an earlier
  // anchoring of the batch that the caller accepted on another chain.
  const earlier = params.earlierAnchoring;
  const judgedAt = anchored && earlier !== undefined && earlier.at < anchoredAt ? earlier.at : anchoredAt;
  const byEarlier = judgedAt < anchoredAt && earlier !== undefined ? ` (judged at ${isoTime(judgedAt)}, the earliest accepted anchoring of this batch, on ${earlier.on}; this chain anchored it at ${isoTime(anchoredAt)})` : "";

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
    } else if (couldNotCheck(atBlock.error)) {
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
    const delay = judgedAt - issuedAt;
    facts.anchorDelay = delay;
    const strictest = strictestDelay(history, issuedAt, judgedAt);
    if (strictest !== undefined) facts.maxAnchorDelay = strictest;
    if (delay < -maxClockSkew) {
      return fail("anchor-delay", `the receipt's time (${isoTime(issuedAt)}) is ${duration(-delay)} after its batch was anchored (${isoTime(judgedAt)}): the receipt's time was changed or is false`, {
        expected: `issuedAt ≤ anchoring time ${judgedAt} (+${maxClockSkew} s clock skew)`,
        found: `issuedAt ${issuedAt}`,
        code: "receipt-after-anchor",
      });
    }
    if (strictest === undefined) {
      return pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time; the log declares no maximum delay${byEarlier}`, {
        expected: "no maximum declared",
        found: `${delay} s`,
      });
    }
    return delay <= strictest
      ? pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time, within the log's declared maximum of ${duration(strictest)}${byEarlier}`, {
          expected: `≤ ${strictest} s`,
          found: `${delay} s`,
        })
      : // Late is shown, never a loss: the receipt is genuine and anchored (an outage delayed it); the
        // operator's promise was not kept, and the model version is judged over the whole span to
        // the anchoring (no delay bound), so a moved-back time cannot pick a version.
        pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time, later than the log's declared maximum of ${duration(strictest)}: late (the receipt was delivered late; its model version is judged over the whole span to the anchoring)${byEarlier}`, {
          expected: `≤ ${strictest} s`,
          found: `${delay} s`,
          code: "late",
        });
  });

  const delayCheck = checks.find((c) => c.id === "anchor-delay");

  // model-version
  await run("model-version", async () => {
    if (receipt.modelId === zeroHash) return skipped("model-version", "the receipt names no model (modelId is zero)");
    if (transaction.status !== "pending" && !anchored) {
      return skipped("model-version", "not checked: the anchoring transaction did not check out", "prerequisite");
    }
    const bound = need(await reads.timeline);
    if (bound === zeroAddress) {
      return errored("model-version", `could not check: log ${short(anchor.logId)} is bound to no ModelTimeline (bindTimeline was never called), so no timeline says which version was active; a timeline named by the bundle is not used`, {
        expected: "logTimeline(logId) ≠ 0",
        found: "no timeline bound",
        code: "no-timeline",
      });
    }
    const timeline = getAddress(bound);
    facts.timelineContract = timeline;
    if (bundle.timeline?.contract !== undefined && getAddress(bundle.timeline.contract) !== timeline) {
      return fail("model-version", `the bundle names the timeline ${bundle.timeline.contract}, but the log is bound to ${timeline}: the bundle's timeline was changed (it is never used)`, {
        expected: timeline,
        found: bundle.timeline.contract,
        code: "timeline-mismatch",
      });
    }
    // Not anchored yet: the verdict is pending anyway; the version is judged at the receipt's time until it is.
    const until = anchored ? judgedAt : receipt.issuedAt;
    const check = await checkModelVersion(client, {
      bundle,
      facts,
      timeline,
      until,
      anchored,
      // The declared maximum when the batch met it (one rule with the monitor and the offline verifier); a late batch bounds nothing.
      delayBound: anchored && delayCheck?.status === "pass" ? delayBoundOf(need(await reads.delayHistory), receipt.issuedAt, judgedAt, maxClockSkew) : undefined,
      maxSpanActivations: params.limits.maxSpanActivations,
    });
    return byEarlier === "" ? check : { ...check, message: `${check.message}${byEarlier}` };
  });

  // signer
  await run("signer", async () => {
    const node = receipt.servingNode;
    const at = need(await reads.signerAt);
    const still = need(await reads.signerNow);
    const detail = { expected: `a serving node authorised by log ${short(anchor.logId)} at ${isoTime(receipt.issuedAt)}`, found: `${node} (${at ? "authorised" : "not authorised"} then; ${still ? "authorised now" : "not authorised now"})` };
    if (!at) {
      return fail("signer", `serving node ${node} was not authorised to sign receipts of log ${short(anchor.logId)} at ${isoTime(receipt.issuedAt)}: nobody in charge of the log vouched for that key then`, { ...detail, code: "unauthorised-signer" });
    }
    // A key reported compromised since T counts only for batches anchored before T (sdk/verify/compromise.ts).
    const report: SignerCompromiseReport | undefined = legacyContract ? undefined : need(await reads.compromise);
    const judgement = judgeCompromise(report, receipt.issuedAt, anchored ? { batchIndex: BigInt(anchor.batchIndex), anchoredAt: judgedAt } : undefined);
    if (!judgement.valid) {
      return fail("signer", `serving node ${node}: ${judgement.reason}`, {
        expected: `a batch anchored before ${isoTime(judgement.since)} (before batch #${judgement.fromBatch})`,
        found: anchored ? `batch #${anchor.batchIndex} anchored at ${isoTime(judgedAt)}${byEarlier}` : "not anchored yet",
        code: "signer-compromised",
      });
    }
    const caveat = judgement.reported ? ` (its key was reported compromised later; this receipt's batch was anchored before that${byEarlier})` : still ? "" : " (revoked since)";
    return pass("signer", `serving node ${node} was authorised by the log's admin to sign its receipts at ${isoTime(receipt.issuedAt)}${caveat}`, detail);
  });

  // pinned
  await run("pinned", async () => {
    const admin = need(await reads.admin);
    facts.operator = admin;
    const logsPinned = (params.trust?.logs ?? []).map((id) => id.toLowerCase());
    const operatorsPinned = (params.trust?.operators ?? []).map((a) => a.toLowerCase());
    const who = `log ${anchor.logId} of operator ${admin}`;
    if (logsPinned.length === 0 && operatorsPinned.length === 0) {
      return skipped("pinned", `nothing pinned: ${who} vouches for this answer (anyone can create a log; pin the logs or operators you trust with --log / --operator)`, "nothing-pinned");
    }
    const detail = { expected: pinnedExpectation(logsPinned, operatorsPinned), found: who };
    if (logsPinned.includes(anchor.logId.toLowerCase())) return pass("pinned", `${who}: the log is pinned`, detail);
    if (operatorsPinned.includes(admin.toLowerCase())) return pass("pinned", `${who}: the operator is pinned`, detail);
    return fail("pinned", `${who} is neither a pinned log nor run by a pinned operator`, { ...detail, code: "not-pinned" });
  });

  return { checks, facts };
}

/**
 * What the pinned check expects, naming only what was pinned: "log 0x…", "one of the logs 0x…, 0x…",
 * "log 0x… or operator 0x…" (never an empty list).
 */
export function pinnedExpectation(logs: readonly string[], operators: readonly string[]): string {
  const list = (one: string, many: string, items: readonly string[]): string | undefined =>
    items.length === 0 ? undefined : items.length === 1 ? `${one} ${items[0]}` : `one of the ${many} ${items.join(", ")}`;
  const parts = [list("log", "logs", logs), list("operator", "operators", operators)].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? "nothing pinned" : parts.join(" or ");
}

function describeRecorded(recorded: Exclude<RecordedDeployment, { kind: "unknown-chain" }>): string {
  if (recorded.kind === "other") return `not the ReceiptLogs recorded for ${recorded.chainName} (${recorded.recorded}): an independent deployment`;
  return recorded.kind === "current"
    ? `the showwork deployment recorded for ${recorded.chainName}`
    : `an earlier showwork deployment recorded for ${recorded.chainName}`;
}
