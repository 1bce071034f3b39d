/**
 * A fault-injecting JSON-RPC proxy on 127.0.0.1, in front of a node: answers with errors,
 * never answers (timeouts), drops `eth_sendRawTransaction` (says "sent", forwards nothing),
 * and duplicates requests (forwards twice, answers with the second response). Each fault
 * has a probability per request; counts are kept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { keccak256, type Hex } from "viem";

export interface FaultProfile {
  /** Answer with a JSON-RPC error (or an HTTP 502) instead of forwarding. */
  error: number;
  /** Never answer (the client times out). */
  timeout: number;
  /** For eth_sendRawTransaction: answer with the hash, forward nothing. */
  dropSend: number;
  /** Forward twice; answer with the second response. */
  duplicate: number;
}

export const NO_FAULTS: FaultProfile = { error: 0, timeout: 0, dropSend: 0, duplicate: 0 };

interface RpcRequest {
  id: unknown;
  method: string;
  params?: unknown[];
}

export interface FaultProxy {
  readonly url: string;
  readonly counts: Record<keyof FaultProfile | "forwarded", number>;
  profile: FaultProfile;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startFaultProxy(upstream: string, profile: FaultProfile = NO_FAULTS, random: () => number = Math.random): Promise<FaultProxy> {
  const counts = { error: 0, timeout: 0, dropSend: 0, duplicate: 0, forwarded: 0 };
  const held = new Set<ServerResponse>();
  const forward = async (body: string): Promise<string> => {
    const response = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
    return response.text();
  };
  const proxy: FaultProxy = { url: "", counts, profile, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      let parsed: RpcRequest | RpcRequest[];
      try {
        parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
      } catch {
        response.writeHead(400).end();
        return;
      }
      const single = Array.isArray(parsed) ? undefined : parsed;
      const p = proxy.profile;
      if (random() < p.timeout) {
        counts.timeout++;
        held.add(response);
        response.once("close", () => held.delete(response));
        return;
      }
      if (random() < p.error) {
        counts.error++;
        if (random() < 0.5) {
          response.writeHead(502, { "content-type": "text/plain" }).end("injected: bad gateway");
        } else {
          const error = { jsonrpc: "2.0", id: single?.id ?? null, error: { code: -32603, message: "injected: internal error" } };
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(error));
        }
        return;
      }
      if (single?.method === "eth_sendRawTransaction" && random() < p.dropSend) {
        counts.dropSend++;
        const hash = keccak256(String(single.params?.[0]) as Hex);
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: single.id, result: hash }));
        return;
      }
      try {
        let text = await forward(body);
        counts.forwarded++;
        if (random() < p.duplicate) {
          counts.duplicate++;
          text = await forward(body);
        }
        response.writeHead(200, { "content-type": "application/json" }).end(text);
      } catch {
        response.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("proxy has no address");
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
