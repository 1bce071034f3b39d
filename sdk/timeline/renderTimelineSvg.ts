/**
 * A model's timeline as a simple SVG picture: one coloured band per activation (deployments and
 * rollbacks), every band labelled with its version, kind and time, markers for a receipt's time
 * and its anchoring, a legend of the versions and a list of the rollbacks and deactivations with
 * their time and reason.
 *
 * No two labels overlap: a band's label is drawn inside the band when it fits, otherwise below it
 * in the first free lane with a leader line to the band; marker labels likewise in lanes above.
 * Every label group carries `data-label` and its box (`data-box="x y width height"`) so that tests
 * (and curious readers) can check the layout.
 *
 * Pure string output (no DOM), so it runs in Node and in browsers alike.
 *
 * @module
 */
import { fitText, placeInLanes, textWidth, wrapText, type LabelBox } from "./labelLayout.js";
import { printable } from "../verify/printable.js";
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
  /** Width in pixels (default 760; at least 280). */
  readonly width?: number;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"];
const INK = "#1d2330";
const MUTED = "#4b5366";
const FONT = 11;
const LINE = 13;
/** A halo of `colour` behind text (keeps it readable over hatching and lines). */
const halo = (colour: string): string => ` stroke="${colour}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`;

/** Escapes text for SVG/XML content and attributes (chain-supplied text: controls and bidi overrides shown as escapes). */
function xml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

function shortDigest(digest: string): string {
  return digest.length > 12 ? `${digest.slice(0, 8)}…${digest.slice(-4)}` : digest;
}

function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** Dark or white text, whichever reads better on `fill` (#rrggbb). */
function inkOn(fill: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(fill.slice(i, i + 2), 16) / 255) as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.6 ? INK : "#ffffff";
}

const n = (value: number): string => value.toFixed(1);
const boxAttr = (box: LabelBox): string => `data-box="${n(box.x)} ${n(box.y)} ${n(box.width)} ${n(box.height)}"`;

/** How a label is set off from what lies behind it. */
interface LabelStyle {
  /** Extra attributes of the group (`data-for`, …). */
  readonly extra?: string;
  /** Paint a white box behind the text (labels that leader and marker lines may cross). */
  readonly backdrop?: boolean;
  /** A halo of this colour around the glyphs (labels drawn over a band). */
  readonly halo?: string;
}

/** Lines of text starting at (x, top), left-aligned, in one labelled group with its box. */
function label(kind: string, lines: readonly { text: string; bold?: boolean; fill?: string }[], x: number, top: number, style: LabelStyle = {}): { svg: string; box: LabelBox } {
  const width = Math.max(...lines.map((line) => textWidth(line.text, FONT, { bold: line.bold ?? false })));
  const box = { x, y: top, width, height: lines.length * LINE };
  const texts = lines.map(
    (line, i) =>
      `<text x="${n(x)}" y="${n(top + i * LINE + 10)}"${line.bold ? ' font-weight="600"' : ""} fill="${line.fill ?? INK}"${style.halo ? halo(style.halo) : ""}>${xml(line.text)}</text>`,
  );
  const backdrop = style.backdrop ? `<rect x="${n(x - 1)}" y="${n(top)}" width="${n(width + 2)}" height="${n(box.height)}" fill="#ffffff" opacity="0.92"/>` : "";
  return { svg: `<g data-label="${kind}"${style.extra ?? ""} ${boxAttr(box)}>${backdrop}${texts.join("")}</g>`, box };
}

/** What a band's label says: the version and what happened, then the time. */
function bandWords(activation: TimelineActivation, name: string): string {
  return activation.kind === "deployment" ? `${name} deployed` : activation.kind === "rollback" ? `rollback to ${name}` : "deactivated";
}

/**
 * Renders the picture. Versions get stable colours in order of first appearance; rollbacks are
 * hatched, deactivations grey; the highlighted version is outlined. Times are UTC.
 */
export function renderTimelineSvg(params: RenderTimelineSvgParameters): string {
  const width = Math.max(280, Math.round(params.width ?? 760));
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
  const nameOf = (a: TimelineActivation): string => (a.kind === "deactivation" ? "no version" : (a.label ?? shortDigest(a.version)));

  const left = 12;
  const right = width - 12;
  const body: string[] = [];
  let y = 6;
  if (params.title) {
    const lines = wrapText(params.title, right - left, 13, 2, { bold: true });
    const box = { x: left, y, width: Math.max(...lines.map((line) => textWidth(line, 13, { bold: true }))), height: 16 * lines.length };
    const texts = lines.map((line, i) => `<text x="${left}" y="${y + 12 + 16 * i}" font-size="13" font-weight="600" fill="${INK}">${xml(line)}</text>`);
    body.push(`<g data-label="title" ${boxAttr(box)}>${texts.join("")}</g>`);
    y += box.height + 6;
  }

  const times = [...shown.map((a) => a.activatedAt), ...markers.map((m) => m.at)];
  if (times.length === 0) {
    body.push(label("note", [{ text: fitText("No activations recorded for this model.", right - left, FONT), fill: MUTED }], left, y + 8).svg);
    return wrap(width, y + 32, params.title, body);
  }
  const first = Math.min(...times);
  const last = Math.max(...times, params.until ?? -Infinity);
  const span = Math.max(last - first, 60);
  const from = first - span * 0.04;
  const to = params.until ?? last + span * 0.12;
  const x = (t: number): number => left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (right - left);
  // Clock time when the picture spans less than two days, date and time otherwise.
  const when = (t: number): string => (to - from < 2 * 86_400 ? `${utc(t).slice(11, 19)}Z` : `${utc(t).slice(0, 16)}Z`);

  // Marker labels: above the bands, in lanes (lane 0 nearest the bands).
  const markerTexts = markers.map((m) => `${m.label} ${when(m.at)}`);
  const markerLanes = placeInLanes(
    markers.map((m, i) => ({ at: x(m.at), width: textWidth(markerTexts[i]!, FONT, { bold: true }), anchor: "middle" as const })),
    { left, right },
  );
  const markerLaneCount = Math.max(0, ...markerLanes.map((p) => p.lane + 1));
  const markerTop = y + 4;
  const bandTop = markerTop + markerLaneCount * (LINE + 4) + 8;
  const bandHeight = 34;
  const bandBottom = bandTop + bandHeight;

  // Band labels: inside the band when both lines fit, else below it in lanes.
  type Planned = { activation: TimelineActivation; x0: number; w: number; lines: { text: string; bold?: boolean }[]; inside: boolean };
  const planned: Planned[] = shown.map((activation, i) => {
    const next = shown[i + 1];
    const x0 = x(activation.activatedAt);
    const w = Math.max((next ? x(next.activatedAt) : right) - x0, 1);
    const lines = [{ text: bandWords(activation, nameOf(activation)), bold: true }, { text: when(activation.activatedAt) }];
    const needed = Math.max(...lines.map((line) => textWidth(line.text, FONT, { bold: line.bold ?? false })));
    return { activation, x0, w, lines, inside: needed + 8 <= w };
  });
  const outside = planned.filter((p) => !p.inside);
  const calloutLanes = placeInLanes(
    outside.map((p) => ({ at: p.x0, width: Math.max(...p.lines.map((line) => textWidth(line.text, FONT, { bold: line.bold ?? false }))), anchor: "start" as const })),
    { left, right },
  );
  const calloutLane = new Map(outside.map((p, i) => [p, calloutLanes[i]!]));
  const laneHeight = 2 * LINE + 6;
  const calloutTop = bandBottom + 10;
  const calloutLaneCount = Math.max(0, ...calloutLanes.map((p) => p.lane + 1));

  if (shown.length === 0) {
    body.push(`<rect x="${left}" y="${bandTop}" width="${right - left}" height="${bandHeight}" fill="#eef0f4"/>`);
    body.push(label("note", [{ text: "no version active", fill: MUTED }], left + 6, bandTop + 10).svg);
  }
  const leaders: string[] = [];
  const labels: string[] = [];
  for (const p of planned) {
    const { activation, x0, w } = p;
    const off = activation.kind === "deactivation";
    const fill = off ? "#d5d9e0" : colour.get(activation.version)!;
    const highlighted = params.highlight !== undefined && params.highlight.toLowerCase() === activation.version.toLowerCase();
    let text: string;
    if (p.inside) {
      const ink = inkOn(fill);
      text = label("activation", p.lines.map((line) => ({ ...line, fill: ink })), x0 + 4, bandTop + 4, { extra: ` data-for="${activation.index}" data-placement="inside"`, halo: fill }).svg;
    } else {
      const place = calloutLane.get(p)!;
      const top = calloutTop + place.lane * laneHeight;
      leaders.push(`<line x1="${n(x0)}" y1="${bandBottom}" x2="${n(x0)}" y2="${top + 2}" stroke="#8a93a6"/>`);
      text = label("activation", p.lines, place.x, top, { extra: ` data-for="${activation.index}" data-placement="below"`, backdrop: true }).svg;
    }
    body.push(
      `<g data-activation="${activation.index}" data-kind="${activation.kind}" data-version="${xml(activation.version)}">`,
      `<title>${xml(`#${activation.index} ${activation.kind} of ${off ? "no version" : `${nameOf(activation)} (${activation.version})`} at ${utc(activation.activatedAt)}${activation.reason ? ` — reason: ${activation.reason}` : ""}`)}</title>`,
      `<rect x="${n(x0)}" y="${bandTop}" width="${n(w)}" height="${bandHeight}" fill="${fill}"${highlighted ? ` stroke="${INK}" stroke-width="2.5"` : ""}/>`,
      activation.kind === "rollback" ? `<rect x="${n(x0)}" y="${bandTop}" width="${n(w)}" height="${bandHeight}" fill="url(#rollback-hatch)"/>` : "",
      `<line x1="${n(x0)}" y1="${bandTop - 4}" x2="${n(x0)}" y2="${bandBottom + 4}" stroke="${INK}"/>`,
      "</g>",
    );
    labels.push(text);
  }
  body.push(...leaders);

  for (const [i, marker] of markers.entries()) {
    const mx = x(marker.at);
    const place = markerLanes[i]!;
    const top = markerTop + (markerLaneCount - 1 - place.lane) * (LINE + 4);
    const stroke = marker.kind === "receipt" ? "#b3261e" : INK;
    body.push(
      `<g data-marker="${marker.kind}"><line x1="${n(mx)}" y1="${top + LINE}" x2="${n(mx)}" y2="${bandBottom + 6}" stroke="${stroke}" stroke-width="2"${marker.kind === "anchor" ? ' stroke-dasharray="4 3"' : ""}/></g>`,
    );
    labels.push(label("marker", [{ text: markerTexts[i]!, fill: stroke, bold: true }], place.x, top, { extra: ` data-for="${marker.kind}"`, backdrop: true }).svg);
  }
  // Labels last: above every band, leader and marker line.
  body.push(...labels);

  // Legend: each version once; then the rollbacks and deactivations shown, with time and reason.
  y = calloutTop + calloutLaneCount * laneHeight + 8;
  const versions = [...colour.entries()];
  for (const [version, fill] of versions.slice(0, 8)) {
    const name = all.find((a) => a.version === version)?.label;
    const claimed = params.highlight !== undefined && params.highlight.toLowerCase() === version.toLowerCase() ? "  ← claimed by the receipt" : "";
    const room = right - left - 18;
    const full = `${name ? `${name} ` : ""}${version}${claimed}`;
    const text = textWidth(full, FONT) <= room ? full : fitText(`${name ? `${name} ` : ""}${shortDigest(version)}${claimed}`, room, FONT);
    body.push(`<rect x="${left}" y="${y + 1}" width="11" height="11" fill="${fill}"/>`, label("legend", [{ text }], left + 18, y).svg);
    y += LINE + 4;
  }
  if (versions.length > 8) {
    body.push(label("legend", [{ text: `… and ${versions.length - 8} more version${versions.length === 9 ? "" : "s"}`, fill: MUTED }], left + 18, y).svg);
    y += LINE + 4;
  }
  const changes = shown.filter((a) => a.kind !== "deployment");
  if (changes.length > 0) y += 4;
  for (const change of changes) {
    const what = change.kind === "rollback" ? `rolled back to ${nameOf(change)}` : "deactivated";
    // The time and what happened, then the reason, wrapped to the picture's width.
    const lines = wrapText(`${utc(change.activatedAt)} ${what}`, right - left, FONT, 2, { bold: true }).map((text) => ({ text, bold: true, fill: INK }));
    const reason = change.reason ? `reason: “${change.reason}”` : "no reason recorded";
    for (const text of wrapText(reason, right - left, FONT, 3)) lines.push({ text, bold: false, fill: MUTED });
    const drawn = label("event", lines, left, y, { extra: ` data-for="${change.index}"` });
    body.push(drawn.svg);
    y += drawn.box.height + 6;
  }
  return wrap(width, y + 6, params.title, body);
}

function wrap(width: number, height: number, title: string | undefined, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.ceil(height)}" viewBox="0 0 ${width} ${Math.ceil(height)}" font-family="system-ui, sans-serif" font-size="${FONT}" role="img" aria-label="${xml(title ?? "model timeline")}">`,
    `<defs><pattern id="rollback-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" opacity="0.45"/></pattern></defs>`,
    `<rect width="${width}" height="${Math.ceil(height)}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
  ].join("");
}
