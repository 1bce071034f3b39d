/**
 * `showwork token issue | list | revoke`: the access tokens of a service's HTTP API, kept
 * (as SHA-256 hashes) in the service's store. Works while `showwork serve` runs on the same
 * store: a revoked token is refused from the next request on.
 *
 * Exit codes: 0 done; 1 bad input (unknown token, duplicate name, bad option).
 *
 * @module
 */
import { Command, Option } from "commander";

import { openAccessTokenStore, type AccessTokenInfo, type AccessTokenStore } from "../../service/http/tokens.js";
import { shownLocation } from "../../service/store/open.js";
import { DEFAULT_STORE } from "../serviceOptions.js";

interface TokenOptions {
  store: string;
  json?: boolean;
}

const storeOption = (): Option => new Option("--store <path>", "the service's store (a SQLite file or a postgres:// URL)").env("SHOWWORK_STORE").default(DEFAULT_STORE);
const jsonOption = (): Option => new Option("--json", "print one JSON object");
const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const jsonOf = (t: AccessTokenInfo): Record<string, unknown> => ({ id: t.id, name: t.name, createdAt: iso(t.createdAt), revokedAt: iso(t.revokedAt), active: t.revokedAt === undefined });

async function withTokens<T>(location: string, fn: (tokens: AccessTokenStore) => Promise<T>): Promise<T> {
  const tokens = await openAccessTokenStore(location);
  try {
    return await fn(tokens);
  } finally {
    await tokens.close();
  }
}

export function tokenCommand(): Command {
  const token = new Command("token").description("issue, list and revoke the access tokens of the service's HTTP API");
  token
    .command("issue")
    .description("issue a token (shown once; the store keeps only its SHA-256)")
    .requiredOption("--name <name>", "who or what uses it (1-64 characters: letters, digits, _ . @ : / -)")
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(async (options: TokenOptions & { name: string }) => {
      const issued = await withTokens(options.store, (tokens) => tokens.issue(options.name));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...jsonOf(issued), token: issued.token, store: shownLocation(options.store) })}\n`);
        return;
      }
      process.stdout.write(
        [
          `Issued token ${issued.id} (${issued.name}) for the store ${shownLocation(options.store)}:`,
          "",
          `  ${issued.token}`,
          "",
          "It is shown this once (the store keeps only its SHA-256). Give it to the client, e.g. as",
          "SHOWWORK_SERVICE_TOKEN in its environment; it sends it as `Authorization: Bearer TOKEN`.",
          `Revoke it with: showwork token revoke ${issued.id}`,
          "",
        ].join("\n"),
      );
    });
  token
    .command("list")
    .description("list the tokens (ids, names, times; never the tokens)")
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(async (options: TokenOptions) => {
      const all = await withTokens(options.store, (tokens) => tokens.list());
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ store: shownLocation(options.store), active: all.filter((t) => t.revokedAt === undefined).length, tokens: all.map(jsonOf) })}\n`);
        return;
      }
      if (all.length === 0) {
        process.stdout.write(`No tokens in ${shownLocation(options.store)}. Issue one with: showwork token issue --name NAME\n`);
        return;
      }
      const lines = all.map((t) => `${t.id}  ${t.revokedAt === undefined ? "active " : "revoked"}  ${iso(t.createdAt)}  ${t.name}${t.revokedAt === undefined ? "" : ` (revoked ${iso(t.revokedAt)})`}`);
      process.stdout.write(`${["id                state    issued                    name", ...lines].join("\n")}\n`);
    });
  token
    .command("revoke")
    .description("revoke a token (by id, or by the name of an active token); refused from the next request on")
    .argument("<id-or-name>", "the token's id (from `showwork token list`) or its name")
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(async (idOrName: string, options: TokenOptions) => {
      const revoked = await withTokens(options.store, (tokens) => tokens.revoke(idOrName));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(jsonOf(revoked))}\n`);
        return;
      }
      process.stdout.write(`Revoked token ${revoked.id} (${revoked.name}) at ${iso(revoked.revokedAt)}; the service refuses it from its next request on.\n`);
    });
  return token;
}
