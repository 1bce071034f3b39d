/**
 * The handle of a server started with `@hono/node-server`'s `serve()`, shared by the service's
 * HTTP server and the capture proxy.
 *
 * @module
 */
import type { AddressInfo } from "node:net";

import type { ServerType } from "@hono/node-server";

/**
 * The url, port and close() of `server`, listening at `info`. close() stops accepting
 * connections, ends idle ones, and resolves once the server is closed.
 */
export function runningServerOf(server: ServerType, info: AddressInfo): { readonly url: string; readonly port: number; close(): Promise<void> } {
  const host = info.address.includes(":") ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}`,
    port: info.port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
