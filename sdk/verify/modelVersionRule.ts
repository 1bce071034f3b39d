/**
 * The model-version rule, in one place (issue #22 item 7): the version a receipt claims must be the active version
 * of its model over the whole span from the receipt's time to its anchoring, because the receipt's time is the
 * serving node's word. The online verifier (`checks/modelVersion.ts`, span read with `activationIndexAt`), the
 * offline verifier (`checks/proven.ts`, span read from storage proofs) and the monitor (`sdk/monitor`, span cut from
 * the whole timeline by {@link versionSpan}) all call {@link judgeModelVersion}; the delay bound all three give it
 * comes from {@link delayBoundOf}.
 *
 * - The entry in force at `issuedAt` must name the claimed version (else `version-mismatch` / `no-active-version`).
 * - If the timeline changed between `issuedAt` and the anchoring, the receipt's time may have been moved back into
 *   the claimed version's window: that passes only when the log declared a maximum anchoring delay that the batch
 *   met (it bounds how far back the time can be moved); otherwise "could not check" (`changed-before-anchoring`).
 * - A hosted model (docs/capture.md "Hosted models"): a published provider version of a model whose version in force
 *   is hosted too passes whatever the activations say (`hosted-version`).
 *
 * AnswerEscrow judges over [issuedAt, release], a superset of this span (docs/contracts.md): it never pays for a
 * receipt this rule refuses.
 *
 * @module
 */
import { zeroHash, type Hex } from "viem";

import { printableShort } from "../text/display.js";
import { duration, isoTime as iso, short } from "./check.js";
import { strictestDelay } from "./anchorDelay.js";

/** The ModelTimeline's ActivationKind enum, in order. */
const KIND = ["deployment", "rollback", "deactivation"] as const;

/** One timeline entry, as the rule needs it (from `activations(...)`, a storage proof or a read timeline). */
export interface VersionEntry {
  /** Position in the model's timeline. */
  readonly index: bigint | number;
  /** 0 deployment, 1 rollback, 2 deactivation (the contract's enum). */
  readonly kind: number;
  /** The version number (0 for a deactivation). */
  readonly version: number;
  readonly weightsDigest: Hex;
  readonly activatedAt: bigint | number;
  /** The reason recorded with a rollback or a deactivation, when known. */
  readonly reason?: string | undefined;
}

/** What the rule judges. */
export interface ModelVersionQuestion {
  readonly issuedAt: number;
  /** The claimed version (the receipt's weights digest). */
  readonly weightsDigest: Hex;
  /** End of the span: the anchoring block's time (the receipt's time when not anchored yet). */
  readonly until: number;
  readonly anchored: boolean;
  /** Whether the model is registered in the log's timeline. */
  readonly registered: boolean;
  /** The claimed version as published: its number (0: never published) and metadata URI. */
  readonly claimed: { readonly version: number; readonly metadataURI?: string | undefined; readonly publishedAt?: number | bigint | undefined };
  /** The entries in force over [issuedAt, until]: the one in force at issuedAt first, then every later one; empty when none was. */
  readonly span: readonly VersionEntry[];
  /** The log's declared maximum delay, when the batch met it ({@link delayBoundOf}). */
  readonly delayBound: number | undefined;
  /** The metadata URI of a published version (the hosted-model rule); without it hosted versions are not recognised. */
  readonly metadataURIOf?: ((weightsDigest: Hex) => Promise<string | undefined> | string | undefined) | undefined;
  /** Added to a passing message to say where the facts come from, e.g. " (proven from the timeline's storage)". */
  readonly provenance?: string | undefined;
}

/** The rule's answer; `status` is a verdict check status (`error` = could not check). */
export interface ModelVersionJudgement {
  readonly status: "pass" | "fail" | "error";
  readonly message: string;
  readonly code?: string | undefined;
  readonly expected?: string | undefined;
  readonly found?: string | undefined;
  /** The version in force at the receipt's time (absent when none was). */
  readonly activeVersion?: Hex | undefined;
  /** When the timeline changed within the span. */
  readonly versionChangedAt?: number | undefined;
}

/** Seconds a receipt's time may be after its anchoring block's (clocks differ) before the verifier fails it. */
export const DEFAULT_MAX_CLOCK_SKEW = 60;

/** The metadata URI prefix that marks a published version as a hosted model's provider version. */
export const HOSTED_METADATA_PREFIX = "showwork:hosted?";

/** The provider version a hosted metadata URI names, or undefined for any other URI. */
export function parseHostedMetadataUri(uri: string | undefined): { readonly provider: string; readonly fingerprint: string } | undefined {
  if (uri === undefined || !uri.startsWith(HOSTED_METADATA_PREFIX)) return undefined;
  const params = new URLSearchParams(uri.slice(HOSTED_METADATA_PREFIX.length));
  const provider = params.get("provider");
  const fingerprint = params.get("fingerprint");
  return provider === null || fingerprint === null ? undefined : { provider, fingerprint };
}

/**
 * The log's declared maximum anchoring delay when the batch met it, else undefined: the strictest maximum in force
 * while the receipt waited ({@link strictestDelay}), if the receipt was anchored within it (and not more than
 * `maxClockSkew` seconds before its own time). A late batch bounds nothing.
 */
export function delayBoundOf(history: readonly { readonly since: bigint | number; readonly maxAnchorDelay: number }[], issuedAt: number, anchoredAt: number, maxClockSkew = DEFAULT_MAX_CLOCK_SKEW): number | undefined {
  const strictest = strictestDelay(history, issuedAt, anchoredAt);
  if (strictest === undefined) return undefined;
  const delay = anchoredAt - issuedAt;
  return delay >= -maxClockSkew && delay <= strictest ? strictest : undefined;
}

/**
 * The entries in force over [from, to] from a whole timeline (oldest first): the last one activated at or before
 * `from` (as `ModelTimeline.activationIndexAt` finds it), then every one up to the last activated at or before `to`.
 * Empty when nothing was activated at or before `from`.
 */
export function versionSpan<T extends { readonly activatedAt: bigint | number }>(timeline: readonly T[], from: number, to: number): T[] {
  const end = Math.max(from, to);
  let first = -1;
  let last = -1;
  for (let i = 0; i < timeline.length; i++) {
    const at = Number(timeline[i]!.activatedAt);
    if (at <= from) first = i;
    if (at <= end) last = i;
  }
  return first < 0 ? [] : timeline.slice(first, last + 1);
}

/** Judges the claimed version over the span (see the module). */
export async function judgeModelVersion(q: ModelVersionQuestion): Promise<ModelVersionJudgement> {
  const { claimed, span } = q;
  const from = q.issuedAt;
  const to = Math.max(from, q.until);
  const claimedName = claimed.version > 0 ? `v${claimed.version} (${short(q.weightsDigest)})` : short(q.weightsDigest);
  const when = iso(from);
  const inForce = span[0];
  if (!q.registered || inForce === undefined) {
    return {
      status: "fail",
      message: `the receipt claims ${claimedName}, but ${q.registered ? "the model had no activation in the log's timeline before" : "the model is not registered in the log's timeline at"} ${when}`,
      expected: q.weightsDigest,
      found: "no active version",
      code: "no-active-version",
    };
  }
  const describe = (entry: VersionEntry): string =>
    `${KIND[entry.kind] ?? "activation"} #${entry.index} at ${iso(entry.activatedAt)}${entry.reason ? ` (reason: "${printableShort(entry.reason, 200)}")` : ""}`;
  const since = describe(inForce);
  const activeVersion = inForce.weightsDigest === zeroHash ? undefined : (inForce.weightsDigest.toLowerCase() as Hex);
  /** A hosted model: the claimed version is a published provider version, and so is the one in force then. */
  const hostedPass = async (): Promise<ModelVersionJudgement | undefined> => {
    const claimedHosted = claimed.version > 0 ? parseHostedMetadataUri(claimed.metadataURI) : undefined;
    if (claimedHosted === undefined || inForce.weightsDigest === zeroHash || q.metadataURIOf === undefined) return undefined;
    if (parseHostedMetadataUri(await q.metadataURIOf(inForce.weightsDigest)) === undefined) return undefined;
    const publishedAt = Number(claimed.publishedAt ?? 0);
    return {
      status: "pass",
      message: `hosted model: ${claimedName} is the provider version ${printableShort(claimedHosted.provider, 60)} system_fingerprint ${printableShort(claimedHosted.fingerprint, 80)}, published in the log's timeline at ${iso(publishedAt)}${publishedAt > from ? " (after the answer: the operator publishes a provider version once it has answered)" : ""}; the provider chooses which of its versions answers, so the timeline's activations (${since} at the receipt's time) do not decide for a hosted model`,
      expected: q.weightsDigest,
      found: `published hosted version v${claimed.version} (${claimed.metadataURI})`,
      code: "hosted-version",
      activeVersion,
    };
  };

  if (inForce.weightsDigest.toLowerCase() !== q.weightsDigest.toLowerCase()) {
    if (inForce.weightsDigest === zeroHash) {
      return { status: "fail", message: `the receipt claims ${claimedName}, but no version of the model was active at ${when}: the model was deactivated (${since})`, expected: q.weightsDigest, found: "no active version", code: "no-active-version" };
    }
    const hosted = await hostedPass();
    if (hosted !== undefined) return hosted;
    const activeName = inForce.version > 0 ? `v${inForce.version} (${short(inForce.weightsDigest)})` : short(inForce.weightsDigest);
    return {
      status: "fail",
      message: `the receipt claims ${claimedName}${claimed.version === 0 ? ", a version never published in this timeline," : ""} but ${activeName} was the active version at ${when}, since ${since}`,
      expected: q.weightsDigest,
      found: inForce.weightsDigest,
      code: "version-mismatch",
      activeVersion,
    };
  }
  const end = q.anchored ? `its anchoring at ${iso(to)}` : `now (${iso(to)}, not anchored yet)`;
  if (span.length === 1) {
    return { status: "pass", message: `${claimedName} was the model's active version from the receipt's time ${when} through ${end}, since ${since}${q.provenance ?? ""}`, expected: q.weightsDigest, found: inForce.weightsDigest, activeVersion };
  }
  // The timeline changed between the receipt's time and its anchoring.
  const change = span[1]!;
  const versionChangedAt = Number(change.activatedAt);
  const changeText = `${describe(change)}${change.version > 0 ? `, to v${change.version}` : ""}`;
  const detail = { expected: `${q.weightsDigest} over ${from}..${to}`, found: `${inForce.weightsDigest} until ${change.activatedAt}, then ${change.weightsDigest}`, activeVersion, versionChangedAt };
  if (q.delayBound !== undefined) {
    return {
      status: "pass",
      message: `${claimedName} was the active version at the receipt's time ${when} (since ${since}); the timeline changed before ${end}: ${changeText}. The log's declared maximum anchoring delay (${duration(q.delayBound)}), which the batch met, bounds how far the receipt's time could have been moved back`,
      ...detail,
    };
  }
  const hosted = await hostedPass();
  if (hosted !== undefined) return hosted;
  return {
    status: "error",
    message: `could not check: ${claimedName} was active at the receipt's time ${when}, but the timeline changed before ${end} (${changeText}) and the log declares no maximum anchoring delay that the batch met, so the receipt's time, the serving node's word, may have been moved back into that version's window`,
    ...detail,
    code: "changed-before-anchoring",
  };
}
