/**
 * Interpreting settled chain reads inside checks: an answer, or "could not check" (the endpoint
 * did not answer, or several endpoints disagree).
 *
 * @module
 */
import { EndpointsDisagreeError } from "./endpoints.js";
import { isRpcUnavailable } from "./rpcFailure.js";
import type { Settled } from "./settle.js";

/** Thrown inside a check when a read it needs failed because the endpoint did not answer (or endpoints disagree). */
export class Unavailable {
  constructor(readonly error: unknown) {}
}

/** The disagreement behind `error`, if endpoints disagreed. */
export function disagreementIn(error: unknown): EndpointsDisagreeError | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 16 && cursor !== null && typeof cursor === "object"; depth++) {
    if (cursor instanceof EndpointsDisagreeError) return cursor;
    cursor = (cursor as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` means "could not check" (endpoint down, or endpoints disagree) rather than an answer. */
export function couldNotCheck(error: unknown): boolean {
  return disagreementIn(error) !== undefined || isRpcUnavailable(error);
}

/** The value of a settled read; throws {@link Unavailable} when it could not be checked, rethrows other errors. */
export function need<T>(settled: Settled<T>): T {
  if (settled.ok) return settled.value;
  if (couldNotCheck(settled.error)) throw new Unavailable(settled.error);
  throw settled.error;
}
