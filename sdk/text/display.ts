/**
 * How values are shown to people, in one place: {@link printable} (attacker-controlled text made harmless for a
 * terminal or a page), {@link show} (a value in an error's "Found:" line), {@link short} (a long hex value
 * abbreviated). The verifier, the monitor, the audit, the disclosure report and every error use these; nothing
 * else escapes or formats values for display.
 *
 * Text from a bundle, a disclosure or the chain is attacker-controlled: a rollback reason, a model name, a metadata
 * URI, an RPC error message. Before it is printed (terminal, HTML, JSON for people) it goes through
 * {@link printable}, so it cannot move the cursor, clear the screen, fake a verdict line with ANSI escapes or
 * reorder text with bidirectional overrides.
 *
 * @module
 */

// C0 controls but tab/newline are replaced as well as DEL and C1 controls (ESC starts ANSI sequences; U+009B is
// a one-character CSI), zero-width and bidirectional formatting characters, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

/** `text` with every control, bidi-override and zero-width character shown as `\u{…}`; newlines become spaces. */
export function printable(text: string): string {
  return text
    .replace(/[\n\t]/g, " ")
    .replace(UNPRINTABLE, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/** {@link printable}, shortened to `max` characters (with an ellipsis) so a hostile value cannot flood output. */
export function printableShort(text: string, max = 200): string {
  const clean = printable(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A value as an error's "Found:" line shows it: JSON (strings quoted), bigints as `5n`, cut at 120 characters, printable. */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (value === undefined) text = "(missing)";
  else {
    try {
      const json = JSON.stringify(value);
      text = json === undefined ? String(value) : json.length > 120 ? `${json.slice(0, 117)}...` : json;
    } catch {
      text = String(value);
    }
  }
  return printable(text);
}

/** A long hex value (hash, address) abbreviated to its first 6 and last 4 digits: `0x1234ab…cdef`. */
export function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}
