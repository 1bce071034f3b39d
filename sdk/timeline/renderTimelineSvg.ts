/**
 * A model's timeline as a simple SVG picture: one coloured band per activation (deployments and
 * rollbacks), with markers for a receipt's time and its anchoring.
 *
 * Pure string output (no DOM), so it runs in Node and in browsers alike.
 *
 * @module
 */
import type { TimelineActivation } from "./types.js";

/** A vertical marker on the picture. */
export interface TimelineMarker {
  /** Unix seconds. */
  readonly at: number;
  readonly label: string;
  /** `receipt` (solid) or `anchor` (dashed). */
  readonly kind: "receipt" | "anchor";
}

/** Parameters of {@link renderTimelineSvg}. */
export interface RenderTimelineSvgParameters {
  /** The activations, oldest first. */
  readonly activations: readonly TimelineActivation[];
  /** Markers (a receipt's time, its anchoring time). */
  readonly markers?: readonly TimelineMarker[];
  /** The version (weights digest) to outline: the one a receipt claims. */
  readonly highlight?: string;
  /** The right end of the picture, unix seconds (default: the latest activation or marker, plus a margin). */
  readonly until?: number;
  /** Show at most this many activations, centred on the first marker (default 12). */
  readonly maxActivations?: number;
  /** A title line. */
  readonly title?: string;
  /** Width in pixels (default 760). */
  readonly width?: number;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"];

/** Escapes text for SVG/XML content and attributes. */
function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

function shortDigest(digest: string): string {
  return digest.length > 12 ? `${digest.slice(0, 8)}…${digest.slice(-4)}` : digest;
}

function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/**
 * Renders the picture. Versions get stable colours in order of first appearance; rollbacks are
 * hatched, deactivations grey; the highlighted version is outlined.
 */
export function renderTimelineSvg(params: RenderTimelineSvgParameters): string {
  const width = params.width ?? 760;
  const markers = params.markers ?? [];
  const all = params.activations;
  const max = params.maxActivations ?? 12;
  let shown = all;
  if (all.length > max) {
    const focus = markers[0]?.at ?? all[all.length - 1]!.activatedAt;
    let active = 0;
    for (let i = 0; i < all.length; i++) if (all[i]!.activatedAt <= focus) active = i;
    const start = Math.max(0, Math.min(active - Math.floor(max / 2), all.length - max));
    shown = all.slice(start, start + max);
  }
  const colour = new Map<string, string>();
  for (const activation of all) {
    if (activation.kind !== "deactivation" && !colour.has(activation.version)) colour.set(activation.version, PALETTE[colour.size % PALETTE.length]!);
  }

  const times = [...shown.map((a) => a.activatedAt), ...markers.map((m) => m.at)];
  const left = 20;
  const right = width - 20;
  const bandTop = 46;
  const bandHeight = 34;
  const height = 150 + 16 * Math.min(colour.size, 8);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${xml(params.title ?? "model timeline")}">`,
    `<defs><pattern id="rollback-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" opacity="0.45"/></pattern></defs>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (params.title) parts.push(`<text x="${left}" y="18" font-size="13" font-weight="600">${xml(params.title)}</text>`);
  if (times.length === 0) {
    parts.push(`<text x="${left}" y="${bandTop + 20}" fill="#6b7385">No activations recorded for this model.</text>`, "</svg>");
    return parts.join("");
  }
  const first = Math.min(...times);
  const last = Math.max(...times, params.until ?? -Infinity);
  const span = Math.max(last - first, 60);
  const from = first - span * 0.04;
  const to = params.until ?? last + span * 0.12;
  const x = (t: number): number => left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (right - left);

  if (shown.length === 0) {
    parts.push(`<rect x="${left}" y="${bandTop}" width="${right - left}" height="${bandHeight}" fill="#eef0f4"/>`);
    parts.push(`<text x="${left + 6}" y="${bandTop + 21}" fill="#6b7385">no version active</text>`);
  }
  // Tick labels: clock time when the picture spans less than two days, date and time otherwise.
  const tick = (t: number): string => (to - from < 2 * 86_400 ? utc(t).slice(11, 19) : utc(t).slice(5, 16));
  let lastTick = -Infinity;
  shown.forEach((activation, i) => {
    const next = shown[i + 1];
    const x0 = x(activation.activatedAt);
    const x1 = next ? x(next.activatedAt) : right;
    const w = Math.max(x1 - x0, 1);
    const off = activation.kind === "deactivation";
    const fill = off ? "#d5d9e0" : colour.get(activation.version)!;
    const ink = off ? "#3b4252" : "#ffffff";
    const highlighted = params.highlight !== undefined && params.highlight.toLowerCase() === activation.version.toLowerCase();
    parts.push(
      `<g data-activation="${activation.index}" data-kind="${activation.kind}" data-version="${xml(activation.version)}">`,
      `<title>${xml(`#${activation.index} ${activation.kind} of ${activation.version} at ${utc(activation.activatedAt)}${activation.reason ? ` — ${activation.reason}` : ""}`)}</title>`,
      `<rect x="${x0.toFixed(1)}" y="${bandTop}" width="${w.toFixed(1)}" height="${bandHeight}" fill="${fill}"${highlighted ? ' stroke="#1d2330" stroke-width="2.5"' : ""}/>`,
      activation.kind === "rollback" ? `<rect x="${x0.toFixed(1)}" y="${bandTop}" width="${w.toFixed(1)}" height="${bandHeight}" fill="url(#rollback-hatch)"/>` : "",
      `<line x1="${x0.toFixed(1)}" y1="${bandTop - 6}" x2="${x0.toFixed(1)}" y2="${bandTop + bandHeight + 6}" stroke="#1d2330"/>`,
      w > 70
        ? `<text x="${(x0 + 4).toFixed(1)}" y="${bandTop + 14}" fill="${ink}" font-weight="600">${xml(off ? "no version" : (activation.label ?? shortDigest(activation.version)))}</text><text x="${(x0 + 4).toFixed(1)}" y="${bandTop + 27}" fill="${ink}">${activation.kind}</text>`
        : "",
      x0 - lastTick >= 64
        ? `<text x="${x0.toFixed(1)}" y="${bandTop + bandHeight + 18}" text-anchor="middle" fill="#3b4252">${xml(tick(activation.activatedAt))}</text>`
        : "",
      "</g>",
    );
    if (x0 - lastTick >= 64) lastTick = x0;
  });

  for (const marker of markers) {
    const mx = x(marker.at).toFixed(1);
    parts.push(
      `<g data-marker="${marker.kind}">`,
      `<line x1="${mx}" y1="${bandTop - 16}" x2="${mx}" y2="${bandTop + bandHeight + 26}" stroke="${marker.kind === "receipt" ? "#b3261e" : "#1d2330"}" stroke-width="2"${marker.kind === "anchor" ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${mx}" y="${marker.kind === "receipt" ? bandTop - 20 : bandTop + bandHeight + 38}" text-anchor="middle" fill="${marker.kind === "receipt" ? "#b3261e" : "#1d2330"}">${xml(`${marker.label} ${utc(marker.at).slice(11, 20)}`)}</text>`,
      "</g>",
    );
  }

  let legendY = bandTop + bandHeight + 62;
  [...colour.entries()].slice(0, 8).forEach(([version, fill]) => {
    const label = all.find((a) => a.version === version)?.label;
    const claimed = params.highlight !== undefined && params.highlight.toLowerCase() === version.toLowerCase();
    parts.push(
      `<rect x="${left}" y="${legendY - 9}" width="12" height="12" fill="${fill}"/>`,
      `<text x="${left + 18}" y="${legendY + 1}">${xml(`${label ? `${label} ` : ""}${version}${claimed ? "  ← claimed by the receipt" : ""}`)}</text>`,
    );
    legendY += 16;
  });
  parts.push("</svg>");
  return parts.join("");
}
