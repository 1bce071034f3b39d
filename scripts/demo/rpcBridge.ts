/**
 * Serves an EIP-1193 provider (Hardhat's in-process chain) as a JSON-RPC endpoint on
 * 127.0.0.1, so a third party in the demo holds nothing but an RPC URL, as it would with a
 * public endpoint. Single and batched JSON-RPC requests; CORS open (the web verifier can
 * use it too).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: string | number | null;
  method?: unknown;
  params?: unknown;
}

async function answer(provider: Provider, call: JsonRpcRequest): Promise<object> {
  const id = call.id ?? null;
  if (typeof call.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request: method must be a string" } };
  try {
    const params = Array.isArray(call.params) ? call.params : [];
    return { jsonrpc: "2.0", id, result: await provider.request({ method: call.method, params }) };
  } catch (error) {
    const e = error as { code?: number; message?: string; data?: unknown };
    return { jsonrpc: "2.0", id, error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), data: e.data } };
  }
}

/** A running bridge: its URL and how to stop it. */
export interface RpcBridge {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the bridge on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function serveProvider(provider: Provider, port = 0): Promise<RpcBridge> {
  const server: Server = createServer((req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-allow-headers", "content-type");
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    if (req.method !== "POST") return void res.writeHead(405, { "content-type": "text/plain" }).end("POST JSON-RPC requests here\n");
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
      }
      const replies = Array.isArray(body) ? Promise.all(body.map((c) => answer(provider, c as JsonRpcRequest))) : answer(provider, body as JsonRpcRequest);
      void replies.then((reply) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
