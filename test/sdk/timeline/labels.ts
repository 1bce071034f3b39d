/** Reading the timeline picture's labels back from its SVG text (each label group's data-box and its lines). */
import type { LabelBox } from "../../../sdk/timeline/labelLayout.js";

export interface Label {
  kind: string;
  for: string | undefined;
  box: LabelBox;
  text: string;
}

/** Every labelled group of the picture, with its box and its text. */
export function labelsOf(svg: string): Label[] {
  return [...svg.matchAll(/<g data-label="(\w+)"(?: data-for="([^"]*)")?(?: data-placement="\w+")? data-box="([^"]+)">(.*?)<\/g>/g)].map((m) => {
    const [x, y, width, height] = m[3]!.split(" ").map(Number) as [number, number, number, number];
    return { kind: m[1]!, for: m[2], box: { x, y, width, height }, text: [...m[4]!.matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]).join(" | ") };
  });
}

export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!;
  return { width: Number(m[1]), height: Number(m[2]) };
}

