/**
 * A small OpenAI-compatible chat model for the AI SDK (a LanguageModelV4 provider), talking to
 * the deterministic model server over HTTP — so that the middleware tests run the real `ai`
 * package (generateText, streamText, tool loops) against a real endpoint on 127.0.0.1.
 * (For tests and benchmarks: no official OpenAI-compatible provider package is a dependency.)
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider";

import { SseParser } from "../exchange.js";

type Obj = Record<string, unknown>;

const usage = (u: Obj | undefined): LanguageModelV4Usage => ({
  inputTokens: { total: Number(u?.prompt_tokens ?? 0), noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: Number(u?.completion_tokens ?? 0), text: undefined, reasoning: undefined },
});

const finish = (raw: unknown) => {
  const r = typeof raw === "string" ? raw : undefined;
  const unified = r === "stop" ? "stop" : r === "length" ? "length" : r === "tool_calls" ? "tool-calls" : "other";
  return { unified, raw: r } as const;
};

function messagesOf(prompt: LanguageModelV4CallOptions["prompt"]): Obj[] {
  const out: Obj[] = [];
  for (const m of prompt) {
    if (m.role === "system") out.push({ role: "system", content: m.content });
    else if (m.role === "user") out.push({ role: "user", content: m.content.map((p) => (p.type === "text" ? p.text : "")).join("") });
    else if (m.role === "assistant") {
      const text = m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
      const calls = m.content.flatMap((p) => (p.type === "tool-call" ? [{ id: p.toolCallId, type: "function", function: { name: p.toolName, arguments: typeof p.input === "string" ? p.input : JSON.stringify(p.input) } }] : []));
      out.push({ role: "assistant", content: text === "" ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    } else if (m.role === "tool") {
      for (const p of m.content) {
        if (p.type !== "tool-result") continue;
        const o = p.output as { type: string; value?: unknown };
        out.push({ role: "tool", tool_call_id: p.toolCallId, content: typeof o.value === "string" ? o.value : JSON.stringify(o.value ?? null) });
      }
    }
  }
  return out;
}

function bodyOf(modelId: string, o: LanguageModelV4CallOptions, stream: boolean): Obj {
  const tools = (o.tools ?? []).flatMap((t) => (t.type === "function" ? [{ type: "function", function: { name: t.name, description: t.description, parameters: t.inputSchema } }] : []));
  return {
    model: modelId,
    messages: messagesOf(o.prompt),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.topP !== undefined ? { top_p: o.topP } : {}),
    ...(o.maxOutputTokens !== undefined ? { max_tokens: o.maxOutputTokens } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(stream ? { stream: true } : {}),
  };
}

/** A LanguageModelV4 for the chat completions endpoint at `baseURL` (e.g. http://127.0.0.1:PORT/v1). */
export function openAICompatibleChatModel(baseURL: string, modelId: string): LanguageModelV4 {
  const post = async (body: Obj, o: LanguageModelV4CallOptions): Promise<Response> => {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(o.headers as Record<string, string> | undefined) },
      body: JSON.stringify(body),
      ...(o.abortSignal ? { signal: o.abortSignal } : {}),
    });
    if (!response.ok) throw new Error(`upstream ${response.status}: ${await response.text()}`);
    return response;
  };
  return {
    specificationVersion: "v4",
    provider: "openai-compatible.chat",
    modelId,
    supportedUrls: {},
    async doGenerate(o) {
      const json = (await (await post(bodyOf(modelId, o, false), o)).json()) as Obj;
      const choice = (json.choices as Obj[])[0]!;
      const message = choice.message as Obj;
      const content: LanguageModelV4Content[] = [];
      if (typeof message.content === "string") content.push({ type: "text", text: message.content });
      for (const call of (message.tool_calls as Obj[] | undefined) ?? []) {
        const f = call.function as Obj;
        content.push({ type: "tool-call", toolCallId: String(call.id), toolName: String(f.name), input: String(f.arguments) });
      }
      return {
        content,
        finishReason: finish(choice.finish_reason),
        usage: usage(json.usage as Obj | undefined),
        warnings: [],
        response: { id: String(json.id), modelId: String(json.model) },
        providerMetadata: { openai: { systemFingerprint: String(json.system_fingerprint) } },
      };
    },
    async doStream(o) {
      const response = await post(bodyOf(modelId, o, true), o);
      const reader = response.body!.getReader();
      const parser = new SseParser();
      const calls = new Map<number, { id: string; name: string; args: string }>();
      let started = false;
      let textOpen = false;
      let fingerprint = "";
      let finishReason: unknown;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          const next = await reader.read();
          if (next.done) {
            if (textOpen) controller.enqueue({ type: "text-end", id: "t0" });
            for (const [, c] of calls) controller.enqueue({ type: "tool-call", toolCallId: c.id, toolName: c.name, input: c.args });
            controller.enqueue({ type: "finish", finishReason: finish(finishReason), usage: usage(undefined), providerMetadata: { openai: { systemFingerprint: fingerprint } } });
            controller.close();
            return;
          }
          for (const event of parser.push(next.value)) {
            if (event.data === "[DONE]") continue;
            const chunk = JSON.parse(event.data) as Obj;
            if (!started) {
              started = true;
              controller.enqueue({ type: "stream-start", warnings: [] });
              controller.enqueue({ type: "response-metadata", id: String(chunk.id), modelId: String(chunk.model) });
            }
            fingerprint = String(chunk.system_fingerprint ?? fingerprint);
            for (const c of (chunk.choices as Obj[]) ?? []) {
              const delta = (c.delta as Obj) ?? {};
              if (typeof delta.content === "string" && delta.content !== "") {
                if (!textOpen) {
                  textOpen = true;
                  controller.enqueue({ type: "text-start", id: "t0" });
                }
                controller.enqueue({ type: "text-delta", id: "t0", delta: delta.content });
              }
              for (const t of (delta.tool_calls as Obj[] | undefined) ?? []) {
                const k = Number(t.index);
                const f = (t.function as Obj) ?? {};
                const call = calls.get(k) ?? { id: "", name: "", args: "" };
                if (typeof t.id === "string") call.id = t.id;
                if (typeof f.name === "string") call.name += f.name;
                if (typeof f.arguments === "string") call.args += f.arguments;
                calls.set(k, call);
              }
              if (typeof c.finish_reason === "string") finishReason = c.finish_reason;
            }
          }
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return { stream };
    },
  };
}
