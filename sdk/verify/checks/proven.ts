/**
 * The chain checks of a self-contained (v2) bundle, from its chain proof instead of RPC reads:
 * the headers are checked back from a trusted checkpoint, every account/storage proof against its
 * block's state root, and then each check judges the proven facts the way the online checks judge
 * RPC answers (same check ids, same codes where the meaning is the same). No network.
 *
 * What a proof cannot say offline is said: the anchoring transaction's hash and sender are not
 * proven (the anchoring block is: the batch's root slot is empty in the block before and holds
 * the root in it), and confirmations count up to the checkpoint, not to the chain's head.
 *
 * Browser-safe.
 *
 * @module
 */
import { getAddress, zeroAddress, zeroHash, type Address, type Hex } from "viem";

import type { BundleAnchorV2, ProofBundle } from "../../bundle/types.js";
import { readAnchorFacts, TooLongError, type AnchorFacts, type ModelFacts } from "../../chainproof/facts.js";
import { adminSlot, compromiseSlot, delayHistorySlot, headSlot, rootSlot, signerPeriodsSlot, timelineSlot } from "../../chainproof/layout.js";
import { PROOF_LIMITS } from "../../chainproof/prove.js";
import { ChainProofError, MissingProofError, verifyChainProof, type Checkpoint, type ProvenChain } from "../../chainproof/verifyChainProof.js";
import { CONTRACT_BUILDS } from "../../contracts/codeHashes.js";
import { check, duration, errored, fail, isoTime, pass, pending, short, skipped } from "../check.js";
import { immutablesHold, matchShowworkCode } from "../contractCode.js";
import { expectedAnchorRoot } from "../commitment.js";
import { judgeCompromise } from "../compromise.js";
import { delayBoundOf, judgeModelVersion } from "../modelVersionRule.js";
import { printableShort } from "../printable.js";
import { CHECK_IDS, type Check, type CheckId, type TrustPins, type VerdictFacts } from "../verdict.js";
import type { EndpointCheckpoint } from "../checkpoints.js";
import { pinnedExpectation, strictestDelay, type EarlierAnchoring } from "./onchain.js";

/** The on-chain checks (same ids as the online ones). */
const CHAIN_CHECKS: readonly CheckId[] = CHECK_IDS.slice(CHECK_IDS.indexOf("chain"), CHECK_IDS.indexOf("pinned") + 1);

/** Where the verifier's checkpoint came from. */
export type CheckpointSource =
  /** Given by the caller (trust file, --checkpoint): a mismatch means the bundle is not of that chain: `fail`. */
  | { readonly kind: "pinned"; readonly checkpoints: readonly Checkpoint[] }
  /** Agreed by RPC endpoints: a mismatch may be a lying endpoint: "could not check". */
  | { readonly kind: "endpoints"; readonly resolve: (chainId: number, number: number) => Promise<Checkpoint> };

/** Inputs of {@link runProvenChecks}. */
export interface ProvenCheckParameters {
  readonly bundle: ProofBundle;
  readonly checkpoint: CheckpointSource;
  readonly minConfirmations: bigint;
  readonly maxClockSkew: number;
  readonly trust: TrustPins | undefined;
  readonly limits?: Partial<typeof PROOF_LIMITS>;
  /** An earlier accepted anchoring of the batch on another chain (see `EarlierAnchoring` in onchain.ts). */
  readonly earlierAnchoring?: EarlierAnchoring | undefined;
  /**
   * Set when the chain proof was fetched from RPC endpoints for this verdict (a bundle without one, a pinned
   * checkpoint): a proof that does not check against the checkpoint is then the endpoint's fault, "could not check"
   * (code `endpoint-proof`), never a failed bundle.
   */
  readonly proofFromEndpoints?: boolean | undefined;
}

/** Which check a proven slot serves (to name the check a broken proof fails). */
function purposeOf(anchor: BundleAnchorV2, bundle: ProofBundle, address: Address | undefined, slot: Hex | undefined): CheckId {
  if (address === undefined) return "chain";
  if (address.toLowerCase() !== anchor.contract.toLowerCase()) return "model-version";
  if (slot === undefined) return "contract";
  const s = slot.toLowerCase();
  if (s === rootSlot(anchor.logId, anchor.batchIndex) || s === headSlot(anchor.logId)) return "batch-root";
  if (s === adminSlot(anchor.logId)) return "pinned";
  if (s === timelineSlot(anchor.logId)) return "model-version";
  if (s === signerPeriodsSlot(anchor.logId, bundle.receipt.servingNode) || s === compromiseSlot(anchor.logId, bundle.receipt.servingNode)) return "signer";
  if (s === delayHistorySlot(anchor.logId)) return "anchor-delay";
  // Array elements (delay history or signer periods): say which by elimination is not possible cheaply; both are "history".
  return "signer";
}

function pickCheckpoint(checkpoints: readonly Checkpoint[], chainId: number, first: number, last: number): Checkpoint | undefined {
  const ofChain = checkpoints.filter((c) => c.chainId === chainId);
  return ofChain.find((c) => c.number >= first && c.number <= last) ?? ofChain.sort((a, b) => b.number - a.number)[0];
}

/** Runs the chain checks from the bundle's chain proof, in CHAIN_CHECKS order. */
export async function runProvenChecks(params: ProvenCheckParameters): Promise<{ checks: Check[]; facts: VerdictFacts; checkpoint?: Checkpoint }> {
  const { bundle, minConfirmations, maxClockSkew } = params;
  const { anchor, receipt } = bundle;
  const limits = { ...PROOF_LIMITS, ...params.limits };
  const facts: VerdictFacts = {
    chainId: anchor.chainId,
    contract: anchor.contract,
    logId: anchor.logId,
    batchIndex: anchor.batchIndex.toString(),
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber.toString(),
    servingNode: receipt.servingNode,
  };
  const checks: Check[] = [];
  const rest = (from: number, make: (id: CheckId) => Check) => {
    for (const id of CHAIN_CHECKS.slice(from)) if (!checks.some((c) => c.id === id)) checks.push(make(id));
    checks.sort((a, b) => CHAIN_CHECKS.indexOf(a.id) - CHAIN_CHECKS.indexOf(b.id));
    return { checks, facts };
  };
  const proof = anchor.chainProof;
  if (!proof) {
    return rest(0, (id) => errored(id, "could not check offline: the bundle carries no chain proof (a v1 bundle, or v2 without chainProof: run `showwork bundle upgrade` while the chain is reachable)", { code: "no-chain-proof" }));
  }
  const lastNumber = proof.headers.length - 1 + (anchor.blockNumber - 1);

  // The checkpoint.
  let checkpoint: Checkpoint | undefined;
  const pinned = params.checkpoint.kind === "pinned";
  if (params.checkpoint.kind === "pinned") {
    checkpoint = pickCheckpoint(params.checkpoint.checkpoints, anchor.chainId, anchor.blockNumber, lastNumber);
    if (!checkpoint) {
      const chains = [...new Set(params.checkpoint.checkpoints.map((c) => c.chainId))].join(", ") || "none";
      checks.push(
        fail("chain", `no trusted checkpoint is of chain ${anchor.chainId} (checkpoints of chain ${chains}): the bundle is of another chain than the one you trust, or its chain id was changed`, {
          expected: `a checkpoint of chain ${anchor.chainId}`,
          found: `checkpoints of chain ${chains}`,
          code: "wrong-chain",
        }),
      );
      return rest(1, (id) => skipped(id, "not checked: no trusted checkpoint of the bundle's chain", "prerequisite"));
    }
  } else {
    try {
      checkpoint = await params.checkpoint.resolve(anchor.chainId, lastNumber);
    } catch (error) {
      const text = `could not check: the RPC endpoints gave no agreed block hash for block ${lastNumber}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
      return rest(0, (id) => errored(id, text, { code: "endpoints-disagree" }));
    }
  }

  // Headers and proofs.
  let proven: ProvenChain;
  try {
    proven = await verifyChainProof(proof, checkpoint, anchor.chainId);
  } catch (error) {
    if (!(error instanceof ChainProofError)) throw error;
    const id = error.failure.startsWith("header") || error.failure.startsWith("checkpoint") || error.failure === "proof-block-after-checkpoint"
      ? "chain"
      : purposeOf(anchor, bundle, error.where.address, error.failure === "account-proof" || error.failure === "code" ? undefined : error.where.slot);
    if (params.proofFromEndpoints) {
      const text = `could not check: the chain proof the RPC endpoint served does not check against your checkpoint (block ${checkpoint.number}): ${error.message} (the endpoint lies, or serves another fork; the bundle itself is not judged by it)`;
      return rest(0, (cid) => errored(cid, text, { expected: "a chain proof that checks against the trusted checkpoint", found: error.failure, code: "endpoint-proof" }));
    }
    if (pinned && (error.failure === "checkpoint-not-in-proof" || error.failure === "proof-block-after-checkpoint")) {
      // The pinned block is outside what the bundle's headers reach: nothing says the bundle is false, nothing vouches for it.
      const text = `could not check: ${error.message}${error.failure === "proof-block-after-checkpoint" ? " (pin a checkpoint at or after the bundle's proof block, or refresh the bundle)" : ""}`;
      return rest(0, (cid) => errored(cid, text, { code: error.failure }));
    }
    if (!pinned && (error.failure === "checkpoint-mismatch" || error.failure === "checkpoint-not-in-proof")) {
      const text = `could not check: ${error.message} (the block hash came from the RPC endpoints: one of them may lie; pin a checkpoint to decide)`;
      return rest(0, (cid) => errored(cid, text, { code: "checkpoint-mismatch" }));
    }
    checks.push(fail(id, `the chain proof does not hold: ${error.message}`, { expected: "a chain proof that checks against the trusted checkpoint", found: error.failure, code: error.failure }));
    return rest(0, (cid) => skipped(cid, "not checked: the chain proof did not verify", "prerequisite"));
  }
  const anchoring = proven.headers.get(anchor.blockNumber);
  if ((!anchoring || !proven.headers.has(anchor.blockNumber - 1)) && params.proofFromEndpoints) {
    const text = `could not check: the RPC endpoint's headers (blocks ${proven.first.number}..${proven.last.number}) do not include the anchoring block ${anchor.blockNumber} and the block before it`;
    return rest(0, (cid) => errored(cid, text, { code: "endpoint-proof" }));
  }
  if (!anchoring || !proven.headers.has(anchor.blockNumber - 1)) {
    checks.push(fail("chain", `the bundle's headers (blocks ${proven.first.number}..${proven.last.number}) do not include the anchoring block ${anchor.blockNumber} and the block before it`, { expected: `blocks ${anchor.blockNumber - 1}..`, found: `blocks ${proven.first.number}..${proven.last.number}`, code: "header-chain" }));
    return rest(0, (cid) => skipped(cid, "not checked: the chain proof did not verify", "prerequisite"));
  }

  let chainFacts: AnchorFacts;
  try {
    chainFacts = await readAnchorFacts(proven.reader, {
      contract: anchor.contract,
      logId: anchor.logId,
      batchIndex: anchor.batchIndex,
      anchorBlock: anchor.blockNumber,
      proofBlock: proven.last.number,
      servingNode: receipt.servingNode,
      modelId: receipt.modelId,
      weightsDigest: receipt.weightsDigest,
      issuedAt: receipt.issuedAt,
      anchoredAt: anchoring.timestamp,
      limits,
    });
  } catch (error) {
    if (error instanceof MissingProofError || error instanceof TooLongError) {
      const code = error instanceof TooLongError ? "too-long" : "proof-incomplete";
      checks.push(pass("chain", `${params.proofFromEndpoints ? "the RPC endpoint's" : "the bundle's"} headers chain back from ${pinned ? "the trusted" : "the endpoints'"} checkpoint, block ${checkpoint.number} of chain ${anchor.chainId}`));
      return rest(1, (id) => errored(id, `could not check: ${error.message}`, { code }));
    }
    throw error;
  }
  return { ...(await judge(params, chainFacts, proven, checkpoint, pinned, anchoring.timestamp, facts, minConfirmations, maxClockSkew)), checkpoint };
}

async function judge(
  params: ProvenCheckParameters,
  f: AnchorFacts,
  proven: ProvenChain,
  checkpoint: Checkpoint,
  pinned: boolean,
  anchoredAt: number,
  facts: VerdictFacts,
  minConfirmations: bigint,
  maxClockSkew: number,
): Promise<{ checks: Check[]; facts: VerdictFacts }> {
  const { bundle } = params;
  const { anchor, receipt } = bundle;
  const checks: Check[] = [];
  const agreement = checkpoint as Partial<EndpointCheckpoint>;
  const from = pinned
    ? "the trusted checkpoint"
    : `the block hash the RPC endpoints agree on${agreement.asked === undefined ? "" : ` (${agreement.agreed} of ${agreement.asked}${agreement.dissent && agreement.dissent.length > 0 ? `; not agreeing: ${agreement.dissent.join("; ")}` : ""})`}`;
  checks.push(
    pass("chain", `${params.proofFromEndpoints ? "the RPC endpoint's" : "the bundle's"} ${proven.headers.size} headers (blocks ${proven.first.number}..${proven.last.number}) chain back from ${from}, block ${checkpoint.number} (${short(checkpoint.hash)}) of chain ${anchor.chainId}`, {
      expected: `block ${checkpoint.number} = ${checkpoint.hash}`,
      found: `block ${proven.checkpoint.number} = ${proven.checkpoint.hash}`,
      ...(agreement.dissent && agreement.dissent.length > 0 ? { code: "endpoint-dissent" } : {}),
    }),
  );
  const at = `at block ${proven.last.number}`;

  // contract: the proven code hash is the showwork ReceiptLogs build's (it has no immutables).
  const profile = Object.entries(CONTRACT_BUILDS).find(([, b]) => (b as Record<string, { codeHash: string; immutables: readonly unknown[] }>).ReceiptLogs?.codeHash === f.contractCodeHash)?.[0];
  const contract = profile
    ? pass("contract", `the code at ${anchor.contract} is the showwork ReceiptLogs build (${profile} profile), by its proven code hash ${at}`, { expected: "ReceiptLogs", found: `ReceiptLogs, ${profile} build` })
    : fail("contract", `the code at ${anchor.contract} is not the showwork ReceiptLogs build (proven code hash ${f.contractCodeHash} ${at})`, {
        expected: "the code hash of the showwork ReceiptLogs build (sdk/contracts/codeHashes.ts)",
        found: f.contractCodeHash,
        code: /^0xc5d24601/.test(f.contractCodeHash) ? "no-code" : "not-showwork-code",
      });
  checks.push(contract);
  if (contract.status !== "pass") {
    for (const id of CHAIN_CHECKS.slice(2)) checks.push(skipped(id, "not checked: the address is not the anchoring contract", "prerequisite"));
    return { checks, facts };
  }

  // batch-root (at the anchoring block; for a head commitment: the head its links lead to)
  const expected = expectedAnchorRoot(bundle, anchor);
  let batchRoot: Check;
  if (f.admin === zeroAddress) {
    batchRoot = fail("batch-root", `log ${anchor.logId} does not exist in this contract (the log id was changed?)`, { expected: `log ${anchor.logId}`, found: "no such log", code: "unknown-log" });
  } else if (expected.mismatch !== undefined) {
    batchRoot = fail("batch-root", `${expected.mismatch}: the commitment's links were changed`, { expected: "links starting at the bundle's batch", found: "other links", code: "commitment-mismatch" });
  } else if (anchor.root.toLowerCase() !== expected.root) {
    batchRoot = fail("batch-root", `the anchor says root ${short(anchor.root)} was anchored, but ${expected.what} is ${short(expected.root)}: the anchor's root was changed`, { expected: expected.root, found: anchor.root, code: "anchor-root-mismatch" });
  } else if (f.rootAt === zeroHash) {
    batchRoot = fail("batch-root", `entry ${anchor.batchIndex} is not anchored at block ${anchor.blockNumber} (proven empty; the log has ${f.logSize} entries ${at}): the block number or batch index was changed`, { expected: expected.root, found: `empty at block ${anchor.blockNumber}`, code: "not-anchored" });
  } else if (f.rootAt.toLowerCase() !== expected.root) {
    batchRoot = fail("batch-root", `entry ${anchor.batchIndex} of the log holds another root (proven at block ${anchor.blockNumber}): the root, the log id or the batch index was changed`, { expected: expected.root, found: f.rootAt, code: "mismatch" });
  } else {
    batchRoot = pass("batch-root", `entry ${anchor.batchIndex} of the log holds ${expected.what} (storage proof at block ${anchor.blockNumber})`, { expected: expected.root, found: f.rootAt });
  }
  checks.push(batchRoot);

  // transaction → the anchoring block: root slot empty at B−1, set at B.
  let transaction: Check;
  if (batchRoot.status !== "pass") transaction = skipped("transaction", "not checked: the root is not proven at the anchoring block", "prerequisite");
  else if (f.rootBefore !== zeroHash) {
    transaction = fail("transaction", `batch ${anchor.batchIndex} already held a root at block ${anchor.blockNumber - 1}: it was not anchored in block ${anchor.blockNumber} (the block number was changed)`, { expected: `empty at block ${anchor.blockNumber - 1}`, found: f.rootBefore, code: "block-mismatch" });
  } else {
    facts.anchoredAt = anchoredAt;
    transaction = pass("transaction", `anchored in block ${anchor.blockNumber} at ${isoTime(anchoredAt)}: the batch's root slot is proven empty at block ${anchor.blockNumber - 1} and set at block ${anchor.blockNumber}, whose header gives the time (the transaction hash ${short(anchor.txHash)} itself is not proven offline)`, {
      expected: `root set in block ${anchor.blockNumber}`,
      found: `empty at ${anchor.blockNumber - 1}, root at ${anchor.blockNumber}, time ${anchoredAt}`,
    });
  }
  checks.push(transaction);
  const anchored = transaction.status === "pass";

  // confirmations, up to the checkpoint
  if (!anchored) checks.push(skipped("confirmations", "not checked: the anchoring block is not proven", "prerequisite"));
  else {
    const confirmations = BigInt(checkpoint.number - anchor.blockNumber + 1);
    facts.confirmations = confirmations.toString();
    const detail = { expected: `≥ ${minConfirmations}`, found: confirmations };
    checks.push(
      confirmations >= minConfirmations
        ? pass("confirmations", `${confirmations} confirmation${confirmations === 1n ? "" : "s"} up to the checkpoint (minimum ${minConfirmations}); blocks after the checkpoint are not seen offline`, detail)
        : pending("confirmations", `${confirmations} of ${minConfirmations} confirmations up to the checkpoint: use a later checkpoint`, { ...detail, code: "not-final" }),
    );
  }

  // anchorer: only the ReceiptLogs code writes root slots, and it admits only authorised anchorers.
  checks.push(
    anchored
      ? pass("anchorer", "anchored by an authorised anchorer of the log: the proven root slot is written only by the showwork ReceiptLogs code, which admits only the log's authorised anchorers (the account is not named offline)", { expected: "an authorised anchorer of the log", found: "root written by the ReceiptLogs code" })
      : skipped("anchorer", "not checked: the anchoring block is not proven", "prerequisite"),
  );

  // The time the delay and model-version checks judge by: this chain's anchoring block, or an earlier anchoring of the
  // batch that the caller accepted on another chain.
  const earlier = params.earlierAnchoring;
  const judgedAt = anchored && earlier !== undefined && earlier.at < anchoredAt ? earlier.at : anchoredAt;
  const byEarlier = judgedAt < anchoredAt && earlier !== undefined ? ` (judged at ${isoTime(judgedAt)}, the earliest accepted anchoring of this batch, on ${earlier.on})` : "";

  // anchor-delay
  let delayCheck: Check;
  if (!anchored) delayCheck = skipped("anchor-delay", "not checked: the anchoring block is not proven", "prerequisite");
  else {
    const delay = judgedAt - receipt.issuedAt;
    facts.anchorDelay = delay;
    const strictest = strictestDelay(f.delayHistory, receipt.issuedAt, judgedAt);
    if (strictest !== undefined) facts.maxAnchorDelay = strictest;
    if (delay < -maxClockSkew) {
      delayCheck = fail("anchor-delay", `the receipt's time (${isoTime(receipt.issuedAt)}) is ${duration(-delay)} after its batch was anchored (${isoTime(judgedAt)}): the receipt's time was changed or is false`, { expected: `issuedAt ≤ anchoring time ${judgedAt} (+${maxClockSkew} s clock skew)`, found: `issuedAt ${receipt.issuedAt}`, code: "receipt-after-anchor" });
    } else if (strictest === undefined) {
      delayCheck = pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time; the log declares no maximum delay${byEarlier}`, { expected: "no maximum declared", found: `${delay} s` });
    } else {
      delayCheck = delay <= strictest
        ? pass("anchor-delay", `anchored ${duration(delay)} after the receipt's time, within the log's declared maximum of ${duration(strictest)}${byEarlier}`, { expected: `≤ ${strictest} s`, found: `${delay} s` })
        : fail("anchor-delay", `anchored ${duration(delay)} after the receipt's time, later than the log's declared maximum of ${duration(strictest)}: late`, { expected: `≤ ${strictest} s`, found: `${delay} s`, code: "late" });
    }
  }
  checks.push(delayCheck);

  // model-version
  if (receipt.modelId === zeroHash) checks.push(skipped("model-version", "the receipt names no model (modelId is zero)"));
  else if (!anchored) checks.push(skipped("model-version", "not checked: the anchoring block is not proven", "prerequisite"));
  else if (f.timeline === zeroAddress || !f.model) {
    checks.push(errored("model-version", `could not check: log ${short(anchor.logId)} is bound to no ModelTimeline (bindTimeline was never called), so no timeline says which version was active`, { expected: "logTimeline(logId) ≠ 0", found: "no timeline bound", code: "no-timeline" }));
  } else {
    facts.timelineContract = f.timeline;
    checks.push(await modelVersion(bundle, f.timeline, f.model, judgedAt, facts, delayCheck.status === "pass" ? delayBoundOf(f.delayHistory, receipt.issuedAt, judgedAt, maxClockSkew) : undefined));
  }

  // signer: isSignerAt(issuedAt) over the proven periods, and isSigner now (at the proof block)
  {
    const node = receipt.servingNode;
    const periods = f.signerPeriods;
    let i = periods.length;
    while (i > 0 && periods[i - 1]!.grantedAt > receipt.issuedAt) i--;
    const period = i === 0 ? undefined : periods[i - 1]!;
    const atTime = period !== undefined && (period.revokedAt === 0 || receipt.issuedAt < period.revokedAt);
    const last = periods[periods.length - 1];
    const still = last !== undefined && last.revokedAt === 0;
    const detail = { expected: `a serving node authorised by log ${short(anchor.logId)} at ${isoTime(receipt.issuedAt)}`, found: `${node} (${atTime ? "authorised" : "not authorised"} then; ${still ? "authorised" : "not authorised"} ${at})` };
    const detailed = { ...detail, found: `${detail.found}; compromise reports as of block ${proven.last.number} (${isoTime(proven.last.timestamp)})` };
    if (!atTime) {
      checks.push(fail("signer", `serving node ${node} was not authorised to sign receipts of log ${short(anchor.logId)} at ${isoTime(receipt.issuedAt)}: nobody in charge of the log vouched for that key then`, { ...detail, code: "unauthorised-signer" }));
    } else if (f.compromise === undefined) {
      // The bundle cannot say whether the key was reported compromised: never VERIFIED over that question.
      checks.push(
        errored("signer", `could not check: serving node ${node} was authorised at ${isoTime(receipt.issuedAt)} (proven ${at}), but the chain proof does not carry its compromise report (ReceiptLogs _compromises, slot ${compromiseSlot(anchor.logId, node)}), so whether its key was reported compromised (revoke-signer --compromised-since) stayed unchecked: refresh the bundle with \`showwork bundle upgrade\``, {
          ...detail,
          code: "compromise-unchecked",
        }),
      );
    } else {
      // The compromise rule (sdk/verify/compromise.ts), the online verifier's, the monitor's and the contract's.
      const judgement = judgeCompromise(f.compromise, receipt.issuedAt, { batchIndex: anchor.batchIndex, anchoredAt: judgedAt });
      const asOf = `compromise reports as proven ${at} (${isoTime(proven.last.timestamp)}); a report filed after that block is not seen offline: use a newer checkpoint`;
      // A newer trusted checkpoint than the one this bundle is proven to: reports filed in between are not seen, and an
      // old self-contained bundle of a thief's receipt (proven before the report) must not pass over them.
      const newest = params.checkpoint.kind === "pinned" ? Math.max(...params.checkpoint.checkpoints.filter((c) => c.chainId === anchor.chainId).map((c) => c.number)) : checkpoint.number;
      checks.push(
        judgement.valid && newest > checkpoint.number
          ? errored("signer", `could not check: serving node ${node} was authorised at ${isoTime(receipt.issuedAt)} and not reported compromised as proven ${at}, but you trust a newer checkpoint (block ${newest}): a compromise report filed after block ${proven.last.number} would not be seen; refresh the bundle (\`showwork bundle upgrade\`) and verify against the newer checkpoint`, { ...detailed, code: "stale-proof" })
          : judgement.valid
          ? pass("signer", `serving node ${node} was authorised by the log's admin to sign its receipts at ${isoTime(receipt.issuedAt)}${judgement.reported ? " (its key was reported compromised later; this receipt's batch was anchored before that)" : still ? "" : " (revoked since)"} (proven ${at}); ${asOf}`, detailed)
          : fail("signer", `serving node ${node}: ${judgement.reason} (proven ${at})`, {
              expected: `a batch anchored before ${isoTime(judgement.since)} (before batch #${judgement.fromBatch})`,
              found: `batch #${anchor.batchIndex} anchored at ${isoTime(judgedAt)}${byEarlier}`,
              code: "signer-compromised",
            }),
      );
    }
  }

  // pinned
  {
    const admin = f.admin;
    facts.operator = admin;
    const logsPinned = (params.trust?.logs ?? []).map((id) => id.toLowerCase());
    const operatorsPinned = (params.trust?.operators ?? []).map((a) => a.toLowerCase());
    const who = `log ${anchor.logId} of operator ${admin}`;
    if (logsPinned.length === 0 && operatorsPinned.length === 0) {
      checks.push(skipped("pinned", `nothing pinned: ${who} vouches for this answer (anyone can create a log; pin the logs or operators you trust with --log / --operator)`, "nothing-pinned"));
    } else {
      const detail = { expected: pinnedExpectation(logsPinned, operatorsPinned), found: who };
      if (logsPinned.includes(anchor.logId.toLowerCase())) checks.push(pass("pinned", `${who}: the log is pinned`, detail));
      else if (operatorsPinned.includes(admin.toLowerCase())) checks.push(pass("pinned", `${who}: the operator is pinned`, detail));
      else checks.push(fail("pinned", `${who} is neither a pinned log nor run by a pinned operator`, { ...detail, code: "not-pinned" }));
    }
  }
  return { checks, facts };
}

async function modelVersion(bundle: ProofBundle, timeline: Address, m: ModelFacts, anchoredAt: number, facts: VerdictFacts, delayBound: number | undefined): Promise<Check> {
  const { receipt, anchor } = bundle;
  if (bundle.timeline?.contract !== undefined && getAddress(bundle.timeline.contract) !== getAddress(timeline)) {
    return fail("model-version", `the bundle names the timeline ${bundle.timeline.contract}, but the log is bound to ${timeline}: the bundle's timeline was changed (it is never used)`, { expected: timeline, found: bundle.timeline.contract, code: "timeline-mismatch" });
  }
  const match = m.timelineCode === "0x" ? undefined : matchShowworkCode(m.timelineCode, "ModelTimeline");
  if (!match || !immutablesHold(match, anchor.contract)) {
    return fail("model-version", `the timeline bound to the log (${timeline}) is not the showwork ModelTimeline build serving ${anchor.contract}`, { expected: `the showwork ModelTimeline build with receiptLogs = ${anchor.contract}`, found: m.timelineCode === "0x" ? "no code" : "other code", code: "not-showwork-code" });
  }
  if (m.name) facts.modelName = printableShort(m.name, 80);
  if (m.claimedVersion > 0) facts.versionNumber = m.claimedVersion;
  // The one rule (sdk/verify/modelVersionRule.ts), the online verifier's and the monitor's. Metadata URIs are not
  // proven, so a hosted model's provider version is not recognised offline (it fails as online without the URI).
  const j = await judgeModelVersion({
    issuedAt: receipt.issuedAt,
    weightsDigest: receipt.weightsDigest,
    until: anchoredAt,
    anchored: true,
    registered: m.registered,
    claimed: { version: m.claimedVersion },
    span: m.span,
    delayBound,
    provenance: " (proven from the timeline's storage)",
  });
  if (j.activeVersion !== undefined) facts.activeVersion = j.activeVersion;
  if (j.versionChangedAt !== undefined) facts.versionChangedAt = j.versionChangedAt;
  return check("model-version", j.status, j.message, { expected: j.expected, found: j.found, code: j.code });
}
