/**
 * From one OpenAI-compatible exchange (the request body as sent, the response as the client
 * received it) to what a receipt commits to:
 *
 * - input: the RFC 8785 JSON of the prompt (`{ messages }` for chat completions,
 *   `{ instructions, input }` for responses);
 * - sampling: EVERY other request parameter (nothing that can change the answer is left out),
 *   named after OpenTelemetry's `gen_ai.*` attributes where one exists, `openai.request.<name>`
 *   otherwise, plus what the response says about the model (`gen_ai.response.model`,
 *   `openai.response.system_fingerprint`). Transport-only fields are left out: `stream`,
 *   `stream_options`, `user`, `metadata`, `store`, `safety_identifier`, `prompt_cache_key`;
 * - tools: the tool calls whose results the request carries (an assistant `tool_calls` entry
 *   paired with its `tool` message; `function_call` with `function_call_output`), in order;
 * - output: the RFC 8785 JSON of what the client got — `{ choices: [{ index, message, finish_reason }] }`
 *   or `{ status, output: [items] }` — the same for a streamed answer (reassembled from the
 *   delivered events) as for a plain one. A stream that broke off is committed as delivered,
 *   with `finish_reason: "aborted"` (chat) or `status: "aborted"` (responses).
 *
 * @module
 */
import { SseDecoder, type SseEvent } from "./sse.js";
import canonicalize from "canonicalize";
import type { Hex } from "viem";

import type { CaptureMetadata } from "../evidence/types.js";
import { commitmentDigest } from "../receipt/commitment.js";
import type { JsonValue } from "../receipt/samplingDigest.js";

/** The API of an exchange. */
export type CaptureApi = "openai.chat.completions" | "openai.responses" | "ai-sdk" | "otel.gen_ai" | "langchain";

/** One tool call with its input and output, as text. */
export interface CapturedTool {
  readonly name: string;
  readonly input: string;
  readonly output: string;
}

/** What a receipt is made of, from one exchange. */
export interface CapturedAnswer {
  readonly api: CaptureApi;
  /** The exact request body (JSON). */
  readonly request: JsonValue;
  /** The requested model name. */
  readonly model: string;
  readonly input: JsonValue;
  readonly sampling: { [key: string]: JsonValue };
  readonly tools: readonly CapturedTool[];
  readonly output: JsonValue;
  readonly responseModel?: string | undefined;
  readonly systemFingerprint?: string | undefined;
  readonly responseId?: string | undefined;
  /** True when the answer is a stream that broke off (only what was delivered is committed). */
  readonly partial: boolean;
  /** How it was captured and what the capture could not see (kept in the evidence record). */
  readonly capture?: CaptureMetadata;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Drops `undefined` (JSON has none), keeps the rest as is. */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

const TRANSPORT_FIELDS = new Set(["stream", "stream_options", "user", "metadata", "store", "safety_identifier", "prompt_cache_key"]);
const GEN_AI_NAMES: Record<string, string> = {
  model: "gen_ai.request.model",
  temperature: "gen_ai.request.temperature",
  top_p: "gen_ai.request.top_p",
  top_k: "gen_ai.request.top_k",
  seed: "gen_ai.request.seed",
  max_tokens: "gen_ai.request.max_tokens",
  max_completion_tokens: "gen_ai.request.max_tokens",
  max_output_tokens: "gen_ai.request.max_tokens",
  frequency_penalty: "gen_ai.request.frequency_penalty",
  presence_penalty: "gen_ai.request.presence_penalty",
  stop: "gen_ai.request.stop_sequences",
  n: "gen_ai.request.choice.count",
};

/** The sampling parameters of a request body: all fields but `inputFields` and transport fields. */
export function samplingOf(body: Obj, inputFields: readonly string[], response: { model?: string | undefined; fingerprint?: string | undefined }): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || inputFields.includes(key) || TRANSPORT_FIELDS.has(key)) continue;
    let name = GEN_AI_NAMES[key] ?? `openai.request.${key}`;
    if (name in out) name = `openai.request.${key}`; // e.g. both max_tokens and max_completion_tokens
    // The body was parsed from JSON text: its values are JSON already.
    out[name] = key === "stop" && typeof value === "string" ? [value] : (value as JsonValue);
  }
  if (response.model !== undefined) out["gen_ai.response.model"] = response.model;
  if (response.fingerprint !== undefined) out["openai.response.system_fingerprint"] = response.fingerprint;
  return out;
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === undefined || content === null) return "";
  return JSON.stringify(content);
}

/** Chat: tool calls paired with the tool messages answering them, in the order of the results. */
export function chatTools(messages: unknown): CapturedTool[] {
  if (!Array.isArray(messages)) return [];
  const calls = new Map<string, { name: string; input: string }>();
  const tools: CapturedTool[] = [];
  for (const m of messages) {
    if (!isObj(m)) continue;
    if (m.role === "assistant" && Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        if (isObj(call) && typeof call.id === "string" && isObj(call.function)) {
          calls.set(call.id, { name: String(call.function.name), input: text(call.function.arguments) });
        }
      }
    } else if (m.role === "tool" && typeof m.tool_call_id === "string") {
      const call = calls.get(m.tool_call_id);
      if (call) tools.push({ name: call.name, input: call.input, output: text(m.content) });
    }
  }
  return tools;
}

/** Responses: `function_call` items paired with their `function_call_output`. */
export function responsesTools(input: unknown): CapturedTool[] {
  if (!Array.isArray(input)) return [];
  const calls = new Map<string, { name: string; input: string }>();
  const tools: CapturedTool[] = [];
  for (const item of input) {
    if (!isObj(item)) continue;
    if (item.type === "function_call" && typeof item.call_id === "string") calls.set(item.call_id, { name: String(item.name), input: text(item.arguments) });
    else if (item.type === "function_call_output" && typeof item.call_id === "string") {
      const call = calls.get(item.call_id);
      if (call) tools.push({ name: call.name, input: call.input, output: text(item.output) });
    }
  }
  return tools;
}

/** The JSON object a response body's text holds, or undefined when it is not JSON or not an object (an unreadable answer). */
export function jsonObjectOf(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** Which API a request path is (undefined: not an answer to capture). */
export function apiOfPath(pathname: string): "openai.chat.completions" | "openai.responses" | undefined {
  if (pathname.endsWith("/chat/completions")) return "openai.chat.completions";
  if (pathname.endsWith("/responses")) return "openai.responses";
  return undefined;
}

/** A chat message as committed: role, content, refusal and tool calls (as returned). */
function chatMessage(message: Obj): JsonValue {
  const out: { [key: string]: JsonValue } = { role: (message.role as JsonValue) ?? "assistant", content: (message.content as JsonValue) ?? null };
  if (message.refusal !== undefined && message.refusal !== null) out.refusal = message.refusal as JsonValue;
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) out.tool_calls = toJson(message.tool_calls);
  return out;
}

/** The captured answer of a plain (non-streamed) exchange. */
export function answerOfJson(api: "openai.chat.completions" | "openai.responses", request: Obj, response: Obj): CapturedAnswer {
  const model = String(request.model);
  const responseModel = typeof response.model === "string" ? response.model : undefined;
  const systemFingerprint = typeof response.system_fingerprint === "string" ? response.system_fingerprint : undefined;
  const responseId = typeof response.id === "string" ? response.id : undefined;
  if (api === "openai.chat.completions") {
    const choices = Array.isArray(response.choices) ? response.choices.filter(isObj) : [];
    return {
      api,
      request: request as JsonValue,
      model,
      input: inputOf(api, request),
      sampling: samplingOf(request, ["messages"], { model: responseModel, fingerprint: systemFingerprint }),
      tools: chatTools(request.messages),
      output: {
        choices: choices.map((c) => ({ index: (c.index as JsonValue) ?? 0, message: chatMessage(isObj(c.message) ? c.message : {}), finish_reason: (c.finish_reason as JsonValue) ?? null })),
      },
      responseModel,
      systemFingerprint,
      responseId,
      partial: false,
    };
  }
  return {
    api,
    request: request as JsonValue,
    model,
    input: inputOf(api, request),
    sampling: samplingOf(request, ["input", "instructions"], { model: responseModel, fingerprint: systemFingerprint }),
    tools: responsesTools(request.input),
    output: { status: (response.status as JsonValue) ?? null, output: (response.output as JsonValue) ?? [] },
    responseModel,
    systemFingerprint,
    responseId,
    partial: false,
  };
}

/** The input a receipt commits to for a request body of `api` (before canonicalisation). */
export function inputOf(api: "openai.chat.completions" | "openai.responses", request: Obj): JsonValue {
  // The body was parsed from JSON text: its values are JSON already.
  return api === "openai.chat.completions"
    ? ({ messages: request.messages ?? [] } as unknown as JsonValue)
    : ({ instructions: request.instructions ?? null, input: request.input ?? null } as unknown as JsonValue);
}

/**
 * Splits an SSE byte stream into events (`data` and optional `event`): {@link SseDecoder}'s events, comments left
 * out. Kept for callers of the earlier API; capture itself uses {@link SseDecoder} and forwards what it parsed.
 */
export class SseParser {
  private readonly decoder = new SseDecoder();

  /** Feeds bytes; returns the complete events they finish. */
  push(chunk: Uint8Array): { event?: string; data: string }[] {
    return this.decoder
      .decode(chunk)
      .filter((item): item is SseEvent => item.type === "event")
      .map((item) => (item.event !== undefined ? { event: item.event, data: item.data } : { data: item.data }));
  }
}

interface ChatChoiceState {
  role: string;
  content: string | null;
  refusal: string | null;
  toolCalls: { id?: string; type?: string; function: { name: string; arguments: string } }[];
  finishReason: string | null;
}

/** Reassembles a streamed answer from its SSE events, as far as they were delivered. */
export class StreamAssembler {
  private readonly api: "openai.chat.completions" | "openai.responses";
  private readonly request: Obj;
  private readonly choices = new Map<number, ChatChoiceState>();
  private readonly items = new Map<number, Obj>();
  private readonly itemText = new Map<number, string>();
  private completed: Obj | undefined;
  private responseModel: string | undefined;
  private fingerprint: string | undefined;
  private responseId: string | undefined;
  /** True once the stream said it is complete (`[DONE]`, a final status, or a finish reason on every choice). */
  done = false;

  constructor(api: "openai.chat.completions" | "openai.responses", request: Obj) {
    this.api = api;
    this.request = request;
  }

  /** True once `[DONE]` arrived: later events are not applied (the `openai` package stops there too). */
  private ended = false;
  /**
   * True once an event broke the client's stream: data that is not JSON, or an error event (the `openai` package
   * throws there), so the answer is committed as partial.
   */
  private broken = false;

  /** Feeds one SSE event. */
  push(event: { event?: string; data: string }): void {
    if (this.ended || this.broken) return;
    if (event.data === "[DONE]") {
      this.done = true;
      this.ended = true;
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      this.broken = true;
      return;
    }
    if (event.event === "error" || (isObj(payload) && Boolean(payload.error))) {
      this.broken = true;
      return;
    }
    if (!isObj(payload)) return;
    if (this.api === "openai.chat.completions") this.pushChat(payload);
    else this.pushResponses(payload);
  }

  private pushChat(chunk: Obj): void {
    if (typeof chunk.model === "string") this.responseModel = chunk.model;
    if (typeof chunk.system_fingerprint === "string") this.fingerprint = chunk.system_fingerprint;
    if (typeof chunk.id === "string") this.responseId = chunk.id;
    if (!Array.isArray(chunk.choices)) return;
    for (const c of chunk.choices) {
      if (!isObj(c)) continue;
      const index = typeof c.index === "number" ? c.index : 0;
      let state = this.choices.get(index);
      if (state === undefined) {
        state = { role: "assistant", content: null, refusal: null, toolCalls: [], finishReason: null };
        this.choices.set(index, state);
      }
      const delta = isObj(c.delta) ? c.delta : {};
      if (typeof delta.role === "string") state.role = delta.role;
      if (typeof delta.content === "string") state.content = (state.content ?? "") + delta.content;
      if (typeof delta.refusal === "string") state.refusal = (state.refusal ?? "") + delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        for (const t of delta.tool_calls) {
          if (!isObj(t)) continue;
          const k = typeof t.index === "number" ? t.index : state.toolCalls.length;
          const call = (state.toolCalls[k] ??= { function: { name: "", arguments: "" } });
          if (typeof t.id === "string") call.id = t.id;
          if (typeof t.type === "string") call.type = t.type;
          if (isObj(t.function)) {
            if (typeof t.function.name === "string") call.function.name += t.function.name;
            if (typeof t.function.arguments === "string") call.function.arguments += t.function.arguments;
          }
        }
      }
      if (typeof c.finish_reason === "string") state.finishReason = c.finish_reason;
    }
  }

  private pushResponses(event: Obj): void {
    const type = event.type;
    if ((type === "response.created" || type === "response.in_progress") && isObj(event.response)) {
      if (typeof event.response.model === "string") this.responseModel = event.response.model;
      if (typeof event.response.id === "string") this.responseId = event.response.id;
    } else if (type === "response.output_item.added" && typeof event.output_index === "number" && isObj(event.item)) {
      this.items.set(event.output_index, event.item);
    } else if (type === "response.output_text.delta" && typeof event.output_index === "number" && typeof event.delta === "string") {
      this.itemText.set(event.output_index, (this.itemText.get(event.output_index) ?? "") + event.delta);
    } else if (type === "response.output_item.done" && typeof event.output_index === "number" && isObj(event.item)) {
      this.items.set(event.output_index, event.item);
      this.itemText.delete(event.output_index);
    } else if ((type === "response.completed" || type === "response.incomplete" || type === "response.failed") && isObj(event.response)) {
      this.completed = event.response;
      if (typeof event.response.model === "string") this.responseModel = event.response.model;
      this.done = true;
    }
  }

  /**
   * The captured answer as delivered. `partial` when the stream did not say it is complete
   * (`[DONE]`, a final status, or a finish reason on every choice) before it ended or was
   * `interrupted` (broke off, or the client stopped reading). A client that stops reading once the
   * answer is complete — the `openai` SDK cancels the body at `[DONE]` — did get all of it: not partial.
   */
  answer(_interrupted: boolean): CapturedAnswer {
    const finished = this.choices.size > 0 && [...this.choices.values()].every((c) => c.finishReason !== null);
    // An interruption matters only before the stream said it is complete: what counts is that (and a broken event).
    const partial = this.broken || !(this.done || (this.api === "openai.chat.completions" && finished));
    if (this.api === "openai.chat.completions") {
      const choices = [...this.choices.entries()].sort((a, b) => a[0] - b[0]);
      const response: Obj = {
        model: this.responseModel,
        system_fingerprint: this.fingerprint,
        id: this.responseId,
        choices: choices.map(([index, s]) => ({
          index,
          message: { role: s.role, content: s.content, refusal: s.refusal, tool_calls: s.toolCalls.filter((t) => t !== undefined) },
          finish_reason: s.finishReason ?? (partial ? "aborted" : null),
        })),
      };
      return { ...answerOfJson(this.api, this.request, response), partial };
    }
    const response: Obj = this.completed ?? {
      id: this.responseId,
      model: this.responseModel,
      status: "aborted",
      output: [...this.items.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([index, item]) => {
          const textSoFar = this.itemText.get(index);
          return textSoFar === undefined ? item : { ...item, status: "aborted", content: [{ type: "output_text", text: textSoFar, annotations: [] }] };
        }),
    };
    return { ...answerOfJson(this.api, this.request, { ...response, status: this.completed ? response.status : "aborted" }), partial };
  }
}

/**
 * The input digest a receipt will carry for `request` sent to `api` with input salt `salt`
 * (`withReceiptContext({ inputSalt: salt }, ...)`): keccak256(salt ‖ RFC 8785 JSON of the input).
 * @example
 * const salt = randomSalt();
 * const inputDigest = inputDigestOf("openai.chat.completions", { model, messages }, salt); // name it in an escrow
 * await withReceiptContext({ inputSalt: salt }, () => openai.chat.completions.create({ model, messages }));
 */
export function inputDigestOf(api: "openai.chat.completions" | "openai.responses", request: Record<string, unknown>, salt: Hex): Hex {
  return commitmentDigest(canonicalize(inputOf(api, request))!, salt);
}
