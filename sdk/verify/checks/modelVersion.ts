/**
 * The model-version check: the version a receipt claims (its weights digest) was the active
 * version of its model in the timeline bound to its log — at the receipt's time and on to its
 * anchoring — or which version was active instead (the rollback question).
 *
 * The timeline is the one `ReceiptLogs.logTimeline(logId)` names, never one from the bundle,
 * and its code must be the showwork ModelTimeline build serving the anchoring contract.
 *
 * The receipt's time is the serving node's word. The check looks at the whole span from it to
 * the anchoring block: if the timeline changed in between, a receipt whose time was moved back
 * could pick the version it is judged by. That passes only when the log declared a maximum
 * anchoring delay that the batch met (which bounds how far back the time can be); otherwise the
 * check cannot decide ("could not check").
 *
 * **Hosted models** (served by a provider, whose version is the provider's `system_fingerprint`:
 * docs/capture.md "Hosted models"). The provider, not the operator, chooses which version answers,
 * and the operator learns of a new one only when it answers: it publishes that version afterwards,
 * marked hosted (metadata URI `showwork:hosted?provider=P&fingerprint=F`, written by `showwork model
 * publish --hosted P:F`). A receipt claiming a published hosted version of a model whose version in
 * force at the receipt's time is hosted too passes whatever the activations say, and the check says
 * so: which provider version, when it was published (after the answer, typically), and that the
 * activation question does not apply. A version never published still fails ("publish it").
 *
 * @module
 */
import { type Address, type Hex, type PublicClient } from "viem";

import type { ProofBundle } from "../../bundle/types.js";
import { modelTimelineAbi } from "../../contracts/abis.js";
import { check, errored, fail } from "../check.js";
import { codeHashOf, immutablesHold, matchShowworkCode } from "../contractCode.js";
import { judgeModelVersion, HOSTED_METADATA_PREFIX } from "../modelVersionRule.js";
import { printableShort } from "../printable.js";
import { settle } from "../settle.js";
import type { Check, VerdictFacts } from "../verdict.js";
import { need } from "../reads.js";

/** The most timeline entries read between a receipt's time and its anchoring (a cap against hostile contracts). */
export const MAX_SPAN_ACTIVATIONS = 64;

type ActivationRecord = { activatedAt: bigint; version: number; weightsDigest: Hex; kind: number; reason: string };

export { HOSTED_METADATA_PREFIX, parseHostedMetadataUri } from "../modelVersionRule.js";

/** The metadata URI `showwork model publish --hosted PROVIDER:FINGERPRINT` writes. */
export function hostedMetadataUri(provider: string, fingerprint: string): string {
  return `${HOSTED_METADATA_PREFIX}provider=${encodeURIComponent(provider)}&fingerprint=${encodeURIComponent(fingerprint)}`;
}

/** Inputs of {@link checkModelVersion}. */
export interface ModelVersionParameters {
  readonly bundle: ProofBundle;
  readonly facts: VerdictFacts;
  /** The timeline bound to the log. */
  readonly timeline: Address;
  /** End of the span: the anchoring block's time (or now, when not anchored yet). */
  readonly until: number;
  readonly anchored: boolean;
  /** The log's declared maximum delay, when the batch met it (bounds a moved-back receipt time). */
  readonly delayBound: number | undefined;
  /** Timeline entries read at most in the span (default {@link MAX_SPAN_ACTIVATIONS}). */
  readonly maxSpanActivations?: number;
}

/** Reads the timeline and judges the claimed version over [issuedAt, until]. */
export async function checkModelVersion(client: PublicClient, params: ModelVersionParameters): Promise<Check> {
  const { bundle, facts, timeline, until } = params;
  const { receipt, anchor } = bundle;
  const contract = { address: timeline, abi: modelTimelineAbi } as const;
  const from = receipt.issuedAt;
  const to = Math.max(from, until);
  const reads = {
    code: settle(() => client.getCode({ address: timeline })),
    info: settle(() => client.readContract({ ...contract, functionName: "modelInfo", args: [anchor.logId, receipt.modelId] })),
    claimed: settle(() => client.readContract({ ...contract, functionName: "versionInfo", args: [anchor.logId, receipt.modelId, receipt.weightsDigest] })),
    atStart: settle(() => client.readContract({ ...contract, functionName: "activationIndexAt", args: [anchor.logId, receipt.modelId, BigInt(from)] })),
    atEnd: settle(() => client.readContract({ ...contract, functionName: "activationIndexAt", args: [anchor.logId, receipt.modelId, BigInt(to)] })),
  };

  const code = need(await reads.code);
  const match = code === undefined || code === "0x" ? undefined : matchShowworkCode(code, "ModelTimeline");
  if (!match || !immutablesHold(match, anchor.contract)) {
    return fail("model-version", `the timeline bound to the log (${timeline}) is not the showwork ModelTimeline build serving ${anchor.contract}`, {
      expected: `the showwork ModelTimeline build with receiptLogs = ${anchor.contract}`,
      found: code === undefined || code === "0x" ? "no code" : match ? `a ModelTimeline of another ReceiptLogs` : `code hash ${codeHashOf(code)}`,
      code: "not-showwork-code",
    });
  }
  const info = need(await reads.info);
  if (info.name.length > 0) facts.modelName = printableShort(info.name, 80);
  const claimed = need(await reads.claimed);
  if (claimed.version > 0) facts.versionNumber = claimed.version;
  const [foundStart, startIndex] = need(await reads.atStart);
  const [foundEnd, endIndex] = need(await reads.atEnd);
  /** The one rule (sdk/verify/modelVersionRule.ts), the monitor's and the offline verifier's too. */
  const judge = async (span: readonly ActivationRecord[]): Promise<Check> => {
    const j = await judgeModelVersion({
      issuedAt: from,
      weightsDigest: receipt.weightsDigest,
      until,
      anchored: params.anchored,
      registered: info.registered,
      claimed,
      span: span.map((entry, i) => ({ ...entry, index: startIndex + BigInt(i) })),
      delayBound: params.delayBound,
      metadataURIOf: async (weightsDigest) => need(await settle(() => client.readContract({ ...contract, functionName: "versionInfo", args: [anchor.logId, receipt.modelId, weightsDigest] }))).metadataURI,
    });
    if (j.activeVersion !== undefined) facts.activeVersion = j.activeVersion;
    if (j.versionChangedAt !== undefined) facts.versionChangedAt = j.versionChangedAt;
    return check("model-version", j.status, j.message, { expected: j.expected, found: j.found, code: j.code });
  };
  if (!info.registered || !foundStart) return judge([]);
  // The entries in force over the span: the one at issuedAt, and every later one up to the end.
  const first = startIndex;
  const last = foundEnd ? endIndex : startIndex;
  if (last < first || last >= info.activationCount || info.activationCount > 2n ** 32n) {
    return fail("model-version", "the timeline answers inconsistent activation indices: it is not a working ModelTimeline", {
      expected: `indices within 0..${info.activationCount - 1n}, in time order`,
      found: `${first}..${last}`,
      code: "inconsistent-timeline",
    });
  }
  const count = last - first + 1n;
  const cap = params.maxSpanActivations ?? MAX_SPAN_ACTIVATIONS;
  if (count > BigInt(cap)) {
    return errored("model-version", `could not check: the timeline has ${count} entries between the receipt's time and its anchoring, more than the ${cap} this verifier reads (a cap against hostile timelines)`, {
      expected: `≤ ${cap} entries in the span`,
      found: `${count} entries`,
      code: "too-long",
    });
  }
  const page = (await need(await settle(() => client.readContract({ ...contract, functionName: "activations", args: [anchor.logId, receipt.modelId, first, count] })))) as readonly ActivationRecord[];
  if (BigInt(page.length) !== count) {
    return fail("model-version", "the timeline answered another number of entries than it holds", { expected: count, found: page.length, code: "inconsistent-timeline" });
  }
  return judge(page);
}
