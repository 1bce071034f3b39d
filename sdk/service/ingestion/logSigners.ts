/**
 * The serving nodes authorised to sign a log's receipts, as the service sees them at
 * ingestion: a cache over `ReceiptLogs.signerHistory(logId, signer, …)`.
 *
 * The signer set is history: a node revoked later is still authorised for receipts issued
 * before its revocation. So the cache keeps each signer's periods `[grantedAt, revokedAt)`:
 * - a receipt whose `issuedAt` falls in a **closed** period is authorised for good (closed
 *   periods never change on chain), whatever the cache's age;
 * - one in the **open** period (not revoked yet) is authorised while the entry is fresh
 *   (`ttlMs`, default 30 s) — a revocation is seen sooner through the log's
 *   `SignerGranted`/`SignerRevoked` events, polled (`eventPollMs`, default 2 s) at ingestion
 *   time, which drop the entries of the signers they name;
 * - an unknown or unauthorised signer triggers one re-read (at most every `negativeTtlMs`,
 *   default 2 s, per signer), so a node granted a moment ago is accepted without restart.
 * - a signer whose key was reported compromised (`reportSignerCompromise`, seen with its history or through the
 *   `SignerCompromised` event) is refused whatever `issuedAt` says: a receipt recorded now is anchored after the
 *   leak, and only receipts in batches anchored before it count (sdk/verify/compromise.ts).
 * Every read of one signer's history is pinned to one block. A history longer than
 * `maxPeriods` (default 256) is read up to that cap (a hostile log cannot make the service
 * page for ever) and the rest counts as not authorised.
 *
 * @module
 */
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type Address, type Hex, type PublicClient } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import { ShowworkError } from "../../errors.js";

/** One authorisation period of a signer (unix seconds; `revokedAt` 0 = still authorised). */
export interface SignerPeriod {
  readonly grantedAt: number;
  readonly revokedAt: number;
}

/** A compromise report of a signer (`ReceiptLogs.reportSignerCompromise`; unix seconds). */
export interface SignerCompromise {
  readonly since: number;
  readonly fromBatch: bigint;
  readonly reportedAt: number;
}

/** The outcome of {@link LogSigners.check}. */
export type SignerCheck =
  | { readonly authorised: true }
  | { readonly authorised: false; readonly periods: readonly SignerPeriod[]; readonly compromise?: SignerCompromise };

/** Options of {@link LogSigners}. */
export interface LogSignersOptions {
  readonly publicClient: PublicClient;
  readonly contract: Address;
  readonly logId: Hex;
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  readonly eventPollMs?: number;
  readonly maxPeriods?: number;
  /** Signers kept in the cache (default 10,000; the oldest entry goes first). */
  readonly maxEntries?: number;
  /** The clock (ms), for tests. */
  readonly now?: () => number;
}

/** The chain could not be read to decide whether a signer is authorised (retry later). */
export class SignerCheckUnavailableError extends ShowworkError {
  override name = "SignerCheckUnavailableError";
  constructor(signer: Address, cause: unknown) {
    super(`Could not read the log's signer history for ${signer} from the chain.`, {
      cause,
      metaMessages: ["Nothing was stored. Do: retry later (the RPC endpoint did not answer)."],
    });
  }
}

interface Entry {
  readonly periods: readonly SignerPeriod[];
  /** The signer's compromise report, if any (read with the history, at the same block). */
  readonly compromise: SignerCompromise | undefined;
  readonly fetchedAt: number;
}

/** True when `t` falls in the period. */
const covers = (p: SignerPeriod, t: number): boolean => p.grantedAt <= t && (p.revokedAt === 0 || t < p.revokedAt);

/** The authorised serving nodes of one log, cached (see the module's doc). */
export class LogSigners {
  private readonly options: Required<Omit<LogSignersOptions, "publicClient" | "contract" | "logId">> & Pick<LogSignersOptions, "publicClient" | "contract" | "logId">;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private lastPolledBlock: bigint | undefined;
  private lastPollAt = 0;
  private polling: Promise<void> | undefined;
  /** Chain reads made (history pages and event polls), for tests and metrics. */
  reads = 0;

  constructor(options: LogSignersOptions) {
    this.options = {
      ttlMs: 30_000,
      negativeTtlMs: 2_000,
      eventPollMs: 2_000,
      maxPeriods: 256,
      maxEntries: 10_000,
      now: Date.now,
      ...options,
    };
  }

  /**
   * Whether `signer` was authorised for the log at `issuedAt` (unix seconds).
   * @throws {SignerCheckUnavailableError} when the chain must be read and cannot be.
   */
  async check(signer: Address, issuedAt: number): Promise<SignerCheck> {
    const key = signer.toLowerCase();
    await this.pollEvents();
    const now = this.options.now();
    const cached = this.entries.get(key);
    // A key reported compromised: whatever issuedAt says, anything recorded now is anchored after the leak
    // (sdk/verify/compromise.ts, the one rule), so it is refused. Reports only ever widen: the cache cannot be stale.
    if (cached?.compromise !== undefined) return { authorised: false, periods: cached.periods, compromise: cached.compromise };
    if (cached !== undefined) {
      const hit = cached.periods.find((p) => covers(p, issuedAt));
      if (hit !== undefined && (hit.revokedAt !== 0 || now - cached.fetchedAt < this.options.ttlMs)) return { authorised: true };
      if (hit === undefined && now - cached.fetchedAt < this.options.negativeTtlMs) return { authorised: false, periods: cached.periods };
    }
    const fresh = await this.fetch(signer, key);
    if (fresh.compromise !== undefined) return { authorised: false, periods: fresh.periods, compromise: fresh.compromise };
    return fresh.periods.some((p) => covers(p, issuedAt)) ? { authorised: true } : { authorised: false, periods: fresh.periods };
  }

  /** Drops every cached entry (e.g. after a reorg). */
  clear(): void {
    this.entries.clear();
  }

  private fetch(signer: Address, key: string): Promise<Entry> {
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.read(signer)
        .then(({ periods, compromise }) => {
          const entry = { periods, compromise, fetchedAt: this.options.now() };
          this.entries.delete(key);
          this.entries.set(key, entry);
          if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
          return entry;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async read(signer: Address): Promise<{ periods: SignerPeriod[]; compromise: SignerCompromise | undefined }> {
    const { publicClient, contract, logId, maxPeriods } = this.options;
    try {
      this.reads++;
      const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
      const length = await publicClient.readContract({ address: contract, abi: receiptLogsAbi, functionName: "signerHistoryLength", args: [logId, signer], blockNumber });
      const periods: SignerPeriod[] = [];
      const total = Math.min(Number(length), maxPeriods);
      for (let start = 0; start < total; start += 64) {
        this.reads++;
        const page = await publicClient.readContract({
          address: contract,
          abi: receiptLogsAbi,
          functionName: "signerHistory",
          args: [logId, signer, BigInt(start), BigInt(Math.min(64, total - start))],
          blockNumber,
        });
        if (page.length === 0) break;
        for (const p of page) periods.push({ grantedAt: Number(p.grantedAt), revokedAt: Number(p.revokedAt) });
      }
      return { periods, compromise: await this.readCompromise(signer, blockNumber) };
    } catch (cause) {
      throw new SignerCheckUnavailableError(signer, cause);
    }
  }

  /** The signer's compromise report at `blockNumber`; none on a ReceiptLogs build that predates reports. */
  private async readCompromise(signer: Address, blockNumber: bigint): Promise<SignerCompromise | undefined> {
    const { publicClient, contract, logId } = this.options;
    this.reads++;
    let report;
    try {
      report = await publicClient.readContract({ address: contract, abi: receiptLogsAbi, functionName: "signerCompromise", args: [logId, signer], blockNumber });
    } catch (error) {
      // A ReceiptLogs of an earlier release has no `signerCompromise`: the call reverts (no such function).
      if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) !== null) return undefined;
      throw error;
    }
    if (report.reportedAt === 0n) return undefined;
    return { since: Number(report.since), fromBatch: report.fromBatch, reportedAt: Number(report.reportedAt) };
  }

  /** Polls SignerGranted/SignerRevoked/SignerCompromised of the log since the last poll; drops the entries they name. */
  private pollEvents(): Promise<void> {
    if (this.options.now() - this.lastPollAt < this.options.eventPollMs) return Promise.resolve();
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async poll(): Promise<void> {
    const { publicClient, contract, logId } = this.options;
    try {
      this.reads++;
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      if (this.lastPolledBlock === undefined) {
        // First poll: nothing is cached yet, so there is nothing to drop; start from here.
        this.lastPolledBlock = head;
      } else if (head > this.lastPolledBlock) {
        const range = { address: contract, abi: receiptLogsAbi, args: { logId }, fromBlock: this.lastPolledBlock + 1n, toBlock: head } as const;
        this.reads += 3;
        const [granted, revoked, compromised] = await Promise.all([
          publicClient.getContractEvents({ ...range, eventName: "SignerGranted" }),
          publicClient.getContractEvents({ ...range, eventName: "SignerRevoked" }),
          publicClient.getContractEvents({ ...range, eventName: "SignerCompromised" }),
        ]);
        for (const event of [...granted, ...revoked, ...compromised]) {
          const signer = (event.args as { signer?: Address }).signer;
          if (signer !== undefined) this.entries.delete(signer.toLowerCase());
        }
        this.lastPolledBlock = head;
      } else if (head < this.lastPolledBlock) {
        // The chain went back (reorg or reset): forget everything.
        this.entries.clear();
        this.lastPolledBlock = head;
      }
      this.lastPollAt = this.options.now();
    } catch {
      // No events this time: entries still expire by their TTL; the next ingestion polls again.
    }
  }
}
