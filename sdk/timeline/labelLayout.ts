/**
 * Placing the timeline picture's labels so that none overlaps another: text widths estimated
 * without a DOM (upper bounds for DejaVu Sans, the widest common sans-serif, so narrower fonts only
 * leave more room), and a greedy lane assignment for labels that do not fit where they belong.
 *
 * Pure functions, browser-safe.
 *
 * @module
 */

/** An axis-aligned rectangle in SVG user units (x, y: top left). */
export interface LabelBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const NARROW = new Set("il.,:;'|!ỉ");
const SLIM = new Set("fjrt()[]{} -/\"`");
const WIDE = new Set("mwMW@%…—↺→←“”");

/**
 * The width of `text` at `fontSize` px: an upper bound of what DejaVu Sans (Debian's default
 * sans-serif) draws, per character class (digits 0.64 em, lowercase 0.63 em, capitals 0.78 em…).
 */
export function textWidth(text: string, fontSize: number, { bold = false }: { bold?: boolean } = {}): number {
  let em = 0;
  for (const ch of text) {
    if (NARROW.has(ch)) em += 0.32;
    else if (SLIM.has(ch)) em += 0.43;
    else if (WIDE.has(ch)) em += 1.0;
    else if (ch >= "0" && ch <= "9") em += 0.64;
    else if (ch >= "a" && ch <= "z") em += 0.63;
    else if (ch >= "A" && ch <= "Z") em += 0.78;
    else em += 1.0;
  }
  return em * fontSize * (bold ? 1.12 : 1) + 1;
}

/** `text` cut with an ellipsis so that it fits in `width` px (unchanged when it fits). */
export function fitText(text: string, width: number, fontSize: number, options: { bold?: boolean } = {}): string {
  if (textWidth(text, fontSize, options) <= width) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${chars.slice(0, mid).join("")}…`, fontSize, options) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${chars.slice(0, lo).join("").trimEnd()}…`;
}

/**
 * `text` broken at spaces into lines of at most `width` px, at most `maxLines` of them (the last
 * one cut with an ellipsis when the text goes on; a word longer than a line is cut likewise).
 */
export function wrapText(text: string, width: number, fontSize: number, maxLines: number, options: { bold?: boolean } = {}): string[] {
  const lines: string[] = [];
  let current = "";
  const words = text.split(/\s+/).filter(Boolean);
  for (const [i, word] of words.entries()) {
    const candidate = current === "" ? word : `${current} ${word}`;
    if (textWidth(candidate, fontSize, options) <= width) {
      current = candidate;
      continue;
    }
    if (current !== "") lines.push(current);
    current = word;
    if (lines.length === maxLines - 1) {
      lines.push(fitText(words.slice(i).join(" "), width, fontSize, options));
      return lines;
    }
  }
  if (current !== "") lines.push(fitText(current, width, fontSize, options));
  return lines;
}

/** Whether two boxes overlap, or come closer than `gap` px to each other. */
export function boxesOverlap(a: LabelBox, b: LabelBox, gap = 0): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

/** A label to place in a lane: where it belongs on the x axis and how wide it is. */
export interface LaneItem {
  /** The x it points at (a band's start, a marker). */
  readonly at: number;
  readonly width: number;
  /** `start`: the label begins at `at` (flipped to end there near the right edge); `middle`: centred on it. */
  readonly anchor: "start" | "middle";
}

/** Where {@link placeInLanes} put an item: its lane (0 = nearest the axis) and its left edge. */
export interface LanePlacement {
  readonly lane: number;
  readonly x: number;
}

/**
 * Puts each item in the first lane where it keeps `gap` px from every item already there, its box
 * kept within `[left, right]`. Items are placed in order of `at`; the result is in input order.
 */
export function placeInLanes(items: readonly LaneItem[], { left, right, gap = 8 }: { left: number; right: number; gap?: number }): LanePlacement[] {
  const lanes: { x: number; width: number }[][] = [];
  const placed: LanePlacement[] = new Array<LanePlacement>(items.length);
  const order = items.map((item, index) => ({ item, index })).sort((a, b) => a.item.at - b.item.at);
  for (const { item, index } of order) {
    let x = item.anchor === "middle" ? item.at - item.width / 2 : item.at;
    if (x + item.width > right) x = item.anchor === "start" ? item.at - item.width : right - item.width;
    x = Math.max(left, Math.min(x, right - item.width));
    let lane = 0;
    while (lanes[lane]?.some((other) => x < other.x + other.width + gap && other.x < x + item.width + gap)) lane++;
    (lanes[lane] ??= []).push({ x, width: item.width });
    placed[index] = { lane, x };
  }
  return placed;
}
