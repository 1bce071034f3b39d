/**
 * Telling "the RPC endpoint did not answer" apart from "the chain answered no".
 *
 * A verifier must never report a bundle as failed because its RPC endpoint is down, slow or
 * rate-limiting: those give a "could not check" result instead.
 *
 * @module
 */
import {
  BaseError,
  HttpRequestError,
  InternalRpcError,
  LimitExceededRpcError,
  ResourceUnavailableRpcError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";

/**
 * Whether `error` means the RPC endpoint could not be reached or did not answer (connection
 * refused, DNS failure, HTTP error status, timeout, closed socket, rate limit, node-side internal
 * error) — as opposed to an answer from the chain (a revert, empty return data, a missing
 * transaction).
 */
export function isRpcUnavailable(error: unknown): boolean {
  const unavailable = (candidate: unknown): boolean =>
    candidate instanceof HttpRequestError ||
    candidate instanceof TimeoutError ||
    candidate instanceof SocketClosedError ||
    candidate instanceof WebSocketRequestError ||
    candidate instanceof LimitExceededRpcError ||
    candidate instanceof ResourceUnavailableRpcError ||
    candidate instanceof InternalRpcError ||
    // fetch() itself (browsers: "Failed to fetch"; Node: "fetch failed").
    (candidate instanceof TypeError && /fetch/i.test(candidate.message));
  if (error instanceof BaseError) return error.walk(unavailable) !== null;
  return unavailable(error);
}

/** A one-line description of an RPC failure for a check's message. */
export function describeRpcFailure(error: unknown): string {
  if (error instanceof BaseError) {
    const root = error.walk((candidate) => candidate instanceof HttpRequestError || candidate instanceof TimeoutError);
    if (root instanceof TimeoutError) return "the RPC endpoint timed out";
    if (root instanceof HttpRequestError) {
      return root.status ? `the RPC endpoint answered HTTP ${root.status}` : `the RPC endpoint could not be reached (${firstLine(root.details)})`;
    }
    return firstLine(error.shortMessage);
  }
  return error instanceof Error ? firstLine(error.message) : String(error);
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 160);
}
