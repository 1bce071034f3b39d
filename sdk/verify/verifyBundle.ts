/**
 * Verifies one answer's proof bundle against the chain, with nothing but an RPC endpoint.
 *
 * Browser-safe: this module and everything it imports use no Node built-ins.
 *
 * @module
 */
import { createPublicClient, http, type Address, type PublicClient } from "viem";

import { committedDeployments } from "../deployments/committed.js";
import type { DeploymentsRecord } from "../deployments/record.js";
import { checkFormat } from "./checks/format.js";
import type { Disclosure as DisclosureDocument } from "../disclosure/types.js";
import { checkDisclosureDocument } from "./checks/disclosure.js";
import { checkDisclosure, checkProofRoot, checkReceiptLeaf, checkSignature, type Disclosure } from "./checks/offline.js";
import { runChainChecks } from "./checks/onchain.js";
import { errored, skipped } from "./check.js";
import { CHECK_IDS, judge, type Check, type Verdict, type VerdictFacts } from "./verdict.js";

/** Parameters of {@link verifyBundle}: a viem public client, or an RPC URL to make one. */
export interface VerifyBundleParameters {
  /** A viem public client on the bundle's chain. Takes precedence over `rpcUrl`. */
  readonly client?: PublicClient;
  /** A JSON-RPC endpoint (HTTP or HTTPS) of the bundle's chain. */
  readonly rpcUrl?: string;
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
  /** The ModelTimeline contract to check the model version against (default: the bundle's `timeline.contract`). */
  readonly timeline?: Address;
  /** Per-request timeout when the client is made from `rpcUrl`, milliseconds (default 10,000). */
  readonly timeoutMs?: number;
  /** Seconds a receipt's time may lie after its anchoring block's time (serving-node clock skew; default 60). */
  readonly maxClockSkew?: number;
  /**
   * The deployments record (default: the committed `deployments/deployments.json`; `null`: none). It says whether the
   * anchoring contract is a recorded showwork deployment, and gives the timeline when the bundle names none.
   */
  readonly deployments?: DeploymentsRecord | null;
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
    return finish(checks, facts, started);
  }
  const { receipt } = parsed;
  Object.assign(facts, {
    receiptId: receipt.receiptId,
    modelId: receipt.modelId,
    weightsDigest: receipt.weightsDigest,
    issuedAt: receipt.issuedAt,
  } satisfies VerdictFacts);

  const client = params.client ?? clientFor(params);
  const minConfirmations = BigInt(params.minConfirmations ?? 1);
  // Chain reads go out first; the offline checks run while they are in flight.
  const chain = client
    ? runChainChecks({
        client,
        bundle: parsed,
        minConfirmations,
        now: params.now ?? Math.floor(Date.now() / 1000),
        timeline: params.timeline,
        maxClockSkew: params.maxClockSkew ?? 60,
        deployments: params.deployments === null ? undefined : (params.deployments ?? committedDeployments()),
      })
    : undefined;
  checks.push(checkReceiptLeaf(parsed), checkProofRoot(parsed));
  const signature = checkSignature(parsed);
  const document = params.disclosure === undefined ? undefined : checkDisclosureDocument(parsed, params.disclosure);
  const disclosure = document?.check ?? checkDisclosure(parsed, params.disclosed);

  if (chain) {
    const result = await chain;
    checks.push(...result.checks);
    Object.assign(facts, result.facts);
  } else {
    for (const id of CHECK_IDS.slice(3, 11)) {
      checks.push(errored(id, "not checked: no RPC endpoint given (pass a client or an rpcUrl)", { code: "no-rpc" }));
    }
  }
  checks.push(await signature, disclosure);
  const verdict = finish(checks, facts, started);
  return document?.report ? { ...verdict, disclosure: document.report } : verdict;
}

function clientFor(params: VerifyBundleParameters): PublicClient | undefined {
  if (!params.rpcUrl) return undefined;
  return createPublicClient({
    transport: http(params.rpcUrl, { batch: { wait: 0 }, timeout: params.timeoutMs ?? 10_000, retryCount: 1 }),
  });
}

function finish(checks: Check[], facts: VerdictFacts, started: number): Verdict {
  const order = new Map<string, number>(CHECK_IDS.map((id, i) => [id, i]));
  checks.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { ...judge(checks), checks, facts, elapsedMs: Math.round((performance.now() - started) * 10) / 10 };
}
