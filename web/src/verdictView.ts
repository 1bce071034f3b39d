/**
 * The verdict as an auditor reads it, top to bottom: the verdict and who vouches (or what failed),
 * what is not established, what the bundle claims, then each check, the disclosed pieces, the RPC
 * endpoints and every fact. Every bundle- or chain-supplied text is set as text (never markup) and
 * every long hex value is a hash chip (short, full on a click, Copy).
 */
import type { DisclosureReport } from "../../sdk/disclosure/checkDisclosure.js";
import { isoTime } from "../../sdk/verify/check.js";
import { printableShort } from "../../sdk/verify/printable.js";
import type { Check, Verdict, VerdictFacts } from "../../sdk/verify/verdict.js";
import { claimsOf } from "./claims.js";
import { hashChip, richElement, richText } from "./hash.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

const LABEL = { pass: "pass", fail: "FAIL", pending: "pending", skipped: "skipped", error: "not checked" } as const;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function badge(status: keyof typeof LABEL): HTMLElement {
  return element("span", LABEL[status], `badge ${status}`);
}

/** "Answer by node N, authorised by operator O for log L · model M vX, active then per L's timeline · anchored at T, K confirmations." */
function whoVouches(facts: VerdictFacts): Node[] {
  const parts: Node[] = [document.createTextNode("Answer by serving node ")];
  const chip = (value: string | undefined, what: string): Node => (value ? hashChip(value, what) : document.createTextNode("?"));
  parts.push(chip(facts.servingNode, "serving node"), document.createTextNode(", authorised by operator "), chip(facts.operator, "operator"));
  parts.push(document.createTextNode(" for log "), chip(facts.logId, "log"), document.createTextNode("."));
  if (facts.modelId !== undefined && facts.activeVersion !== undefined) {
    const model = facts.modelName ? printableShort(facts.modelName, 80) : undefined;
    const version = facts.versionNumber !== undefined ? `v${facts.versionNumber}` : undefined;
    parts.push(document.createTextNode(` Model ${model ?? ""}${model && version ? " " : ""}${version ?? ""}`));
    if (!model) parts.push(hashChip(facts.modelId, "model id"));
    parts.push(document.createTextNode(`, the active version at ${facts.issuedAt !== undefined ? isoTime(facts.issuedAt) : "?"} per the log's own timeline.`));
  }
  if (facts.anchoredAt !== undefined) {
    const confirmations = facts.confirmations !== undefined ? `, ${facts.confirmations} confirmation${facts.confirmations === "1" ? "" : "s"}` : "";
    parts.push(document.createTextNode(` Anchored at ${isoTime(facts.anchoredAt)}${confirmations}.`));
  }
  return parts;
}

/** The banner: the verdict word, then who vouches (verified) or what failed / could not be checked. */
function showBanner(verdict: Verdict): void {
  const banner = $("verdict-banner");
  banner.dataset.status = verdict.status;
  const heading = $("verdict");
  heading.dataset.status = verdict.status;
  heading.dataset.reason = verdict.reason;
  heading.textContent =
    verdict.status === "verified" ? "Verified" : verdict.status === "failed" ? "Failed" : verdict.reason === "not-final" ? "Pending" : "Could not check";
  const headline = $("headline");
  headline.replaceChildren();
  banner.querySelector(".failures")?.remove();
  if (verdict.status === "verified") {
    headline.append(...whoVouches(verdict.facts));
  } else {
    const wrong = verdict.checks.filter((check) => (verdict.status === "failed" ? check.status === "fail" : check.status === "pending" || check.status === "error"));
    headline.textContent =
      verdict.status === "failed"
        ? `The bundle's claim does not hold: ${wrong.length === 1 ? "one check" : `${wrong.length} checks`} failed. What it claims is below, unproven.`
        : verdict.reason === "not-final"
          ? "Nothing failed, but the anchoring is not final yet. What the bundle claims is below."
          : "Nothing failed, but some checks could not be made (see below): this says nothing about the bundle itself.";
    // One line per distinct reason: an unreachable endpoint is one line, not ten.
    const byMessage = new Map<string, Check[]>();
    for (const check of wrong) byMessage.set(check.message, [...(byMessage.get(check.message) ?? []), check]);
    const list = element("ul", undefined, "failures");
    for (const [message, checks] of [...byMessage].slice(0, 5)) {
      const li = element("li");
      li.dataset.checks = checks.map((check) => check.id).join(" ");
      const names = checks.length <= 3 ? checks.map((check) => check.name).join(", ") : `${checks.slice(0, 2).map((check) => check.name).join(", ")} and ${checks.length - 2} more checks`;
      li.append(element("strong", `${names}: `), ...richText(message));
      list.append(li);
    }
    if (byMessage.size > 5) list.append(element("li", `… and ${byMessage.size - 5} more (see Checks)`));
    headline.after(list);
  }
  $("verdict-summary").textContent = `${verdict.summary} · ${verdict.elapsedMs} ms`;
}

function showUncertain(verdict: Verdict): void {
  // What the banner already lists (a check that could not be made, or is pending) is not repeated here.
  const inBanner = new Set(verdict.status === "verified" ? [] : verdict.checks.map((check) => `${check.name}: ${check.message}`));
  const items = verdict.uncertain.filter((item) => !inBanner.has(item));
  $("uncertain-box").hidden = items.length === 0;
  $("uncertain").replaceChildren(...items.map((item) => richElement("li", item)));
}

function showClaims(verdict: Verdict, bundle: unknown): void {
  const claims = claimsOf(bundle, verdict.facts);
  $("claims-title").textContent =
    verdict.status === "verified" ? "What the bundle claims (every claim checked)" : claims.length > 0 ? "What the bundle claims (not proven)" : "What the bundle claims";
  const list = $("claims");
  list.replaceChildren();
  if (claims.length === 0) {
    list.append(element("dt", "Nothing readable"), element("dd", "the text is not a bundle's JSON (see the Bundle format check)"));
    return;
  }
  for (const claim of claims) {
    const dt = element("dt", claim.label);
    const dd = element("dd");
    dd.dataset.claim = claim.key;
    dd.append(claim.hex ? hashChip(claim.value, claim.label.toLowerCase()) : document.createTextNode(claim.value));
    list.append(dt, dd);
  }
}

function checkItem(check: Check): HTMLElement {
  const li = element("li", undefined, "check");
  li.dataset.check = check.id;
  li.dataset.status = check.status;
  const head = element("div", undefined, "check-head");
  head.append(badge(check.status), element("span", check.name, "check-name"));
  const body = element("div", undefined, "check-body");
  body.append(richElement("p", check.message, "check-message"));
  if (check.expected !== undefined || check.found !== undefined) {
    const details = element("details");
    details.open = check.status === "fail" || check.status === "pending";
    details.append(element("summary", "expected and found"));
    const dl = element("dl", undefined, "pairs");
    if (check.expected !== undefined) dl.append(element("dt", "Expected"), richElement("dd", check.expected, "expected"));
    if (check.found !== undefined) dl.append(element("dt", "Found"), richElement("dd", check.found, "found"));
    details.append(dl);
    body.append(details);
  }
  li.append(head, body);
  return li;
}

function showChecks(verdict: Verdict): void {
  const passed = verdict.checks.filter((check) => check.status === "pass").length;
  $("checks-count").textContent = `(${passed} of ${verdict.checks.length} passed)`;
  $("checks").replaceChildren(...verdict.checks.map(checkItem));
}

function showEndpoints(verdict: Verdict): void {
  $("endpoints").replaceChildren(
    ...(verdict.endpoints ?? []).map((endpoint) => {
      const li = element("li");
      li.dataset.url = endpoint.url;
      li.dataset.answered = String(endpoint.answered);
      li.dataset.failed = String(endpoint.failed);
      li.append(element("code", printableShort(endpoint.url, 200)));
      li.append(
        document.createTextNode(
          `: ${endpoint.answered} answered, ${endpoint.failed} failed${endpoint.head ? `, head block ${endpoint.head}` : ""}${endpoint.lastError ? ` (${printableShort(endpoint.lastError, 200)})` : ""}`,
        ),
      );
      return li;
    }),
  );
}

function showFacts(verdict: Verdict): void {
  const facts = $("facts");
  facts.replaceChildren();
  for (const [key, value] of Object.entries(verdict.facts)) {
    const dd = element("dd");
    dd.dataset.fact = key;
    if ((key === "issuedAt" || key === "anchoredAt" || key === "versionChangedAt") && typeof value === "number") dd.textContent = `${isoTime(value)} (${value})`;
    else dd.append(...richText(String(value)));
    facts.append(element("dt", key), dd);
  }
}

/** Each disclosed piece (what it shows, whether it opens the receipt) and what was not shown. */
function showDisclosure(report: DisclosureReport | undefined): void {
  $("disclosure-result").hidden = report === undefined;
  if (!report) return;
  $("disclosure-result").dataset.status = report.status;
  $("disclosure-summary").textContent = report.summary;
  $("disclosure-pieces").replaceChildren(
    ...report.pieces.map((piece) => {
      const li = element("li", undefined, "check");
      li.dataset.field = piece.field;
      li.dataset.status = piece.status;
      const head = element("div", undefined, "check-head");
      head.append(badge(piece.status), element("span", piece.field, "check-name"));
      const body = element("div", undefined, "check-body");
      body.append(richElement("p", piece.status === "fail" ? `${piece.message} (expected ${piece.expected ?? "?"}, found ${piece.found ?? "?"})` : piece.message));
      if (piece.shown !== undefined) body.append(element("pre", piece.shown, "shown"));
      li.append(head, body);
      return li;
    }),
  );
  $("not-shown").replaceChildren(...(report.notShown.length > 0 ? report.notShown : ["nothing: every commitment was opened"]).map((item) => element("li", item)));
}

/** Shows a verdict on `bundle` (the JSON value or text that was verified). */
export function showVerdict(verdict: Verdict, bundle: unknown): void {
  $("result").hidden = false;
  showBanner(verdict);
  showUncertain(verdict);
  showClaims(verdict, bundle);
  showChecks(verdict);
  showDisclosure(verdict.disclosure);
  showEndpoints(verdict);
  showFacts(verdict);
}
