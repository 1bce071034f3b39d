/**
 * From one finished OpenTelemetry GenAI inference span (OpenTelemetry semantic conventions for
 * generative AI, `gen_ai.*`) to what a receipt commits to.
 *
 * Content (the messages) is opt-in in every instrumentation and has moved between conventions
 * versions; all of these are read, first found wins:
 *
 * 1. span attributes `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`
 *    (semconv ≥ 1.37: JSON text, or structured values);
 * 2. the span event `gen_ai.client.inference.operation.details` carrying those same attributes;
 * 3. per-message events — span events or log records routed to the span (instrumentation-openai
 *    emits log records): `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
 *    `gen_ai.tool.message` and `gen_ai.choice` (semconv 1.27–1.36), from their attributes or body;
 * 4. the events `gen_ai.content.prompt` / `gen_ai.content.completion` with the attributes
 *    `gen_ai.prompt` / `gen_ai.completion` (JSON text; semconv 1.26);
 * 5. flattened attributes `gen_ai.prompt.{i}.role|content|tool_call_id|tool_calls.{j}.id|name|arguments`
 *    and `gen_ai.completion.{i}.…|finish_reason` (OpenLLMetry / Traceloop).
 *
 * Everything is normalised to the current conventions' message form
 * (`{ role, parts: [{ type: "text", content } | { type: "tool_call", id, name, arguments } |
 * { type: "tool_call_response", id, response }], finish_reason? }`), so the committed input is
 * `{ "gen_ai.input.messages": [...] }` (plus `"gen_ai.system_instructions"` when the span has them)
 * and the committed output `{ "gen_ai.output.messages": [...] }`. A side the span does not carry is
 * committed as JSON `null` and listed in the evidence's `capture.absent` — never invented.
 *
 * @module
 */
import type { CapturedAnswer, CapturedTool } from "../capture/exchange.js";
import type { CaptureMetadata } from "../evidence/types.js";
import type { JsonValue } from "../receipt/samplingDigest.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** An attribute value (OpenTelemetry: a primitive or a homogeneous array of primitives). */
export type AttributeValue = string | number | boolean | readonly (string | number | boolean | null | undefined)[] | null | undefined;
/** Attributes of a span, event or log record. */
export type AttributesLike = Readonly<Record<string, AttributeValue | unknown>>;

/** One event of the span (a span event, or a log record routed to the span). */
export interface GenAiEvent {
  readonly name: string;
  readonly attributes?: AttributesLike | undefined;
  /** The log record's body (log records only). */
  readonly body?: unknown;
}

/** What is read from a span (structurally: any SDK's ReadableSpan fits). */
export interface GenAiSpanLike {
  readonly name: string;
  readonly attributes: AttributesLike;
  readonly events: readonly GenAiEvent[];
  readonly status?: { readonly code: number };
  spanContext(): { readonly traceId: string; readonly spanId: string };
}

/** A message in the conventions' form. */
export interface GenAiMessage {
  role: string;
  parts: Obj[];
  finish_reason?: string;
  name?: string;
}

/** The operations that are one model inference (a receipt each). */
export const INFERENCE_OPERATIONS: ReadonlySet<string> = new Set(["chat", "text_completion", "generate_content", "completion"]);

/** True when the attributes say this is a GenAI inference span (not embeddings, tools or agents). */
export function isInferenceSpan(attributes: AttributesLike): boolean {
  const op = attributes["gen_ai.operation.name"] ?? attributes["llm.request.type"];
  if (typeof op === "string") return INFERENCE_OPERATIONS.has(op);
  return typeof attributes["gen_ai.request.model"] === "string";
}

const MESSAGE_EVENTS: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};

/** Attributes that are content (never in the sampling object). */
const CONTENT_ATTRIBUTE = /^gen_ai\.(input\.messages|output\.messages|system_instructions|prompt|completion|tool\.definitions)(\.|$)/;
/** Attributes that can change the answer or say which model answered: they go into `sampling`. */
const SAMPLING_ATTRIBUTE = /^(gen_ai\.request\.|gen_ai\.openai\.request\.|openai\.request\.|gen_ai\.provider\.name$|gen_ai\.system$|gen_ai\.operation\.name$|gen_ai\.output\.type$|gen_ai\.response\.model$|openai\.response\.system_fingerprint$|gen_ai\.openai\.response\.system_fingerprint$)/;

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));

/** An OpenAI-style message (`{ role, content, tool_calls, tool_call_id }`) in the conventions' form. */
function fromOpenAIStyle(m: Obj, fallbackRole: string): GenAiMessage {
  const role = typeof m.role === "string" ? m.role : fallbackRole;
  const parts: Obj[] = [];
  const toolCallId = typeof m.tool_call_id === "string" ? m.tool_call_id : typeof m.id === "string" ? m.id : undefined;
  if (role === "tool") {
    if (m.content !== undefined && m.content !== null) parts.push({ type: "tool_call_response", ...(toolCallId ? { id: toolCallId } : {}), response: m.content });
  } else {
    if (Array.isArray(m.content)) {
      for (const p of m.content) {
        if (isObj(p) && typeof p.text === "string") parts.push({ type: "text", content: p.text });
        else if (isObj(p)) parts.push(p);
      }
    } else if (typeof m.content === "string" && m.content !== "") parts.push({ type: "text", content: m.content });
    const calls = parseJson(m.tool_calls);
    if (Array.isArray(calls)) {
      for (const c of calls) {
        if (!isObj(c)) continue;
        const fn = isObj(c.function) ? c.function : c;
        parts.push({ type: "tool_call", ...(typeof c.id === "string" ? { id: c.id } : {}), name: text(fn.name), ...(fn.arguments !== undefined ? { arguments: fn.arguments } : {}) });
      }
    }
  }
  return { role, parts };
}

function fromSchema(value: unknown): GenAiMessage[] | undefined {
  const parsed = parseJson(value);
  if (!Array.isArray(parsed)) return undefined;
  return parsed.filter(isObj).map((m) =>
    Array.isArray(m.parts)
      ? { ...(m as unknown as GenAiMessage), parts: (m.parts as unknown[]).filter(isObj) }
      : fromOpenAIStyle(m, "user"),
  );
}

/** Flattened `prefix.{i}.field` attributes (OpenLLMetry) as OpenAI-style messages. */
function fromFlattened(attributes: AttributesLike, prefix: "gen_ai.prompt" | "gen_ai.completion"): Obj[] | undefined {
  const byIndex = new Map<number, Obj>();
  const re = new RegExp(`^${prefix.replace(".", "\\.")}\\.(\\d+)\\.(.+)$`);
  for (const [key, value] of Object.entries(attributes)) {
    const match = re.exec(key);
    if (match === null) continue;
    const i = Number(match[1]);
    const field = match[2]!;
    const m = byIndex.get(i) ?? {};
    byIndex.set(i, m);
    const tc = /^tool_calls\.(\d+)\.(id|name|arguments)$/.exec(field);
    if (tc) {
      const calls = (m.tool_calls ??= []) as Obj[];
      const j = Number(tc[1]);
      (calls[j] ??= {})[tc[2]!] = value;
    } else m[field] = value;
  }
  if (byIndex.size === 0) return undefined;
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => ({ ...m, ...(Array.isArray(m.tool_calls) ? { tool_calls: (m.tool_calls as Obj[]).filter(Boolean) } : {}) }));
}

function eventData(event: GenAiEvent): Obj {
  const body = parseJson(event.body);
  const out: Obj = isObj(body) ? { ...body } : {};
  for (const [k, v] of Object.entries(event.attributes ?? {})) {
    if (k === "event.name" || k.startsWith("gen_ai.system") || k.startsWith("gen_ai.provider")) continue;
    if (!(k in out)) out[k] = v;
  }
  return out;
}

const hasContent = (messages: readonly GenAiMessage[] | undefined): boolean =>
  messages !== undefined &&
  messages.some((m) => m.parts.some((p) => (typeof p.content === "string" && p.content !== "") || p.arguments !== undefined || p.response !== undefined || (p.type !== "text" && p.type !== "tool_call" && p.type !== "tool_call_response")));

/** What the span says about input and output, with where it came from. */
export interface GenAiContent {
  readonly systemInstructions?: JsonValue;
  readonly input?: GenAiMessage[];
  readonly output?: GenAiMessage[];
  readonly from: readonly string[];
}

/** Reads the messages of a span from all the places the conventions have put them (see the module comment). */
export function contentOf(span: GenAiSpanLike): GenAiContent {
  const from = new Set<string>();
  const a = span.attributes;
  let systemInstructions: JsonValue | undefined;
  let input: GenAiMessage[] | undefined;
  let output: GenAiMessage[] | undefined;
  const take = (source: AttributesLike, where: string) => {
    if (systemInstructions === undefined && source["gen_ai.system_instructions"] !== undefined) {
      const parsed = parseJson(source["gen_ai.system_instructions"]);
      if (parsed !== undefined) {
        systemInstructions = parsed as JsonValue;
        from.add(where);
      }
    }
    if (!hasContent(input)) {
      const m = fromSchema(source["gen_ai.input.messages"]);
      if (hasContent(m)) {
        input = m;
        from.add(where);
      }
    }
    if (!hasContent(output)) {
      const m = fromSchema(source["gen_ai.output.messages"]);
      if (hasContent(m)) {
        output = m;
        from.add(where);
      }
    }
  };
  // 1, 2: the current conventions (attributes, then the details event)
  take(a, "attributes");
  for (const e of span.events) if (e.name === "gen_ai.client.inference.operation.details") take({ ...(e.attributes ?? {}), ...(isObj(e.body) ? e.body : {}) }, e.body !== undefined ? "logs" : "events");
  // 3: one event per message
  const messageEvents = span.events.filter((e) => e.name in MESSAGE_EVENTS || e.name === "gen_ai.choice");
  if (messageEvents.length > 0) {
    const where = messageEvents.some((e) => e.body !== undefined) ? "logs" : "events";
    const inMsgs = messageEvents.filter((e) => e.name in MESSAGE_EVENTS).map((e) => fromOpenAIStyle(eventData(e), MESSAGE_EVENTS[e.name]!));
    const choices = messageEvents
      .filter((e) => e.name === "gen_ai.choice")
      .map((e) => {
        const d = eventData(e);
        const msg = parseJson(d.message);
        const m = fromOpenAIStyle(isObj(msg) ? msg : d, "assistant");
        return { index: Number(d.index ?? 0), message: { ...m, role: m.role === "user" ? "assistant" : m.role, ...(d.finish_reason !== undefined ? { finish_reason: text(d.finish_reason) } : {}) } };
      })
      .sort((x, y) => x.index - y.index)
      .map((c) => c.message);
    if (!hasContent(input) && hasContent(inMsgs)) {
      input = inMsgs;
      from.add(where);
    }
    if (!hasContent(output) && hasContent(choices)) {
      output = choices;
      from.add(where);
    }
  }
  // 4: gen_ai.content.prompt / gen_ai.content.completion events
  for (const e of span.events) {
    if (e.name === "gen_ai.content.prompt" && !hasContent(input)) {
      const m = fromSchema(e.attributes?.["gen_ai.prompt"]);
      if (hasContent(m)) {
        input = m;
        from.add("events");
      }
    } else if (e.name === "gen_ai.content.completion" && !hasContent(output)) {
      const parsed = parseJson(e.attributes?.["gen_ai.completion"]);
      const list = Array.isArray(parsed) ? parsed.filter(isObj).map((c) => (isObj(c.message) ? { ...c.message, finish_reason: c.finish_reason } : c)) : undefined;
      const m = list?.map((c) => ({ ...fromOpenAIStyle(c, "assistant"), ...(c.finish_reason !== undefined ? { finish_reason: text(c.finish_reason) } : {}) }));
      if (hasContent(m)) {
        output = m;
        from.add("events");
      }
    }
  }
  // 5: flattened attributes
  if (!hasContent(input)) {
    const m = fromFlattened(a, "gen_ai.prompt")?.map((x) => fromOpenAIStyle(x, "user"));
    if (hasContent(m)) {
      input = m;
      from.add("attributes");
    }
  }
  if (!hasContent(output)) {
    const flat = fromFlattened(a, "gen_ai.completion");
    const m = flat?.map((x) => ({ ...fromOpenAIStyle(x, "assistant"), ...(x.finish_reason !== undefined ? { finish_reason: text(x.finish_reason) } : {}) }));
    if (hasContent(m)) {
      output = m;
      from.add("attributes");
    }
  }
  return {
    ...(systemInstructions !== undefined ? { systemInstructions } : {}),
    ...(hasContent(input) ? { input: input! } : {}),
    ...(hasContent(output) ? { output: output! } : {}),
    from: [...from],
  };
}

/** Tool calls whose results the input carries: a `tool_call` part paired with its `tool_call_response`, in the order of the results. */
export function toolsOfMessages(messages: readonly GenAiMessage[] | undefined): CapturedTool[] {
  if (messages === undefined) return [];
  const calls = new Map<string, { name: string; input: string }>();
  const tools: CapturedTool[] = [];
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type === "tool_call" && typeof p.id === "string") calls.set(p.id, { name: text(p.name), input: text(p.arguments) });
      else if (p.type === "tool_call_response" && typeof p.id === "string") {
        const call = calls.get(p.id);
        if (call) tools.push({ name: call.name, input: call.input, output: text(p.response) });
      }
    }
  }
  return tools;
}

const jsonOf = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v ?? null)) as JsonValue;

/** Request-side and model attributes: every `gen_ai.request.*` / `openai.request.*` one, the provider, the response model and fingerprint. */
export function samplingOfSpan(attributes: AttributesLike): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || CONTENT_ATTRIBUTE.test(key) || !SAMPLING_ATTRIBUTE.test(key)) continue;
    out[key] = jsonOf(value);
  }
  return out;
}

const OPENAI_PARAMS: Record<string, string> = {
  "gen_ai.request.temperature": "temperature",
  "gen_ai.request.top_p": "top_p",
  "gen_ai.request.seed": "seed",
  "gen_ai.openai.request.seed": "seed",
  "gen_ai.request.max_tokens": "max_tokens",
  "gen_ai.request.frequency_penalty": "frequency_penalty",
  "gen_ai.request.presence_penalty": "presence_penalty",
  "gen_ai.request.stop_sequences": "stop",
  "gen_ai.request.choice.count": "n",
};

/** An OpenAI-compatible chat request rebuilt from the span (for replay): model, messages, sampling parameters. */
function requestOf(model: string, content: GenAiContent, attributes: AttributesLike): Obj {
  const body: Obj = { model };
  if (content.input !== undefined) {
    const messages: Obj[] = [];
    if (Array.isArray(content.systemInstructions)) {
      messages.push({ role: "system", content: content.systemInstructions.map((p) => (isObj(p) ? text(p.content) : text(p))).join("") });
    }
    for (const m of content.input) {
      const texts = m.parts.filter((p) => p.type === "text").map((p) => text(p.content));
      const calls = m.parts.filter((p) => p.type === "tool_call");
      const responses = m.parts.filter((p) => p.type === "tool_call_response");
      if (responses.length > 0) {
        for (const r of responses) messages.push({ role: "tool", tool_call_id: r.id ?? null, content: text(r.response) });
        continue;
      }
      messages.push({
        role: m.role,
        content: texts.length > 0 ? texts.join("") : null,
        ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id ?? null, type: "function", function: { name: text(c.name), arguments: text(c.arguments) } })) } : {}),
      });
    }
    body.messages = messages;
  }
  for (const [attr, param] of Object.entries(OPENAI_PARAMS)) {
    if (attributes[attr] !== undefined && !(param in body)) body[param] = jsonOf(attributes[attr]);
  }
  return body;
}

/** Why a span gives no receipt. */
export type SkipReason = "not-inference" | "error-status" | "no-model";

/**
 * The captured answer of a finished GenAI inference span, or why there is none.
 * @param span the ended span (its attributes and events), plus log records routed to it as extra events.
 */
export function answerOfSpan(span: GenAiSpanLike): { answer: CapturedAnswer } | { skip: SkipReason } {
  const a = span.attributes;
  if (!isInferenceSpan(a)) return { skip: "not-inference" };
  if (span.status?.code === 2) return { skip: "error-status" };
  const model = typeof a["gen_ai.request.model"] === "string" ? a["gen_ai.request.model"] : typeof a["gen_ai.response.model"] === "string" ? a["gen_ai.response.model"] : undefined;
  if (model === undefined) return { skip: "no-model" };
  const content = contentOf(span);
  const absent: ("input" | "output")[] = [];
  if (content.input === undefined) absent.push("input");
  if (content.output === undefined) absent.push("output");
  const { traceId, spanId } = span.spanContext();
  const capture: CaptureMetadata = {
    via: "otel",
    ...(absent.length > 0 ? { absent } : {}),
    ...(content.from.length > 0 ? { contentFrom: content.from.join("+") } : {}),
    traceId,
    spanId,
  };
  const responseModel = typeof a["gen_ai.response.model"] === "string" ? a["gen_ai.response.model"] : undefined;
  const fp = a["openai.response.system_fingerprint"] ?? a["gen_ai.openai.response.system_fingerprint"];
  return {
    answer: {
      api: "otel.gen_ai",
      request: jsonOf(requestOf(model, content, a)),
      model,
      input:
        content.input === undefined
          ? null
          : jsonOf({ ...(content.systemInstructions !== undefined ? { "gen_ai.system_instructions": content.systemInstructions } : {}), "gen_ai.input.messages": content.input }),
      sampling: samplingOfSpan(a),
      tools: toolsOfMessages(content.input),
      output: content.output === undefined ? null : jsonOf({ "gen_ai.output.messages": content.output }),
      responseModel,
      systemFingerprint: typeof fp === "string" ? fp : undefined,
      responseId: typeof a["gen_ai.response.id"] === "string" ? a["gen_ai.response.id"] : undefined,
      partial: false,
      capture,
    },
  };
}
