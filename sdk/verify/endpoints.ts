/**
 * Several RPC endpoints as one viem transport that trusts none of them alone: every read goes to
 * every endpoint and the answers must agree (block hash, root, transaction, code, any call), else
 * the read fails with {@link EndpointsDisagreeError} and the check says "could not check", with
 * each endpoint's answer shown. Calls at `latest` are pinned to one block (the lowest head any
 * endpoint reports), so honest endpoints a block apart still agree; heads further apart than
 * `maxHeadSpread` are a disagreement too. The verifier never judges state below the anchoring
 * block (`checks/onchain.ts`): a head below it is "could not check", not "the log does not exist".
 *
 * Browser-safe.
 *
 * @module
 */
import { BaseError, custom, http, type Transport } from "viem";

import { printableShort } from "./printable.js";

/** What one endpoint did during a verification (shown in the verdict and by the web verifier). */
export interface EndpointReport {
  readonly url: string;
  /** Requests it answered (with a result or a JSON-RPC error from the chain). */
  answered: number;
  /** Requests it did not answer (down, timeout, HTTP error). */
  failed: number;
  /** Its head block when the verification started (the reads are pinned to the lowest of these). */
  head?: string;
  /** The last failure, one line. */
  lastError?: string;
}

/** Two or more endpoints gave different answers to the same request. */
export class EndpointsDisagreeError extends BaseError {
  override name = "EndpointsDisagreeError";
  readonly method: string;
  readonly answers: readonly { url: string; answer: string }[];

  constructor(method: string, answers: readonly { url: string; answer: string }[]) {
    super(`The RPC endpoints disagree on ${method}.`, {
      metaMessages: [
        ...answers.map(({ url, answer }) => `${url}: ${answer}`),
        "One of them serves another chain state (or lies): the fact cannot be checked until they agree.",
      ],
    });
    this.method = method;
    this.answers = answers;
  }
}

/** One line per endpoint answer, for check messages. */
export function describeDisagreement(error: EndpointsDisagreeError): string {
  return `the RPC endpoints disagree on ${error.method}: ${error.answers.map(({ url, answer }) => `${url} answered ${answer}`).join("; ")}`;
}

/** Options of {@link multiEndpointTransport}. */
export interface MultiEndpointOptions {
  /** Per-request timeout, milliseconds. */
  readonly timeoutMs: number;
  /**
   * How far apart (blocks) the endpoints' heads may be and still count as agreeing (default
   * {@link DEFAULT_MAX_HEAD_SPREAD}); beyond it the heads are a disagreement ("could not check"), so one endpoint
   * claiming an old head cannot pin every read to a block before the anchoring.
   */
  readonly maxHeadSpread?: number;
}

/** Default {@link MultiEndpointOptions.maxHeadSpread}: honest endpoints a few blocks apart agree, one far behind does not. */
export const DEFAULT_MAX_HEAD_SPREAD = 64;

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown; readonly fromChain: boolean };

const STATE_AT_BLOCK: Readonly<Record<string, number>> = { eth_call: 1, eth_getCode: 1, eth_getBalance: 1, eth_getStorageAt: 2 };

/**
 * A transport over `urls` (see the module) and the live per-endpoint reports.
 * @example
 * const { transport, reports } = multiEndpointTransport(["https://a.example", "https://b.example"], { timeoutMs: 10_000 });
 * const client = createPublicClient({ transport });
 */
export function multiEndpointTransport(urls: readonly string[], options: MultiEndpointOptions): { transport: Transport; reports: EndpointReport[] } {
  const endpoints = urls.map((url) => ({
    url,
    request: http(url, { batch: { wait: 0 }, timeout: options.timeoutMs, retryCount: 1 })({ retryCount: 1 }).request as (args: {
      method: string;
      params?: unknown;
    }) => Promise<unknown>,
  }));
  const reports: EndpointReport[] = urls.map((url) => ({ url, answered: 0, failed: 0 }));

  const ask = async (index: number, method: string, params: unknown): Promise<Outcome> => {
    const report = reports[index]!;
    try {
      const value = await endpoints[index]!.request({ method, params });
      report.answered++;
      return { ok: true, value };
    } catch (error) {
      const fromChain = isChainAnswer(error);
      if (fromChain) report.answered++;
      else {
        report.failed++;
        report.lastError = printableShort(error instanceof BaseError ? error.shortMessage : String(error), 160);
      }
      return { ok: false, error, fromChain };
    }
  };

  /** Every endpoint, once: the lowest head (reads at `latest` use it). */
  let pinned: Promise<string> | undefined;
  const pin = (): Promise<string> =>
    (pinned ??= (async () => {
      const heads = await Promise.all(endpoints.map((_, i) => ask(i, "eth_blockNumber", [])));
      let lowest: bigint | undefined;
      let highest: bigint | undefined;
      for (const [i, outcome] of heads.entries()) {
        if (!outcome.ok) throw outcome.error;
        reports[i]!.head = BigInt(outcome.value as string).toString();
        const head = BigInt(outcome.value as string);
        if (lowest === undefined || head < lowest) lowest = head;
        if (highest === undefined || head > highest) highest = head;
      }
      const spread = BigInt(options.maxHeadSpread ?? DEFAULT_MAX_HEAD_SPREAD);
      if (highest! - lowest! > spread) {
        throw new EndpointsDisagreeError(
          `eth_blockNumber (heads more than ${spread} blocks apart)`,
          reports.map((report) => ({ url: report.url, answer: `block ${report.head}` })),
        );
      }
      return `0x${lowest!.toString(16)}`;
    })());

  const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
    if (method === "eth_blockNumber") return pin();
    let args = Array.isArray(params) ? [...(params as unknown[])] : params;
    const tagAt = STATE_AT_BLOCK[method];
    if (tagAt !== undefined && Array.isArray(args) && (args[tagAt] === undefined || args[tagAt] === "latest")) {
      args[tagAt] = await pin();
    }
    if (method === "eth_getBlockByNumber" && Array.isArray(args) && args[0] === "latest") args = [await pin(), ...args.slice(1)];
    const outcomes = await Promise.all(endpoints.map((_, i) => ask(i, method, args)));
    // An endpoint that did not answer: the fact is not confirmed by all endpoints given.
    const down = outcomes.find((o) => !o.ok && !o.fromChain);
    if (down && !down.ok) throw down.error;
    const shown = outcomes.map((o) => (o.ok ? normalise(method, o.value) : `error: ${errorKey(o.error)}`));
    if (new Set(shown).size > 1) {
      throw new EndpointsDisagreeError(
        printableShort(method, 40),
        shown.map((answer, i) => ({ url: endpoints[i]!.url, answer: printableShort(answer, 160) })),
      );
    }
    const first = outcomes[0]!;
    if (!first.ok) throw first.error;
    return first.value;
  };

  return { transport: custom({ request }, { retryCount: 0, name: "showwork multi-endpoint" }), reports };
}

/** A JSON-RPC error object from the node (a revert, a bad parameter): the chain answered. */
function isChainAnswer(error: unknown): boolean {
  let cursor: unknown = error;
  while (cursor !== null && typeof cursor === "object") {
    const code = (cursor as { code?: unknown }).code;
    const name = (cursor as { name?: unknown }).name;
    if (name === "HttpRequestError" || name === "TimeoutError") return false;
    if (typeof code === "number" && code !== -32603 && code !== -32005 && code !== -32002 && code !== -32000) return true;
    if (code === 3) return true; // execution reverted
    cursor = (cursor as { cause?: unknown }).cause;
  }
  return false;
}

function errorKey(error: unknown): string {
  let cursor: unknown = error;
  while (cursor !== null && typeof cursor === "object") {
    const code = (cursor as { code?: unknown }).code;
    if (typeof code === "number") return `code ${code}`;
    cursor = (cursor as { cause?: unknown }).cause;
  }
  return "unknown";
}

/** The part of an answer honest endpoints agree on (clients add fields of their own). */
function normalise(method: string, value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(typeof value === "string" ? value.toLowerCase() : value);
  const v = value as Record<string, unknown>;
  const pick = (keys: readonly string[]) => JSON.stringify(keys.map((k) => (typeof v[k] === "string" ? (v[k] as string).toLowerCase() : (v[k] ?? null))));
  if (method === "eth_getTransactionReceipt") {
    const logs = Array.isArray(v.logs)
      ? (v.logs as Record<string, unknown>[]).map((l) => [l.address, l.topics, l.data, l.logIndex].map((x) => JSON.stringify(x ?? null).toLowerCase()).join(","))
      : [];
    return `${pick(["transactionHash", "blockHash", "blockNumber", "status", "from", "to", "contractAddress"])}|${logs.join(";")}`;
  }
  if (method === "eth_getBlockByNumber" || method === "eth_getBlockByHash") return pick(["hash", "number", "timestamp", "parentHash"]);
  if (method === "eth_getTransactionByHash") return pick(["hash", "blockHash", "blockNumber", "from", "to", "input"]);
  return JSON.stringify(value).toLowerCase();
}
