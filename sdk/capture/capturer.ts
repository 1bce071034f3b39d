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
import { settleOnSignal } from "./exit.js";
import type { CapturedAnswer } from "./exchange.js";
import { resolveModel, type ModelManifest, type ResolvedModel } from "./manifest.js";
import { stderrDeliveryLogger, type DeliveryLogger, type DeliveryReport, type DeliveryStatus, type ReceiptSink } from "./sinks.js";
import type { SeenVersion } from "./queue.js";
import type { TemplateRegistry } from "./templates.js";

/**
 * What the capturer reports. A receipt is `captured` (signed), then `queued` (handed to the sink:
 * durably in the local queue, or stored by an in-process service), then `delivered` (acknowledged
 * by the anchoring service) or `rejected` (refused for good: kept aside with the reason).
 */
export type CaptureEvent =
  | { readonly type: "captured"; readonly receiptId: Hex; readonly partial: boolean }
  | { readonly type: "queued"; readonly count: number }
  | { readonly type: "delivered"; readonly count: number; readonly duplicates: number }
  | { readonly type: "rejected"; readonly receiptId: Hex; readonly reason: string }
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
  /**
   * Where warnings go (an unknown model fingerprint, evidence kept in plain text, receipts left
   * queued at close): default one line on stderr; `false`: only `onEvent` and the metrics.
   */
  readonly logger?: DeliveryLogger | false;
  /**
   * On SIGINT/SIGTERM when the app has no handler of its own (default true): sign and queue the
   * answers still in memory before the process dies of the signal (a remote sink then delivers
   * what it can within its `exitWaitMs`; see `exit.ts`).
   */
  readonly handleSignals?: boolean;
}

/** Counters of a capturer (since it was created). */
export interface CaptureStats {
  /** Answers receipted (signed). */
  captured: number;
  /** Of those, streams that broke off or that the client stopped reading (a complete stream is not partial). */
  partial: number;
  /** Receipts handed to the sink: in the local queue file (remote sink) or stored (in-process service). */
  queued: number;
  /** Receipts acknowledged by the anchoring service (a remote sink also delivers what an earlier process left queued). */
  delivered: number;
  /** Receipts the service refused for good (kept in the queue's rejected set with the reason). */
  rejected: number;
  /** Receipts that could not be built, signed, stored or queued (see the `error` events). */
  failed: number;
  /** Answers whose receipt is not yet handed to the sink. */
  pending: number;
  /** Answers whose model version came from a provider fingerprint the manifest does not list yet. */
  unknownFingerprints: number;
  /** Answers refused because capture could not read them (e.g. a plain answer that is not JSON): never delivered without a receipt. */
  refused: number;
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
  readonly stats: CaptureStats = { captured: 0, partial: 0, queued: 0, delivered: 0, rejected: 0, failed: 0, pending: 0, unknownFingerprints: 0, refused: 0 };
  readonly serviceUrl: string | undefined;
  private readonly options: CapturerOptions;
  private readonly clock: () => number;
  private sequence: bigint;
  private readonly inFlight = new Set<Promise<void>>();
  /** Answers completed in this turn of the event loop, processed after it. */
  private completed: { readonly ticket: CaptureTicket; readonly answer: CapturedAnswer }[] = [];
  private batch: Receipt[] = [];
  private batchWaiters: { resolve: () => void }[] = [];
  private batchScheduled = false;
  private readonly snapshots = new WeakMap<object, ResolvedSnapshot>();
  private readonly storedArtifacts = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly logger: DeliveryLogger | undefined;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly stopSignalHandling: (() => void) | undefined;
  /** Provider versions seen (model, fingerprint → digest), for the metrics and the operator's publication list. */
  readonly versionsSeen = new Map<string, { model: string; responseModel: string | undefined; systemFingerprint: string | undefined; provider: string | undefined; weightsDigest: Hex; known: boolean; firstSeen: number; answers: number }>();
  /** Versions seen since the last sink hand-over (answers counted since then), handed over with the next batch. */
  private versionsToHandOver = new Map<string, SeenVersion>();

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
    this.logger = options.logger === false ? undefined : (options.logger ?? stderrDeliveryLogger);
    this.unsubscribe = options.sink.subscribe?.((event) => {
      if (event.type === "delivered") {
        this.stats.delivered += event.count;
        this.emit({ type: "delivered", count: event.count, duplicates: event.duplicates });
      } else {
        this.stats.rejected++;
        this.emit({ type: "rejected", receiptId: event.receiptId, reason: event.reason });
      }
    });
    this.stopSignalHandling = options.handleSignals === false ? undefined : settleOnSignal({ settle: () => this.settled() });
    const evidence = options.evidence as (EvidenceStore & { readonly encrypted?: boolean; readonly location?: string }) | undefined;
    if (evidence !== undefined && evidence.encrypted === false) {
      this.warnOnce(
        "evidence:plain",
        `the evidence store${evidence.location ? ` ${evidence.location}` : ""} keeps prompts and answers in PLAIN TEXT: anyone who can read it reads them. Set SHOWWORK_EVIDENCE_KEY (32 bytes, hex or base64), or let \`showwork dev\` / \`showwork init\` generate one into .showwork/secrets.json (docs/capture.md, Evidence at rest).`,
      );
    }
  }

  /** Where the work runs: on this thread (see `createWorkerCapturer` for a worker thread). */
  get runsOn(): "main" {
    return "main";
  }

  /** The serving node's address. */
  get servingNode(): Hex {
    return this.options.signer.address;
  }

  /** The state URL of a receipt at the service, when the service URL is known. */
  receiptUrl(receiptId: Hex): string | undefined {
    return receiptStateUrl(this.serviceUrl, receiptId);
  }

  /** Starts a capture: draws the receipt id and takes the request's context. Call when the request starts. */
  begin(): CaptureTicket {
    return newCaptureTicket(this.options.defaultContext);
  }

  /**
   * Finishes a capture with the delivered answer; returns at once, having done nothing but
   * queue it: the receipt is built, signed, its evidence stored and the receipt recorded after
   * the current turn of the event loop (the answer is handed to its caller first), for every
   * answer completed in that turn together (see `settled()`).
   */
  complete(ticket: CaptureTicket, answer: CapturedAnswer): void {
    this.stats.captured++;
    if (answer.partial) this.stats.partial++;
    this.stats.pending++;
    this.completed.push({ ticket, answer });
    if (this.completed.length === 1) {
      let done!: () => void;
      const drained = new Promise<void>((resolve) => (done = resolve));
      this.inFlight.add(drained);
      setImmediate(() => {
        this.inFlight.delete(drained);
        const answers = this.completed;
        this.completed = [];
        for (const { ticket: t, answer: a } of answers) {
          const job = this.process(t, a).finally(() => {
            this.stats.pending--;
            this.inFlight.delete(job);
          });
          this.inFlight.add(job);
        }
        done();
      });
    }
  }

  /** Counts an answer refused because capture could not read it, and reports it (a `warning` event, every time). */
  refuse(message: string): void {
    this.stats.refused++;
    this.emit({ type: "warning", message });
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
    this.logger?.warn(message, { event: "capture-warning", ...(receiptId ? { receiptId } : {}) });
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
      this.noteVersion(answer, model);
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
    const versions = [...this.versionsToHandOver.values()];
    this.versionsToHandOver = new Map();
    this.options.sink.submit(receipts, versions.length > 0 ? { versions } : undefined).then(
      () => {
        this.stats.queued += receipts.length;
        this.emit({ type: "queued", count: receipts.length });
        if (this.options.sink.direct === true) {
          // In-process: stored by the service when submit resolves.
          this.stats.delivered += receipts.length;
          this.emit({ type: "delivered", count: receipts.length, duplicates: 0 });
        }
      },
      (error: unknown) => {
        this.stats.failed += receipts.length;
        this.emit({ type: "error", stage: "record", error });
      },
    ).finally(() => {
      for (const w of waiters) w.resolve();
    });
  }

  /**
   * Resolves when every answer captured so far has its receipt handed to the sink — queued, not
   * yet delivered with a remote sink — (or failed) and its evidence stored. To wait for delivery,
   * use {@link flush}.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Waits until every receipt captured so far is acknowledged by the anchoring service, or
   * `timeoutMs` passed (default 30,000): then says how many are still queued and why (the last
   * delivery failure). Receipts still queued are not lost: they stay in the queue file.
   * @example
   * const report = await capturer.flush(10_000);
   * if (!report.delivered) console.error(`${report.queued} receipt(s) still queued: ${report.reason}`);
   */
  async flush(timeoutMs = 30_000): Promise<DeliveryReport> {
    const deadline = Date.now() + timeoutMs;
    await this.settled();
    const sink = this.options.sink;
    if (sink.flush === undefined) return { delivered: true, queued: 0, reason: undefined, rejected: this.stats.rejected };
    return sink.flush(Math.max(0, deadline - Date.now()));
  }

  /** Where delivery stands (queue depth, oldest age, totals, the current failure), when the sink says. */
  deliveryStatus(): DeliveryStatus | undefined {
    return this.options.sink.status?.();
  }

  /**
   * Flushes (waits for delivery up to `timeoutMs`, default 10,000), then closes the sink (the
   * evidence store belongs to the caller). When receipts are still queued it says so — how many
   * and why — through the logger (stderr by default): they stay in the queue file and the next
   * process on it delivers them.
   */
  async close(options: { readonly timeoutMs?: number } = {}): Promise<DeliveryReport> {
    const report = await this.flush(options.timeoutMs ?? 10_000);
    if (!report.delivered && report.queued > 0) {
      const file = (this.options.sink as { queuePath?: string }).queuePath;
      this.logger?.warn(`closing with ${report.queued} receipt(s) not yet delivered (${report.reason ?? "no acknowledgement yet"})${file ? `; they are kept in ${file} and delivered by the next process on it` : ""}.`, {
        event: "close-undelivered",
        queued: report.queued,
      });
    }
    this.unsubscribe?.();
    this.stopSignalHandling?.();
    await this.options.sink.close?.();
    return report;
  }

  /** Records the model version of an answer (provider fingerprints: the first unknown one is warned about and counted). */
  private noteVersion(answer: CapturedAnswer, model: ResolvedModel): void {
    const key = `${answer.model}\u0000${answer.responseModel ?? ""}\u0000${answer.systemFingerprint ?? ""}`;
    const now = Date.now();
    const known = model.known !== false;
    const pending = this.versionsToHandOver.get(key);
    this.versionsToHandOver.set(
      key,
      pending !== undefined
        ? { ...pending, published: known, lastSeen: now, answers: pending.answers + 1 }
        : { model: answer.model, responseModel: answer.responseModel, systemFingerprint: answer.systemFingerprint, provider: model.provider, weightsDigest: model.weightsDigest, published: known, firstSeen: now, lastSeen: now, answers: 1 },
    );
    const seen = this.versionsSeen.get(key);
    if (seen !== undefined) {
      seen.answers++;
      if (!seen.known) this.stats.unknownFingerprints++;
      return;
    }
    this.versionsSeen.set(key, { model: answer.model, responseModel: answer.responseModel, systemFingerprint: answer.systemFingerprint, provider: model.provider, weightsDigest: model.weightsDigest, known, firstSeen: now, answers: 1 });
    if (!known) this.stats.unknownFingerprints++;
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

/** A new capture's ticket: a fresh receipt id, and the request's context over the capturer's default context. */
export function newCaptureTicket(defaultContext: ReceiptContext | undefined): CaptureTicket {
  const context = currentReceiptContext();
  return { receiptId: randomSalt(), context: defaultContext ? { ...defaultContext, ...context } : context };
}

/** A receipt's state URL at the anchoring service, when the service URL is known. */
export function receiptStateUrl(serviceUrl: string | undefined, receiptId: Hex): string | undefined {
  return serviceUrl === undefined ? undefined : `${serviceUrl}/v1/receipts/${receiptId}`;
}
