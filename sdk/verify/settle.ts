/**
 * Reads from the chain as settled values, so a verifier can start every independent read at
 * once (one JSON-RPC batch) and interpret the answers one check at a time.
 *
 * @module
 */

/** The outcome of one read: its value, or the error it threw. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Starts `read` now and never rejects. */
export function settle<T>(read: () => Promise<T>): Promise<Settled<T>> {
  let promise: Promise<T>;
  try {
    promise = read();
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
  return promise.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}
