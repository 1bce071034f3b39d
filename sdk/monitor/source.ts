/**
 * Where the monitor reads published batches from: a base URL (the service, a static host, an object
 * store) or a folder, both in the layout of `sdk/publish/layout.ts`. "Not published" (HTTP 404, no
 * file) is an answer — the batch is withheld; any other failure is an error (the batch stays unchecked).
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import type { Hex } from "viem";

import { ShowworkError } from "../errors.js";
import { batchPath, indexPath } from "../publish/layout.js";

/** The source could not be read (network error, HTTP 5xx, unreadable file, too large). */
export class MonitorSourceError extends ShowworkError {
  override name = "MonitorSourceError";
}

/** A place that serves a published log. */
export interface BatchSource {
  /** The URL or folder, for reports. */
  readonly location: string;
  /** The text of the published index, or undefined when there is none. */
  index(logId: Hex): Promise<string | undefined>;
  /** The text of batch `index`, or undefined when it is not published. @throws {MonitorSourceError} */
  batch(logId: Hex, index: number): Promise<string | undefined>;
}

/** Largest batch file accepted, bytes (default 512 MiB: a source must not exhaust the monitor's memory). */
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024 * 1024;

/** A published log under a base URL (`<base>/v1/logs/...`). */
export class HttpSource implements BatchSource {
  readonly location: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(base: string, options: { timeoutMs?: number; maxBytes?: number } = {}) {
    this.location = base;
    this.base = base.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  private async get(relative: string): Promise<string | undefined> {
    const url = `${this.base}/${relative}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "follow" });
    } catch (cause) {
      throw new MonitorSourceError(`Could not fetch ${url}.`, { cause, metaMessages: ["Do: check --source (a base URL that serves v1/logs/...) and that it is reachable."] });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new MonitorSourceError(`${url} answered HTTP ${response.status}.`, { metaMessages: ["Expected: 200 with the file, or 404 when it is not published."] });
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > this.maxBytes) {
      await response.body?.cancel();
      throw new MonitorSourceError(`${url} is ${declared} bytes, more than the ${this.maxBytes} bytes accepted.`);
    }
    const text = await response.text();
    if (text.length > this.maxBytes) throw new MonitorSourceError(`${url} is more than the ${this.maxBytes} bytes accepted.`);
    return text;
  }

  index(logId: Hex): Promise<string | undefined> {
    return this.get(indexPath(logId));
  }

  batch(logId: Hex, index: number): Promise<string | undefined> {
    return this.get(batchPath(logId, index));
  }
}

/** A published log in a folder (`<dir>/v1/logs/...`), as `showwork publish --out` writes it. */
export class DirectorySource implements BatchSource {
  readonly location: string;
  private readonly maxBytes: number;

  constructor(dir: string, options: { maxBytes?: number } = {}) {
    this.location = dir;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  private async get(relative: string): Promise<string | undefined> {
    const file = path.join(this.location, relative);
    try {
      const info = await stat(file);
      if (info.size > this.maxBytes) throw new MonitorSourceError(`${file} is ${info.size} bytes, more than the ${this.maxBytes} bytes accepted.`);
      return await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      if (error instanceof MonitorSourceError) throw error;
      throw new MonitorSourceError(`Could not read ${file}.`, { cause: error });
    }
  }

  index(logId: Hex): Promise<string | undefined> {
    return this.get(indexPath(logId));
  }

  batch(logId: Hex, index: number): Promise<string | undefined> {
    return this.get(batchPath(logId, index));
  }
}

/** `http(s)://…` → {@link HttpSource}; anything else is a folder. */
export function openSource(location: string, options: { timeoutMs?: number; maxBytes?: number } = {}): BatchSource {
  return /^https?:\/\//i.test(location) ? new HttpSource(location, options) : new DirectorySource(location, options);
}
