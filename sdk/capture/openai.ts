/**
 * `withReceipts(client, options)`: the official `openai` client, same type, same methods, every
 * answer of `chat.completions.create` and `responses.create` (plain and streaming) receipted.
 *
 * The wrapper is a client made by `client.withOptions({ fetch })` with a capturing fetch in front
 * of the client's own, so what is committed is exactly what went over the wire. The receipt id
 * comes back with the answer the way the SDK returns its request id:
 * - `answer._receipt_id` (non-enumerable, like `_request_id`), also on a stream object;
 * - `receiptIdOf(answer)`;
 * - the `x-showwork-receipt-id` header of `.withResponse()` / `.asResponse()`.
 *
 * @module
 */
import type { Hex } from "viem";

import type { CaptureSession } from "./session.js";
import { capturerFor, type CaptureDefaultsOptions } from "./defaults.js";
import { captureFetch, RECEIPT_ID_HEADER, RECEIPT_URL_HEADER } from "./fetch.js";

/**
 * Options of {@link withReceipts}: a shared capturer, or capturer options. Absent options (all of
 * them, or any of signer, sink, evidence, models) come from the project config and the
 * environment (see sdk/capture/defaults.ts).
 */
export type WithReceiptsOptions = CaptureDefaultsOptions;

interface ClientLike {
  withOptions(options: { fetch?: unknown }): unknown;
}

interface ThenUnwrappable {
  _thenUnwrap(transform: (data: unknown, props: { response: Response }) => unknown): unknown;
}

function attach(data: unknown, response: Response): unknown {
  const id = response.headers.get(RECEIPT_ID_HEADER);
  if (id && typeof data === "object" && data !== null) {
    Object.defineProperty(data, "_receipt_id", { value: id, enumerable: false, configurable: true });
    const url = response.headers.get(RECEIPT_URL_HEADER);
    if (url) Object.defineProperty(data, "_receipt_url", { value: url, enumerable: false, configurable: true });
  }
  return data;
}

function wrapCreate(resource: { create: (...args: unknown[]) => unknown } | undefined): void {
  if (resource === undefined || typeof resource.create !== "function") return;
  const create = resource.create.bind(resource);
  resource.create = (...args: unknown[]) => {
    const promise = create(...args) as ThenUnwrappable;
    return typeof promise?._thenUnwrap === "function" ? promise._thenUnwrap((data, props) => attach(data, props.response)) : promise;
  };
}

/**
 * Wraps an `openai` client: same type, every answer receipted.
 * @example
 * // The serving node's key, the service, the queue, the evidence store and the models from .showwork/config.json:
 * const openai = withReceipts(new OpenAI());
 * @example
 * const capturer = createCapturer({ signer, sink: serviceSink(service), evidence, models });
 * const openai = withReceipts(new OpenAI(), { capturer });
 * const answer = await openai.chat.completions.create({ model, messages });
 * receiptIdOf(answer); // 0x…
 */
export function withReceipts<C extends object>(client: C, options?: WithReceiptsOptions): C {
  const capturer = capturerFor(options);
  const own = (client as unknown as { fetch?: typeof fetch }).fetch ?? fetch;
  const wrapped = (client as unknown as ClientLike).withOptions({ fetch: captureFetch(capturer, own) }) as C;
  const resources = wrapped as unknown as { chat?: { completions?: { create: (...args: unknown[]) => unknown } }; responses?: { create: (...args: unknown[]) => unknown } };
  wrapCreate(resources.chat?.completions);
  wrapCreate(resources.responses);
  Object.defineProperty(wrapped, "showworkCapturer", { value: capturer, enumerable: false });
  return wrapped;
}

/** The capturer behind a client made by {@link withReceipts}. */
export function capturerOf(client: object): CaptureSession | undefined {
  return (client as { showworkCapturer?: CaptureSession }).showworkCapturer;
}

/** The receipt id of an answer (or stream) returned by a wrapped client; undefined for other objects. */
export function receiptIdOf(answer: unknown): Hex | undefined {
  return typeof answer === "object" && answer !== null ? ((answer as { _receipt_id?: Hex })._receipt_id ?? undefined) : undefined;
}

/** The receipt's state URL at the service, when the capturer knows the service URL. */
export function receiptUrlOf(answer: unknown): string | undefined {
  return typeof answer === "object" && answer !== null ? (answer as { _receipt_url?: string })._receipt_url : undefined;
}
