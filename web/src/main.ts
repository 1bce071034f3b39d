/**
 * The web verifier: a static page that runs the SDK's verifyBundle in the browser (the same code
 * as `showwork verify`) against an RPC endpoint the visitor chooses, and draws the model's
 * timeline around the receipt's time.
 */
import { isHex, type Hex } from "viem";

import type { DisclosureReport } from "../../sdk/disclosure/checkDisclosure.js";
import { DISCLOSURE_FORMAT } from "../../sdk/disclosure/types.js";
import { isoTime } from "../../sdk/verify/check.js";
import type { Disclosure } from "../../sdk/verify/checks/offline.js";
import { InvalidTrustError, mergeTrust, parseLogPin, parseOperatorPin, parseTrustFile } from "../../sdk/verify/trust.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import type { TrustPins, Verdict } from "../../sdk/verify/verdict.js";
import { renderTimelinePicture } from "./timelinePicture.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

const bundleInput = $<HTMLTextAreaElement>("bundle");
const rpcInput = $<HTMLTextAreaElement>("rpc");
const pinInput = $<HTMLTextAreaElement>("pin");
const minConfirmationsInput = $<HTMLInputElement>("min-confirmations");
const verifyButton = $<HTMLButtonElement>("verify");
const dropzone = $<HTMLDivElement>("dropzone");
const inputError = $<HTMLParagraphElement>("input-error");

// The visitor's own earlier choice is remembered; an endpoint in the page's URL is only offered, never used
// without asking (a link could point the verifier at a lying endpoint).
rpcInput.value = localStorage.getItem("showwork.rpc") ?? "";
const offered = new URLSearchParams(location.search).get("rpc");
if (offered) {
  $("rpc-offer").hidden = false;
  $("rpc-offer-url").textContent = offered;
  $("rpc-offer-accept").addEventListener("click", () => {
    rpcInput.value = [...endpointsIn(rpcInput.value), offered].join("\n");
    $("rpc-offer").hidden = true;
  });
  $("rpc-offer-dismiss").addEventListener("click", () => ($("rpc-offer").hidden = true));
}

function endpointsIn(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((url) => url.trim()).filter(Boolean))];
}

/** Pins from the pin box: log ids and operator addresses, one per line, or a trust file's JSON. @throws {InvalidTrustError} */
function pins(text: string): TrustPins | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (trimmed.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new InvalidTrustError("the pin box holds something that looks like JSON but is not: paste a trust file, or one log id / operator address per line");
    }
    return parseTrustFile(value);
  }
  const logs: string[] = [];
  const operators: string[] = [];
  for (const [i, line] of trimmed.split(/[\s,]+/).filter(Boolean).entries()) {
    if (line.length === 66) logs.push(parseLogPin(line, `pin ${i + 1}`));
    else operators.push(parseOperatorPin(line, `pin ${i + 1}`));
  }
  return mergeTrust({ logs, operators });
}

async function loadFile(file: File): Promise<void> {
  bundleInput.value = await file.text();
}

$<HTMLInputElement>("bundle-file").addEventListener("change", (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void loadFile(file);
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("over");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file) void loadFile(file);
  else {
    const text = event.dataTransfer?.getData("text/plain");
    if (text) bundleInput.value = text;
  }
});

function disclosure(): Disclosure | undefined {
  const piece = (contentId: string, saltId: string) => {
    const content = $<HTMLTextAreaElement>(contentId).value;
    const salt = $<HTMLInputElement>(saltId).value.trim();
    return salt !== "" && isHex(salt) ? { content, salt: salt as Hex } : undefined;
  };
  const input = piece("disclosed-input", "disclosed-input-salt");
  const output = piece("disclosed-output", "disclosed-output-salt");
  if (!input && !output) return undefined;
  return { ...(input ? { input } : {}), ...(output ? { output } : {}) };
}

/** The pasted document when it is a disclosure (format showwork/disclosure@1), else undefined. */
function disclosureDocument(text: string): { bundle: unknown } | undefined {
  try {
    const value = JSON.parse(text) as { format?: unknown; bundle?: unknown } | null;
    return value !== null && typeof value === "object" && value.format === DISCLOSURE_FORMAT ? (value as { bundle: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

verifyButton.addEventListener("click", () => void run());

async function run(): Promise<void> {
  const rpcUrls = endpointsIn(rpcInput.value);
  const rpcUrl = rpcUrls[0] ?? "";
  let trust: TrustPins | undefined;
  try {
    trust = pins(pinInput.value);
    inputError.hidden = true;
  } catch (error) {
    inputError.textContent = error instanceof Error ? error.message : String(error);
    inputError.hidden = false;
    document.body.dataset.state = "input-error";
    return;
  }
  localStorage.setItem("showwork.rpc", rpcUrls.join("\n"));
  verifyButton.disabled = true;
  verifyButton.textContent = "Verifying…";
  document.body.dataset.state = "verifying";
  try {
    const disclosed = disclosure();
    // A showwork/disclosure@1 file: its bundle is verified and each disclosed piece checked and shown.
    const document = disclosureDocument(bundleInput.value);
    const verdict = await verifyBundle(document ? document.bundle : bundleInput.value, {
      rpcUrls,
      minConfirmations: Number(minConfirmationsInput.value || "1"),
      ...(trust ? { trust } : {}),
      ...(disclosed ? { disclosed } : {}),
      ...(document ? { disclosure: document } : {}),
    });
    showVerdict(verdict);
    await showTimeline(verdict, rpcUrl);
  } finally {
    verifyButton.disabled = false;
    verifyButton.textContent = "Verify";
    document.body.dataset.state = "done";
  }
}

const LABEL = { pass: "pass", fail: "FAIL", pending: "pending", skipped: "skipped", error: "not checked" } as const;

function showVerdict(verdict: Verdict): void {
  $("result").hidden = false;
  const heading = $("verdict");
  heading.dataset.status = verdict.status;
  heading.dataset.reason = verdict.reason;
  heading.textContent =
    verdict.status === "verified" ? "Verified" : verdict.status === "failed" ? "Failed" : verdict.reason === "not-final" ? "Pending" : "Could not check";
  // textContent everywhere: chain- and bundle-supplied text never becomes markup (and is escaped by the SDK).
  $("headline").textContent = verdict.status === "verified" ? verdict.headline : "";
  $("verdict-summary").textContent = `${verdict.summary} (${verdict.elapsedMs} ms)`;
  $("uncertain-box").hidden = verdict.uncertain.length === 0;
  $("uncertain").replaceChildren(
    ...verdict.uncertain.map((item) => {
      const li = document.createElement("li");
      li.textContent = item;
      return li;
    }),
  );
  $("endpoints").replaceChildren(
    ...(verdict.endpoints ?? []).map((endpoint) => {
      const li = document.createElement("li");
      li.dataset.url = endpoint.url;
      li.dataset.answered = String(endpoint.answered);
      li.dataset.failed = String(endpoint.failed);
      li.textContent = `${endpoint.url}: ${endpoint.answered} answered, ${endpoint.failed} failed${endpoint.head ? `, head block ${endpoint.head}` : ""}${endpoint.lastError ? ` (${endpoint.lastError})` : ""}`;
      return li;
    }),
  );
  const body = $("checks").querySelector("tbody")!;
  body.replaceChildren(
    ...verdict.checks.map((check) => {
      const row = document.createElement("tr");
      row.dataset.check = check.id;
      row.dataset.status = check.status;
      const cell = (text: string, className?: string): HTMLTableCellElement => {
        const td = document.createElement("td");
        td.textContent = text;
        if (className) td.className = className;
        return td;
      };
      const status = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = `badge ${check.status}`;
      badge.textContent = LABEL[check.status];
      status.append(badge);
      row.append(cell(check.name), status, cell(check.expected ?? "", "hex"), cell(check.found ?? "", "hex"), cell(check.message));
      return row;
    }),
  );
  showDisclosure(verdict.disclosure);
  const facts = $("facts");
  facts.replaceChildren();
  for (const [key, value] of Object.entries(verdict.facts)) {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = (key === "issuedAt" || key === "anchoredAt") && typeof value === "number" ? `${isoTime(value)} (${value})` : String(value);
    facts.append(dt, dd);
  }
}

async function showTimeline(verdict: Verdict, rpcUrl: string): Promise<void> {
  const target = $("timeline-picture");
  target.replaceChildren(await renderTimelinePicture(verdict, rpcUrl));
}

/** Each disclosed piece (what it shows, whether it opens the receipt) and what was not shown. */
function showDisclosure(report: DisclosureReport | undefined): void {
  $("disclosure-result").hidden = report === undefined;
  if (!report) return;
  $("disclosure-result").dataset.status = report.status;
  $("disclosure-summary").textContent = report.summary;
  $("disclosure-pieces").querySelector("tbody")!.replaceChildren(
    ...report.pieces.map((piece) => {
      const row = document.createElement("tr");
      row.dataset.field = piece.field;
      row.dataset.status = piece.status;
      const field = document.createElement("td");
      field.textContent = piece.field;
      const status = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = `badge ${piece.status}`;
      badge.textContent = LABEL[piece.status];
      status.append(badge);
      const shown = document.createElement("td");
      const pre = document.createElement("pre");
      pre.className = "shown";
      pre.textContent = piece.shown ?? "";
      shown.append(pre);
      const message = document.createElement("td");
      message.textContent = piece.status === "fail" ? `${piece.message} (expected ${piece.expected ?? "?"}, found ${piece.found ?? "?"})` : piece.message;
      row.append(field, status, shown, message);
      return row;
    }),
  );
  $("not-shown").replaceChildren(
    ...(report.notShown.length > 0 ? report.notShown : ["nothing: every commitment was opened"]).map((item) => {
      const li = document.createElement("li");
      li.textContent = item;
      return li;
    }),
  );
}
