/**
 * The page's inputs, read one fieldset at a time into the request for `verifyBundle`.
 *
 * Each input has a reader in {@link INPUT_READERS}: it reads its own fields and adds its part of the
 * parameters, or throws an {@link InputError} naming the field and what to write. A new input (e.g.
 * a checkpoint for offline verification) is a fieldset in index.html plus one reader here.
 */
import { isHex, type Hex } from "viem";

import { DISCLOSURE_FORMAT } from "../../sdk/disclosure/types.js";
import type { Disclosure } from "../../sdk/verify/checks/offline.js";
import { rpcUrlProblem } from "../../sdk/verify/rpcUrl.js";
import { InvalidTrustError, mergeTrust, parseLogPin, parseOperatorPin, parseTrustCheckpoints, parseTrustFile, verifyTrustFileSignature } from "../../sdk/verify/trust.js";
import type { VerifyBundleParameters } from "../../sdk/verify/verifyBundle.js";
import type { Checkpoint } from "../../sdk/chainproof/verifyChainProof.js";
import type { TrustPins } from "../../sdk/verify/verdict.js";

/** A problem with what was typed: `field` is the id of the element to fix. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the page verifies: the bundle (text, or a disclosure's bundle) and the parameters. */
export interface VerifyRequest {
  /** The text in the bundle box. */
  bundleText: string;
  /** What goes to verifyBundle: the bundle text, or the bundle of a pasted disclosure. */
  bundle: unknown;
  /** The RPC endpoints, in the order given (the first also draws the timeline). */
  rpcUrls: string[];
  params: Mutable<VerifyBundleParameters>;
}

/** Reads one input into the request (or throws an {@link InputError}). */
export type InputReader = (request: VerifyRequest) => void;

const field = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

/** The endpoints in a text: one per line or comma-separated, duplicates dropped. */
export function endpointsIn(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((url) => url.trim()).filter(Boolean))];
}

/** The bundle box: a bundle, or a showwork/disclosure@1 document (its bundle is verified and each piece checked). */
export const readBundle: InputReader = (request) => {
  const text = field<HTMLTextAreaElement>("bundle").value;
  if (text.trim() === "") throw new InputError("bundle", "Paste a proof bundle (or drop its .json file) first.");
  request.bundleText = text;
  request.bundle = text;
  try {
    const value = JSON.parse(text) as { format?: unknown; bundle?: unknown } | null;
    if (value !== null && typeof value === "object" && value.format === DISCLOSURE_FORMAT) {
      request.bundle = value.bundle;
      request.params.disclosure = value;
    }
  } catch {
    // Not JSON: verifyBundle's format check says what is wrong with it.
  }
};

/** The RPC box and the minimum confirmations. */
export const readRpc: InputReader = (request) => {
  const urls = endpointsIn(field<HTMLTextAreaElement>("rpc").value);
  // No endpoint: the page verifies offline when the pin box holds a trust file with checkpoints (see readOffline).
  for (const url of urls) {
    const problem = rpcUrlProblem(url);
    if (problem) throw new InputError("rpc", `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`);
  }
  request.rpcUrls = urls;
  request.params.rpcUrls = urls;
  const min = field<HTMLInputElement>("min-confirmations").value.trim();
  if (min !== "" && !/^\d+$/.test(min)) throw new InputError("min-confirmations", `Minimum confirmations: expected a whole number, found "${min}".`);
  request.params.minConfirmations = Number(min || "1");
};

/** Pins from the pin box: log ids and operator addresses, one per line, or a trust file's JSON. */
export function pinsIn(text: string): TrustPins | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (trimmed.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new InvalidTrustError("the pin box holds something that looks like JSON but is not: paste a trust file, or one log id / operator address per line");
    }
    return parseTrustFile(value);
  }
  const logs: string[] = [];
  const operators: string[] = [];
  for (const [i, line] of trimmed.split(/[\s,]+/).filter(Boolean).entries()) {
    if (line.length === 66) logs.push(parseLogPin(line, `pin ${i + 1}`));
    else operators.push(parseOperatorPin(line, `pin ${i + 1}`));
  }
  return mergeTrust({ logs, operators });
}

/** The checkpoints of a trust file pasted in the pin box (a self-contained bundle is checked against them). */
export function checkpointsIn(text: string): Checkpoint[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return [];
  return parseTrustCheckpoints(JSON.parse(trimmed) as unknown);
}

/**
 * A signed trust file in the pin box: its signature must be by one of its operators over its canonical JSON (a file
 * changed after signing, or signed by another key, is refused). Returns the signer, or undefined when the box holds no
 * signed trust file. @throws {InputError} on the pin box.
 */
export async function trustSignerIn(text: string): Promise<string | undefined> {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as Record<string, unknown>;
    return await verifyTrustFileSignature(value);
  } catch (error) {
    throw new InputError("pin", `The trust file's ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** With no RPC URL: offline, against the pin box's checkpoints (no request leaves the page); neither: say what to give. */
export const readOffline: InputReader = (request) => {
  if (request.rpcUrls.length > 0) return;
  if ((request.params.checkpoints ?? []).length === 0) {
    throw new InputError("rpc", "Give at least one RPC URL of the chain the bundle names (http:// or https://), or, for a self-contained bundle, a trust file with checkpoints in the pin box (verified offline).");
  }
  request.params.offline = true;
};

/** The pin box. */
export const readPins: InputReader = (request) => {
  try {
    const text = field<HTMLTextAreaElement>("pin").value;
    const trust = pinsIn(text);
    if (trust) request.params.trust = trust;
    const checkpoints = checkpointsIn(text);
    if (checkpoints.length > 0) request.params.checkpoints = checkpoints;
  } catch (error) {
    throw new InputError("pin", error instanceof Error ? error.message : String(error));
  }
};

/** The disclosed input/output boxes (content with its salt). */
export const readDisclosed: InputReader = (request) => {
  const piece = (contentId: string, saltId: string) => {
    const content = field<HTMLTextAreaElement>(contentId).value;
    const salt = field<HTMLInputElement>(saltId).value.trim();
    if (salt === "") return undefined;
    if (!isHex(salt)) throw new InputError(saltId, `A salt is 0x followed by hex digits; found "${salt}".`);
    return { content, salt: salt as Hex };
  };
  const input = piece("disclosed-input", "disclosed-input-salt");
  const output = piece("disclosed-output", "disclosed-output-salt");
  if (input || output) request.params.disclosed = { ...(input ? { input } : {}), ...(output ? { output } : {}) } satisfies Disclosure;
};

/** Every input, in page order. */
export const INPUT_READERS: InputReader[] = [readBundle, readRpc, readPins, readOffline, readDisclosed];

/** The request from every input. @throws {InputError} */
export function readInputs(readers: readonly InputReader[] = INPUT_READERS): VerifyRequest {
  const request: VerifyRequest = { bundleText: "", bundle: "", rpcUrls: [], params: {} };
  for (const read of readers) read(request);
  return request;
}
