/**
 * `ShowworkCallbackHandler`: a LangChain.js callback handler that gives every chat model (or LLM)
 * call of a chain, agent or graph a signed receipt on a showwork capturer — for apps built on
 * LangChain, without wrapping the model's client. See docs/capture.md "LangChain".
 *
 * What a receipt commits to, from the callbacks:
 * - input: `{ messages }`, the run's messages in the OpenAI chat form (system, user, assistant with
 *   `tool_calls`, tool with `tool_call_id`) — the same JSON `withReceipts(openai)` commits to for the
 *   same request; an LLM (not chat) run: `{ prompt }`;
 * - sampling: the model's `invocation_params` (the request it sends) but the messages and transport,
 *   named as `withReceipts` names them (OpenTelemetry `gen_ai.request.*` where one exists), plus the
 *   response's model and `system_fingerprint`;
 * - tools: the tool calls whose results the messages carry (an assistant tool call paired with the
 *   tool message answering it), in order;
 * - output: `{ choices: [{ index, message: { role, content, tool_calls? }, finish_reason }] }` from the
 *   run's generations (the same shape `withReceipts` commits to);
 * - retrieval: the documents every retriever of the same trace returned before the model ran
 *   (`handleRetrieverEnd`) → the retrieval snapshot (documents → its Merkle tree; id = the document's
 *   `id`, else `metadata.id` / `metadata.source`, else its position);
 * - memory: the chat history a chain of the trace received as input (`history`, `chat_history`, or the
 *   keys named in `memoryKeys`: how `RunnableWithMessageHistory` and the memory classes pass it) → the
 *   memory snapshot (one record per message);
 * - template, and retrieval / memory given explicitly: `withReceiptContext` around the call (explicit
 *   context wins over what the handler saw).
 *
 * The receipt id comes back in the run's `llmOutput.showwork.receiptId` when LangChain passes it on,
 * and always through {@link ShowworkCallbackHandler.receiptIdOf}(runId) and `onReceipt`.
 *
 * @module
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { Serialized } from "@langchain/core/load/serializable";
import canonicalize from "canonicalize";
import type { Hex } from "viem";

import type { CaptureTicket } from "../capture/capturer.js";
import { capturerFor, type CaptureDefaultsOptions } from "../capture/defaults.js";
import type { CaptureSession } from "../capture/session.js";
import type { SnapshotInput } from "../capture/context.js";
import { chatTools, samplingOf, toJson, type CapturedAnswer } from "../capture/exchange.js";
import type { JsonValue } from "../receipt/samplingDigest.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Options: the capturer, as for `withReceipts` — none (the project config's shared default capturer,
 * on a worker thread), `{ capturer }` (any capturer), or capturer options (each one absent read from
 * the config) — and where memory is found.
 */
export type ShowworkCallbackHandlerOptions = CaptureDefaultsOptions & {
  /** Chain input keys holding the chat history (memory). Default: `history`, `chat_history`. */
  readonly memoryKeys?: readonly string[];
  /** Called with each receipt id as its model run ends. */
  readonly onReceipt?: (receipt: { readonly runId: string; readonly receiptId: Hex }) => void;
};

/** Counters of a {@link ShowworkCallbackHandler}. */
export interface CallbackHandlerStats {
  /** Model runs started. */
  runs: number;
  /** Receipts handed to the capturer. */
  receipts: number;
  /** Model runs without a receipt: the run failed (no answer), or the handler could not read it. */
  skipped: { error: number; failed: number };
}

interface ModelRun {
  readonly ticket: CaptureTicket;
  readonly kind: "chat" | "llm";
  readonly input: JsonValue;
  readonly messages: Obj[] | undefined;
  readonly params: Obj;
  readonly model: string;
}

const ROLE: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool", developer: "developer", function: "function", generic: "user" };

/** A LangChain message in the OpenAI chat form (what ChatOpenAI sends). */
export function openAIMessageOf(message: BaseMessage): Obj {
  const m = message as unknown as Obj & { getType?: () => string; _getType?: () => string };
  const type = typeof m.getType === "function" ? m.getType() : typeof m._getType === "function" ? m._getType() : String(m.type ?? "human");
  const role = type === "generic" && typeof m.role === "string" ? m.role : (ROLE[type] ?? type);
  const out: Obj = { role, content: m.content ?? null };
  if (role === "assistant") {
    const kwargs = isObj(m.additional_kwargs) ? m.additional_kwargs : {};
    const wire = Array.isArray(kwargs.tool_calls) ? kwargs.tool_calls : undefined;
    const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as { id?: string; name: string; args: unknown }[]) : [];
    if (wire && wire.length > 0) out.tool_calls = wire;
    else if (calls.length > 0) out.tool_calls = calls.map((c) => ({ id: c.id ?? null, type: "function", function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) } }));
    if (out.content === "" && out.tool_calls !== undefined) out.content = null;
  } else if (role === "tool" && typeof m.tool_call_id === "string") out.tool_call_id = m.tool_call_id;
  if (typeof m.name === "string" && m.name !== "" && role !== "tool") out.name = m.name;
  return out;
}

/** The id of a retrieved document in the snapshot. */
function documentId(doc: DocumentInterface, position: number): string {
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  if (typeof doc.id === "string" && doc.id !== "") return doc.id;
  if (typeof meta.id === "string" || typeof meta.id === "number") return String(meta.id);
  if (typeof meta.source === "string") return meta.source;
  return `document:${position}`;
}

/** How many run ids {@link ShowworkCallbackHandler.receiptIdOf} remembers (the oldest are forgotten). */
const MAX_REMEMBERED_RUNS = 10_000;

const TRANSPORT = new Set(["stream", "stream_options", "user", "metadata", "store"]);

/**
 * The callback handler. Pass it where LangChain takes callbacks (`invoke(input, { callbacks: [handler] })`,
 * or the model's / chain's constructor).
 * @example
 * const handler = new ShowworkCallbackHandler(); // the project config, as withReceipts(new OpenAI())
 * const answer = await chain.invoke(question, { callbacks: [handler] });
 */
export class ShowworkCallbackHandler extends BaseCallbackHandler {
  name = "showwork";
  /** Handlers run in the caller's async context (so `withReceiptContext` applies) and before the call returns. */
  override awaitHandlers = true;
  readonly capturer: CaptureSession;
  readonly stats: CallbackHandlerStats = { runs: 0, receipts: 0, skipped: { error: 0, failed: 0 } };
  private readonly ownsCapturer: boolean;
  private readonly memoryKeys: readonly string[];
  private readonly onReceipt: ShowworkCallbackHandlerOptions["onReceipt"];
  private readonly parents = new Map<string, string | undefined>();
  private readonly models = new Map<string, ModelRun>();
  private readonly retrieved = new Map<string, { id: string; content: string }[]>();
  private readonly memories = new Map<string, { id: string; content: string }[]>();
  private readonly receiptIds = new Map<string, Hex>();

  constructor(options: ShowworkCallbackHandlerOptions = {}) {
    super();
    const { memoryKeys, onReceipt, ...capture } = options;
    // A capturer made from options is this handler's to close; a given or the shared default one is not.
    this.ownsCapturer = !("capturer" in capture) && Object.keys(capture).length > 0;
    this.capturer = capturerFor(capture);
    this.memoryKeys = memoryKeys ?? ["history", "chat_history"];
    this.onReceipt = onReceipt;
  }

  /** The receipt id of a model run (by its run id), once the run ended with an answer. */
  receiptIdOf(runId: string): Hex | undefined {
    return this.receiptIds.get(runId);
  }

  private rootOf(runId: string): string {
    let id = runId;
    for (let i = 0; i < 10_000; i++) {
      const parent = this.parents.get(id);
      if (parent === undefined) return id;
      id = parent;
    }
    return id;
  }

  private forget(runId: string): void {
    this.parents.delete(runId);
    this.retrieved.delete(runId);
    this.memories.delete(runId);
  }

  override handleChainStart(_chain: Serialized, inputs: Obj, runId: string, _runType?: string, _tags?: string[], _metadata?: Obj, _runName?: string, parentRunId?: string): void {
    this.parents.set(runId, parentRunId);
    if (!isObj(inputs)) return;
    for (const key of this.memoryKeys) {
      const history = inputs[key];
      if (!Array.isArray(history) || history.length === 0) continue;
      const records = history.map((m, i) => ({ id: `message:${i}`, content: canonicalize(typeof m === "object" && m !== null && "content" in m ? openAIMessageOf(m as BaseMessage) : toJson(m))! }));
      this.memories.set(this.rootOf(runId), records);
      return;
    }
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.forget(runId); // its runs are over; a root chain's end ends the trace
  }

  override handleChainError(_err: unknown, runId: string): void {
    this.forget(runId);
  }

  override handleToolStart(_tool: Serialized, _input: string, runId: string, parentRunId?: string): void {
    this.parents.set(runId, parentRunId);
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleToolError(_err: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleRetrieverStart(_retriever: Serialized, _query: string, runId: string, parentRunId?: string): void {
    this.parents.set(runId, parentRunId);
  }

  override handleRetrieverError(_err: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string, parentRunId?: string): void {
    const root = this.rootOf(runId);
    this.parents.delete(runId);
    if (parentRunId === undefined) return; // a retriever on its own: no model run of its trace will follow
    const list = this.retrieved.get(root) ?? [];
    const seen = new Set(list.map((d) => d.id));
    documents.forEach((doc, i) => {
      let id = documentId(doc, list.length + i);
      for (let n = 2; seen.has(id); n++) id = `${documentId(doc, list.length + i)}#${n}`;
      seen.add(id);
      list.push({ id, content: String(doc.pageContent ?? "") });
    });
    this.retrieved.set(root, list);
  }

  override handleChatModelStart(llm: Serialized, messages: BaseMessage[][], runId: string, parentRunId?: string, extraParams?: Obj, _tags?: string[], metadata?: Obj): void {
    this.start("chat", llm, messages[0] ?? [], runId, parentRunId, extraParams, metadata);
  }

  override handleLLMStart(llm: Serialized, prompts: string[], runId: string, parentRunId?: string, extraParams?: Obj, _tags?: string[], metadata?: Obj): void {
    this.start("llm", llm, prompts[0] ?? "", runId, parentRunId, extraParams, metadata);
  }

  private start(kind: "chat" | "llm", llm: Serialized, prompt: BaseMessage[] | string, runId: string, parentRunId: string | undefined, extraParams: Obj | undefined, metadata: Obj | undefined): void {
    this.parents.set(runId, parentRunId);
    this.stats.runs++;
    try {
      const params = isObj(extraParams?.invocation_params) ? (toJson(extraParams.invocation_params) as Obj) : {};
      const model = typeof params.model === "string" ? params.model : typeof params.model_name === "string" ? params.model_name : typeof metadata?.ls_model_name === "string" ? metadata.ls_model_name : String(llm.id?.at(-1) ?? "unknown");
      const base = this.capturer.begin();
      const root = this.rootOf(runId);
      const docs = this.retrieved.get(root);
      const memory = this.memories.get(root);
      const seen: { retrievalIndex?: SnapshotInput; memory?: SnapshotInput } = {};
      if (docs && docs.length > 0 && base.context.retrievalIndex === undefined) seen.retrievalIndex = { entries: docs.slice() };
      if (memory && base.context.memory === undefined) seen.memory = { entries: memory };
      const ticket: CaptureTicket = { receiptId: base.receiptId, context: { ...base.context, ...seen } };
      if (kind === "chat") {
        const msgs = (prompt as BaseMessage[]).map(openAIMessageOf);
        this.models.set(runId, { ticket, kind, input: toJson({ messages: msgs }), messages: msgs, params, model });
      } else {
        this.models.set(runId, { ticket, kind, input: toJson({ prompt }), messages: undefined, params, model });
      }
    } catch {
      this.stats.skipped.failed++;
    }
  }

  override handleLLMError(_err: unknown, runId: string): void {
    if (this.models.delete(runId)) this.stats.skipped.error++;
    this.parents.delete(runId);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.models.get(runId);
    this.models.delete(runId);
    this.parents.delete(runId);
    if (run === undefined) return;
    try {
      const generations = output.generations[0] ?? [];
      const first = generations[0] as { message?: Obj } | undefined;
      const meta = isObj(first?.message?.response_metadata) ? first.message.response_metadata : {};
      const responseModel = typeof meta.model_name === "string" ? meta.model_name : undefined;
      const fingerprint = typeof meta.system_fingerprint === "string" ? meta.system_fingerprint : undefined;
      const body: Obj = {};
      for (const [k, v] of Object.entries(run.params)) if (!TRANSPORT.has(k)) body[k] = v;
      const choices = generations.map((g, index) => {
        const gen = g as { text?: string; message?: BaseMessage; generationInfo?: Obj };
        const message = gen.message ? openAIMessageOf(gen.message) : { role: "assistant", content: gen.text ?? "" };
        const { name: _name, ...committed } = message;
        const m = isObj(gen.message) ? (gen.message as unknown as Obj) : {};
        const rm = isObj(m.response_metadata) ? m.response_metadata : {};
        return { index, message: committed, finish_reason: (gen.generationInfo?.finish_reason ?? rm.finish_reason ?? null) as JsonValue };
      });
      const answer: CapturedAnswer = {
        api: "langchain",
        request: toJson(run.kind === "chat" ? { ...body, messages: run.messages } : { ...body, prompt: (run.input as { prompt: string }).prompt }),
        model: run.model,
        input: run.input,
        sampling: samplingOf({ ...body, model: run.model }, ["messages", "prompt"], { model: responseModel, fingerprint }),
        tools: run.messages ? chatTools(run.messages) : [],
        output: run.kind === "chat" ? toJson({ choices }) : toJson({ choices: generations.map((g, index) => ({ index, text: g.text, finish_reason: (g.generationInfo?.finish_reason ?? null) as JsonValue })) }),
        responseModel,
        systemFingerprint: fingerprint,
        responseId: typeof first?.message?.id === "string" ? first.message.id : undefined,
        partial: false,
        capture: { via: "langchain", runId },
      };
      this.capturer.complete(run.ticket, answer);
    } catch {
      this.stats.skipped.failed++;
      return;
    }
    this.stats.receipts++;
    this.receiptIds.set(runId, run.ticket.receiptId);
    if (this.receiptIds.size > MAX_REMEMBERED_RUNS) this.receiptIds.delete(this.receiptIds.keys().next().value!);
    if (output.llmOutput !== undefined && isObj(output.llmOutput)) {
      const url = this.capturer.receiptUrl(run.ticket.receiptId);
      output.llmOutput.showwork = { receiptId: run.ticket.receiptId, ...(url ? { receiptUrl: url } : {}) };
    }
    try {
      this.onReceipt?.({ runId, receiptId: run.ticket.receiptId });
    } catch {
      // a listener's failure is not the answer's
    }
  }

  /** Waits until every receipt so far is handed to the sink and its evidence stored. */
  async flush(): Promise<void> {
    await this.capturer.settled();
  }

  /** Flushes; closes the capturer when this handler made it. */
  async close(): Promise<void> {
    if (this.ownsCapturer) await this.capturer.close();
    else await this.capturer.settled();
  }
}
