/**
 * Verifies one answer's proof bundle against the chain, with nothing but an RPC endpoint.
 *
 * Browser-safe: this module and everything it imports use no Node built-ins.
 *
 * @module
 */
import { createPublicClient, http, type PublicClient } from "viem";

import { committedDeployments } from "../deployments/committed.js";
import type { DeploymentsRecord } from "../deployments/record.js";
import { checkFormat } from "./checks/format.js";
import type { Disclosure as DisclosureDocument } from "../disclosure/types.js";
import { checkDisclosureDocument } from "./checks/disclosure.js";
import { checkDisclosure, checkProofRoot, checkReceiptLeaf, checkSignature, type Disclosure } from "./checks/offline.js";
import { runChainChecks } from "./checks/onchain.js";
import { runProvenChecks, type CheckpointSource } from "./checks/proven.js";
import { checkpointFromEndpoints } from "./checkpoints.js";
import type { Checkpoint } from "../chainproof/verifyChainProof.js";
import type { ChainProof, ProofBundle } from "../bundle/types.js";
import { toBundleV2 } from "../bundle/parseBundle.js";
import { PROOF_LIMITS, proveAnchor } from "../chainproof/prove.js";
import { printableShort } from "./printable.js";
import { errored, fail, isoTime, short, skipped } from "./check.js";
import { multiEndpointTransport, type EndpointReport } from "./endpoints.js";
import { CHAIN_CHECKS, MAX_DELAY_HISTORY, type EarlierAnchoring, type VerifyLimits } from "./checks/onchain.js";
import { MAX_SPAN_ACTIVATIONS } from "./checks/modelVersion.js";
import { DEFAULT_MAX_CLOCK_SKEW } from "./modelVersionRule.js";
import { CHECK_IDS, judge, type Check, type TrustPins, type Verdict, type VerdictFacts } from "./verdict.js";

/** Parameters of {@link verifyBundle}: a viem public client, or RPC URLs to read from. */
export interface VerifyBundleParameters {
  /** A viem public client on the bundle's chain. Takes precedence over `rpcUrl`/`rpcUrls`. */
  readonly client?: PublicClient;
  /** A JSON-RPC endpoint (HTTP or HTTPS) of the bundle's chain. */
  readonly rpcUrl?: string;
  /**
   * Several endpoints of the bundle's chain (with `rpcUrl`, if given): every chain fact is read from each and must
   * agree, else the check says "could not check" and shows the disagreement. One lying endpoint cannot pass a bundle.
   */
  readonly rpcUrls?: readonly string[];
  /**
   * The logs and operators (log admins) the caller trusts. With a pin, a bundle from any other log fails the
   * `pinned` check; without one, the verdict says which log and operator vouch and that nothing was pinned.
   */
  readonly trust?: TrustPins;
  /** Caps on what a hostile contract can make the verifier read (defaults: 4,096 delay-history entries, 64 timeline entries in a receipt's span). */
  readonly limits?: Partial<VerifyLimits>;
  /** Require the serving node's signature (default true). `false`: an unsigned receipt is reported, not failed. */
  readonly requireSignature?: boolean;
  /** Confirmations the anchoring block needs for a `verified` verdict (default 1: included). Fewer: `pending`. */
  readonly minConfirmations?: number | bigint;
  /** Content disclosed by the operator, checked against the receipt's commitments. */
  readonly disclosed?: Disclosure;
  /**
   * A `showwork/disclosure@1` document (parsed, or its JSON value) for this bundle's receipt: each piece is
   * checked against the receipt; the per-piece report is `verdict.disclosure`. Takes precedence over `disclosed`.
   */
  readonly disclosure?: DisclosureDocument | unknown;
  /** The current time, unix seconds (default: the clock). Judges whether an unanchored batch is overdue. */
  readonly now?: number;
  /** Per-request timeout when the client is made from `rpcUrl`, milliseconds (default 10,000). */
  readonly timeoutMs?: number;
  /** Seconds a receipt's time may lie after its anchoring block's time (serving-node clock skew; default 60). */
  readonly maxClockSkew?: number;
  /**
   * The deployments record (default: the committed `deployments/deployments.json`; `null`: none). It says whether the
   * anchoring contract is a recorded showwork deployment (reported; the contract's code is what is checked).
   */
  readonly deployments?: DeploymentsRecord | null;
  /**
   * Trusted checkpoints (block number + hash per chain: a trust file's `checkpoints`, `--checkpoint`). With one, a
   * bundle's chain proof is checked against it and the chain facts come from the proof, not from any endpoint.
   */
  readonly checkpoints?: readonly Checkpoint[];
  /**
   * Verify with no network at all (default false): the chain checks come from the bundle's chain proof and
   * `checkpoints`; RPC settings are ignored. Without a chain proof or a checkpoint the chain checks are "could not check".
   */
  readonly offline?: boolean;
  /**
   * For a bundle with a chain proof and RPC endpoints but no checkpoint: take only the block hash at the proof's last
   * header from the endpoints (at least `checkpointQuorum` of them must agree) and prove the rest (default true).
   * `false`: read every fact over RPC as for a v1 bundle.
   */
  readonly useChainProof?: boolean;
  /** Endpoints that must agree on the checkpoint's block hash (default: all given). */
  readonly checkpointQuorum?: number;
  /**
   * An earlier anchoring of the same batch that the caller accepted on another chain ({@link verifyBundleOnChains}
   * passes the earliest its policy accepts): the anchor-delay, model-version and compromise checks judge the receipt at
   * that time when it is earlier than this chain's anchoring block.
   */
  readonly earlierAnchoring?: EarlierAnchoring;
}

/** What {@link verifyBundle} returns. */
export type VerifyBundleReturnType = Verdict;

/**
 * Verifies a proof bundle: its form, the receipt→leaf→root hashing, and — on the chain the bundle
 * names — the anchored root, the anchoring transaction, its confirmations, the anchorer, the
 * anchoring delay against the log's promise, the model version active at the receipt's time, the
 * serving node's signature, and any disclosed content.
 *
 * Never throws for a bad bundle or an unreachable endpoint: every problem is a check in the
 * verdict (`fail` for a false claim, `error` when something could not be checked).
 *
 * @param bundle - the bundle: a parsed JSON value, or its JSON text.
 * @example
 * ```ts
 * const verdict = await verifyBundle(JSON.parse(text), { rpcUrl: "https://rpc.example", minConfirmations: 12 });
 * if (verdict.status === "failed") console.log(verdict.checks.filter((c) => c.status === "fail"));
 * ```
 */
export async function verifyBundle(bundle: unknown, params: VerifyBundleParameters): Promise<VerifyBundleReturnType> {
  const started = performance.now();
  const checks: Check[] = [];
  const facts: VerdictFacts = {};

  const format = checkFormat(bundle);
  checks.push(format.check);
  const parsed = format.bundle;
  if (!parsed) {
    const reason = format.check.status === "error" ? "not checked: the bundle's format is not supported" : "not checked: the bundle is malformed";
    for (const id of CHECK_IDS.slice(1)) checks.push(skipped(id, reason, "prerequisite"));
    return finish(checks, facts, started, undefined);
  }
  const { receipt } = parsed;
  Object.assign(facts, {
    receiptId: receipt.receiptId,
    modelId: receipt.modelId,
    weightsDigest: receipt.weightsDigest,
    issuedAt: receipt.issuedAt,
  } satisfies VerdictFacts);

  const minConfirmations = BigInt(params.minConfirmations ?? 1);
  const urls = [...new Set([...(params.rpcUrl ? [params.rpcUrl] : []), ...(params.rpcUrls ?? [])])];
  const proven = provenMode(parsed, params, urls);
  // A pinned checkpoint, endpoints and a bundle without a chain proof: the proof is fetched from the endpoints at the
  // checkpoint's block and checked against the checkpoint (the endpoints are believed for nothing).
  // Also when the bundle's chain proof ends before every pinned checkpoint of its chain (an old self-contained bundle, a
  // refreshed trust file): the proof is made again at the pinned block, so what happened since (a compromise report) is seen.
  const fetchProof = proven?.kind === "pinned" && !params.offline && (parsed.anchor.chainProof === undefined || proofEndsBefore(parsed, proven.checkpoints)) && (params.client !== undefined || urls.length > 0) && params.useChainProof !== false;
  // Offline: no client, no transport, no request of any kind.
  const endpoints = params.client || proven || params.offline ? undefined : endpointsFor(params);
  const client = proven || params.offline ? undefined : (params.client ?? endpoints?.client);
  // Fetched proofs: each endpoint on its own (nothing it says is compared or believed: its proof is checked).
  const provers = fetchProof
    ? params.client
      ? [{ url: "the client", client: params.client }]
      : urls.map((url) => ({ url, client: createPublicClient({ transport: http(url, { batch: { wait: 0 }, timeout: params.timeoutMs ?? 10_000, retryCount: 1 }) }) as PublicClient }))
    : [];
  const proofReports: EndpointReport[] | undefined = proven?.kind === "endpoints" ? urls.map((url) => ({ url, answered: 0, failed: 0 })) : undefined;
  // Chain reads go out first; the offline checks run while they are in flight.
  const chain = fetchProof && proven?.kind === "pinned"
    ? provenOverRpc(parsed, provers, proven.checkpoints, params, minConfirmations)
    : proven
    ? runProvenChecks({
        bundle: parsed,
        checkpoint:
          proven.kind === "pinned"
            ? proven
            : {
                kind: "endpoints",
                resolve: (chainId, number) =>
                  checkpointFromEndpoints(urls, chainId, number, { quorum: params.checkpointQuorum, timeoutMs: params.timeoutMs, reports: proofReports }),
              },
        minConfirmations,
        maxClockSkew: params.maxClockSkew ?? DEFAULT_MAX_CLOCK_SKEW,
        trust: params.trust,
        earlierAnchoring: params.earlierAnchoring,
      })
    : client
    ? runChainChecks({
        client,
        bundle: parsed,
        minConfirmations,
        now: params.now ?? Math.floor(Date.now() / 1000),
        trust: params.trust,
        limits: {
          maxDelayHistory: params.limits?.maxDelayHistory ?? MAX_DELAY_HISTORY,
          maxSpanActivations: params.limits?.maxSpanActivations ?? MAX_SPAN_ACTIVATIONS,
        },
        maxClockSkew: params.maxClockSkew ?? DEFAULT_MAX_CLOCK_SKEW,
        deployments: params.deployments === null ? undefined : (params.deployments ?? committedDeployments()),
        earlierAnchoring: params.earlierAnchoring,
      })
    : undefined;
  checks.push(checkReceiptLeaf(parsed), checkProofRoot(parsed));
  const requireSignature = params.requireSignature ?? true;
  const signature = checkSignature(parsed).then((check) =>
    check.status === "skipped" && requireSignature
      ? fail("signature", "the receipt is not signed: an unsigned receipt names a serving node nobody can hold to it (pass requireSignature: false / --allow-unsigned to accept it as unproven)", {
          expected: `an EIP-712 signature by ${receipt.servingNode}`,
          found: "no signature",
          code: "unsigned",
        })
      : check,
  );
  const document = params.disclosure === undefined ? undefined : checkDisclosureDocument(parsed, params.disclosure);
  const disclosure = document?.check ?? checkDisclosure(parsed, params.disclosed);

  if (chain) {
    const result = await chain;
    checks.push(...result.checks);
    Object.assign(facts, result.facts);
  } else if (params.offline) {
    for (const id of CHAIN_CHECKS) {
      checks.push(errored(id, "could not check offline: no trusted checkpoint given (a trust file with checkpoints, or --checkpoint NUMBER:HASH)", { code: "no-checkpoint" }));
    }
  } else {
    for (const id of CHAIN_CHECKS) {
      checks.push(errored(id, "not checked: no RPC endpoint given (pass a client or an rpcUrl)", { code: "no-rpc" }));
    }
  }
  checks.push(await signature, disclosure);
  const verdict = finish(checks, facts, started, endpoints?.reports ?? proofReports);
  return document?.report ? { ...verdict, disclosure: document.report } : verdict;
}

/** Whether the chain checks come from the bundle's chain proof, and where the checkpoint comes from. */
function provenMode(bundle: ProofBundle, params: VerifyBundleParameters, urls: readonly string[]): CheckpointSource | { kind: "endpoints" } | undefined {
  const checkpoints = params.checkpoints ?? [];
  if (checkpoints.length > 0) return { kind: "pinned", checkpoints };
  if (params.offline) return undefined;
  if (bundle.anchor.chainProof !== undefined && !params.client && urls.length > 0 && params.useChainProof !== false) return { kind: "endpoints" };
  return undefined;
}

/**
 * The chain checks of a bundle without a chain proof against a pinned checkpoint: the anchor is proven over RPC at the
 * newest pinned block of its chain that the proof can reach (at or after the anchoring, within `maxHeaders`), and the
 * proof is checked against that block's pinned hash. The endpoints are tried in turn: one whose proof does not check
 * (or that cannot prove) is set aside and named; when none gives a proof that checks, the verdict is "could not check".
 * What a checked proof says is judged as offline.
 */
async function provenOverRpc(
  bundle: ProofBundle,
  provers: readonly { url: string; client: PublicClient }[],
  checkpoints: readonly Checkpoint[],
  params: VerifyBundleParameters,
  minConfirmations: bigint,
): Promise<{ checks: Check[]; facts: VerdictFacts }> {
  const { anchor } = bundle;
  const couldNot = (message: string, code: string) => ({ checks: CHAIN_CHECKS.map((id) => errored(id, message, { code })), facts: {} as VerdictFacts });
  const ofChain = checkpoints.filter((c) => c.chainId === anchor.chainId).sort((a, b) => b.number - a.number);
  const reachable = ofChain.find((c) => c.number >= anchor.blockNumber && c.number - anchor.blockNumber + 2 <= PROOF_LIMITS.maxHeaders);
  const common = { minConfirmations, maxClockSkew: params.maxClockSkew ?? DEFAULT_MAX_CLOCK_SKEW, trust: params.trust, earlierAnchoring: params.earlierAnchoring };
  // No checkpoint of the bundle's chain: judged as a bundle without a chain proof against those checkpoints.
  if (ofChain.length === 0) return runProvenChecks({ bundle, checkpoint: { kind: "pinned", checkpoints }, ...common });
  if (!reachable) {
    const pinnedBlocks = ofChain.map((c) => c.number).join(", ");
    return couldNot(
      `could not check: no pinned checkpoint of chain ${anchor.chainId} (block ${pinnedBlocks}) is at or after the anchoring block ${anchor.blockNumber} and within ${PROOF_LIMITS.maxHeaders} blocks of it, so the anchor cannot be proven from it: pin a checkpoint after the anchoring (or verify a self-contained bundle)`,
      "checkpoint-out-of-reach",
    );
  }
  const setAside: string[] = [];
  let last: { checks: Check[]; facts: VerdictFacts } | undefined;
  for (const { url, client } of provers) {
    let chainProof: ChainProof;
    try {
      chainProof = await proveAnchor(client, bundle, { proofBlock: reachable.number });
    } catch (error) {
      const text = printableShort(error instanceof Error ? error.message.split("\n")[0]! : String(error), 300);
      last = couldNot(`could not check: the RPC endpoint did not prove the anchor at the pinned block ${reachable.number}: ${text}`, "proof-unavailable");
      setAside.push(`${url}: could not prove (${printableShort(text, 120)})`);
      continue;
    }
    const withProof = toBundleV2(bundle, { anchors: [{ ...anchor, chainProof }, ...bundle.anchors.slice(1)] });
    const result = await runProvenChecks({ bundle: withProof, checkpoint: { kind: "pinned", checkpoints: [reachable] }, proofFromEndpoints: true, ...common });
    const chainCheck = result.checks.find((c) => c.id === "chain");
    const endpointFault = result.checks.some((c) => c.status === "error" && (c.code === "endpoint-proof" || c.code === "proof-incomplete"));
    if (!endpointFault) {
      if (setAside.length > 0 && chainCheck) {
        const note = ` (proof from ${url}; set aside: ${setAside.join("; ")})`;
        result.checks[result.checks.indexOf(chainCheck)] = { ...chainCheck, message: `${chainCheck.message}${note}`, code: "endpoint-set-aside" };
      }
      return result;
    }
    last = result;
    setAside.push(`${url}: its proof does not check (${printableShort(chainCheck?.message ?? "", 120)})`);
  }
  if (last && setAside.length > 1) {
    const all = `could not check: no RPC endpoint gave a proof that checks against the pinned block ${reachable.number}: ${setAside.join("; ")}`;
    return { ...last, checks: last.checks.map((c) => (c.status === "error" ? { ...c, message: all } : c)) };
  }
  return last ?? couldNot("could not check: no RPC endpoint given to fetch the chain proof from", "no-rpc");
}

/** Whether the anchor's chain proof ends before every pinned checkpoint of its chain (and there is one). */
function proofEndsBefore(bundle: ProofBundle, checkpoints: readonly Checkpoint[]): boolean {
  const proof = bundle.anchor.chainProof;
  if (!proof) return false;
  const last = bundle.anchor.blockNumber - 1 + proof.headers.length - 1;
  const ofChain = checkpoints.filter((c) => c.chainId === bundle.anchor.chainId);
  return ofChain.length > 0 && ofChain.every((c) => c.number > last);
}

function endpointsFor(params: VerifyBundleParameters): { client: PublicClient; reports: EndpointReport[] } | undefined {
  const urls = [...new Set([...(params.rpcUrl ? [params.rpcUrl] : []), ...(params.rpcUrls ?? [])])];
  if (urls.length === 0) return undefined;
  const { transport, reports } = multiEndpointTransport(urls, { timeoutMs: params.timeoutMs ?? 10_000 });
  return { client: createPublicClient({ transport }), reports };
}

function finish(checks: Check[], facts: VerdictFacts, started: number, endpoints: readonly EndpointReport[] | undefined): Verdict {
  const order = new Map<string, number>(CHECK_IDS.map((id, i) => [id, i]));
  checks.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const judged = judge(checks);
  return {
    ...judged,
    headline: judged.status === "verified" ? headlineOf(facts) : judged.summary,
    uncertain: uncertaintiesOf(checks, facts),
    checks,
    facts,
    ...(endpoints ? { endpoints: endpoints.map((e) => ({ ...e })) } : {}),
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

/** "answer by node N of operator O (log L), model M vX, active at T, anchored at T', K confirmations". */
export function headlineOf(facts: VerdictFacts): string {
  const parts = [`answer by node ${facts.servingNode ?? "?"} of operator ${facts.operator ?? "?"} (log ${short(facts.logId ?? "?")})`];
  if (facts.modelId !== undefined && facts.activeVersion !== undefined) {
    const model = facts.modelName ?? short(facts.modelId);
    const version = facts.versionNumber !== undefined ? `v${facts.versionNumber}` : short(facts.weightsDigest ?? "?");
    parts.push(`model ${model} ${version}, active at ${facts.issuedAt !== undefined ? isoTime(facts.issuedAt) : "?"}`);
  }
  if (facts.anchoredAt !== undefined) parts.push(`anchored at ${isoTime(facts.anchoredAt)}`);
  if (facts.confirmations !== undefined) parts.push(`${facts.confirmations} confirmation${facts.confirmations === "1" ? "" : "s"}`);
  return parts.join(", ");
}

/** What a verdict leaves open, said as such. */
function uncertaintiesOf(checks: readonly Check[], facts: VerdictFacts): string[] {
  const out: string[] = [];
  const byId = (id: string) => checks.find((c) => c.id === id);
  const pinned = byId("pinned");
  if (pinned?.code === "nothing-pinned") {
    out.push(`nothing pinned: the answer is vouched for by log ${facts.logId ?? "?"} and its operator ${facts.operator ?? "?"} only; anyone can create a log`);
  }
  if (byId("signature")?.status === "skipped") out.push("the receipt is unsigned (accepted because signatures were not required): its serving node is a claim");
  if (byId("model-version")?.status === "skipped" && byId("model-version")?.code === "not-applicable") out.push("the receipt names no model: no model version was checked");
  if (facts.versionChangedAt !== undefined) {
    out.push(`the model's timeline changed at ${isoTime(facts.versionChangedAt)}, between the receipt's time and its anchoring: the receipt's time is the serving node's word, bounded by the log's declared maximum delay`);
  }
  const anchorer = byId("anchorer");
  if (anchorer?.status === "pass" && anchorer.message.includes("keeps no state that old")) {
    out.push("the anchorer's authorisation at the anchoring block was inferred (the endpoint keeps no state that old)");
  }
  // An endpoint that lied and was outvoted or set aside: the verdict holds, but someone serves another answer.
  const chain = byId("chain");
  if (chain?.status === "pass" && (chain.code === "endpoint-dissent" || chain.code === "endpoint-set-aside")) out.push(`${chain.name}: ${chain.message}`);
  for (const check of checks) if (check.status === "error") out.push(`${check.name}: ${check.message}`);
  return out;
}
