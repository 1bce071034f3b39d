/**
 * A deterministic, local, OpenAI-compatible model server, for tests, benchmarks and the demo.
 *
 *   GET  /v1/models             the configured models
 *   POST /v1/chat/completions   plain and streaming (SSE), tool calls, n choices, max_tokens
 *   POST /v1/responses          plain and streaming (SSE events), function calls
 *
 * Every answer is a pure function of (model version, request): the same request to the same
 * version gives the same bytes (ids and `created` included), streaming or not, so replay can
 * compare. A model's answers come from its `respond` function (the demo's procurement model), or
 * from the default responder: words drawn from SHA-256 of (version, request), and — when the
 * request offers tools and no tool result is in it yet — a call of the first tool.
 *
 * Faults, per request (header `x-mock-fault`) or queued (`server.faults.push(...)`):
 * `"500"` (an error response), `"timeout"` (never answers; waits for the client to give up),
 * `"abort"` (a stream that breaks after `abortAfterChunks` chunks), `"slow"` (a stream whose
 * every chunk waits `slowChunkMs` first: a client or process can be stopped mid-stream).
 *
 * Use over HTTP (`await server.listen()` → 127.0.0.1, a free port) or in-process through
 * `server.fetch`, which the `openai` client takes as its `fetch` option (no sockets).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import canonicalize from "canonicalize";
import { Hono, type Context } from "hono";

/** A tool call the model makes. `arguments` is the JSON text of its arguments. */
export interface MockToolCall {
  readonly name: string;
  readonly arguments: string;
}

/** What a model answers to one request (one choice). */
export interface MockReply {
  readonly content?: string | null;
  readonly toolCalls?: readonly MockToolCall[];
  /** Default: "tool_calls" when there are tool calls, else "stop" (or "length" when cut by max tokens). */
  readonly finishReason?: string;
}

/** The request as a responder sees it (both APIs mapped to chat form). */
export interface MockRequest {
  readonly api: "chat.completions" | "responses";
  readonly model: string;
  /** Chat messages (for the Responses API: its input items mapped to messages). */
  readonly messages: readonly Record<string, unknown>[];
  readonly tools: readonly { readonly name: string; readonly parameters?: unknown }[];
  /** The whole request body as sent. */
  readonly body: Record<string, unknown>;
  /** Choice index (0 .. n-1). */
  readonly choice: number;
}

/** One model the server serves. */
export interface MockModel {
  /** The version that is live (changes the answers and the `system_fingerprint`). */
  version: string;
  /** The model's behaviour: a pure function of (version, request). Default: {@link defaultResponder}. */
  respond?: (request: MockRequest, version: string) => MockReply;
}

/** A fault to inject. */
export type MockFault = "500" | "timeout" | "abort" | "slow";

/** Options of {@link createModelServer}. */
export interface ModelServerOptions {
  readonly models: Record<string, MockModel>;
  /** Pause before each chunk of a "slow" stream, ms (default 200). */
  readonly slowChunkMs?: number;
  /** Chunks a stream sends before an "abort" fault breaks it (default 2). */
  readonly abortAfterChunks?: number;
  /** The `created` timestamp of every answer (fixed, so answers are pure; default 1764547200). */
  readonly created?: number;
}

/** A running local model server. */
export interface ModelServer {
  /** Faults applied to the next requests, first in first out. */
  readonly faults: MockFault[];
  /** The last 1,000 requests answered (or failed), for tests. */
  readonly requests: { readonly path: string; readonly body: unknown; readonly fault?: MockFault }[];
  /** The models (mutable: set `models[name].version` to deploy another version). */
  readonly models: Record<string, MockModel>;
  /** In-process fetch: give it to `new OpenAI({ baseURL: "http://model.local/v1", fetch: server.fetch })`. */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Serves over HTTP on 127.0.0.1 (port 0: a free port). */
  listen(port?: number): Promise<{ readonly url: string; close(): Promise<void> }>;
}

const WORDS = [
  "anchor", "batch", "ledger", "signal", "vector", "harbor", "meadow", "copper", "lantern", "orbit", "prism", "quartz",
  "river", "summit", "timber", "velvet", "willow", "zephyr", "amber", "cinder", "delta", "ember", "fable", "garnet",
  "helix", "indigo", "juniper", "kernel", "lumen", "mosaic", "nectar", "onyx",
];

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The request without the fields that only change the transport (so streaming and plain answers agree). */
function answerKey(body: Record<string, unknown>): Record<string, unknown> {
  const { stream: _stream, stream_options: _options, ...rest } = body;
  return rest;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === "object" && part !== null && "text" in part ? String((part as { text: unknown }).text) : "")).join("");
  }
  return "";
}

/**
 * The default behaviour: when tools are offered and no tool result is in the conversation yet,
 * call the first tool with `{ "query": <last user text> }`; otherwise answer with 12 words drawn
 * from SHA-256 of (version, request, choice).
 */
export function defaultResponder(request: MockRequest, version: string): MockReply {
  const hasToolResult = request.messages.some((m) => m.role === "tool");
  const firstTool = request.tools[0];
  const lastUser = [...request.messages].reverse().find((m) => m.role === "user");
  if (firstTool !== undefined && !hasToolResult) {
    return { content: null, toolCalls: [{ name: firstTool.name, arguments: JSON.stringify({ query: textOf(lastUser?.content) }) }] };
  }
  const digest = sha256(`${version}\n${request.choice}\n${canonicalize(answerKey(request.body))}`);
  const words = Array.from({ length: 12 }, (_, i) => WORDS[digest[i]! % WORDS.length]!);
  return { content: `[${version}] ${words.join(" ")}.` };
}

/** The `system_fingerprint` the server reports for a model version. */
export function systemFingerprint(version: string): string {
  return `fp_${sha256(version).toString("hex").slice(0, 10)}`;
}

function toolsOf(body: Record<string, unknown>): { name: string; parameters?: unknown }[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools.flatMap((tool: unknown) => {
    if (typeof tool !== "object" || tool === null) return [];
    const t = tool as { name?: unknown; function?: { name?: unknown; parameters?: unknown }; parameters?: unknown };
    const name = t.function?.name ?? t.name;
    return typeof name === "string" ? [{ name, parameters: t.function?.parameters ?? t.parameters }] : [];
  });
}

/** Responses API input → chat-like messages (for responders). */
function messagesOfResponsesInput(body: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (typeof body.instructions === "string") out.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") return [...out, { role: "user", content: body.input }];
  if (!Array.isArray(body.input)) return out;
  for (const item of body.input as Record<string, unknown>[]) {
    if (item.type === "function_call_output") out.push({ role: "tool", tool_call_id: item.call_id, content: item.output });
    else if (item.type === "function_call") out.push({ role: "assistant", tool_calls: [{ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }] });
    else if (typeof item.role === "string") out.push({ role: item.role, content: textOf(item.content) });
  }
  return out;
}

interface Choice {
  readonly content: string | null;
  readonly toolCalls: readonly { id: string; name: string; arguments: string }[];
  readonly finishReason: string;
}

const sleepUntilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });

/** Creates the server (not listening yet: use `fetch` in-process, or `listen()`). */
export function createModelServer(options: ModelServerOptions): ModelServer {
  const models = options.models;
  const created = options.created ?? 1_764_547_200;
  const abortAfter = options.abortAfterChunks ?? 2;
  const faults: MockFault[] = [];
  const requests: { path: string; body: unknown; fault?: MockFault }[] = [];
  const app = new Hono();

  const error = (c: Context, status: 400 | 404 | 500, message: string, type: string) =>
    c.json({ error: { message, type, param: null, code: type } }, status);

  /** Parses the body, finds the model, takes the fault; a Response when the request ends here. */
  const prepare = async (c: Context, path: string) => {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await c.req.text());
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return { response: error(c, 400, "The request body must be a JSON object.", "invalid_request_error") };
    }
    const header = c.req.header("x-mock-fault");
    const fault = (header === "500" || header === "timeout" || header === "abort" || header === "slow" ? header : undefined) ?? faults.shift();
    requests.push({ path, body, ...(fault ? { fault } : {}) });
    if (requests.length > 1000) requests.splice(0, requests.length - 1000);
    const model = typeof body.model === "string" ? models[body.model] : undefined;
    if (model === undefined) return { response: error(c, 404, `The model ${JSON.stringify(body.model)} does not exist (serving: ${Object.keys(models).join(", ")}).`, "model_not_found") };
    if (fault === "500") return { response: error(c, 500, "mock upstream: injected server error", "server_error") };
    if (fault === "timeout") {
      await sleepUntilAborted(c.req.raw.signal);
      return { response: error(c, 500, "mock upstream: timed out", "timeout") };
    }
    return { body, model, name: body.model as string, fault };
  };

  const choicesOf = (api: MockRequest["api"], body: Record<string, unknown>, model: MockModel, messages: Record<string, unknown>[]): Choice[] => {
    const n = typeof body.n === "number" && Number.isInteger(body.n) && body.n > 0 ? Math.min(body.n, 16) : 1;
    const maxTokens = [body.max_tokens, body.max_completion_tokens, body.max_output_tokens].find((v) => typeof v === "number") as number | undefined;
    const respond = model.respond ?? defaultResponder;
    const keyDigest = sha256(`${model.version}\n${canonicalize(answerKey(body))}`).toString("hex");
    return Array.from({ length: n }, (_, choice) => {
      const reply = respond({ api, model: String(body.model), messages, tools: toolsOf(body), body, choice }, model.version);
      let content = reply.content ?? null;
      let finishReason = reply.finishReason ?? (reply.toolCalls && reply.toolCalls.length > 0 ? "tool_calls" : "stop");
      if (content !== null && maxTokens !== undefined) {
        const words = content.split(" ");
        if (words.length > maxTokens) {
          content = words.slice(0, maxTokens).join(" ");
          finishReason = "length";
        }
      }
      const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({ id: `call_${keyDigest.slice(0, 16)}_${choice}_${i}`, name: call.name, arguments: call.arguments }));
      return { content, toolCalls, finishReason };
    });
  };

  const sse = (events: string[], fault: MockFault | undefined): Response => {
    const encoder = new TextEncoder();
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (fault === "abort" && i >= abortAfter) {
          // Let the chunks sent so far reach the client, then break the stream.
          await new Promise((resolve) => setTimeout(resolve, 30));
          controller.error(new Error("mock upstream: stream aborted"));
          return;
        }
        if (fault === "slow") await new Promise((resolve) => setTimeout(resolve, options.slowChunkMs ?? 200));
        const event = events[i++];
        if (event === undefined) controller.close();
        else controller.enqueue(encoder.encode(event));
      },
    });
    return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  };

  app.get("/v1/models", (c) =>
    c.json({ object: "list", data: Object.keys(models).map((id) => ({ id, object: "model", created, owned_by: "showwork-mock" })) }),
  );

  app.post("/v1/chat/completions", async (c) => {
    const prepared = await prepare(c, "/v1/chat/completions");
    if ("response" in prepared) return prepared.response;
    const { body, model, name, fault } = prepared;
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    const choices = choicesOf("chat.completions", body, model, messages);
    const keyDigest = sha256(`${model.version}\n${canonicalize(answerKey(body))}`).toString("hex");
    const id = `chatcmpl-${keyDigest.slice(0, 24)}`;
    const fingerprint = systemFingerprint(model.version);
    const completionTokens = choices.reduce((sum, ch) => sum + (ch.content?.split(" ").length ?? 0) + ch.toolCalls.length * 8, 0);
    const promptTokens = JSON.stringify(messages).length >> 2;
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    if (body.stream !== true) {
      if (fault === "abort") return error(c, 500, "mock upstream: injected abort (not a stream)", "server_error");
      return c.json({
        id,
        object: "chat.completion",
        created,
        model: name,
        system_fingerprint: fingerprint,
        choices: choices.map((ch, index) => ({
          index,
          message: {
            role: "assistant",
            content: ch.content,
            refusal: null,
            ...(ch.toolCalls.length > 0 ? { tool_calls: ch.toolCalls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } })) } : {}),
          },
          logprobs: null,
          finish_reason: ch.finishReason,
        })),
        usage,
      });
    }
    const base = { id, object: "chat.completion.chunk", created, model: name, system_fingerprint: fingerprint };
    const events: string[] = [];
    const push = (payload: unknown): void => void events.push(`data: ${JSON.stringify(payload)}\n\n`);
    choices.forEach((ch, index) => {
      push({ ...base, choices: [{ index, delta: { role: "assistant", content: ch.content === null ? null : "", refusal: null }, logprobs: null, finish_reason: null }] });
      if (ch.content !== null) {
        const words = ch.content.split(" ");
        words.forEach((word, w) => push({ ...base, choices: [{ index, delta: { content: w === 0 ? word : ` ${word}` }, logprobs: null, finish_reason: null }] }));
      }
      ch.toolCalls.forEach((t, k) => {
        push({ ...base, choices: [{ index, delta: { tool_calls: [{ index: k, id: t.id, type: "function", function: { name: t.name, arguments: "" } }] }, logprobs: null, finish_reason: null }] });
        const half = Math.ceil(t.arguments.length / 2);
        for (const piece of [t.arguments.slice(0, half), t.arguments.slice(half)]) {
          if (piece !== "") push({ ...base, choices: [{ index, delta: { tool_calls: [{ index: k, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }] });
        }
      });
      push({ ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason: ch.finishReason }] });
    });
    const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
    if (streamOptions?.include_usage === true) push({ ...base, choices: [], usage });
    events.push("data: [DONE]\n\n");
    return sse(events, fault);
  });

  app.post("/v1/responses", async (c) => {
    const prepared = await prepare(c, "/v1/responses");
    if ("response" in prepared) return prepared.response;
    const { body, model, name, fault } = prepared;
    const messages = messagesOfResponsesInput(body);
    const [choice] = choicesOf("responses", { ...body, n: 1 }, model, messages);
    const keyDigest = sha256(`${model.version}\n${canonicalize(answerKey(body))}`).toString("hex");
    const id = `resp_${keyDigest.slice(0, 24)}`;
    const output: Record<string, unknown>[] = [];
    if (choice!.content !== null) {
      output.push({
        type: "message",
        id: `msg_${keyDigest.slice(0, 24)}`,
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: choice!.content, annotations: [] }],
      });
    }
    choice!.toolCalls.forEach((t, k) =>
      output.push({ type: "function_call", id: `fc_${keyDigest.slice(0, 20)}_${k}`, call_id: t.id, name: t.name, arguments: t.arguments, status: "completed" }),
    );
    const status = choice!.finishReason === "length" ? "incomplete" : "completed";
    const response = {
      id,
      object: "response",
      created_at: created,
      status,
      model: name,
      output,
      ...(status === "incomplete" ? { incomplete_details: { reason: "max_output_tokens" } } : { incomplete_details: null }),
      error: null,
      instructions: typeof body.instructions === "string" ? body.instructions : null,
      tools: Array.isArray(body.tools) ? body.tools : [],
      temperature: typeof body.temperature === "number" ? body.temperature : 1,
      top_p: typeof body.top_p === "number" ? body.top_p : 1,
      parallel_tool_calls: true,
      tool_choice: body.tool_choice ?? "auto",
      metadata: {},
      usage: { input_tokens: JSON.stringify(messages).length >> 2, output_tokens: choice!.content?.split(" ").length ?? 0, total_tokens: 0 },
    };
    if (body.stream !== true) {
      if (fault === "abort") return error(c, 500, "mock upstream: injected abort (not a stream)", "server_error");
      return c.json(response);
    }
    const events: string[] = [];
    let sequence = 0;
    const push = (type: string, payload: Record<string, unknown>): void =>
      void events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...payload })}\n\n`);
    push("response.created", { response: { ...response, status: "in_progress", output: [] } });
    output.forEach((item, outputIndex) => {
      if (item.type === "message") {
        push("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", content: [] } });
        const text = choice!.content!;
        const words = text.split(" ");
        words.forEach((word, w) =>
          push("response.output_text.delta", { item_id: item.id, output_index: outputIndex, content_index: 0, delta: w === 0 ? word : ` ${word}` }),
        );
        push("response.output_text.done", { item_id: item.id, output_index: outputIndex, content_index: 0, text });
        push("response.output_item.done", { output_index: outputIndex, item });
      } else {
        push("response.output_item.added", { output_index: outputIndex, item: { ...item, arguments: "", status: "in_progress" } });
        push("response.function_call_arguments.delta", { item_id: item.id, output_index: outputIndex, delta: item.arguments });
        push("response.function_call_arguments.done", { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
        push("response.output_item.done", { output_index: outputIndex, item });
      }
    });
    push(status === "completed" ? "response.completed" : "response.incomplete", { response });
    return sse(events, fault);
  });

  app.notFound((c) => error(c, 404, `No route ${c.req.method} ${c.req.path} on the mock model server.`, "not_found"));

  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    Promise.resolve(app.fetch(input instanceof Request && init === undefined ? input : new Request(input, init)));

  return {
    faults,
    requests,
    models,
    fetch,
    listen: (port = 0) =>
      new Promise((resolve, reject) => {
        const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info: AddressInfo) => {
          resolve({
            url: `http://127.0.0.1:${info.port}`,
            close: () =>
              new Promise<void>((done) => {
                server.close(() => done());
                (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
              }),
          });
        });
        server.once("error", reject);
      }),
  };
}
