/**
 * `showwork trust refresh CURRENT.json --from URL|FILE [-o OUT] [--rpc URL]...`: how a verifier keeps its pinned
 * checkpoints current. The newer trust file an operator publishes (`showwork log checkpoint`) is taken only when it is
 * signed by one of the operators the CURRENT file already pins (not merely by one of its own), and none of its
 * checkpoints goes back (a lower block than the pinned one of that chain, or another hash at the same block). With
 * `--rpc`, each new checkpoint's hash is also compared with what the endpoints answer for that block.
 *
 * Exit 0 accepted (written), 1 refused (nothing written), 2 could not check (nothing written).
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";

import { Command, Option } from "commander";

import type { Checkpoint } from "../../chainproof/verifyChainProof.js";
import { checkpointFromEndpoints } from "../../verify/checkpoints.js";
import { printableShort } from "../../verify/printable.js";
import { parseOperatorPin, parseTrustCheckpoints, parseTrustFile, verifyTrustFileSignature } from "../../verify/trust.js";
import { rpcUrlsArgument } from "../commandOptions.js";

interface RefreshOptions {
  from: string;
  out?: string;
  rpc?: string[];
  timeout: number;
  json?: boolean;
}

/** A refusal (exit 1) or a could-not-check (exit 2), said in one line. */
class RefreshError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

async function readSource(from: string, timeoutMs: number): Promise<string> {
  if (!/^https?:\/\//i.test(from)) return readFile(from, "utf8");
  const response = await fetch(from, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  if (!response.ok) throw new Error(`${from} answered HTTP ${response.status}`);
  return response.text();
}

function json(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RefreshError(`${where} is not JSON (${error instanceof Error ? error.message : String(error)})`, 2);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RefreshError(`${where} is not a trust file (a JSON object)`, 2);
  return value as Record<string, unknown>;
}

/** Checks `next` against `current` (see the module); returns what changed, one line each. @throws {RefreshError} */
export async function checkRefresh(current: Record<string, unknown>, next: Record<string, unknown>, options: { rpc?: readonly string[]; timeoutMs?: number } = {}): Promise<{ signer: string; changes: string[] }> {
  try {
    parseTrustFile(current);
  } catch (error) {
    throw new RefreshError(`the current trust file: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  const pinnedOperators = (Array.isArray(current.operators) ? current.operators : []).map((o, i) => parseOperatorPin(String(o), `the current file's operators[${i}]`));
  if (pinnedOperators.length === 0) throw new RefreshError("the current trust file pins no operator: a refresh needs the operator whose signature you accept (add it to \"operators\")", 2);
  let signer: string | undefined;
  let nextCheckpoints: Checkpoint[];
  try {
    parseTrustFile(next);
    nextCheckpoints = parseTrustCheckpoints(next);
    signer = await verifyTrustFileSignature(next);
  } catch (error) {
    throw new RefreshError(`the new trust file: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  if (signer === undefined) throw new RefreshError(`the new trust file is not signed: only a file signed by an operator you pin (${pinnedOperators.join(", ")}) is taken`, 1);
  if (!pinnedOperators.some((o) => o.toLowerCase() === signer.toLowerCase())) {
    throw new RefreshError(`the new trust file is signed by ${signer}, not by an operator your current file pins (${pinnedOperators.join(", ")})`, 1);
  }
  const changes: string[] = [];
  const currentCheckpoints = parseTrustCheckpoints(current);
  for (const chainId of new Set(currentCheckpoints.map((c) => c.chainId))) {
    const pinned = currentCheckpoints.filter((c) => c.chainId === chainId).sort((a, b) => b.number - a.number)[0]!;
    const offered = nextCheckpoints.filter((c) => c.chainId === chainId).sort((a, b) => b.number - a.number)[0];
    if (!offered) throw new RefreshError(`the new trust file has no checkpoint of chain ${chainId} (yours is block ${pinned.number})`, 1);
    if (offered.number < pinned.number) throw new RefreshError(`the new trust file's checkpoint of chain ${chainId} goes back, from block ${pinned.number} to block ${offered.number}`, 1);
    if (offered.number === pinned.number && offered.hash !== pinned.hash) {
      throw new RefreshError(`the new trust file gives block ${pinned.number} of chain ${chainId} another hash (${offered.hash}, yours ${pinned.hash}): another fork or a changed file`, 1);
    }
    changes.push(`chain ${chainId}: checkpoint block ${pinned.number} -> ${offered.number}${offered.number === pinned.number ? " (unchanged)" : ""}`);
  }
  for (const offered of nextCheckpoints) {
    if (!currentCheckpoints.some((c) => c.chainId === offered.chainId)) changes.push(`chain ${offered.chainId}: new checkpoint block ${offered.number}`);
  }
  const nextOperators = (Array.isArray(next.operators) ? next.operators : []).map((o) => String(o).toLowerCase());
  const added = nextOperators.filter((o) => !pinnedOperators.some((p) => p.toLowerCase() === o));
  const dropped = pinnedOperators.filter((p) => !nextOperators.includes(p.toLowerCase()));
  if (added.length > 0 || dropped.length > 0) changes.push(`operators: ${[...added.map((o) => `+${o}`), ...dropped.map((o) => `-${o}`)].join(", ")} (later refreshes accept the new file's operators)`);

  if (options.rpc && options.rpc.length > 0) {
    for (const offered of nextCheckpoints) {
      let agreed: Checkpoint;
      try {
        agreed = await checkpointFromEndpoints(options.rpc, offered.chainId, offered.number, { timeoutMs: options.timeoutMs });
      } catch (error) {
        // Endpoints of another chain say nothing about this checkpoint.
        if (error instanceof Error && /the endpoints serve chain \d+/.test(error.message)) continue;
        throw new RefreshError(`could not compare chain ${offered.chainId}'s checkpoint with the endpoints: ${printableShort(error instanceof Error ? error.message : String(error), 300)}`, 2);
      }
      if (agreed.hash !== offered.hash) {
        throw new RefreshError(`the endpoints give block ${offered.number} of chain ${offered.chainId} the hash ${agreed.hash}, the new trust file ${offered.hash}: one of them is not on your chain`, 2);
      }
      changes.push(`chain ${offered.chainId}: block ${offered.number}'s hash is the one the endpoints give`);
    }
  }
  return { signer, changes };
}

export function trustCommand(): Command {
  const command = new Command("trust").description("keep a pinned trust file current: refresh (take an operator's newer signed trust file)");
  command
    .command("refresh")
    .description("take a newer trust file only when an operator your current file pins signed it and no checkpoint goes back (exit 0 accepted, 1 refused, 2 could not check)")
    .argument("<file>", "the trust file you pin now (its operators are the keys whose signature you accept)")
    .addOption(new Option("--from <url|file>", "where the operator publishes its newer trust file (https://…, http://…, or a path)").makeOptionMandatory())
    .addOption(new Option("-o, --out <file>", "where to write the accepted file (default: replace <file>)"))
    .addOption(new Option("--rpc <url>", "also compare each new checkpoint's block hash with these endpoints (repeatable; all must agree)").argParser(rpcUrlsArgument))
    .addOption(new Option("--timeout <ms>", "per-request timeout, ms").default(10_000).argParser(Number))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (file: string, options: RefreshOptions) => {
      try {
        const current = json(await readFile(file, "utf8"), file);
        let text: string;
        try {
          text = await readSource(options.from, options.timeout);
        } catch (error) {
          throw new RefreshError(`could not read ${options.from}: ${error instanceof Error ? error.message : String(error)}`, 2);
        }
        const next = json(text, options.from);
        const { signer, changes } = await checkRefresh(current, next, { ...(options.rpc ? { rpc: options.rpc } : {}), timeoutMs: options.timeout });
        const out = options.out ?? file;
        await writeFile(out, `${JSON.stringify(next, null, 2)}\n`);
        if (options.json) process.stdout.write(`${JSON.stringify({ command: "trust refresh", accepted: true, file: out, signer, changes }, null, 2)}\n`);
        else process.stdout.write(`accepted: ${out} signed by operator ${signer}\n${changes.map((c) => `  ${c}`).join("\n")}\n`);
      } catch (error) {
        const code = error instanceof RefreshError ? error.exitCode : 2;
        const message = error instanceof Error ? error.message : String(error);
        if (options.json) process.stdout.write(`${JSON.stringify({ command: "trust refresh", accepted: false, refused: code === 1, error: message }, null, 2)}\n`);
        process.stderr.write(`showwork trust refresh: ${code === 1 ? "refused: " : ""}${message}; nothing written\n`);
        process.exitCode = code;
      }
    });
  return command;
}
