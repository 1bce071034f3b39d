/**
 * `showwork verify BUNDLE.json --rpc URL [--rpc URL2 ...] [--log LOG_ID]... [--operator ADDRESS]... [--trust FILE]
 * [--allow-unsigned] [--min-confirmations N] [--disclosure FILE] [--json]`: verifies one answer's proof bundle
 * against the chain. Exit code 0 verified, 1 failed, 2 pending or could not check (also: bad arguments).
 * Several `--rpc`: every chain fact must agree across them. `--log` / `--operator` / `--trust`: the logs and
 * operators trusted; a bundle from any other fails the "pinned" check.
 * The file may also be a `showwork/disclosure@1` document: its bundle is verified and each disclosed piece
 * checked against the receipt (as with `--disclosure`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";

import { Command, InvalidArgumentError, Option } from "commander";
import { isHex, type Hex } from "viem";

import { formatDisclosureReport } from "../../disclosure/formatDisclosure.js";
import { DISCLOSURE_FORMAT } from "../../disclosure/types.js";
import type { Disclosure } from "../../verify/checks/offline.js";
import { formatVerdict } from "../../verify/formatVerdict.js";
import { exitCodeOf } from "../../verify/verdict.js";
import {
  mergeTrust,
  parseCheckpointArgument,
  parseLogPin,
  parseOperatorPin,
  parseTrustChains,
  parseTrustCheckpoints,
  parseTrustFile,
  verifyTrustFileSignature,
  type TrustChains,
} from "../../verify/trust.js";
import type { Checkpoint } from "../../chainproof/verifyChainProof.js";
import { verifyBundle } from "../../verify/verifyBundle.js";
import { formatChainVerdicts, groupEndpointsByChain, parseRequirement, verifyBundleOnChains, type ChainRequirement } from "../../verify/verifyOnChains.js";
import { nonNegativeInteger, rpcUrlsArgument } from "../commandOptions.js";
import { configOption, fetchBundle, lastReceiptOf, loadCommandConfig } from "../projectConfig.js";

/** Options of the verify command, as parsed. */
interface VerifyOptions {
  rpc?: string[];
  last?: boolean;
  wait: number;
  config?: string;
  log?: string[];
  operator?: string[];
  trust?: string;
  offline?: boolean;
  checkpoint?: string[];
  quorum?: number;
  allowUnsigned?: boolean;
  minConfirmations: number;
  json?: boolean;
  disclose?: string;
  disclosure?: string;
  timeout: number;
  require?: ChainRequirement;
}

/**
 * Reads a disclosure file: `{ "input"?: {content, salt}, "output"?: {content, salt},
 * "tools"?: [{ index, input?, output? }] }` with `content` as UTF-8 text (or `contentHex` for raw bytes).
 */
export function parseDisclosure(value: unknown): Disclosure {
  const piece = (raw: unknown, where: string) => {
    if (raw === undefined) return undefined;
    if (typeof raw !== "object" || raw === null) throw new Error(`${where}: expected {content, salt}`);
    const { content, contentHex, salt } = raw as { content?: unknown; contentHex?: unknown; salt?: unknown };
    if (typeof salt !== "string" || !isHex(salt)) throw new Error(`${where}.salt: expected 0x-prefixed hex`);
    if (typeof content === "string") return { content, salt: salt as Hex };
    if (typeof contentHex === "string" && isHex(contentHex)) {
      return { content: Uint8Array.from((contentHex.slice(2).match(/../g) ?? []).map((byte) => parseInt(byte, 16))), salt: salt as Hex };
    }
    throw new Error(`${where}: expected "content" (text) or "contentHex" (0x bytes)`);
  };
  if (typeof value !== "object" || value === null) throw new Error("expected a JSON object");
  const record = value as { input?: unknown; output?: unknown; tools?: unknown };
  const input = piece(record.input, "input");
  const output = piece(record.output, "output");
  const tools = Array.isArray(record.tools)
    ? record.tools.map((tool: unknown, i: number) => {
        const t = tool as { index?: unknown; input?: unknown; output?: unknown };
        if (typeof t?.index !== "number") throw new Error(`tools[${i}].index: expected a number`);
        const toolInput = piece(t.input, `tools[${i}].input`);
        const toolOutput = piece(t.output, `tools[${i}].output`);
        return { index: t.index, ...(toolInput ? { input: toolInput } : {}), ...(toolOutput ? { output: toolOutput } : {}) };
      })
    : undefined;
  return { ...(input ? { input } : {}), ...(output ? { output } : {}), ...(tools ? { tools } : {}) };
}

/** JSON text, or an error naming the file. */
function readJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function readText(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A commander parser that collects repeated values, each checked by `parse` (its error names the value). */
function collect(parse: (value: string) => string) {
  return (value: string, previous: string[] | undefined): string[] => {
    try {
      return [...(previous ?? []), parse(value)];
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** `showwork verify`. */
export function verifyCommand(): Command {
  return new Command("verify")
    .description("verify an answer's proof bundle against the chain (exit 0 verified, 1 failed, 2 pending or could not check)")
    .argument("[bundle]", "the proof bundle JSON file (- for stdin); or --last")
    .addOption(new Option("--last", "the latest answer captured in this project: its bundle is fetched from the anchoring service (waiting for its anchoring) and saved in .showwork/bundles/"))
    .addOption(new Option("--wait <seconds>", "with --last: how long to wait for the answer's anchoring").argParser(nonNegativeInteger).default(120))
    .addOption(
      new Option("--rpc <url>", "JSON-RPC endpoint of the bundle's chain (default: the project config's); repeat it: every chain fact must agree across endpoints")
        .env("SHOWWORK_RPC_URL")
        .argParser(rpcUrlsArgument),
    )
    .addOption(new Option("--log <logId>", "a log you trust (repeatable): a bundle from another log fails").argParser(collect(parseLogPin)))
    .addOption(new Option("--operator <address>", "an operator (log admin) you trust (repeatable; default: the project config's operator, when no --log/--operator/--trust is given)").argParser(collect(parseOperatorPin)))
    .addOption(new Option("--trust <file>", `a trust file: {"format": "showwork/trust@1", "logs": [...], "operators": [...]}`))
    .addOption(new Option("--offline", "no network at all: check the bundle's chain proof (bundle v2) against a checkpoint from --trust or --checkpoint"))
    .addOption(new Option("--quorum <k>", "with several --rpc and a self-contained bundle: how many endpoints must agree on the proof block's hash (default: all of them)").argParser((value: string) => {
          const k = nonNegativeInteger(value);
          if (k < 1) throw new InvalidArgumentError(`expected a number of endpoints >= 1, found "${value}"`);
          return k;
        }))
    .addOption(new Option("--checkpoint <[chainId:]number:hash>", "a block you trust (repeatable): chain proofs are checked back from it").argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]))
    .addOption(new Option("--allow-unsigned", "accept an unsigned receipt as unproven instead of failing it"))
    .addOption(new Option("--min-confirmations <n>", "confirmations required for a verified verdict").argParser(nonNegativeInteger).default(1))
    .addOption(new Option("--disclose <file>", "JSON file of disclosed content: {input?: {content, salt}, output?: {content, salt}, tools?: [{index, input?, output?}]}"))
    .addOption(new Option("--disclosure <file>", "a showwork/disclosure@1 file for this receipt (from `showwork disclose`): each piece is checked and shown"))
    .addOption(new Option("--timeout <ms>", "per-request RPC timeout, ms").argParser(nonNegativeInteger).default(10_000))
    .addOption(
      new Option("--require <policy>", "bundles anchored on several chains: all | any | N | chain names (comma-separated) that must confirm (default: all, or the trust file's)").argParser(
        (value: string) => {
          try {
            return parseRequirement(value);
          } catch (error) {
            throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
          }
        },
      ),
    )
    .addOption(new Option("--json", "print the verdict as JSON"))
    .addOption(configOption())
    // A usage error means "could not check" (2), not "failed" (1); help exits 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (given: string | undefined, options: VerifyOptions) => {
      let text: string;
      let disclosed: Disclosure | undefined;
      let disclosure: unknown;
      let trust;
      let rpcUrls: string[];
      let checkpoints: Checkpoint[] = [];
      let trustChains: TrustChains = { chains: [] };
      const offlineNames = new Map<number, string>();
      let file = given ?? "--last";
      try {
        if (given !== undefined && options.last) throw new Error("give a bundle file or --last, not both");
        if (given === undefined && !options.last) throw new Error("which answer? Give its bundle file, or --last (the latest answer captured in this project)");
        const config = loadCommandConfig(options);
        rpcUrls = options.offline ? [] : (options.rpc ?? [...config.rpc]);
        if (options.offline && options.last) throw new Error("--last fetches the bundle from the service: not with --offline (give the bundle file)");
        if (rpcUrls.length === 0 && !options.offline) throw new Error("which chain? Pass --rpc URL (or set SHOWWORK_RPC_URL, or run it in a project set up by `showwork dev` / `showwork init`), or --offline with a checkpoint");
        const trustJson = options.trust ? (readJson(await readFile(options.trust, "utf8"), options.trust) as Record<string, unknown>) : undefined;
        const fromFile = trustJson ? parseTrustFile(trustJson) : undefined;
        if (trustJson) {
          const signer = await verifyTrustFileSignature(trustJson);
          checkpoints = parseTrustCheckpoints(trustJson);
          if (signer && !options.json) process.stderr.write(`showwork verify: trust file ${options.trust} signed by operator ${signer}\n`);
        }
        for (const given of options.checkpoint ?? []) checkpoints.push(parseCheckpointArgument(given, -1));
        if (options.offline && checkpoints.length === 0) throw new Error("--offline needs a checkpoint: --trust FILE (with \"checkpoints\") or --checkpoint [chainId:]number:hash");
        if (trustJson !== undefined && !options.offline) trustChains = parseTrustChains(trustJson);
        else if (trustJson !== undefined) {
          try {
            for (const c of parseTrustChains(trustJson).chains) offlineNames.set(c.chainId, c.name);
          } catch {
            // Offline, a trust file's chains only name the chains: a malformed entry does not matter.
          }
        }
        // The project's extra chains (config chains[1..]) are known by name too.
        const known = new Set(trustChains.chains.map((c) => c.chainId));
        const fromProject = config.chains.filter((c) => !known.has(c.chainId)).map((c) => ({ name: c.name, chainId: c.chainId, rpc: options.rpc === undefined ? [...c.rpc] : [] }));
        if (!options.offline && (config.chains.length > 1 || trustChains.chains.length > 0)) trustChains = { ...trustChains, chains: [...trustChains.chains, ...fromProject] };
        const pinned = options.trust !== undefined || options.log !== undefined || options.operator !== undefined;
        const fromConfig = !pinned && config.operator !== undefined ? { logs: [], operators: [parseOperatorPin(config.operator)] } : undefined;
        trust = mergeTrust(fromFile, { logs: options.log ?? [], operators: options.operator ?? [] }, fromConfig);
        if (fromConfig !== undefined && !options.json) process.stderr.write(`showwork verify: trusting the operator ${config.operator} (from ${config.file})\n`);
        if (options.last) {
          const receiptId = lastReceiptOf(config);
          const fetched = await fetchBundle(config, receiptId, {
            waitMs: options.wait * 1000,
            onWait: (state) => process.stderr.write(`showwork verify: receipt ${receiptId} is ${state}; waiting for its anchoring...\n`),
          });
          file = fetched.file;
          if (!options.json) process.stderr.write(`showwork verify: the latest answer's bundle, saved as ${fetched.file}\n`);
          text = fetched.text;
        } else {
          text = await readText(file);
        }
        if (options.disclose) disclosed = parseDisclosure(JSON.parse(await readFile(options.disclose, "utf8")) as unknown);
        if (options.disclosure) disclosure = readJson(await readFile(options.disclosure, "utf8"), options.disclosure);
        // Not JSON: left to verifyBundle, whose format check says what is wrong.
        const value = safeJson(text) as { format?: unknown; bundle?: unknown } | null;
        if (value !== null && typeof value === "object" && value.format === DISCLOSURE_FORMAT) {
          if (disclosure !== undefined) throw new Error(`${file} is itself a disclosure: drop --disclosure, or give the bundle file`);
          disclosure = value;
          text = JSON.stringify(value.bundle);
        }
      } catch (error) {
        process.stderr.write(`showwork verify: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
        return;
      }
      // A --checkpoint without a chain id is for the bundle's own chain.
      const anchorChain = (safeJson(text) as { anchors?: { chainId?: unknown }[]; anchor?: { chainId?: unknown } } | null);
      const chainOfBundle = Number(anchorChain?.anchors?.[0]?.chainId ?? anchorChain?.anchor?.chainId ?? 0);
      checkpoints = checkpoints.map((c) => (c.chainId === -1 ? { ...c, chainId: chainOfBundle } : c));
      const anchors = (safeJson(text) as { anchors?: unknown } | null)?.anchors;
      const severalAnchors = Array.isArray(anchors) && anchors.length > 1;
      const several = options.offline ? severalAnchors || options.require !== undefined : severalAnchors || options.require !== undefined || trustChains.chains.length > 0;
      if (several) {
        let chains: { chainId: number; name?: string; rpcUrls?: readonly string[] }[];
        if (options.offline) {
          // Offline: every anchor's chain, from its chain proof and the checkpoints (names from the trust file when it has them).
          const ids = [...new Set((Array.isArray(anchors) ? (anchors as { chainId?: unknown }[]) : []).map((a) => Number(a?.chainId)).filter((id) => Number.isSafeInteger(id)))];
          chains = ids.map((chainId) => ({ chainId, name: offlineNames.get(chainId) ?? `chain ${chainId}`, rpcUrls: [] }));
        } else {
          // Several chains: each --rpc is put with the chain it serves; the trust file may name chains and give more endpoints.
          const urls = [...new Set([...rpcUrls, ...trustChains.chains.flatMap((c) => c.rpc)])];
          const names = new Map(trustChains.chains.map((c) => [c.chainId, c.name]));
          const grouped = await groupEndpointsByChain(urls, { timeoutMs: options.timeout, names });
          for (const u of grouped.unreachable) process.stderr.write(`showwork verify: ${u.url} did not say which chain it serves (${u.error}); its chain is not checked through it\n`);
          for (const c of trustChains.chains) if (!grouped.chains.some((g) => g.chainId === c.chainId)) grouped.chains.push({ chainId: c.chainId, name: c.name, rpcUrls: [] });
          chains = grouped.chains;
        }
        const verdict = await verifyBundleOnChains(text, {
          chains,
          ...(options.offline ? { offline: true } : {}),
          require: options.require ?? trustChains.require ?? "all",
          ...(checkpoints.length > 0 ? { checkpoints } : {}),
          ...(options.quorum === undefined ? {} : { checkpointQuorum: options.quorum }),
          minConfirmations: options.minConfirmations,
          timeoutMs: options.timeout,
          ...(trust ? { trust } : {}),
          ...(options.allowUnsigned ? { requireSignature: false } : {}),
          ...(disclosed ? { disclosed } : {}),
          ...(disclosure === undefined ? {} : { disclosure }),
        });
        const colour = process.stdout.isTTY === true;
        process.stdout.write(options.json ? `${JSON.stringify(verdict, null, 2)}\n` : `${formatVerdict(verdict, { colour })}\n\n${formatChainVerdicts(verdict)}\n`);
        process.exitCode = exitCodeOf(verdict);
        return;
      }
      const verdict = await verifyBundle(text, {
        rpcUrls,
        ...(options.offline ? { offline: true } : {}),
        ...(checkpoints.length > 0 ? { checkpoints } : {}),
        ...(options.quorum === undefined ? {} : { checkpointQuorum: options.quorum }),
        minConfirmations: options.minConfirmations,
        timeoutMs: options.timeout,
        ...(trust ? { trust } : {}),
        ...(options.allowUnsigned ? { requireSignature: false } : {}),
        ...(disclosed ? { disclosed } : {}),
        ...(disclosure === undefined ? {} : { disclosure }),
      });
      const colour = process.stdout.isTTY === true;
      process.stdout.write(
        options.json
          ? `${JSON.stringify(verdict, null, 2)}\n`
          : `${formatVerdict(verdict, { colour })}\n${verdict.disclosure ? `\n${formatDisclosureReport(verdict.disclosure, { colour })}\n` : ""}`,
      );
      process.exitCode = exitCodeOf(verdict);
    });
}
