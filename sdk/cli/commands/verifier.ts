/**
 * `showwork verifier [--port N]`: serves the web verifier (a static page) on 127.0.0.1.
 *
 * The page has no backend: this server only hands out its files; verification runs in the
 * visitor's browser against the RPC endpoint they enter.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Command, Option } from "commander";

import { nonNegativeInteger } from "../commandOptions.js";

/** The repository's web/ folder (source of the page) and web/dist (the built page). */
const WEB_ROOT = fileURLToPath(new URL("../../../web/", import.meta.url));
const WEB_DIST = path.join(WEB_ROOT, "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Parameters of {@link startVerifierServer}. */
export interface StartVerifierServerParameters {
  /** Port (default 8547; 0 = any free port). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Folder with the built page (default web/dist). */
  readonly root?: string;
  /**
   * Build the page first with esbuild (default true when esbuild is installed). Without esbuild
   * an existing build is served.
   */
  readonly build?: boolean;
}

/** A running verifier server. */
export interface VerifierServer {
  /** http://HOST:PORT/ */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Builds (when asked and possible) and serves the web verifier. */
export async function startVerifierServer(params: StartVerifierServerParameters = {}): Promise<VerifierServer> {
  const root = params.root ?? WEB_DIST;
  if (params.build ?? true) await buildIfPossible(root);
  if (!existsSync(path.join(root, "index.html")) || !existsSync(path.join(root, "app.js"))) {
    throw new Error(`the web verifier is not built in ${root}: run \`npm run build:web\` (needs the esbuild devDependency)`);
  }
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
      const file = path.resolve(root, `.${pathname === "/" ? "/index.html" : pathname}`);
      if (!file.startsWith(path.resolve(root) + path.sep)) {
        response.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        response.writeHead(200, {
          "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
        });
        response.end(request.method === "HEAD" ? undefined : body);
      } catch {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    })();
  });
  const host = params.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port ?? 8547, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function buildIfPossible(root: string): Promise<void> {
  // The installed package ships the page prebuilt (dist/web/dist) and no web/src: serve that.
  if (!existsSync(path.join(WEB_ROOT, "src/main.ts"))) return;
  let buildWeb: ((outdir: string) => Promise<unknown>) | undefined;
  try {
    ({ buildWeb } = (await import("../../../web/build.js")) as { buildWeb: (outdir: string) => Promise<unknown> });
    await import("esbuild");
  } catch {
    return; // no esbuild (production install): serve what was built
  }
  await buildWeb(root);
}

/** `showwork verifier`. */
export function verifierCommand(): Command {
  return new Command("verifier")
    .description("serve the web verifier on 127.0.0.1 (a static page: verification runs in the browser, against the RPC URL you enter)")
    .addOption(new Option("--port <n>", "port (0: any free port)").argParser(nonNegativeInteger).default(8547))
    .addOption(new Option("--no-build", "serve web/dist as it is instead of rebuilding it"))
    .action(async (options: { port: number; build: boolean }) => {
      const running = await startVerifierServer({ port: options.port, build: options.build });
      process.stdout.write(`showwork web verifier: ${running.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void running.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
