/**
 * Server-sent events, as the HTML standard defines them (https://html.spec.whatwg.org/multipage/server-sent-events.html,
 * "Interpreting an event stream"): the one parser capture uses, and the serialiser that writes the stream capture
 * forwards to the client.
 *
 * Capture commits to exactly what the client is given: it parses the upstream's bytes with {@link SseDecoder} and
 * forwards {@link serializeSseItem} of the parsed items, never the upstream's bytes, so a client's decoder (the
 * `openai` package's, a browser's `EventSource`, any other) cannot see an event capture did not see, whatever line
 * ends, byte-order mark or framing tricks the upstream uses. Nothing is forwarded after `data: [DONE]` (the `openai`
 * package stops there too). test/capture/sse.test.ts checks both against the `openai` package's own decoder on
 * fuzzed streams.
 *
 * What the standard says and this parser does:
 * - the bytes are UTF-8; one leading U+FEFF (byte-order mark) is ignored; invalid bytes become U+FFFD;
 * - a line ends at CR LF, LF or CR (a CR at the end of one chunk and an LF at the start of the next are one end);
 * - an empty line dispatches the event: its data lines joined by LF, its `event:` type if any; an event without any
 *   `data` line is not dispatched;
 * - a line starting with `:` is a comment; `field:value` drops one space after the colon; a line without a colon is a
 *   field with an empty value; `id` and `retry` are accepted and not used; unknown fields are ignored;
 * - at the end of the stream, an event without its closing empty line is discarded.
 *
 * @module
 */

/** One dispatched event: its data (lines joined by LF) and its type when the stream named one. */
export interface SseEvent {
  readonly type: "event";
  readonly event?: string;
  readonly data: string;
}

/** A comment line (keep-alives): forwarded so idle connections stay open, never part of an answer. */
export interface SseComment {
  readonly type: "comment";
  readonly text: string;
}

/** What the decoder yields, in stream order. */
export type SseItem = SseEvent | SseComment;

/** The data of the event that ends an OpenAI stream. */
export const SSE_DONE = "[DONE]";

/** An incremental, standard-conformant event-stream decoder. */
export class SseDecoder {
  private readonly text = new TextDecoder("utf-8"); // strips one leading BOM, replaces invalid bytes with U+FFFD
  private buffer = "";
  private afterCarriageReturn = false;
  private eventType = "";
  private dataLines: string[] = [];

  /** Feeds bytes; returns the items (events and comments) whose lines they complete. */
  decode(chunk: Uint8Array): SseItem[] {
    return this.lines(this.text.decode(chunk, { stream: true }));
  }

  /** The end of the stream: flushes the text decoder; a pending event without its empty line is discarded. */
  end(): SseItem[] {
    const items = this.lines(this.text.decode());
    this.buffer = "";
    this.eventType = "";
    this.dataLines = [];
    return items;
  }

  private lines(text: string): SseItem[] {
    const items: SseItem[] = [];
    let input = text;
    if (this.afterCarriageReturn && input.length > 0) {
      this.afterCarriageReturn = false;
      if (input.startsWith("\n")) input = input.slice(1);
    }
    this.buffer += input;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.line(this.buffer.slice(start, i), items);
      if (c === 0x0d) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.afterCarriageReturn = true; // an LF opening the next chunk belongs to this line end
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line.length === 0) {
      if (this.dataLines.length > 0) {
        items.push({ type: "event", ...(this.eventType !== "" ? { event: this.eventType } : {}), data: this.dataLines.join("\n") });
      }
      this.dataLines = [];
      this.eventType = "";
      return;
    }
    if (line.startsWith(":")) {
      items.push({ type: "comment", text: line.slice(1) });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.dataLines.push(value);
    else if (field === "event") this.eventType = value;
    // "id" and "retry" are valid fields capture does not use; other fields are ignored, as the standard says.
  }
}

const encoder = new TextEncoder();

/**
 * One item as capture forwards it: `event:` (when typed), one `data:` line per data line, then the empty line; a
 * comment as `:text`. Decoding the result with any standard decoder gives back exactly `item`.
 */
export function serializeSseItem(item: SseItem): Uint8Array {
  if (item.type === "comment") return encoder.encode(`:${item.text}\n`);
  const head = item.event !== undefined ? `event: ${item.event}\n` : "";
  const body = item.data
    .split("\n")
    .map((line) => `data: ${line}\n`)
    .join("");
  return encoder.encode(`${head}${body}\n`);
}
