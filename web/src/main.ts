/**
 * The web verifier: a static page that runs the SDK's verifyBundle in the browser (the same code
 * as `showwork verify`) against an RPC endpoint the visitor chooses, and draws the model's
 * timeline around the receipt's time.
 */
import { isHex, type Hex } from "viem";

import { isoTime } from "../../sdk/verify/check.js";
import type { Disclosure } from "../../sdk/verify/checks/offline.js";
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import type { Verdict } from "../../sdk/verify/verdict.js";
import { renderTimelinePicture } from "./timelinePicture.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

const bundleInput = $<HTMLTextAreaElement>("bundle");
const rpcInput = $<HTMLInputElement>("rpc");
const minConfirmationsInput = $<HTMLInputElement>("min-confirmations");
const timelineInput = $<HTMLInputElement>("timeline");
const verifyButton = $<HTMLButtonElement>("verify");
const dropzone = $<HTMLDivElement>("dropzone");

rpcInput.value = new URLSearchParams(location.search).get("rpc") ?? localStorage.getItem("showwork.rpc") ?? "";

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

verifyButton.addEventListener("click", () => void run());

async function run(): Promise<void> {
  const rpcUrl = rpcInput.value.trim();
  localStorage.setItem("showwork.rpc", rpcUrl);
  verifyButton.disabled = true;
  verifyButton.textContent = "Verifying…";
  document.body.dataset.state = "verifying";
  try {
    const timeline = timelineInput.value.trim();
    const disclosed = disclosure();
    const verdict = await verifyBundle(bundleInput.value, {
      ...(rpcUrl ? { rpcUrl } : {}),
      minConfirmations: Number(minConfirmationsInput.value || "1"),
      ...(isHex(timeline) ? { timeline } : {}),
      ...(disclosed ? { disclosed } : {}),
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
  $("verdict-summary").textContent = `${verdict.summary} (${verdict.elapsedMs} ms)`;
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
