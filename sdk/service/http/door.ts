/**
 * The service's door: what every HTTP request passes before a handler sees it.
 *
 * In order, each check answering with a specific JSON error:
 * 1. **Host** (every request): the `Host` header's name must be an allowed host (default: the
 *    loopback names and the bind address) → else `421 host-not-allowed`. Defends against DNS
 *    rebinding: a web page whose name resolves to 127.0.0.1 still sends its own name.
 * 2. **Origin** (every request that carries one): browsers send `Origin` with cross-site
 *    requests; it must be one of the allowed origins (default: none) → else `403 origin-not-allowed`.
 *    Programs (curl, SDKs) send none and pass. `Origin: null` is refused.
 *    **CORS**, for allowed origins only: a preflight (`OPTIONS` with `Access-Control-Request-Method`)
 *    from an allowed origin is answered here, `204` with `Access-Control-Allow-Origin` (that exact
 *    origin), `Access-Control-Allow-Methods` ({@link CORS_ALLOW_METHODS}), `-Allow-Headers`
 *    ({@link CORS_ALLOW_HEADERS}), `-Max-Age` ({@link CORS_MAX_AGE_SECONDS}), without a token;
 *    every other response to an allowed origin (refusals below included, so a web app can read the
 *    error) carries `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers`. No
 *    credentials mode: the token travels in a header, not a cookie. A preflight from another
 *    origin (or `null`) gets the same `403 origin-not-allowed`. When any origin is allowed, every
 *    response passing the door carries `Vary: Origin` (shared caches must not mix them up).
 * 3. **Token** (writes; reads too when `reads: "token"`): `Authorization: Bearer swt_…` of an
 *    active token → else `401 unauthenticated | invalid-token | token-revoked`
 *    (with `WWW-Authenticate: Bearer`).
 * 4. **Concurrency**: at most `maxConcurrentPerClient` requests in flight per client (the token's
 *    id; the remote address for unauthenticated reads) and `maxConcurrent` in all → else
 *    `429 too-many-requests | server-busy` with `Retry-After`.
 * 5. **Content type** (writes): `application/json` (or `application/*+json`) → else
 *    `415 unsupported-media-type`. A browser's no-cors `fetch` can only send `text/plain`,
 *    form types, or none: all refused, and nothing else is read from such a request.
 * The body size limit (`413 body-too-large`) is applied by the write route itself, after these.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";

import type { AccessTokenInfo, AccessTokenStore } from "./tokens.js";
import { hashAccessToken } from "./tokens.js";

/** How requests are authenticated. */
export type DoorAuth =
  | {
      /** Tokens issued with `showwork token issue` (hashed in the store). */
      readonly tokens?: AccessTokenStore;
      /** A token valid for this process only (loopback development). */
      readonly devToken?: string;
    }
  | "none";

/** Options of the door (see the module's doc). */
export interface DoorOptions {
  /** `"none"`: no authentication at all (loopback development only; `startHttpServer` refuses it elsewhere). */
  readonly auth: DoorAuth;
  /** Host names accepted in the `Host` header (lowercase; IPv6 in brackets), ports ignored. */
  readonly allowedHosts: readonly string[];
  /** Origins accepted in the `Origin` header (`scheme://host[:port]`). Default: none. */
  readonly allowedOrigins?: readonly string[];
  /** `"open"` (default): reads need no token. `"token"`: reads need one too (except `/health`). */
  readonly reads?: "open" | "token";
  /** Requests in flight per client (default 8). */
  readonly maxConcurrentPerClient?: number;
  /** Requests in flight in all (default 64). */
  readonly maxConcurrent?: number;
}

/** The methods of the API, as a CORS preflight from an allowed origin is told. */
export const CORS_ALLOW_METHODS = "GET, HEAD, POST";
/** The request headers a web app may send (beyond the CORS-safelisted ones). */
export const CORS_ALLOW_HEADERS = "authorization, content-type";
/** Response headers a web app may read (beyond the CORS-safelisted ones). */
export const CORS_EXPOSE_HEADERS = "retry-after, www-authenticate";
/** How long a browser may cache a preflight's answer, seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** The loopback host names every service accepts by default. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** True for a loopback bind address or name. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The host name of a `Host` header value (lowercase, without port; IPv6 kept in brackets). */
export function hostNameOf(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.exec(value);
  return match?.[1];
}

/** Normalizes an origin (`scheme://host[:port]`, lowercase, default port dropped). */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.origin === "null" || (url.protocol !== "http:" && url.protocol !== "https:")) return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The client of a request, as the door identified it. */
interface DoorClient {
  /** `token:<id>`, `dev`, `anonymous:<address>`. */
  readonly key: string;
  readonly token: AccessTokenInfo | undefined;
}

type ErrorBody = { error: { code: string; message: string; details?: string[] } & Record<string, unknown> };

function refuse(c: Context, status: 401 | 403 | 415 | 421 | 429, code: string, message: string, details: string[], extra: Record<string, unknown> = {}): Response {
  const body: ErrorBody = { error: { code, message, details, ...extra } };
  return c.json(body, status);
}

function remoteAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

const isWrite = (method: string): boolean => method !== "GET" && method !== "HEAD" && method !== "OPTIONS";

/** Adds `Origin` to the response's `Vary` header (once). */
function varyOnOrigin(c: Context): void {
  const vary = c.res.headers.get("vary");
  if (vary === null) c.header("Vary", "Origin");
  else if (!vary.split(",").some((v) => v.trim().toLowerCase() === "origin" || v.trim() === "*")) c.header("Vary", `${vary}, Origin`);
}

/** The door middleware (see the module's doc). */
export function door(options: DoorOptions): MiddlewareHandler {
  const allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set((options.allowedOrigins ?? []).map((o) => normalizeOrigin(o) ?? o.toLowerCase()));
  const reads = options.reads ?? "open";
  const perClient = options.maxConcurrentPerClient ?? 8;
  const total = options.maxConcurrent ?? 64;
  const devTokenHash = options.auth !== "none" && options.auth.devToken !== undefined ? hashAccessToken(options.auth.devToken) : undefined;
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;

  return async (c, next) => {
    // 1. Host
    // @hono/node-server builds the URL from the Host header; other runtimes (and app.request) may not set the header.
    const hostHeader = c.req.header("host") ?? new URL(c.req.url).host;
    const hostName = hostHeader === undefined ? undefined : hostNameOf(hostHeader);
    if (hostName === undefined || !allowedHosts.has(hostName)) {
      return refuse(c, 421, "host-not-allowed", `The Host header ${JSON.stringify((hostHeader ?? "(missing)").slice(0, 100))} is not one this service answers to.`, [
        `Expected one of: ${[...allowedHosts].join(", ")} (any port)`,
        "Do: call the service by one of these names, or start it with --allowed-host NAME (the name clients use).",
      ], { allowedHosts: [...allowedHosts] });
    }
    // 2. Origin (and CORS for allowed origins)
    const origin = c.req.header("origin");
    const cors = allowedOrigins.size > 0;
    if (cors) c.header("Vary", "Origin");
    if (origin !== undefined) {
      const normalized = normalizeOrigin(origin);
      if (normalized === undefined || !allowedOrigins.has(normalized)) {
        return refuse(c, 403, "origin-not-allowed", `Requests from the web origin ${JSON.stringify(origin.slice(0, 100))} are not allowed.`, [
          allowedOrigins.size === 0 ? "This service accepts no browser origin (programs send no Origin header)." : `Expected one of: ${[...allowedOrigins].join(", ")}`,
          "Do: call the service from a program, or start it with --allowed-origin ORIGIN.",
        ]);
      }
      // Allowed: the exact origin the browser sent (what it compares), on this response whatever it is.
      c.header("Access-Control-Allow-Origin", origin);
      if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
        // A preflight: carries no token (browsers never send one), so it is answered before the token check.
        c.header("Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
        c.header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
        c.header("Access-Control-Max-Age", String(CORS_MAX_AGE_SECONDS));
        return c.body(null, 204);
      }
      c.header("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
    }
    // 3. Token
    const method = c.req.method;
    const auth = options.auth;
    const needsToken = isWrite(method) || (reads === "token" && c.req.path !== "/health");
    let client: DoorClient = { key: `anonymous:${remoteAddress(c)}`, token: undefined };
    if (needsToken && auth !== "none") {
      const authorization = c.req.header("authorization");
      const challenge = (): void => c.header("WWW-Authenticate", 'Bearer realm="showwork"');
      const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (match === null) {
        challenge();
        return refuse(c, 401, "unauthenticated", authorization === undefined ? "This request needs an access token." : "The Authorization header is not `Bearer TOKEN`.", [
          "Expected: Authorization: Bearer swt_… (a token from `showwork token issue`, or the dev token `showwork serve` printed)",
        ]);
      }
      const presented = match[1]!;
      if (devTokenHash !== undefined && hashAccessToken(presented) === devTokenHash) {
        client = { key: "dev", token: undefined };
      } else {
        const info = auth.tokens === undefined ? undefined : await auth.tokens.lookup(presented);
        if (info === undefined) {
          challenge();
          return refuse(c, 401, "invalid-token", "The access token is not known to this service.", [
            "Do: use a token issued for this store (`showwork token list` shows their ids), or issue one with `showwork token issue --name NAME`.",
          ]);
        }
        if (info.revokedAt !== undefined) {
          challenge();
          return refuse(c, 401, "token-revoked", `The access token ${info.id} (${info.name}) was revoked at ${new Date(info.revokedAt).toISOString()}.`, [
            "Do: issue a new token with `showwork token issue --name NAME`.",
          ], { tokenId: info.id });
        }
        client = { key: `token:${info.id}`, token: info };
      }
    }
    // 4. Concurrency
    const mine = inFlight.get(client.key) ?? 0;
    if (mine >= perClient) {
      c.header("Retry-After", "1");
      return refuse(c, 429, "too-many-requests", `This client already has ${mine} requests in flight (at most ${perClient}).`, [
        "Do: wait for a reply before sending more, or retry after the Retry-After delay.",
      ], { maxConcurrentPerClient: perClient });
    }
    if (inFlightTotal >= total) {
      c.header("Retry-After", "1");
      return refuse(c, 429, "server-busy", `The service has ${inFlightTotal} requests in flight (at most ${total}).`, ["Do: retry after the Retry-After delay."], {
        maxConcurrent: total,
      });
    }
    // 5. Content type
    if (isWrite(method)) {
      const type = c.req.header("content-type");
      if (type === undefined || !/^application\/([\w.+-]+\+)?json[ \t]*(;.*)?$/i.test(type)) {
        return refuse(c, 415, "unsupported-media-type", `Expected Content-Type: application/json, found ${type === undefined ? "none" : JSON.stringify(type.slice(0, 100))}.`, [
          "Do: send the receipts as JSON with Content-Type: application/json.",
        ]);
      }
    }
    inFlight.set(client.key, mine + 1);
    inFlightTotal++;
    try {
      await next();
    } finally {
      inFlightTotal--;
      const left = (inFlight.get(client.key) ?? 1) - 1;
      if (left <= 0) inFlight.delete(client.key);
      else inFlight.set(client.key, left);
    }
    // Handlers answer through `c` (the headers set above are on their response already); this covers any that do not.
    if (cors) varyOnOrigin(c);
    if (origin !== undefined) {
      if (c.res.headers.get("access-control-allow-origin") !== origin) c.header("Access-Control-Allow-Origin", origin);
      if (c.res.headers.get("access-control-expose-headers") === null) c.header("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
    }
  };
}
