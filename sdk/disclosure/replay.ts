/**
 * Replay: re-send the exact stored request of an answer (model, messages, template, tools, sampling
 * parameters, seed — the request body capture kept in the evidence) to an OpenAI-compatible endpoint,
 * and compare the new answer with the committed one.
 *
 * The comparison is on what capture commits as the output: the RFC 8785 JSON of
 * `{ choices: [{ index, message, finish_reason }] }` (chat completions) or `{ status, output }`
 * (responses), built by capture's own `answerOfJson`, so "identical" means the bytes that open the
 * receipt's `outputDigest` would be the same. A streamed original is replayed without streaming
 * (capture commits a streamed answer exactly as the plain one).
 *
 * @module
 */
import canonicalize from "canonicalize";
import { hexToBytes, type Hex } from "viem";

import { answerOfJson } from "../capture/exchange.js";
import type { ReceiptEvidence } from "../evidence/types.js";
import type { JsonValue } from "../receipt/samplingDigest.js";
import { ReplayError } from "./errors.js";

/** Parameters of {@link replayReceipt}. */
export interface ReplayReceiptParameters {
  /** The answer's evidence (from the evidence store). */
  readonly evidence: ReceiptEvidence;
  /** Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1` (the path is appended). */
  readonly endpoint: string;
  /** Bearer token for the endpoint (the CLI reads SHOWWORK_REPLAY_API_KEY; never a flag). */
  readonly apiKey?: string | undefined;
  /** Per-request timeout, milliseconds (default 60,000). */
  readonly timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** One side of a replay: the answer's texts and tool calls, readable. */
export interface ReplaySide {
  /** The committed output (canonical JSON). */
  readonly output: string;
  /** Per choice (chat) or message item (responses): the text. */
  readonly texts: readonly string[];
  /** Tool calls requested, as `name(arguments)`. */
  readonly toolCalls: readonly string[];
}

/** What {@link replayReceipt} returns. */
export interface ReplayResult {
  readonly receiptId: Hex;
  readonly endpoint: string;
  readonly api: "openai.chat.completions" | "openai.responses";
  /** The model the request names. */
  readonly model: string;
  /** True when the stored request asked for a stream (replayed without). */
  readonly streamed: boolean;
  /** True when the replayed output is byte for byte the committed one. */
  readonly identical: boolean;
  readonly stored: ReplaySide;
  readonly replayed: ReplaySide & { readonly responseModel?: string | undefined; readonly systemFingerprint?: string | undefined };
  /** Line diffs (`- stored`, `+ replayed`, `  same`); empty when identical. */
  readonly diff: { readonly output: readonly string[]; readonly toolCalls: readonly string[] };
  /** One line for people. */
  readonly summary: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (isObj(part) && typeof part.text === "string" ? part.text : "")).join("");
  return content === null || content === undefined ? "" : JSON.stringify(content);
}

/** The texts and tool calls of a committed output (either API). */
function sideOf(output: string): ReplaySide {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { output, texts: [output], toolCalls: [] };
  }
  const texts: string[] = [];
  const toolCalls: string[] = [];
  if (isObj(value) && Array.isArray(value.choices)) {
    for (const choice of value.choices) {
      const message = isObj(choice) && isObj(choice.message) ? choice.message : {};
      texts.push(textOf(message.content));
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        const fn = isObj(call) && isObj(call.function) ? call.function : {};
        toolCalls.push(`${String(fn.name)}(${String(fn.arguments ?? "")})`);
      }
    }
  } else if (isObj(value) && Array.isArray(value.output)) {
    for (const item of value.output) {
      if (!isObj(item)) continue;
      if (item.type === "message") texts.push(textOf(item.content));
      if (item.type === "function_call") toolCalls.push(`${String(item.name)}(${String(item.arguments ?? "")})`);
    }
  } else {
    texts.push(output);
  }
  return { output, texts, toolCalls };
}

/** A line diff (longest common subsequence): `  same`, `- only in a`, `+ only in b`. */
export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}

const lines = (texts: readonly string[]): string[] => texts.flatMap((text, i) => (texts.length > 1 ? [`[choice ${i}]`] : []).concat(text.split("\n")));

/**
 * Replays an answer against an OpenAI-compatible endpoint and compares the new output with the
 * committed one.
 *
 * @throws {ReplayError} `no-request` (the evidence holds no replayable request), `unreachable`,
 *   `http-status` (the endpoint answered with an error), `bad-response` (not an OpenAI-compatible answer).
 * @example
 * const result = await replayReceipt({ evidence, endpoint: "http://127.0.0.1:8080/v1" });
 * if (!result.identical) console.log(result.diff.output.join("\n"));
 */
export async function replayReceipt(params: ReplayReceiptParameters): Promise<ReplayResult> {
  const { evidence } = params;
  const request = evidence.request;
  if (!isObj(request) || typeof request.model !== "string" || (!Array.isArray(request.messages) && request.input === undefined)) {
    throw new ReplayError({
      reason: "no-request",
      message: `The evidence of receipt ${evidence.receiptId} holds no replayable OpenAI-compatible request.`,
      metaMessages: ["Expected: a chat completions body (model, messages, ...) or a responses body (model, input, ...)", `Found:    ${JSON.stringify(request)?.slice(0, 120)}`],
    });
  }
  const api = Array.isArray(request.messages) ? "openai.chat.completions" : "openai.responses";
  const streamed = request.stream === true;
  const { stream: _stream, stream_options: _streamOptions, ...body } = request;
  const url = `${params.endpoint.replace(/\/+$/, "")}${api === "openai.chat.completions" ? "/chat/completions" : "/responses"}`;
  const doFetch = params.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(params.apiKey ? { authorization: `Bearer ${params.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(params.timeoutMs ?? 60_000),
    });
  } catch (cause) {
    throw new ReplayError({ reason: "unreachable", message: `The endpoint ${url} did not answer.`, metaMessages: ["Is the model server running, and is --endpoint its base URL (e.g. http://127.0.0.1:8080/v1)?"], cause });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new ReplayError({ reason: "http-status", message: `The endpoint ${url} answered HTTP ${response.status}.`, metaMessages: [`Body: ${text.slice(0, 300)}`] });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ReplayError({ reason: "bad-response", message: `The endpoint ${url} did not answer JSON.`, metaMessages: [`Body: ${text.slice(0, 300)}`], cause });
  }
  if (!isObj(json) || (api === "openai.chat.completions" ? !Array.isArray(json.choices) : !Array.isArray(json.output))) {
    throw new ReplayError({ reason: "bad-response", message: `The endpoint ${url} did not answer an OpenAI-compatible ${api === "openai.chat.completions" ? "chat completion" : "response"}.`, metaMessages: [`Body: ${text.slice(0, 300)}`] });
  }
  const answer = answerOfJson(api, body as Obj, json);
  const replayedOutput = canonicalize(answer.output as JsonValue) ?? "null";
  const storedOutput = evidence.output.encoding === "utf8" ? evidence.output.content : new TextDecoder().decode(hexToBytes(evidence.output.content as Hex));
  const stored = sideOf(storedOutput);
  const replayed = { ...sideOf(replayedOutput), responseModel: answer.responseModel, systemFingerprint: answer.systemFingerprint };
  const identical = replayedOutput === storedOutput;
  const outputDiff = identical ? [] : lineDiff(lines(stored.texts), lines(replayed.texts));
  const toolDiff = identical ? [] : lineDiff(stored.toolCalls, replayed.toolCalls);
  const textsDiffer = outputDiff.some((line) => !line.startsWith("  "));
  const toolsDiffer = toolDiff.some((line) => !line.startsWith("  "));
  const model = request.model;
  const summary = identical
    ? `identical: ${model} at ${url} gave the committed output byte for byte${answer.systemFingerprint ? ` (fingerprint ${answer.systemFingerprint})` : ""}`
    : `different: ${model} at ${url} gave another output${answer.systemFingerprint ? ` (fingerprint ${answer.systemFingerprint})` : ""}: ` +
      [textsDiffer ? "the text differs" : "", toolsDiffer ? "the tool calls differ" : "", !textsDiffer && !toolsDiffer ? "the texts and tool calls match, other fields (finish reason, roles) differ" : ""].filter(Boolean).join(", ");
  return { receiptId: evidence.receiptId, endpoint: url, api, model, streamed, identical, stored, replayed, diff: { output: outputDiff, toolCalls: toolDiff }, summary };
}
