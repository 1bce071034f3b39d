/**
 * Serving the HTTP API with `@hono/node-server`.
 *
 * Binding rules (checked before listening, each a {@link ServiceConfigError} saying what to do):
 * - without authentication (`auth: "none"`) or with only a process-local dev token, the
 *   address must be loopback (127.0.0.0/8, ::1, localhost);
 * - a wildcard address (0.0.0.0, ::) needs explicit `allowedHosts` (the names clients use);
 * - by default the `Host` header may name the loopback names and the bind address.
 *
 * @module
 */
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";

import type { AnchoringService } from "../AnchoringService.js";
import { ServiceConfigError } from "../errors.js";
import { createServiceApp, type ServiceAppOptions } from "./app.js";
import { isLoopbackHost, LOOPBACK_HOSTS, type DoorOptions } from "./door.js";
import { runningServerOf } from "./running.js";

/** A running HTTP server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for open ones to end. */
  close(): Promise<void>;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions extends Omit<ServiceAppOptions, "door">, Omit<DoorOptions, "allowedHosts"> {
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (0: any free port; default 8787). */
  readonly port?: number;
  /** Host names clients use (default: the loopback names and `host`). */
  readonly allowedHosts?: readonly string[];
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** The allowed hosts for a bind address (see the module's doc). @throws {ServiceConfigError} */
export function allowedHostsFor(host: string, explicit: readonly string[] | undefined): string[] {
  const bind = host.toLowerCase();
  if (WILDCARDS.has(bind) && (explicit === undefined || explicit.length === 0)) {
    throw new ServiceConfigError(`Listening on every address (${host || "(empty)"}) needs the names clients use: --allowed-host NAME (repeatable).`, [
      "The service checks the Host header of every request (a defence against DNS rebinding).",
    ]);
  }
  const bracketed = bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind;
  return [...new Set([...LOOPBACK_HOSTS, ...(WILDCARDS.has(bind) ? [] : [bracketed]), ...(explicit ?? []).map((h) => h.toLowerCase())])];
}

/** Serves the service's HTTP API on `host:port` (port 0: any free port). @throws {ServiceConfigError} */
export function startHttpServer(service: AnchoringService, options: HttpServerOptions): Promise<RunningServer> {
  const hostname = options.host ?? "127.0.0.1";
  const auth = options.auth;
  if (!isLoopbackHost(hostname)) {
    if (auth === "none") {
      throw new ServiceConfigError(`Refusing to serve without authentication on ${hostname}, which is not a loopback address.`, [
        "--insecure-dev is for 127.0.0.1 only. Do: issue a token (`showwork token issue --name NAME`) and drop --insecure-dev.",
      ]);
    }
    if (auth.tokens === undefined) {
      throw new ServiceConfigError(`Refusing to serve on ${hostname} (not loopback) with only a development token.`, [
        "Do: issue a token with `showwork token issue --name NAME` for the store, then start again.",
      ]);
    }
  }
  const allowedHosts = allowedHostsFor(hostname, options.allowedHosts);
  const app = createServiceApp(service, {
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    door: {
      auth,
      allowedHosts,
      ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
      ...(options.reads === undefined ? {} : { reads: options.reads }),
      ...(options.maxConcurrentPerClient === undefined ? {} : { maxConcurrentPerClient: options.maxConcurrentPerClient }),
      ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
    },
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port: options.port ?? 8787 }, (info: AddressInfo) => resolve(runningServerOf(server, info)));
    // A slow client cannot hold a connection open for ever (headers within 10 s, the whole request within 60 s).
    const node = server as unknown as { headersTimeout?: number; requestTimeout?: number };
    node.headersTimeout = 10_000;
    node.requestTimeout = 60_000;
    server.once("error", reject);
  });
}
