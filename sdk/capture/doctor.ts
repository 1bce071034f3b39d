/**
 * The capture side's part of `showwork doctor`: what the capture queue file (and/or a running
 * proxy's `/metrics`) says — receipts waiting or refused, and model versions the capture saw that
 * the operator has not published (a hosted model's new provider `system_fingerprint`: its
 * receipts fail the model-version check until that version is on the model's timeline).
 *
 * The queue file keeps every version seen (`versions` table, written with the receipts); each is
 * judged again against the manifest of the project config as it is now, so publishing the version
 * and listing it in `capture.models[MODEL].published` clears the finding.
 *
 * @module
 */
import { existsSync } from "node:fs";

import type { Hex } from "viem";

import { resolveModel, type ModelManifestEntry } from "./manifest.js";
import { CaptureQueue, type SeenVersion } from "./queue.js";

/** One finding (the doctor's line): `warn` findings are shown with ⚠. */
export interface CaptureFinding {
  readonly check: string;
  readonly ok: boolean;
  readonly warn?: boolean;
  readonly message: string;
  readonly fix?: string | undefined;
}

/** Inputs of {@link captureFindings}. */
export interface CaptureDoctorOptions {
  /** The capture queue file (checked when it exists). */
  readonly queue?: string | undefined;
  /** A running capture proxy's base URL (its `/metrics` is read). */
  readonly proxy?: string | undefined;
  /** The manifest of the project config (`capture.models`), to judge versions as of now. */
  readonly models?: Readonly<Record<string, ModelManifestEntry>> | undefined;
  /** The config file, named in the advice. */
  readonly configFile?: string | undefined;
  /** A queue this old (ms) is worth a warning (default 60,000). */
  readonly maxQueueAgeMs?: number;
  /** The fetch for the proxy (default the global one). */
  readonly fetch?: typeof fetch;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Whether `version` is published/declared according to `models` (the config's manifest now); undefined when the model is not in it. */
function publishedNow(version: SeenVersion, models: CaptureDoctorOptions["models"]): boolean | undefined {
  if (models?.[version.model] === undefined) return undefined;
  const resolved = resolveModel(models, version.model, { responseModel: version.responseModel, systemFingerprint: version.systemFingerprint }, version.provider ?? "openai-compatible");
  return resolved.known !== false;
}

/** The finding for one unpublished version: what was seen, and what to do. */
function versionFinding(v: SeenVersion, models: CaptureDoctorOptions["models"], configFile: string | undefined, from: string): CaptureFinding {
  const entry = models?.[v.model];
  const fp = v.systemFingerprint ?? "none";
  const where = configFile ?? ".showwork/config.json";
  const seen = `${v.answers} answer(s) ${v.firstSeen > 0 ? `from ${iso(v.firstSeen)} to ${iso(v.lastSeen)}` : "since the proxy started"} (${from})`;
  if (entry !== undefined && "fingerprints" in entry) {
    return {
      check: "model-version",
      ok: false,
      warn: true,
      message: `model "${v.model}" answered with system_fingerprint ${JSON.stringify(v.systemFingerprint ?? null)}, which the manifest does not list: ${seen}; their receipts claim an unknown version ${v.weightsDigest} and fail the model-version check`,
      fix: `register the fingerprint: add "${fp}": "0x…(the weights digest of that version)" to capture.models["${v.model}"].fingerprints in ${where} (publish that version first if it is new: showwork model publish "${v.model}" --weights 0x…)`,
    };
  }
  if (entry === undefined && v.provider === undefined) {
    return { check: "model-version", ok: false, warn: true, message: `model "${v.model}" answered as version ${v.weightsDigest}, not published: ${seen}`, fix: `publish it: showwork model publish "${v.model}" --weights ${v.weightsDigest}` };
  }
  const provider = v.provider ?? "PROVIDER";
  return {
    check: "model-version",
    ok: false,
    warn: true,
    message: `hosted model "${v.model}" answered as a provider version not published (provider ${provider}, system_fingerprint ${JSON.stringify(v.systemFingerprint ?? null)}, response model ${JSON.stringify(v.responseModel ?? null)}): ${seen}; their receipts claim version ${v.weightsDigest}, which fails the model-version check until it is published`,
    fix: `publish the version: showwork model publish "${v.model}" --weights ${v.weightsDigest} --hosted ${provider}:${fp}, then add "${fp}" to capture.models["${v.model}"].published in ${where}${entry === undefined ? ` (the model is not in the manifest: add it, e.g. "${v.model}": { "provider": "${provider}", "published": ["${fp}"] })` : ""}`,
  };
}

/** Prometheus text → the `showwork_capture_model_versions_seen` samples as seen versions. */
export function versionsFromMetrics(text: string): SeenVersion[] {
  const out: SeenVersion[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("showwork_capture_model_versions_seen{")) continue;
    const close = line.lastIndexOf("}");
    const labels: Record<string, string> = {};
    const body = line.slice(line.indexOf("{") + 1, close);
    for (const m of body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const answers = Number(line.slice(close + 1).trim());
    out.push({
      model: labels.model ?? "",
      responseModel: labels.response_model || undefined,
      systemFingerprint: labels.fingerprint || undefined,
      provider: labels.provider || undefined,
      weightsDigest: (labels.digest ?? "0x") as Hex,
      published: labels.published === "true",
      firstSeen: 0,
      lastSeen: 0,
      answers: Number.isFinite(answers) ? answers : 0,
    });
  }
  return out;
}

/** The capture side's findings (reads only). */
export async function captureFindings(options: CaptureDoctorOptions): Promise<CaptureFinding[]> {
  const findings: CaptureFinding[] = [];
  const unpublished = new Map<string, { version: SeenVersion; from: string }>();
  const judge = (versions: readonly SeenVersion[], from: string): void => {
    for (const v of versions) {
      const now = publishedNow(v, options.models);
      if (now ?? v.published) continue;
      const key = `${v.model}\u0000${v.responseModel ?? ""}\u0000${v.systemFingerprint ?? ""}`;
      if (!unpublished.has(key)) unpublished.set(key, { version: v, from });
    }
  };
  let read = false;
  const queuePath = options.queue;
  if (queuePath !== undefined && existsSync(queuePath)) {
    const queue = CaptureQueue.open(queuePath);
    try {
      const counts = queue.counts();
      const maxAge = options.maxQueueAgeMs ?? 60_000;
      if (counts.queued > 0 && counts.oldestQueuedAgeMs > maxAge) {
        findings.push({
          check: "capture-queue",
          ok: false,
          warn: true,
          message: `${counts.queued} captured receipt(s) wait in ${queuePath}, the oldest for ${Math.round(counts.oldestQueuedAgeMs / 1000)} s: not delivered to the anchoring service`,
          fix: "start the service (or fix its URL/token), then run the app or proxy again: it delivers them (showwork capture queue list says what waits)",
        });
      } else {
        findings.push({ check: "capture-queue", ok: true, message: `capture queue ${queuePath}: ${counts.queued} receipt(s) waiting${counts.queued > 0 ? ` (the oldest for ${Math.round(counts.oldestQueuedAgeMs / 1000)} s)` : ""}` });
      }
      if (counts.rejected > 0) {
        const codes = [...new Set(queue.rejected().map((r) => r.code ?? String(r.status ?? "?")))].join(", ");
        findings.push({
          check: "capture-rejected",
          ok: false,
          message: `${counts.rejected} captured receipt(s) refused by the service for good (${codes}), kept aside in ${queuePath}`,
          fix: `see why: showwork capture queue list --queue ${queuePath}; fix the cause (e.g. showwork log grant-signer NODE), then showwork capture queue retry --queue ${queuePath}`,
        });
      }
      judge(queue.versions(), queuePath);
      read = true;
    } finally {
      queue.close();
    }
  }
  if (options.proxy !== undefined) {
    const url = `${options.proxy.replace(/\/+$/, "")}/metrics`;
    const text = await (options.fetch ?? fetch)(url).then(
      (r) => (r.ok ? r.text() : undefined),
      () => undefined,
    );
    if (text === undefined) findings.push({ check: "capture-proxy", ok: false, message: `the capture proxy's metrics at ${url} could not be read`, fix: "check the proxy's URL (showwork proxy prints it) and that it runs" });
    else {
      read = true;
      judge(versionsFromMetrics(text), `proxy ${options.proxy}`);
    }
  }
  for (const { version, from } of unpublished.values()) findings.push(versionFinding(version, options.models, options.configFile, from));
  if (unpublished.size === 0 && read) {
    findings.push({ check: "model-version", ok: true, message: "every model version the capture saw is published (or declared in the manifest)" });
  }
  return findings;
}
