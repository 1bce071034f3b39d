/**
 * Serving the HTTP API with `@hono/node-server`.
 *
 * @module
 */
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";

import type { AnchoringService } from "../AnchoringService.js";
import { createServiceApp, type ServiceAppOptions } from "./app.js";

/** A running HTTP server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for open ones to end. */
  close(): Promise<void>;
}

/** Serves the service's HTTP API on `host:port` (port 0: any free port). */
export function startHttpServer(
  service: AnchoringService,
  options: ServiceAppOptions & { readonly host?: string; readonly port?: number } = {},
): Promise<RunningServer> {
  const app = createServiceApp(service, options);
  const hostname = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port: options.port ?? 8787 }, (info: AddressInfo) => {
      const host = info.address.includes(":") ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once("error", reject);
  });
}
