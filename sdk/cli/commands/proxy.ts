/**
 * `showwork proxy --upstream URL --service URL`: an OpenAI-compatible HTTP proxy that receipts every
 * answer. Point an app's base URL at it (any language); each answer comes back with
 * `x-showwork-receipt-id` and `x-showwork-receipt-url`. Receipts are signed with the serving node's
 * key (SHOWWORK_NODE_KEY), their content and salts kept in the evidence store, and they are delivered
 * to the anchoring service through a durable local queue (kept while the service is down, delivered
 * once it is back). Runs until SIGINT/SIGTERM, then delivers what it can and keeps the rest queued.
 *
 * Secrets only from the environment: SHOWWORK_NODE_KEY (serving node key), SHOWWORK_SERVICE_TOKEN
 * (the service's bearer token), SHOWWORK_EVIDENCE_KEY (evidence encryption at rest). The app's own
 * `Authorization` header is forwarded to the upstream.
 *
 * Exit codes: 0 stopped by a signal; 1 error (bad option, missing key, port in use).
 *
 * @module
 */
import { readFileSync } from "node:fs";

import { Command, Option } from "commander";

import type { CaptureEvent } from "../../capture/capturer.js";
import { CaptureConfigError } from "../../capture/errors.js";
import type { ModelManifest } from "../../capture/manifest.js";
import { startCaptureProxy } from "../../capture/proxy.js";
import { createWorkerCapturer } from "../../capture/workerCapturer.js";
import { parsePrivateKey } from "../../service/chain/connect.js";
import { loadConfig } from "../../config/loadConfig.js";
import { evidenceKeyForStore } from "../../evidence/defaultKey.js";
import { EVIDENCE_KEY_ENV } from "../../evidence/encryption.js";

/** The environment variable holding the serving node's key. */
export const NODE_KEY_ENV = "SHOWWORK_NODE_KEY";
/** The environment variable holding the service's bearer token. */
export const SERVICE_TOKEN_ENV = "SHOWWORK_SERVICE_TOKEN";

interface ProxyOptions {
  upstream: string;
  service: string;
  host: string;
  port: string;
  queue: string;
  evidence: string;
  models?: string;
  json?: boolean;
  config?: string;
}

function portOf(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CaptureConfigError(`--port must be an integer 0..65535 (found ${JSON.stringify(text)}).`);
  return port;
}

function readManifest(file: string): ModelManifest {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed as ModelManifest;
  } catch (cause) {
    throw new CaptureConfigError(`--models ${file}: expected a JSON object of models ({ "name": { "weightsDigest": "0x…" } | { "fingerprints": {…} } | { "provider": "…" } }).`, [
      `Found: ${cause instanceof Error ? cause.message : String(cause)}`,
    ]);
  }
}

/** The `proxy` command. */
export function proxyCommand(): Command {
  return new Command("proxy")
    .description("an OpenAI-compatible proxy that receipts every answer (x-showwork-receipt-id in the response headers)")
    .addOption(new Option("--upstream <url>", "the OpenAI-compatible endpoint to forward to (e.g. https://api.openai.com)").env("SHOWWORK_UPSTREAM").makeOptionMandatory())
    .addOption(new Option("--service <url>", "the anchoring service's base URL (showwork serve)").env("SHOWWORK_SERVICE_URL").makeOptionMandatory())
    .addOption(new Option("--host <host>", "interface to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "port to listen on (0: a free port)").default("8788"))
    .addOption(new Option("--queue <file>", "the durable delivery queue (SQLite)").env("SHOWWORK_QUEUE").default("./.showwork/capture-queue.sqlite"))
    .addOption(new Option("--evidence <path|url>", "the evidence store (SQLite file, or postgres:// URL; encrypted when SHOWWORK_EVIDENCE_KEY is set)").env("SHOWWORK_EVIDENCE").default("./.showwork/evidence.sqlite"))
    .addOption(new Option("--models <file>", "the model manifest (JSON): which weights digest each model's answers claim (default: the project config's capture.models)"))
    .addOption(new Option("--json", "print one JSON object when listening (url, upstream, servingNode, service), then JSON-lines events"))
    .action(async (options: ProxyOptions) => {
      const keyText = process.env[NODE_KEY_ENV];
      if (keyText === undefined || keyText === "") {
        throw new CaptureConfigError(`${NODE_KEY_ENV} is not set.`, [
          "The proxy signs every receipt as the serving node, with the key in the SHOWWORK_NODE_KEY environment variable (0x + 64 hex digits).",
          "Do: export SHOWWORK_NODE_KEY=0x… (the log admin must have granted this node: showwork log grant-signer)",
        ]);
      }
      const nodeKey = parsePrivateKey(keyText, NODE_KEY_ENV);
      const port = portOf(options.port);
      const models = options.models === undefined ? loadConfig({ skipSecrets: true, ...(options.config === undefined ? {} : { file: options.config }) }).models : readManifest(options.models);
      const token = process.env[SERVICE_TOKEN_ENV];
      const say = (event: Record<string, unknown>, text: string): void => {
        process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${text}\n`);
      };
      // Evidence encrypted at rest by default: SHOWWORK_EVIDENCE_KEY, else the project's evidenceKey,
      // else (a new store inside a project) a key generated into .showwork/secrets.json; otherwise plain, and warned about.
      const envKey = process.env[EVIDENCE_KEY_ENV];
      let evidenceKey: string | null = null;
      if (envKey !== undefined && envKey !== "") evidenceKey = envKey;
      else if (!/^postgres(ql)?:\/\//.test(options.evidence)) {
        let project: { key: string | undefined; secretsFile: string | undefined } = { key: undefined, secretsFile: undefined };
        try {
          const config = loadConfig();
          project = { key: config.secrets.evidenceKey, secretsFile: config.secretsFile };
        } catch {
          // no usable project config: no key from there
        }
        const choice = evidenceKeyForStore({ store: options.evidence, key: project.key, secretsFile: project.secretsFile });
        if (choice.generated) process.stderr.write(`showwork proxy: generated an evidence encryption key into ${choice.secretsFile} (evidenceKey); back it up: without it the evidence cannot be read.\n`);
        evidenceKey = choice.key ?? null;
      }
      // Capture runs on a worker thread (signing, the evidence store, the durable queue and its fsyncs,
      // delivery): this thread only forwards requests and answers. Delivery trouble is loud (stderr):
      // the first failure, then a summary every minute, each refused receipt.
      const capturer = await createWorkerCapturer({
        nodeKey,
        sink: { url: options.service, ...(token ? { token } : {}), queuePath: options.queue },
        evidence: { location: options.evidence, key: evidenceKey },
        ...(models ? { models } : {}),
        serviceUrl: options.service,
        handleSignals: false, // this command handles SIGINT/SIGTERM: close() below
        onEvent: (event: CaptureEvent) => {
          // Warnings (unknown fingerprints, plain-text evidence) are written by the capturer's logger.
          if (event.type === "error") process.stderr.write(`showwork proxy: capture failed (${event.stage}) for ${event.receiptId ?? "a batch"}: ${event.error instanceof Error ? event.error.message : String(event.error)}\n`);
        },
      });
      const evidence = capturer.evidence!;
      const proxy = await startCaptureProxy({ upstream: options.upstream, capturer, host: options.host, port });
      say(
        { event: "listening", url: proxy.url, upstream: options.upstream, servingNode: capturer.servingNode, service: options.service, queue: options.queue, evidence: evidence.location, encrypted: evidence.encrypted },
        `showwork proxy listening on ${proxy.url} → ${options.upstream}; receipts signed by ${capturer.servingNode}, delivered to ${options.service} (queue ${options.queue}, evidence ${evidence.location}${evidence.encrypted ? ", encrypted" : ""})`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await proxy.close();
      // Waits for the service's acknowledgement (up to 5 s); what is left stays queued, and is said.
      const report = await capturer.close({ timeoutMs: 5_000 });
      say(
        { event: "stopped", captured: capturer.stats.captured, delivered: capturer.stats.delivered, queued: report.queued, rejected: report.rejected, drained: report.delivered, ...(report.reason ? { reason: report.reason } : {}) },
        `showwork proxy stopped: ${capturer.stats.captured} answer(s) receipted, ${capturer.stats.delivered} delivered this run${report.queued > 0 ? `, ${report.queued} kept in ${options.queue} for the next run (${report.reason ?? "not acknowledged yet"})` : ""}${report.rejected > 0 ? `, ${report.rejected} refused by the service (showwork capture queue list)` : ""}`,
      );
    });
}
