/**
 * The model-version check: the version a receipt claims (its weights digest) was the active
 * version of its model, in its log's timeline, at the receipt's time — or which version was
 * active instead (the rollback question).
 *
 * @module
 */
import { zeroHash, type Address, type Hex, type PublicClient } from "viem";

import type { ProofBundle } from "../../bundle/types.js";
import { modelTimelineAbi } from "../../contracts/abis.js";
import { fail, isoTime, pass, short } from "../check.js";
import { isRpcUnavailable } from "../rpcFailure.js";
import { settle, type Settled } from "../settle.js";
import type { Check, VerdictFacts } from "../verdict.js";

/** The ModelTimeline's ActivationKind enum, in order. */
const KIND = ["deployment", "rollback", "deactivation"] as const;

/** Reads started before the check runs (all independent of each other). */
export interface ModelVersionReads {
  readonly client: PublicClient;
  readonly code: Promise<Settled<Hex | undefined>>;
  readonly receiptLogs: Promise<Settled<Address>>;
  readonly active: Promise<Settled<Hex>>;
  readonly entry: Promise<Settled<readonly [boolean, bigint]>>;
  readonly claimed: Promise<Settled<{ version: number; weightsDigest: Hex; publishedAt: bigint; metadataURI: string }>>;
  /** The timeline entry in force at the receipt's time (read as soon as its index is known). */
  readonly entryRecord: Promise<Settled<ActivationRecord | undefined>>;
  /** The active version's record, when it differs from the claimed one. */
  readonly activeInfo: Promise<Settled<VersionRecord | undefined>>;
}

type ActivationRecord = { activatedAt: bigint; version: number; weightsDigest: Hex; kind: number; reason: string };
type VersionRecord = { version: number; weightsDigest: Hex; publishedAt: bigint; metadataURI: string };

/** Starts the reads of {@link checkModelVersion}. */
export function startModelVersionReads(client: PublicClient, params: { timeline: Address; bundle: ProofBundle }): ModelVersionReads {
  const { receipt, anchor } = params.bundle;
  const timeline = { address: params.timeline, abi: modelTimelineAbi } as const;
  const at = BigInt(receipt.issuedAt);
  const active = settle(() => client.readContract({ ...timeline, functionName: "activeVersionAt", args: [anchor.logId, receipt.modelId, at] }));
  const entry = settle(() => client.readContract({ ...timeline, functionName: "activationIndexAt", args: [anchor.logId, receipt.modelId, at] }));
  // Follow-up reads start as soon as their inputs arrive (one more JSON-RPC batch, shared with the anchorer reads).
  const entryRecord = entry.then((found): Promise<Settled<ActivationRecord | undefined>> | Settled<ActivationRecord | undefined> =>
    found.ok && found.value[0]
      ? settle(async () => (await client.readContract({ ...timeline, functionName: "activations", args: [anchor.logId, receipt.modelId, found.value[1], 1n] }))[0])
      : ({ ok: true, value: undefined } as const),
  );
  const activeInfo = active.then((digest): Promise<Settled<VersionRecord | undefined>> | Settled<VersionRecord | undefined> =>
    digest.ok && digest.value !== zeroHash && digest.value.toLowerCase() !== receipt.weightsDigest.toLowerCase()
      ? settle(() => client.readContract({ ...timeline, functionName: "versionInfo", args: [anchor.logId, receipt.modelId, digest.value] }))
      : ({ ok: true, value: undefined } as const),
  );
  return {
    client,
    code: settle(() => client.getCode({ address: params.timeline })),
    receiptLogs: settle(() => client.readContract({ ...timeline, functionName: "receiptLogs" })),
    active,
    entry,
    claimed: settle(() =>
      client.readContract({ ...timeline, functionName: "versionInfo", args: [anchor.logId, receipt.modelId, receipt.weightsDigest] }),
    ),
    entryRecord,
    activeInfo,
  };
}

function value<T>(settled: Settled<T>): T {
  if (settled.ok) return settled.value;
  throw settled.error;
}

/**
 * Interprets the reads. Throws when a read failed for another reason than a revert from a
 * contract that is not a ModelTimeline (the caller turns RPC failures into "could not check").
 */
export async function checkModelVersion(
  reads: ModelVersionReads,
  params: { bundle: ProofBundle; facts: VerdictFacts; timeline: Address },
): Promise<Check> {
  const { bundle, facts, timeline } = params;
  const { receipt, anchor } = bundle;
  const code = value(await reads.code);
  if (code === undefined || code === "0x") {
    return fail("model-version", `there is no contract at the timeline address ${timeline}`, {
      expected: "ModelTimeline contract code",
      found: "no code",
      code: "not-model-timeline",
    });
  }
  const governed = await reads.receiptLogs;
  if (!governed.ok) {
    // Let RPC failures surface; a revert or empty answer means it is not a ModelTimeline.
    if (isRpcUnavailable(governed.error)) throw governed.error;
    return fail("model-version", `the contract at ${timeline} does not answer the ModelTimeline interface`, {
      expected: "ModelTimeline",
      found: "a revert or no return data",
      code: "not-model-timeline",
    });
  }
  if (governed.value.toLowerCase() !== anchor.contract.toLowerCase()) {
    return fail("model-version", `the timeline at ${timeline} belongs to another ReceiptLogs contract (${governed.value}), not to the anchoring contract`, {
      expected: `timeline of ${anchor.contract}`,
      found: `timeline of ${governed.value}`,
      code: "timeline-mismatch",
    });
  }
  const active = value(await reads.active);
  const [found, index] = value(await reads.entry);
  const claimed = value(await reads.claimed);
  const when = isoTime(receipt.issuedAt);
  const claimedName = claimed.version > 0 ? `v${claimed.version} (${short(receipt.weightsDigest)})` : short(receipt.weightsDigest);
  if (active !== zeroHash) facts.activeVersion = active;

  const entry = value(await reads.entryRecord);
  const since = entry
    ? `${KIND[entry.kind] ?? "activation"} #${index} at ${isoTime(entry.activatedAt)}${entry.reason ? ` (reason: "${entry.reason}")` : ""}`
    : undefined;

  if (active.toLowerCase() === receipt.weightsDigest.toLowerCase()) {
    return pass("model-version", `${claimedName} was the model's active version at the receipt's time ${when}${since ? `, since ${since}` : ""}`, {
      expected: receipt.weightsDigest,
      found: active,
    });
  }
  if (active === zeroHash) {
    const why = !found
      ? "the model had no activation in this log's timeline before that time"
      : entry?.kind === 2
        ? `the model was deactivated (${since})`
        : "no version was active";
    return fail("model-version", `the receipt claims ${claimedName}, but no version of the model was active at ${when}: ${why}`, {
      expected: receipt.weightsDigest,
      found: "no active version",
      code: "no-active-version",
    });
  }
  const activeInfo = value(await reads.activeInfo);
  const activeName = activeInfo && activeInfo.version > 0 ? `v${activeInfo.version} (${short(active)})` : short(active);
  return fail(
    "model-version",
    `the receipt claims ${claimedName}${claimed.version === 0 ? ", a version never published in this timeline," : ""} but ${activeName} was the active version at ${when}${since ? `, since ${since}` : ""}`,
    { expected: receipt.weightsDigest, found: active, code: "version-mismatch" },
  );
}
