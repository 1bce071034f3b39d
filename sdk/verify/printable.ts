/**
 * Text from a bundle or from the chain is attacker-controlled: a rollback reason, a model name,
 * a metadata URI, an RPC error message. Before it is printed (terminal, HTML, JSON for people) it
 * goes through {@link printable}, so it cannot move the cursor, clear the screen, fake a verdict
 * line with ANSI escapes or reorder text with bidirectional overrides.
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
