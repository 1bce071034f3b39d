/**
 * The model's timeline around a verified receipt, as an SVG picture (the SDK's renderTimelineSvg
 * over readModelTimeline), with the receipt's time and its anchoring marked.
 */
import { createPublicClient, http, isAddress, isHex, type Hex } from "viem";

import { readModelTimeline } from "../../sdk/timeline/readModelTimeline.js";
import { renderTimelineSvg, type TimelineMarker } from "../../sdk/timeline/renderTimelineSvg.js";
import type { Verdict } from "../../sdk/verify/verdict.js";

function note(text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "muted";
  p.textContent = text;
  return p;
}

/** A picture of the timeline, `width` px wide (the page's column), or a note saying why there is none. */
export async function renderTimelinePicture(verdict: Verdict, rpcUrl: string, width = 760): Promise<HTMLElement> {
  const { timelineContract, logId, modelId, issuedAt, anchoredAt, weightsDigest } = verdict.facts;
  if (!timelineContract || !isAddress(timelineContract) || !logId || !isHex(logId) || !modelId || !isHex(modelId)) {
    return note("No timeline: the bundle names no timeline contract (or could not be read).");
  }
  if (!rpcUrl) return note("No timeline: no RPC URL.");
  const modelCheck = verdict.checks.find((check) => check.id === "model-version");
  if (modelCheck?.code === "not-model-timeline" || modelCheck?.code === "timeline-mismatch") {
    return note(`No timeline: ${modelCheck.message}`);
  }
  try {
    const client = createPublicClient({ transport: http(rpcUrl, { batch: { wait: 0 }, timeout: 10_000, retryCount: 1 }) });
    const view = await readModelTimeline(client, { contract: timelineContract, logId: logId as Hex, modelId: modelId as Hex });
    const markers: TimelineMarker[] = [];
    if (issuedAt !== undefined) markers.push({ at: issuedAt, label: "this answer", kind: "receipt" });
    if (anchoredAt !== undefined) markers.push({ at: anchoredAt, label: "anchored", kind: "anchor" });
    const container = document.createElement("div");
    container.className = "timeline";
    // Drawn at the column's width, and again when the column's width changes (the timeline is read once).
    const draw = (columnWidth: number): void => {
      const drawn = Math.max(300, Math.min(Math.floor(columnWidth), 900));
      if (container.dataset.width === String(drawn)) return;
      container.dataset.width = String(drawn);
      // renderTimelineSvg escapes every text it embeds.
      container.innerHTML = renderTimelineSvg({
        activations: view.activations,
        markers,
        ...(weightsDigest ? { highlight: weightsDigest } : {}),
        title: `${view.name || modelId}: ${view.activations.length} activation${view.activations.length === 1 ? "" : "s"} (times UTC)`,
        width: drawn,
      });
    };
    draw(width);
    const observer = new ResizeObserver((entries) => {
      if (!container.isConnected) return observer.disconnect();
      const entry = entries[0];
      if (entry && Math.abs(entry.contentRect.width - Number(container.dataset.width)) >= 24) draw(entry.contentRect.width);
    });
    observer.observe(container);
    return container;
  } catch (error) {
    return note(`Could not read the timeline: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`);
  }
}
