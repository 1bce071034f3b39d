/**
 * Verifying a bundle anchored on several chains, under a policy: which chains must confirm.
 *
 * Each anchor of the bundle (`anchors[]`, one per chain) is verified on its own chain, with that
 * chain's endpoints, by the same checks as a single-chain bundle ({@link verifyBundle}). The policy
 * then says what is enough:
 * - `"all"`: every anchor the bundle carries must verify (the default; a one-anchor bundle is judged
 *   exactly as before);
 * - `"any"`: one verified anchor is enough; the chains that could not be checked are named in the
 *   verdict (`uncertain`, `chains[]`), never passed over in silence;
 * - a number N: at least N chains;
 * - named chains (`{ chains: ["l1"] }`, names from the trust file or chain ids): each of them must verify
 *   (e.g. "the L1 must confirm"), whatever the others say.
 *
 * Whatever the policy, a chain whose log holds a different root for the batch than the bundle (or an
 * anchor that names another root) fails the verdict loudly: chains that disagree about a batch are
 * never averaged away. The verdict's anchoring time is the earliest that the policy accepts (a verified
 * chain; under named chains, a verified named chain): the batch provably existed then, so every other
 * anchor is judged again at that time by the checks that depend on it (anchor delay, model version, a
 * compromised key's cut-off). An L1 commitment that lands hours after the L2 anchoring therefore does
 * not make a receipt "late" or put it past a compromise report. The headline, facts and checks shown are
 * those of that chain.
 *
 * Browser-safe.
 *
 * @module
 */
import { createPublicClient, http, type PublicClient } from "viem";

import { errored, fail, isoTime, short } from "./check.js";
import { printable } from "./printable.js";
import { checkFormat } from "./checks/format.js";
import { judge, type Check, type Verdict, type VerdictReason, type VerdictStatus } from "./verdict.js";
import { verifyBundle, type VerifyBundleParameters } from "./verifyBundle.js";
import type { EarlierAnchoring } from "./checks/onchain.js";

/** Which chains must confirm (see the module comment). */
export type ChainRequirement = "all" | "any" | number | { readonly chains: readonly (string | number)[] };

/** Where to read one chain: its id, an optional name (as the verdict shows it), and its endpoints or a client. */
export interface ChainEndpoints {
  readonly chainId: number;
  readonly name?: string | undefined;
  readonly rpcUrls?: readonly string[] | undefined;
  readonly client?: PublicClient | undefined;
}

/** Parameters of {@link verifyBundleOnChains}: those of {@link verifyBundle} per chain, plus the chains and the policy. */
export interface VerifyOnChainsParameters extends Omit<VerifyBundleParameters, "client" | "rpcUrl" | "rpcUrls"> {
  /** Each chain's endpoints (an anchor on a chain not listed is "could not check"). */
  readonly chains: readonly ChainEndpoints[];
  /** The policy (default "all"). */
  readonly require?: ChainRequirement | undefined;
}

/** One chain's part of a multi-chain verdict. */
export interface ChainVerdict {
  /** The chain's name, when the caller named it. */
  readonly name?: string | undefined;
  readonly chainId: number;
  readonly logId: string;
  readonly batchIndex: number;
  readonly txHash: string;
  readonly status: VerdictStatus;
  readonly reason: VerdictReason;
  /** Counted toward the policy (this chain verified the anchor). */
  readonly accepted: boolean;
  /** What this chain proved, or why not, in one line. */
  readonly proved: string;
  /** When the anchoring block was made (unix seconds), when the chain could say. */
  readonly anchoredAt?: number | undefined;
  readonly confirmations?: string | undefined;
  /** The chain's log holds another root for this batch, or the anchor names another root: the chains disagree. */
  readonly conflict: boolean;
  /** The full single-chain verdict. */
  readonly verdict: Verdict;
  /**
   * When this chain anchored the batch later than the earliest anchoring the policy accepts: that earlier time (unix
   * seconds), at which this chain's delay, model-version and compromise checks judged the receipt.
   */
  readonly judgedAt?: number | undefined;
}

/** A verdict over several chains: a {@link Verdict} (of the accepted chain, see the module comment) plus every chain's part. */
export interface MultiChainVerdict extends Verdict {
  /** The policy, in words ("all", "any", "at least 2", "l1"). */
  readonly policy: string;
  /** Every anchor of the bundle, in the bundle's order. */
  readonly chains: readonly ChainVerdict[];
}

/** The policy in words. */
export function describeRequirement(require: ChainRequirement): string {
  if (require === "all" || require === "any") return require;
  if (typeof require === "number") return `at least ${require} chain${require === 1 ? "" : "s"}`;
  return require.chains.map(String).join(" and ");
}

/**
 * Parses `--require`: `all`, `any`, a number, or chain names / ids separated by commas.
 * @throws {Error} naming what was expected.
 */
export function parseRequirement(value: string): ChainRequirement {
  const v = value.trim();
  if (v === "all" || v === "any") return v;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1) throw new Error(`--require ${v}: at least 1 chain`);
    return n;
  }
  const names = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0 || names.some((n) => !/^[A-Za-z0-9_.-]{1,64}$/.test(n))) {
    throw new Error(`--require: expected all, any, a number, or chain names separated by commas, found "${value.slice(0, 80)}"`);
  }
  return { chains: names.map((n) => (/^\d+$/.test(n) ? Number(n) : n)) };
}

interface RawAnchor {
  chainId: number;
  contract: string;
  logId: string;
  batchIndex: number;
  txHash: string;
  blockNumber: number;
  root?: string;
  [more: string]: unknown;
}

/**
 * Verifies a bundle's anchors on their chains and judges them by the policy (see the module comment).
 * Never throws for a bad bundle or an unreachable endpoint.
 * @example
 * const verdict = await verifyBundleOnChains(bundle, {
 *   chains: [{ chainId: 10, name: "l2", rpcUrls: ["https://l2.example"] }, { chainId: 1, name: "l1", rpcUrls: ["https://l1.example"] }],
 *   require: "any",
 * });
 * verdict.chains.map((c) => `${c.name}: ${c.proved}`);
 */
export async function verifyBundleOnChains(bundle: unknown, params: VerifyOnChainsParameters): Promise<MultiChainVerdict> {
  const require = params.require ?? "all";
  const policy = describeRequirement(require);
  let value = bundle;
  if (typeof bundle === "string") {
    try {
      value = JSON.parse(bundle) as unknown;
    } catch {
      value = bundle; // the format check says what is wrong
    }
  }
  const format = checkFormat(value);
  if (!format.bundle) {
    const verdict = await verifyBundle(value, { ...params, rpcUrls: [] });
    return { ...verdict, policy, chains: [] };
  }
  const record = value as { format: string; anchor?: RawAnchor; anchors?: RawAnchor[]; root: string };
  const anchors: RawAnchor[] = record.anchors ?? (record.anchor ? [{ ...record.anchor, root: record.root }] : []);
  const bundleRoot = record.root.toLowerCase();
  const nameOf = (chainId: number): string | undefined => params.chains.find((c) => c.chainId === chainId)?.name;
  const label = (chainId: number): string => {
    const name = nameOf(chainId);
    return name === undefined ? `chain ${chainId}` : `${name} (chain ${chainId})`;
  };

  const { chains: _chains, require: _require, checkpoints: allCheckpoints, ...single } = params;
  const verifyOne = async (anchor: RawAnchor, earlier?: EarlierAnchoring): Promise<ChainVerdict> => {
    // The same bundle with this one anchor (as v2, so the anchor's own fields, e.g. its chain proof, stay).
    const { anchor: _a, anchors: _as, ...rest } = value as Record<string, unknown>;
    const view = record.anchors ? { ...rest, anchors: [anchor] } : value;
    const endpoints = params.chains.find((c) => c.chainId === anchor.chainId);
    const client = endpoints?.client;
    // Each chain against its own checkpoints: a chain nobody pinned is "could not check" offline (RPC online), not a
    // bundle "of another chain" (that failure is for a single-chain verdict whose chain id matches no checkpoint).
    const own = (allCheckpoints ?? []).filter((c) => c.chainId === anchor.chainId);
    const verdict = await verifyBundle(view, {
      ...single,
      ...(own.length > 0 ? { checkpoints: own } : {}),
      ...(client ? { client } : { rpcUrls: endpoints?.rpcUrls ?? [] }),
      ...(earlier === undefined ? {} : { earlierAnchoring: earlier }),
    });
    let checks = verdict.checks;
    // A head commitment names the primary log's head, not the batch root: its links are checked instead (checks/onchain.ts).
    const commitment = anchor.commitment as { batchIndex: number; links: unknown[] } | undefined;
    const claimed = commitment !== undefined ? bundleRoot : typeof anchor.root === "string" ? anchor.root.toLowerCase() : bundleRoot;
    const rootCheck = checks.find((c) => c.id === "batch-root");
    let conflict = claimed !== bundleRoot || (rootCheck?.status === "fail" && rootCheck.code === "mismatch");
    if (claimed !== bundleRoot) {
      checks = checks.map((c) =>
        c.id === "batch-root"
          ? fail("batch-root", `the anchor on ${label(anchor.chainId)} names root ${short(claimed)}, not the bundle's root ${short(bundleRoot)}: the chains disagree about this batch`, {
              expected: bundleRoot,
              found: claimed,
              code: "chains-disagree",
            })
          : c,
      );
    }
    if (!endpoints || (endpoints.client === undefined && (endpoints.rpcUrls ?? []).length === 0)) {
      checks = checks.map((c) =>
        c.code === "no-rpc" ? errored(c.id, `not checked: no RPC endpoint for ${label(anchor.chainId)} (give one with --rpc or --chain ${anchor.chainId}=URL)`, { code: "no-rpc" }) : c,
      );
    }
    conflict ||= checks.some((c) => c.code === "chains-disagree");
    const judged = checks === verdict.checks ? verdict : { ...verdict, ...judge(checks), checks };
    const accepted = judged.status === "verified";
    const f = judged.facts;
    const proved = accepted
      ? `${commitment !== undefined ? `root ${short(bundleRoot)} (batch ${commitment.batchIndex}) through a head commitment to batches up to ${commitment.batchIndex + commitment.links.length - 1} at index ${anchor.batchIndex} of log ${short(anchor.logId)}` : `root ${short(bundleRoot)} at index ${anchor.batchIndex} of log ${short(anchor.logId)}`}, anchored at ${f.anchoredAt !== undefined ? isoTime(f.anchoredAt) : "?"}, ${f.confirmations ?? "?"} confirmation${f.confirmations === "1" ? "" : "s"}${earlier !== undefined && f.anchoredAt !== undefined && earlier.at < f.anchoredAt ? `; its receipt judged at ${isoTime(earlier.at)}, the earliest accepted anchoring (${earlier.on})` : ""}`
      : conflict
        ? `CHAINS DISAGREE: ${checks.find((c) => c.id === "batch-root")?.message ?? "another root for this batch"}`
        : judged.summary;
    return {
      ...(nameOf(anchor.chainId) === undefined ? {} : { name: nameOf(anchor.chainId) }),
      chainId: anchor.chainId,
      logId: anchor.logId,
      batchIndex: anchor.batchIndex,
      txHash: anchor.txHash,
      status: judged.status,
      reason: judged.reason,
      accepted,
      proved,
      ...(f.anchoredAt === undefined ? {} : { anchoredAt: f.anchoredAt }),
      ...(f.confirmations === undefined ? {} : { confirmations: f.confirmations }),
      conflict,
      verdict: judged,
      ...(earlier !== undefined && f.anchoredAt !== undefined && earlier.at < f.anchoredAt ? { judgedAt: earlier.at } : {}),
    };
  };
  const matches = (p: ChainVerdict, want: string | number): boolean => (typeof want === "number" ? p.chainId === want : p.name === want);
  /** Whether the policy takes this chain's word for the anchoring time: any chain, or only the named ones. */
  const vouchesForTime = (p: ChainVerdict): boolean =>
    p.accepted && (typeof require === "object" ? require.chains.some((want) => matches(p, want)) : true);

  let parts = await Promise.all(anchors.map((anchor) => verifyOne(anchor)));
  // The earliest anchoring time the policy accepts is the one the delay, model-version and compromise checks use
  // (issue #23): each anchor anchored later (or not judged at all for its own time) is judged again at that time.
  const first = parts.filter(vouchesForTime).sort((a, b) => (a.anchoredAt ?? Infinity) - (b.anchoredAt ?? Infinity))[0];
  if (first?.anchoredAt !== undefined) {
    const earlier: EarlierAnchoring = { at: first.anchoredAt, on: label(first.chainId) };
    parts = await Promise.all(
      parts.map((p, i) => (p !== first && !p.conflict && p.anchoredAt !== undefined && p.anchoredAt > earlier.at ? verifyOne(anchors[i]!, earlier) : p)),
    );
  }

  const accepted = parts.filter((p) => p.accepted);
  let met: boolean;
  let missing: string[] = [];
  if (require === "all") {
    met = parts.length > 0 && accepted.length === parts.length;
    missing = parts.filter((p) => !p.accepted).map((p) => label(p.chainId));
  } else if (require === "any") {
    met = accepted.length >= 1;
  } else if (typeof require === "number") {
    met = new Set(accepted.map((p) => p.chainId)).size >= require;
  } else {
    missing = require.chains.filter((want) => !accepted.some((p) => matches(p, want))).map(String);
    met = missing.length === 0;
  }
  const conflicts = parts.filter((p) => p.conflict);
  const failedParts = parts.filter((p) => p.status === "failed");
  // The chain whose verdict stands for the whole: the earliest anchoring the policy accepts, else the first anchor.
  const earliest = parts.filter(vouchesForTime).sort((a, b) => (a.anchoredAt ?? Infinity) - (b.anchoredAt ?? Infinity))[0] ?? accepted[0];
  const lead = earliest ?? failedParts[0] ?? parts[0];
  if (lead === undefined) {
    const verdict = await verifyBundle(value, { ...single, rpcUrls: [] });
    return { ...verdict, policy, chains: [] };
  }
  const base = lead.verdict;
  const notChecked = parts.filter((p) => !p.accepted && !p.conflict && p.status !== "failed");
  const uncertain = [
    ...base.uncertain,
    ...notChecked.map((p) => `${label(p.chainId)} not confirmed: ${p.proved}`),
  ];
  const chainList = parts.map((p) => `${label(p.chainId)} ${p.accepted ? "confirmed" : p.conflict ? "DISAGREES" : p.status === "failed" ? "failed" : "not confirmed"}`).join(", ");
  let status: VerdictStatus;
  let reason: VerdictReason;
  let summary: string;
  if (conflicts.length > 0) {
    status = "failed";
    reason = "failed";
    summary = `FAILED: the chains disagree about this batch: ${conflicts.map((p) => `${label(p.chainId)}: ${p.proved.replace(/^CHAINS DISAGREE: /, "")}`).join("; ")}`;
  } else if (failedParts.length > 0) {
    status = "failed";
    reason = "failed";
    summary = `FAILED on ${failedParts.map((p) => label(p.chainId)).join(", ")}: ${failedParts[0]!.verdict.summary}`;
  } else if (met) {
    status = "verified";
    reason = "verified";
    summary = `VERIFIED (require ${policy}: ${chainList})${notChecked.length > 0 ? `; not checked: ${notChecked.map((p) => label(p.chainId)).join(", ")}` : ""}`;
  } else {
    status = "pending";
    const open = parts.filter((p) => !p.accepted);
    reason = open.some((p) => p.reason === "could-not-check") ? "could-not-check" : open.some((p) => p.reason === "unsupported-format") ? "unsupported-format" : "not-final";
    const need = missing.length > 0 ? missing.join(", ") : `${policy}`;
    summary = `NOT VERIFIED under require ${policy}: ${need} not confirmed (${chainList})`;
    if (parts.length === 0) summary = "NOT VERIFIED: the bundle carries no anchor";
  }
  const checks: Check[] = [...base.checks];
  return {
    ...base,
    status,
    reason,
    summary,
    headline: status === "verified" ? `${base.headline}; confirmed on ${accepted.map((p) => label(p.chainId)).join(", ")}` : summary,
    uncertain,
    checks,
    facts: { ...base.facts, ...(earliest?.anchoredAt === undefined ? {} : { anchoredAt: earliest.anchoredAt }) },
    policy,
    chains: parts,
  };
}

/** The chains of a multi-chain verdict as text: one line per chain, what it proved and when (or why not). */
export function formatChainVerdicts(verdict: MultiChainVerdict): string {
  const lines = [`Chains (require ${verdict.policy}):`];
  for (const c of verdict.chains) {
    const who = `${c.name === undefined ? "" : `${printable(c.name)} `}(chain ${c.chainId}, log ${short(c.logId)}, index ${c.batchIndex})`;
    const mark = c.accepted ? "CONFIRMED" : c.conflict ? "DISAGREES" : c.status === "failed" ? "FAILED" : "NOT CONFIRMED";
    lines.push(`  ${mark.padEnd(13)} ${who}: ${printable(c.proved)}`);
  }
  if (verdict.chains.length === 0) lines.push("  (none: the bundle could not be read)");
  return lines.join("\n");
}

/**
 * Finds each endpoint's chain id (`eth_chainId`) and groups the endpoints by chain, so that `--rpc` can
 * be given for several chains at once. An endpoint that does not answer is reported in `unreachable`.
 */
export async function groupEndpointsByChain(
  urls: readonly string[],
  options: { timeoutMs?: number; names?: ReadonlyMap<number, string> } = {},
): Promise<{ chains: ChainEndpoints[]; unreachable: { url: string; error: string }[] }> {
  const unreachable: { url: string; error: string }[] = [];
  const byChain = new Map<number, string[]>();
  await Promise.all(
    urls.map(async (url) => {
      try {
        const id = await createPublicClient({ transport: http(url, { retryCount: 0, timeout: options.timeoutMs ?? 10_000 }) }).getChainId();
        byChain.set(id, [...(byChain.get(id) ?? []), url]);
      } catch (error) {
        unreachable.push({ url, error: error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message).split("\n")[0]! : String(error) });
      }
    }),
  );
  return {
    chains: [...byChain].map(([chainId, rpcUrls]) => ({ chainId, rpcUrls, ...(options.names?.has(chainId) ? { name: options.names.get(chainId) } : {}) })),
    unreachable,
  };
}
