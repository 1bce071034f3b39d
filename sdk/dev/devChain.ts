/**
 * The chain of `showwork dev`: Hardhat's EDR in this process, served as JSON-RPC over HTTP on
 * 127.0.0.1, whose state survives restarts.
 *
 * Persistence is a journal (`chain.jsonl`): a header fixing the genesis (chain id, hardfork,
 * genesis time, EDR version, genesis hash), then one line per block with its timestamp, its hash
 * and the raw transactions in it, and one line per state-setting call (`hardhat_setBalance`, ...)
 * in between. On restart a fresh EDR chain with the same genesis replays the journal block by block
 * (each at its recorded time) and checks that every block hash comes out the same, so contracts,
 * logs, events and block times are exactly those of yesterday and yesterday's bundles verify.
 * Calls the journal cannot replay (snapshots, reverts, resets, impersonation, unsigned sends)
 * are refused with a JSON-RPC error that says why.
 *
 * @module
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { keccak256, type Hex } from "viem";

import { ShowworkError } from "../errors.js";
import { DEV_HARDFORK, edrVersion, startEdrChain, type EdrChain, type Eip1193Like, type EdrGenesis } from "./edr.js";

/** The journal's format tag. */
export const JOURNAL_FORMAT = "showwork/dev-chain@1";

/** A dev chain cannot start (its journal does not replay, its port is taken, another one runs). */
export class DevChainError extends ShowworkError {
  override name = "DevChainError";
}

interface JournalHeader extends EdrGenesis {
  readonly format: typeof JOURNAL_FORMAT;
  readonly edr: string;
  readonly genesisHash: Hex;
}

type JournalEntry =
  | { readonly block: number; readonly ts: number; readonly hash: Hex; readonly txs: readonly Hex[] }
  | { readonly call: string; readonly params: readonly unknown[] };

/** Methods that only read (or only set the next block's time, which the journal records anyway). */
const PASS = /^(eth_(?!send|sign)|net_|web3_|debug_trace|hardhat_metadata$|hardhat_getAutomine$|evm_setNextBlockTimestamp$|evm_increaseTime$)/;
/** State-setting calls: journaled as they are. */
const SETTERS = new Set(["hardhat_setBalance", "hardhat_setCode", "hardhat_setNonce", "hardhat_setStorageAt"]);
/** Calls that may mine blocks: journaled as the blocks they made. */
const MINERS = new Set(["eth_sendRawTransaction", "evm_mine"]);

/** A JSON-RPC error to give back to the client. */
class RpcRefusal extends Error {
  constructor(
    message: string,
    readonly code = -32601,
  ) {
    super(message);
  }
}

/** Options of {@link startDevChain}. */
export interface DevChainOptions {
  /** Folder of the journal (created): e.g. `.showwork/dev`. */
  readonly dir: string;
  /** Address to serve on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (0: any free port). */
  readonly port: number;
  /** Chain id of a new chain (default 31337; a journal keeps its own). */
  readonly chainId?: number;
  /** Genesis time of a new chain (default: now). */
  readonly now?: () => number;
  /** Progress lines (replay). */
  readonly onLog?: (line: string) => void;
}

/** A running dev chain. */
export interface DevChain {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  /** The journal file. */
  readonly journal: string;
  /** Blocks replayed from the journal at start (0 for a new chain). */
  readonly replayedBlocks: number;
  /** True when the chain was created by this start. */
  readonly created: boolean;
  /** A provider on the chain that journals like the HTTP server does (use it for set-up in this process). */
  readonly provider: Eip1193Like;
  close(): Promise<void>;
}

const toNumber = (value: unknown): number => Number(BigInt(value as string));

async function latestBlock(provider: Eip1193Like): Promise<number> {
  return toNumber(await provider.request({ method: "eth_blockNumber", params: [] }));
}

async function blockAt(provider: Eip1193Like, n: number): Promise<{ hash: Hex; timestamp: number; transactions: Hex[] }> {
  const block = (await provider.request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })) as { hash: Hex; timestamp: string; transactions: Hex[] };
  return { hash: block.hash, timestamp: toNumber(block.timestamp), transactions: block.transactions };
}

function readJournal(file: string): { header: JournalHeader; entries: JournalEntry[] } | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, "utf8").split("\n");
  // A torn last line (the process died while writing it) is dropped: its block is replayed from nothing, i.e. lost.
  const parsed: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      parsed.push(JSON.parse(line));
    } catch {
      if (i >= lines.length - 2) break;
      throw new DevChainError(`The dev chain's journal ${file} is damaged at line ${i + 1}.`, { metaMessages: ["Do: `showwork dev --reset` starts a new chain (bundles of the old one no longer verify)."] });
    }
  }
  const header = parsed[0] as JournalHeader | undefined;
  if (header?.format !== JOURNAL_FORMAT) {
    throw new DevChainError(`${file} is not a showwork dev chain journal (format ${JSON.stringify(header?.format)}).`, { metaMessages: ["Do: `showwork dev --reset` starts a new chain."] });
  }
  return { header, entries: parsed.slice(1) as JournalEntry[] };
}

/**
 * Starts (or restarts, replaying its journal) the dev chain and serves it on `host:port`.
 * @throws {DevChainError} when the journal does not replay to the same blocks, or the port is taken.
 */
export async function startDevChain(options: DevChainOptions): Promise<DevChain> {
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, "chain.jsonl");
  const existing = readJournal(file);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const genesis: EdrGenesis = existing?.header ?? {
    chainId: options.chainId ?? 31337,
    hardfork: DEV_HARDFORK,
    initialDate: new Date(now() * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const chain: EdrChain = await startEdrChain(genesis);
  const raw = chain.provider;
  let fd: number | undefined;
  let server: Server | undefined;
  try {
    const genesisHash = (await blockAt(raw, 0)).hash;
    let replayedBlocks = 0;
    if (existing !== undefined) {
      if (existing.header.genesisHash !== genesisHash) {
        throw new DevChainError(`The dev chain's journal does not replay: its genesis block was ${existing.header.genesisHash}, this Hardhat makes ${genesisHash}.`, {
          metaMessages: [
            `The journal was written with EDR ${existing.header.edr}; this is EDR ${edrVersion()}.`,
            "Do: run the showwork (and hardhat) version that wrote it, or `showwork dev --reset` for a new chain (old bundles will not verify against it).",
          ],
        });
      }
      await raw.request({ method: "evm_setAutomine", params: [false] });
      for (const entry of existing.entries) {
        if ("call" in entry) {
          await raw.request({ method: entry.call, params: entry.params });
          continue;
        }
        for (const tx of entry.txs) await raw.request({ method: "eth_sendRawTransaction", params: [tx] });
        await raw.request({ method: "evm_setNextBlockTimestamp", params: [entry.ts] });
        await raw.request({ method: "evm_mine", params: [] });
        const made = await blockAt(raw, entry.block);
        if (made.hash !== entry.hash) {
          throw new DevChainError(`The dev chain's journal does not replay: block ${entry.block} came out as ${made.hash}, the journal says ${entry.hash}.`, {
            metaMessages: [
              `The journal was written with EDR ${existing.header.edr}; this is EDR ${edrVersion()}.`,
              "Do: run the showwork version that wrote it, or `showwork dev --reset` for a new chain (old bundles will not verify against it).",
            ],
          });
        }
        replayedBlocks++;
      }
      await raw.request({ method: "evm_setAutomine", params: [true] });
      fd = openSync(file, "a");
    } else {
      fd = openSync(file, "w");
      const header: JournalHeader = { format: JOURNAL_FORMAT, ...genesis, edr: edrVersion(), genesisHash };
      writeSync(fd, `${JSON.stringify(header)}\n`);
      fsyncSync(fd);
    }
    const journalFd = fd;
    const append = (entry: JournalEntry): void => {
      writeSync(journalFd, `${JSON.stringify(entry)}\n`);
      fsyncSync(journalFd);
    };

    let journaled = await latestBlock(raw);
    const rawByHash = new Map<Hex, Hex>();
    const recordNewBlocks = async (): Promise<void> => {
      const latest = await latestBlock(raw);
      for (let n = journaled + 1; n <= latest; n++) {
        const block = await blockAt(raw, n);
        const txs = block.transactions.map((hash) => {
          const tx = rawByHash.get(hash);
          if (tx === undefined) throw new DevChainError(`Block ${n} holds transaction ${hash}, which did not come through this server: the journal cannot record it.`);
          rawByHash.delete(hash);
          return tx;
        });
        append({ block: n, ts: block.timestamp, hash: block.hash, txs });
      }
      journaled = latest;
    };

    // The clock: after a replay, the next block follows the wall clock again (never going back).
    if (replayedBlocks > 0) {
      const last = await blockAt(raw, journaled);
      await raw.request({ method: "evm_setNextBlockTimestamp", params: [Math.max(now(), last.timestamp + 1)] });
      await raw.request({ method: "evm_mine", params: [] });
      await recordNewBlocks();
    }

    // Every state change goes through one queue, so the journal is in block order.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(step: () => Promise<T>): Promise<T> => {
      const result = queue.then(step, step);
      queue = result.catch(() => undefined);
      return result;
    };
    const request = async (method: string, params: readonly unknown[] = []): Promise<unknown> => {
      if (PASS.test(method)) return raw.request({ method, params });
      if (SETTERS.has(method)) {
        return serial(async () => {
          const result = await raw.request({ method, params });
          append({ call: method, params });
          return result;
        });
      }
      if (MINERS.has(method)) {
        if (method === "evm_mine" && params.length > 0) throw new RpcRefusal("showwork dev: evm_mine takes no parameters here (set the time with evm_setNextBlockTimestamp first).", -32602);
        return serial(async () => {
          if (method === "eth_sendRawTransaction") rawByHash.set(keccak256(params[0] as Hex), params[0] as Hex);
          try {
            return await raw.request({ method, params });
          } finally {
            await recordNewBlocks();
          }
        });
      }
      throw new RpcRefusal(
        `showwork dev does not serve ${method}: its chain is journaled so that it survives restarts, and ${method} cannot be replayed. ` +
          "Sign transactions locally and send them with eth_sendRawTransaction.",
      );
    };
    const provider: Eip1193Like = { request: ({ method, params }) => request(method, (params as unknown[] | undefined) ?? []) };

    server = createServer((req, res) => void handle(req, res, request));
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "EADDRINUSE"
            ? new DevChainError(`Port ${options.port} on ${options.host ?? "127.0.0.1"} is taken: the dev chain cannot listen on it.`, {
                metaMessages: ["Is another `showwork dev` (or a node) running? Stop it, or pass --chain-port N (0: any free port)."],
              })
            : error,
        ),
      );
      listening.listen(options.port, options.host ?? "127.0.0.1", resolve);
    });
    const port = (listening.address() as AddressInfo).port;
    let closed = false;
    return {
      url: `http://${options.host ?? "127.0.0.1"}:${port}`,
      port,
      chainId: genesis.chainId,
      journal: file,
      replayedBlocks,
      created: existing === undefined,
      provider,
      close: async () => {
        if (closed) return;
        closed = true;
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeAllConnections();
        });
        await queue;
        closeSync(journalFd);
        await chain.close();
      },
    };
  } catch (error) {
    server?.close();
    if (fd !== undefined) closeSync(fd);
    await chain.close();
    if (existing === undefined && fd !== undefined) rmSync(file, { force: true });
    throw error;
  }
}

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

async function answer(call: RpcRequest, request: (method: string, params: readonly unknown[]) => Promise<unknown>): Promise<object> {
  const id = call.id ?? null;
  if (typeof call.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request: no method" } };
  try {
    const result = await request(call.method, Array.isArray(call.params) ? call.params : []);
    return { jsonrpc: "2.0", id, result: result ?? null };
  } catch (error) {
    const e = error as { code?: unknown; message?: string; data?: unknown };
    const code = typeof e.code === "number" ? e.code : -32603;
    return { jsonrpc: "2.0", id, error: { code, message: e.message ?? String(error), ...(e.data === undefined ? {} : { data: e.data }) } };
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, request: (method: string, params: readonly unknown[]) => Promise<unknown>): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body, (_key, value: unknown) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value)));
  };
  if (req.method !== "POST") {
    send(405, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "POST JSON-RPC requests here" } });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024 * 1024) {
      send(413, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "request too large" } });
      return;
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    send(400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    return;
  }
  if (Array.isArray(body)) send(200, await Promise.all(body.map((call) => answer(call as RpcRequest, request))));
  else send(200, await answer(body as RpcRequest, request));
}
