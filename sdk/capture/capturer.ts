/**
 * The capturer: turns captured answers into signed receipts, keeps their evidence, and records
 * them with the anchoring service — off the answer's critical path.
 *
 * For each answer: the receipt id is drawn when the request starts (so it can ride back with
 * the answer at once); when the answer is delivered the capturer, in the background, resolves
 * the model version (manifest), the prompt template (registry), the retrieval and memory
 * snapshots (request context), commits input, output and tools with fresh salts, signs the
 * receipt as the serving node, stores content + salts in the evidence store and hands the
 * receipt to its sink (batched). Nothing of this can fail or delay the user's request: failures
 * are reported through `onEvent` and counted in `stats`.
 *
 * @module
 */
import canonicalize from "canonicalize";
import { zeroHash, type Hex, type LocalAccount } from "viem";

import { contentDigestOf as contentDigest, Snapshot } from "../disclosure/snapshot.js";
import type { EvidenceStore, ReceiptEvidence } from "../evidence/types.js";
import { EVIDENCE_FORMAT } from "../evidence/types.js";
import { buildReceipt } from "../receipt/buildReceipt.js";
import { randomSalt } from "../receipt/commitment.js";
import { signReceipt, type PrivateKeyReceiptSigner } from "../receipt/signReceipt.js";
import type { Receipt } from "../receipt/types.js";
import { currentReceiptContext, type ReceiptContext, type SnapshotInput } from "./context.js";
import { CaptureConfigError } from "./errors.js";
import type { CapturedAnswer } from "./exchange.js";
import { resolveModel, type ModelManifest } from "./manifest.js";
import type { ReceiptSink } from "./sinks.js";
import type { TemplateRegistry } from "./templates.js";

/** What the capturer reports. */
export type CaptureEvent =
  | { readonly type: "captured"; readonly receiptId: Hex; readonly partial: boolean }
  | { readonly type: "recorded"; readonly count: number }
  | { readonly type: "warning"; readonly receiptId?: Hex; readonly message: string }
  | { readonly type: "error"; readonly stage: "build" | "sign" | "evidence" | "record"; readonly receiptId?: Hex; readonly error: unknown };

/** Options of {@link createCapturer}. */
export interface CapturerOptions {
  /**
   * The serving node: signs every receipt (`servingNode` = its address). Fastest:
   * `privateKeyToReceiptSigner(key)`; a viem local account works too.
   */
  readonly signer: PrivateKeyReceiptSigner | LocalAccount;
  /** Where receipts go: the anchoring service in-process, or a remote one through a durable queue. */
  readonly sink: ReceiptSink;
  /** Content and salts of every answer (for disclosure and replay). */
  readonly evidence?: EvidenceStore;
  /** What the operator declares about its models (the version of each answer). */
  readonly models?: ModelManifest;
  /** Provider name for models not in the manifest (default "openai-compatible"). */
  readonly provider?: string;
  /** Prompt templates in code. */
  readonly templates?: TemplateRegistry;
  /** Context used when a call has none (`withReceiptContext` overrides it field by field). */
  readonly defaultContext?: ReceiptContext;
  /** Unix seconds of `issuedAt` (default: the wall clock). */
  readonly clock?: () => number;
  /** First sequence number (default: the wall clock in microseconds, so restarts keep it growing). */
  readonly firstSequence?: bigint;
  /** Base URL of the service's HTTP API, for the receipt state URL given back with answers. */
  readonly serviceUrl?: string;
  /** Receipts per `sink.submit` call at most (default 1,000). */
  readonly maxBatch?: number;
  /**
   * How long receipts gather before one `sink.submit`, ms (default 25). Each submit is a durable
   * commit (an fsync) on the process's thread; gathering keeps that off most answers' way.
   */
  readonly batchDelayMs?: number;
  readonly onEvent?: (event: CaptureEvent) => void;
}

/** Counters of a capturer. */
export interface CaptureStats {
  captured: number;
  partial: number;
  recorded: number;
  failed: number;
  /** Answers whose receipt is not yet handed to the sink. */
  pending: number;
}

/** A pending capture: the receipt id drawn when the request started, and the context then. */
export interface CaptureTicket {
  readonly receiptId: Hex;
  readonly context: ReceiptContext;
}

interface ResolvedSnapshot {
  readonly root: Hex;
  readonly members: readonly { readonly id: string; readonly artifact: Hex }[] | undefined;
}

/** The capturer. Create with {@link createCapturer}. */
export class Capturer {
  readonly stats: CaptureStats = { captured: 0, partial: 0, recorded: 0, failed: 0, pending: 0 };
  readonly serviceUrl: string | undefined;
  private readonly options: CapturerOptions;
  private readonly clock: () => number;
  private sequence: bigint;
  private readonly inFlight = new Set<Promise<void>>();
  private batch: Receipt[] = [];
  private batchWaiters: { resolve: () => void }[] = [];
  private batchScheduled = false;
  private readonly snapshots = new WeakMap<object, ResolvedSnapshot>();
  private readonly storedArtifacts = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(options: CapturerOptions) {
    if (options.signer === undefined || typeof options.signer.address !== "string") {
      throw new CaptureConfigError("capture needs a signer: the serving node's key (privateKeyToReceiptSigner(key), or a viem local account).");
    }
    if (options.sink === undefined || typeof options.sink.submit !== "function") {
      throw new CaptureConfigError("capture needs a sink: serviceSink(service) in-process, or remoteSink({ url, queuePath }).");
    }
    this.options = options;
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.sequence = options.firstSequence ?? BigInt(Date.now()) * 1000n;
    this.serviceUrl = options.serviceUrl?.replace(/\/+$/, "");
  }

  /** The serving node's address. */
  get servingNode(): Hex {
    return this.options.signer.address;
  }

  /** The state URL of a receipt at the service, when the service URL is known. */
  receiptUrl(receiptId: Hex): string | undefined {
    return this.serviceUrl === undefined ? undefined : `${this.serviceUrl}/v1/receipts/${receiptId}`;
  }

  /** Starts a capture: draws the receipt id and takes the request's context. Call when the request starts. */
  begin(): CaptureTicket {
    const context = currentReceiptContext();
    const base = this.options.defaultContext;
    return { receiptId: randomSalt(), context: base ? { ...base, ...context } : context };
  }

  /**
   * Finishes a capture with the delivered answer; returns at once. The receipt is built, signed,
   * its evidence stored and the receipt recorded in the background (see `settled()`).
   */
  complete(ticket: CaptureTicket, answer: CapturedAnswer): void {
    this.stats.captured++;
    if (answer.partial) this.stats.partial++;
    this.stats.pending++;
    const job = this.process(ticket, answer).finally(() => {
      this.stats.pending--;
      this.inFlight.delete(job);
    });
    this.inFlight.add(job);
  }

  private emit(event: CaptureEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure is not the answer's.
    }
  }

  private warnOnce(key: string, message: string, receiptId?: Hex): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.emit({ type: "warning", message, ...(receiptId ? { receiptId } : {}) });
  }

  private snapshot(kind: "retrieval" | "memory", input: SnapshotInput | undefined): ResolvedSnapshot {
    if (input === undefined) return { root: zeroHash, members: undefined };
    const cached = this.snapshots.get(input);
    if (cached) return cached;
    let resolved: ResolvedSnapshot;
    if ("root" in input) resolved = { root: input.root, members: undefined };
    else {
      const snapshot = Snapshot.of(kind, input.entries);
      const members = input.entries.map((e) => ({ id: e.id, artifact: contentDigest(e.content) }));
      resolved = { root: snapshot.root, members };
      if (this.options.evidence) {
        const items = input.entries.flatMap((e, i) => {
          const digest = members[i]!.artifact;
          return this.storedArtifacts.has(digest) ? [] : [{ digest, mediaType: mediaTypeOf(e.content), bytes: bytesOf(e.content) }];
        });
        if (items.length > 0) {
          for (const item of items) this.storedArtifacts.add(item.digest);
          this.track(this.options.evidence.putArtifacts(items), "evidence");
        }
      }
    }
    this.snapshots.set(input, resolved);
    return resolved;
  }

  private track(promise: Promise<unknown>, stage: "evidence" | "record", receiptId?: Hex): void {
    const job = promise.then(
      () => undefined,
      (error: unknown) => {
        this.stats.failed++;
        this.emit({ type: "error", stage, error, ...(receiptId ? { receiptId } : {}) });
      },
    );
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  private async process(ticket: CaptureTicket, answer: CapturedAnswer): Promise<void> {
    const { receiptId, context } = ticket;
    let receipt: Receipt;
    let evidence: ReceiptEvidence;
    try {
      const model = resolveModel(this.options.models, answer.model, answer, this.options.provider ?? "openai-compatible");
      if (model.warning) this.warnOnce(`model:${answer.model}:${answer.systemFingerprint ?? ""}`, model.warning, receiptId);
      let template: { id: string; version: number; digest: Hex; text: string } | undefined;
      if (context.template !== undefined) {
        if (this.options.templates === undefined) throw new CaptureConfigError("A receipt context names a prompt template, but the capturer has no template registry (options.templates).");
        template = this.options.templates.resolve(context.template);
      }
      const retrieval = this.snapshot("retrieval", context.retrievalIndex);
      const memory = this.snapshot("memory", context.memory);
      const input = canonicalize(answer.input)!;
      const output = canonicalize(answer.output)!;
      const issuedAt = this.clock();
      const built = buildReceipt({
        model: { name: model.name, weightsDigest: model.weightsDigest },
        promptTemplate: template ? { digest: template.digest, version: template.version } : { digest: zeroHash, version: 0 },
        retrievalIndexDigest: retrieval.root,
        memoryDigest: memory.root,
        tools: answer.tools,
        input,
        output,
        sampling: answer.sampling,
        servingNode: this.options.signer.address,
        sequence: this.sequence++,
        issuedAt,
        receiptId,
        ...(context.inputSalt ? { inputSalt: context.inputSalt } : {}),
      });
      receipt = built.receipt;
      const { openings } = built;
      if (template && this.options.evidence && !this.storedArtifacts.has(template.digest)) {
        this.storedArtifacts.add(template.digest);
        this.track(this.options.evidence.putArtifacts([{ digest: template.digest, mediaType: "text/plain; charset=utf-8", bytes: new TextEncoder().encode(template.text) }]), "evidence");
      }
      evidence = {
        format: EVIDENCE_FORMAT,
        receiptId,
        issuedAt,
        model: { name: model.name, weightsDigest: model.weightsDigest },
        request: answer.request,
        input: { content: input, encoding: "utf8", salt: openings.inputSalt },
        output: { content: output, encoding: "utf8", salt: openings.outputSalt },
        tools: answer.tools.map((t, i) => ({
          name: t.name,
          input: { content: t.input, encoding: "utf8" as const, salt: openings.tools[i]!.inputSalt },
          output: { content: t.output, encoding: "utf8" as const, salt: openings.tools[i]!.outputSalt },
        })),
        sampling: answer.sampling,
        ...(template ? { template: { id: template.id, version: template.version, digest: template.digest, artifact: template.digest } } : {}),
        ...(retrieval.members ? { retrieval: { root: retrieval.root, documents: retrieval.members } } : context.retrievalIndex ? { retrieval: { root: retrieval.root, documents: [] } } : {}),
        ...(memory.members ? { memory: { root: memory.root, records: memory.members } } : context.memory ? { memory: { root: memory.root, records: [] } } : {}),
        ...(answer.capture ? { capture: answer.capture } : {}),
      };
    } catch (error) {
      this.stats.failed++;
      this.emit({ type: "error", stage: "build", receiptId, error });
      return;
    }
    let signed: Receipt;
    try {
      signed = await signReceipt(this.options.signer, receipt);
    } catch (error) {
      this.stats.failed++;
      this.emit({ type: "error", stage: "sign", receiptId, error });
      return;
    }
    if (this.options.evidence) this.track(this.options.evidence.putEvidence(evidence), "evidence", receiptId);
    this.emit({ type: "captured", receiptId, partial: answer.partial });
    await this.enqueue(signed);
  }

  /** Adds a receipt to the next sink batch; resolves once the batch is handed over (or failed). */
  private enqueue(receipt: Receipt): Promise<void> {
    this.batch.push(receipt);
    const done = new Promise<void>((resolve) => this.batchWaiters.push({ resolve }));
    if (this.batch.length >= (this.options.maxBatch ?? 1000)) this.submitBatch();
    else if (!this.batchScheduled) {
      this.batchScheduled = true;
      const delay = this.options.batchDelayMs ?? 25;
      if (delay > 0) setTimeout(() => this.submitBatch(), delay);
      else setImmediate(() => this.submitBatch());
    }
    return done;
  }

  private submitBatch(): void {
    this.batchScheduled = false;
    const receipts = this.batch;
    const waiters = this.batchWaiters;
    this.batch = [];
    this.batchWaiters = [];
    if (receipts.length === 0) return;
    this.options.sink.submit(receipts).then(
      () => {
        this.stats.recorded += receipts.length;
        this.emit({ type: "recorded", count: receipts.length });
      },
      (error: unknown) => {
        this.stats.failed += receipts.length;
        this.emit({ type: "error", stage: "record", error });
      },
    ).finally(() => {
      for (const w of waiters) w.resolve();
    });
  }

  /** Resolves when every answer captured so far has its receipt handed to the sink (or failed) and its evidence stored. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Settles, then closes the sink (the evidence store belongs to the caller). */
  async close(): Promise<void> {
    await this.settled();
    await this.options.sink.close?.();
  }
}

const bytesOf = (content: string | Uint8Array): Uint8Array => (typeof content === "string" ? new TextEncoder().encode(content) : content);
const mediaTypeOf = (content: string | Uint8Array): string => (typeof content === "string" ? "text/plain; charset=utf-8" : "application/octet-stream");

/**
 * Creates a capturer.
 * @example
 * const capturer = createCapturer({ signer: privateKeyToReceiptSigner(nodeKey), sink: serviceSink(service), evidence, models });
 * const client = withReceipts(new OpenAI(), { capturer });
 */
export function createCapturer(options: CapturerOptions): Capturer {
  return new Capturer(options);
}
