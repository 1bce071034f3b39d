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
import { zeroHash, type Address, type Hex, type PublicClient } from "viem";

import type { ProofBundle } from "../../bundle/types.js";
import { modelTimelineAbi } from "../../contracts/abis.js";
import { duration, errored, fail, isoTime, pass, short } from "../check.js";
import { codeHashOf, immutablesHold, matchShowworkCode } from "../contractCode.js";
import { printableShort } from "../printable.js";
import { settle } from "../settle.js";
import type { Check, VerdictFacts } from "../verdict.js";
import { need } from "../reads.js";

/** The ModelTimeline's ActivationKind enum, in order. */
const KIND = ["deployment", "rollback", "deactivation"] as const;

/** The most timeline entries read between a receipt's time and its anchoring (a cap against hostile contracts). */
export const MAX_SPAN_ACTIVATIONS = 64;

type ActivationRecord = { activatedAt: bigint; version: number; weightsDigest: Hex; kind: number; reason: string };

/** The metadata URI prefix that marks a published version as a hosted model's provider version. */
export const HOSTED_METADATA_PREFIX = "showwork:hosted?";

/** The metadata URI `showwork model publish --hosted PROVIDER:FINGERPRINT` writes. */
export function hostedMetadataUri(provider: string, fingerprint: string): string {
  return `${HOSTED_METADATA_PREFIX}provider=${encodeURIComponent(provider)}&fingerprint=${encodeURIComponent(fingerprint)}`;
}

/** The provider version a hosted metadata URI names, or undefined for any other URI. */
export function parseHostedMetadataUri(uri: string): { readonly provider: string; readonly fingerprint: string } | undefined {
  if (!uri.startsWith(HOSTED_METADATA_PREFIX)) return undefined;
  const params = new URLSearchParams(uri.slice(HOSTED_METADATA_PREFIX.length));
  const provider = params.get("provider");
  const fingerprint = params.get("fingerprint");
  return provider === null || fingerprint === null ? undefined : { provider, fingerprint };
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
  const claimedName = claimed.version > 0 ? `v${claimed.version} (${short(receipt.weightsDigest)})` : short(receipt.weightsDigest);
  const when = isoTime(from);
  const [foundStart, startIndex] = need(await reads.atStart);
  const [foundEnd, endIndex] = need(await reads.atEnd);
  if (!info.registered || !foundStart) {
    return fail("model-version", `the receipt claims ${claimedName}, but ${info.registered ? "the model had no activation in the log's timeline before" : "the model is not registered in the log's timeline at"} ${when}`, {
      expected: receipt.weightsDigest,
      found: "no active version",
      code: "no-active-version",
    });
  }
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
  const inForce = page[0]!;
  const describe = (entry: ActivationRecord, index: bigint): string =>
    `${KIND[entry.kind] ?? "activation"} #${index} at ${isoTime(entry.activatedAt)}${entry.reason ? ` (reason: "${printableShort(entry.reason, 200)}")` : ""}`;
  const since = describe(inForce, first);
  if (inForce.weightsDigest !== zeroHash) facts.activeVersion = inForce.weightsDigest;
  /** A hosted model: the claimed version is a published provider version, and so is the one in force then. */
  const hostedPass = async (): Promise<Check | undefined> => {
    const claimedHosted = claimed.version > 0 ? parseHostedMetadataUri(claimed.metadataURI) : undefined;
    if (claimedHosted === undefined || inForce.weightsDigest === zeroHash) return undefined;
    const inForceInfo = need(await settle(() => client.readContract({ ...contract, functionName: "versionInfo", args: [anchor.logId, receipt.modelId, inForce.weightsDigest] })));
    if (parseHostedMetadataUri(inForceInfo.metadataURI) === undefined) return undefined;
    const publishedAt = Number(claimed.publishedAt);
    return pass(
      "model-version",
      `hosted model: ${claimedName} is the provider version ${printableShort(claimedHosted.provider, 60)} system_fingerprint ${printableShort(claimedHosted.fingerprint, 80)}, published in the log's timeline at ${isoTime(publishedAt)}${publishedAt > from ? " (after the answer: the operator publishes a provider version once it has answered)" : ""}; the provider chooses which of its versions answers, so the timeline's activations (${since} at the receipt's time) do not decide for a hosted model`,
      { expected: receipt.weightsDigest, found: `published hosted version v${claimed.version} (${claimed.metadataURI})`, code: "hosted-version" },
    );
  };

  if (inForce.weightsDigest.toLowerCase() !== receipt.weightsDigest.toLowerCase()) {
    if (inForce.weightsDigest === zeroHash) {
      return fail("model-version", `the receipt claims ${claimedName}, but no version of the model was active at ${when}: the model was deactivated (${since})`, {
        expected: receipt.weightsDigest,
        found: "no active version",
        code: "no-active-version",
      });
    }
    const hosted = await hostedPass();
    if (hosted !== undefined) return hosted;
    const activeName = inForce.version > 0 ? `v${inForce.version} (${short(inForce.weightsDigest)})` : short(inForce.weightsDigest);
    return fail(
      "model-version",
      `the receipt claims ${claimedName}${claimed.version === 0 ? ", a version never published in this timeline," : ""} but ${activeName} was the active version at ${when}, since ${since}`,
      { expected: receipt.weightsDigest, found: inForce.weightsDigest, code: "version-mismatch" },
    );
  }
  const end = params.anchored ? `its anchoring at ${isoTime(to)}` : `now (${isoTime(to)}, not anchored yet)`;
  if (page.length === 1) {
    return pass("model-version", `${claimedName} was the model's active version from the receipt's time ${when} through ${end}, since ${since}`, {
      expected: receipt.weightsDigest,
      found: inForce.weightsDigest,
    });
  }
  // The timeline changed between the receipt's time and its anchoring.
  const change = page[1]!;
  facts.versionChangedAt = Number(change.activatedAt);
  const changeText = `${describe(change, first + 1n)}${change.version > 0 ? `, to v${change.version}` : ""}`;
  const detail = { expected: `${receipt.weightsDigest} over ${from}..${to}`, found: `${inForce.weightsDigest} until ${change.activatedAt}, then ${change.weightsDigest}` };
  if (params.delayBound !== undefined) {
    return pass(
      "model-version",
      `${claimedName} was the active version at the receipt's time ${when} (since ${since}); the timeline changed before ${end}: ${changeText}. The log's declared maximum anchoring delay (${duration(params.delayBound)}), which the batch met, bounds how far the receipt's time could have been moved back`,
      detail,
    );
  }
  const hosted = await hostedPass();
  if (hosted !== undefined) return hosted;
  return errored(
    "model-version",
    `could not check: ${claimedName} was active at the receipt's time ${when}, but the timeline changed before ${end} (${changeText}) and the log declares no maximum anchoring delay, so the receipt's time, the serving node's word, may have been moved back into that version's window`,
    { ...detail, code: "changed-before-anchoring" },
  );
}
