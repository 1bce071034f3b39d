/**
 * `showworkMiddleware(options)` for the Vercel AI SDK:
 * `wrapLanguageModel({ model, middleware: showworkMiddleware({ capturer }) })` — every answer of
 * `generateText` / `streamText` (any provider) gets a receipt.
 *
 * What a receipt commits to, from the language model call (the AI SDK's provider-neutral form):
 * - input: `{ prompt }` (the LanguageModelV4 prompt: system, user, assistant, tool messages);
 * - sampling: every call option but the prompt and transport (`abortSignal`, `headers`,
 *   `includeRawChunks`), named `gen_ai.request.*` where OpenTelemetry has a name (model, max
 *   tokens, temperature, top_p, top_k, penalties, stop sequences, seed), `ai.request.<name>`
 *   otherwise (tools, toolChoice, responseFormat, providerOptions), plus `gen_ai.provider.name`
 *   and `gen_ai.response.model`;
 * - tools: tool-call parts of assistant messages paired with their tool-result parts;
 * - output: `{ content, finishReason }`, content parts normalised (text, reasoning, tool-call, ...)
 *   so that a streamed answer commits to the same output as a generated one. A stream that broke
 *   off, or that the caller stopped reading, commits to what was delivered, with
 *   `finishReason: "aborted"`.
 *
 * The receipt id comes back in `providerMetadata.showwork.receiptId` (on the result of
 * `generateText`, and on the stream's `finish` part / `streamText(...).providerMetadata`).
 *
 * @module
 */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";

import type { JsonValue } from "../receipt/samplingDigest.js";
import type { CaptureSession } from "./session.js";
import { capturerFor, type CaptureDefaultsOptions } from "./defaults.js";
import { toJson, type CapturedAnswer, type CapturedTool } from "./exchange.js";

/** Options of {@link showworkMiddleware}: a shared capturer, or capturer options (absent ones from the project config and environment). */
export type ShowworkMiddlewareOptions = CaptureDefaultsOptions;

const AI_NAMES: Record<string, string> = {
  maxOutputTokens: "gen_ai.request.max_tokens",
  temperature: "gen_ai.request.temperature",
  topP: "gen_ai.request.top_p",
  topK: "gen_ai.request.top_k",
  presencePenalty: "gen_ai.request.presence_penalty",
  frequencyPenalty: "gen_ai.request.frequency_penalty",
  stopSequences: "gen_ai.request.stop_sequences",
  seed: "gen_ai.request.seed",
};
const AI_TRANSPORT = new Set(["prompt", "abortSignal", "headers", "includeRawChunks"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const asText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/** The request as committed: the call options without transport fields, plus provider and model. */
function requestOf(params: LanguageModelV4CallOptions, model: { provider: string; modelId: string }): Obj {
  const out: Obj = { provider: model.provider, modelId: model.modelId };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || key === "abortSignal" || key === "headers" || key === "includeRawChunks") continue;
    out[key] = value;
  }
  return toJson(out) as Obj;
}

function samplingOf(params: LanguageModelV4CallOptions, model: { provider: string; modelId: string }, responseModel: string | undefined): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = { "gen_ai.provider.name": model.provider, "gen_ai.request.model": model.modelId };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || AI_TRANSPORT.has(key)) continue;
    out[AI_NAMES[key] ?? `ai.request.${key}`] = toJson(value);
  }
  if (responseModel !== undefined) out["gen_ai.response.model"] = responseModel;
  return out;
}

function toolsOf(prompt: LanguageModelV4CallOptions["prompt"]): CapturedTool[] {
  const calls = new Map<string, { name: string; input: string }>();
  const tools: CapturedTool[] = [];
  for (const message of prompt) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as unknown as Obj[]) {
      if (part.type === "tool-call" && typeof part.toolCallId === "string") calls.set(part.toolCallId, { name: String(part.toolName), input: asText(part.input) });
      else if (part.type === "tool-result" && typeof part.toolCallId === "string") {
        const call = calls.get(part.toolCallId);
        const output = isObj(part.output) && "value" in part.output ? part.output.value : part.output;
        if (call) tools.push({ name: call.name, input: call.input, output: asText(output) });
      }
    }
  }
  return tools;
}

/** A content part as committed (no provider metadata; the same for generated and streamed answers). */
function normalisePart(part: LanguageModelV4Content | Obj): JsonValue {
  const p = part as Obj;
  if (p.type === "text" || p.type === "reasoning") return { type: p.type, text: String(p.text ?? "") };
  if (p.type === "tool-call") return { type: "tool-call", toolCallId: String(p.toolCallId), toolName: String(p.toolName), input: asText(p.input) };
  const { providerMetadata: _meta, ...rest } = p;
  return toJson(rest);
}

function answerOf(
  params: LanguageModelV4CallOptions,
  model: { provider: string; modelId: string },
  content: readonly (LanguageModelV4Content | Obj)[],
  finishReason: JsonValue,
  response: { modelId?: string | undefined; id?: string | undefined },
  systemFingerprint: string | undefined,
  partial: boolean,
): CapturedAnswer {
  return {
    api: "ai-sdk",
    request: requestOf(params, model) as JsonValue,
    model: model.modelId,
    input: toJson({ prompt: params.prompt }),
    sampling: samplingOf(params, model, response.modelId),
    tools: toolsOf(params.prompt),
    output: { content: content.map(normalisePart), finishReason },
    responseModel: response.modelId,
    systemFingerprint,
    responseId: response.id,
    partial,
  };
}

function fingerprintOf(metadata: unknown): string | undefined {
  if (!isObj(metadata)) return undefined;
  for (const value of Object.values(metadata)) {
    if (isObj(value) && typeof value.systemFingerprint === "string") return value.systemFingerprint;
  }
  return undefined;
}

function withReceiptMetadata<T extends { providerMetadata?: unknown }>(target: T, capturer: CaptureSession, receiptId: string): T {
  const url = capturer.receiptUrl(receiptId as `0x${string}`);
  const existing = isObj(target.providerMetadata) ? target.providerMetadata : {};
  return { ...target, providerMetadata: { ...existing, showwork: { receiptId, ...(url ? { receiptUrl: url } : {}) } } };
}

/**
 * The AI SDK middleware.
 * @example
 * const model = wrapLanguageModel({ model: openai("gpt-4.1"), middleware: showworkMiddleware({ capturer }) });
 * const { text, providerMetadata } = await generateText({ model, prompt });
 * providerMetadata?.showwork?.receiptId; // 0x…
 */
export function showworkMiddleware(options?: ShowworkMiddlewareOptions): LanguageModelV4Middleware {
  const capturer = capturerFor(options);
  return {
    specificationVersion: "v4",
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const ticket = capturer.begin();
      const result: LanguageModelV4GenerateResult = await doGenerate();
      try {
        capturer.complete(
          ticket,
          answerOf(params, model, result.content, toJson(result.finishReason), { modelId: result.response?.modelId, id: result.response?.id }, fingerprintOf(result.providerMetadata), false),
        );
      } catch {
        return result; // capture never fails the answer
      }
      return withReceiptMetadata(result, capturer, ticket.receiptId);
    },
    wrapStream: async ({ doStream, params, model }) => {
      const ticket = capturer.begin();
      const { stream, ...rest } = await doStream();
      const texts = new Map<string, { type: "text" | "reasoning"; text: string }>();
      const content: (Obj | { type: "text" | "reasoning"; text: string })[] = [];
      const response: { modelId?: string; id?: string } = {};
      let finishReason: JsonValue | undefined;
      let metadata: unknown;
      let finished = false;
      const finish = (interrupted: boolean): void => {
        if (finished) return;
        finished = true;
        try {
          const partial = interrupted || finishReason === undefined;
          capturer.complete(ticket, answerOf(params, model, content, partial ? "aborted" : finishReason!, response, fingerprintOf(metadata), partial));
        } catch {
          // capture never fails the answer
        }
      };
      const reader = stream.getReader();
      const observed = new ReadableStream<LanguageModelV4StreamPart>(
        {
          async pull(controller) {
            let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
            try {
              next = await reader.read();
            } catch (error) {
              finish(true);
              controller.error(error);
              return;
            }
            if (next.done) {
              finish(false);
              controller.close();
              return;
            }
            let part = next.value;
            switch (part.type) {
              case "text-start":
              case "reasoning-start": {
                const block = { type: part.type === "text-start" ? ("text" as const) : ("reasoning" as const), text: "" };
                texts.set(part.id, block);
                content.push(block);
                break;
              }
              case "text-delta":
              case "reasoning-delta": {
                const block = texts.get(part.id);
                if (block) block.text += part.delta;
                else {
                  const fresh = { type: part.type === "text-delta" ? ("text" as const) : ("reasoning" as const), text: part.delta };
                  texts.set(part.id, fresh);
                  content.push(fresh);
                }
                break;
              }
              case "tool-call":
                content.push(part as unknown as Obj);
                break;
              case "response-metadata":
                if (part.modelId !== undefined) response.modelId = part.modelId;
                if (part.id !== undefined) response.id = part.id;
                break;
              case "finish":
                finishReason = toJson(part.finishReason);
                metadata = part.providerMetadata;
                part = withReceiptMetadata(part, capturer, ticket.receiptId);
                break;
              default:
                break;
            }
            controller.enqueue(part);
          },
          async cancel(reason) {
            finish(true);
            await reader.cancel(reason).catch(() => undefined);
          },
        },
        { highWaterMark: 0 },
      );
      return { ...rest, stream: observed };
    },
  };
}
