/**
 * Long hex values (hashes, addresses, signatures) as people can read them: shortened
 * (`0x7099…79C8`), the full value on a click (in place, wrapped), and a Copy button that copies the
 * full value. Text that mentions such values gets the same treatment for each of them.
 */

/** 0x + at least 40 hex digits: an address, a hash, a signature. */
const LONG_HEX = /0x[0-9a-fA-F]{40,}/g;

/** `0x123456…cdef` (0x + 6, …, last 4). */
export function shortHex(value: string): string {
  return value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // No clipboard API (or permission): copy through a selected, hidden text field.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

/**
 * A hex value as a chip: the shortened value (a button: click shows the full value, click again
 * shortens it) and a Copy button. `data-full` holds the full value.
 */
export function hashChip(value: string, what = "value"): HTMLElement {
  const chip = document.createElement("span");
  chip.className = "hash";
  chip.dataset.full = value;
  const shown = document.createElement("button");
  shown.type = "button";
  shown.className = "hash-value";
  shown.textContent = shortHex(value);
  shown.title = `${value} (click to show it in full)`;
  shown.setAttribute("aria-expanded", "false");
  shown.setAttribute("aria-label", `${what} ${value}: show in full`);
  shown.addEventListener("click", () => {
    const expanded = shown.getAttribute("aria-expanded") !== "true";
    shown.setAttribute("aria-expanded", String(expanded));
    shown.textContent = expanded ? value : shortHex(value);
  });
  chip.append(shown);
  if (value.length > 14) {
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy ${what} ${value}`);
    copy.addEventListener("click", () => {
      void copyText(value).then(() => {
        copy.dataset.copied = "true";
        copy.textContent = "Copied";
        setTimeout(() => {
          copy.dataset.copied = "false";
          copy.textContent = "Copy";
        }, 1500);
      });
    });
    chip.append(copy);
  }
  return chip;
}

/** `text` as nodes, each long hex value in it as a {@link hashChip} (everything else stays plain text). */
export function richText(text: string): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  for (const match of text.matchAll(LONG_HEX)) {
    if (match.index > at) nodes.push(document.createTextNode(text.slice(at, match.index)));
    nodes.push(hashChip(match[0]));
    at = match.index + match[0].length;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

/** An element of `tag` holding {@link richText} of `text`. */
export function richElement(tag: string, text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.append(...richText(text));
  return element;
}
