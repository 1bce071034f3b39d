/**
 * What is wrong with an RPC URL a person typed, before anything is sent: `127.0.0.1:8545` has no
 * scheme (the URL parser reads `127.0.0.1:` as its scheme, and the request then fails as if the
 * endpoint "did not answer"). Shared by the CLI's `--rpc` and the web verifier.
 *
 * Browser-safe.
 *
 * @module
 */

/** Why `url` is not a usable JSON-RPC endpoint (what to write instead), or undefined when it is one. */
export function rpcUrlProblem(url: string): string | undefined {
  const value = url.trim();
  if (value === "") return "expected an http:// or https:// URL, found nothing";
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const hint = /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/i.test(value) ? `http://${value}` : `https://${value}`;
    return `the RPC URL "${value}" has no scheme: write ${hint} (http:// or https:// is required)`;
  }
  if (scheme !== "http" && scheme !== "https") return `the RPC URL "${value}" is a ${scheme}:// URL: only http:// and https:// endpoints are supported`;
  try {
    new URL(value);
  } catch {
    return `the RPC URL "${value}" is not a valid URL`;
  }
  return undefined;
}
