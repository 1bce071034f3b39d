/**
 * {@link printable} and {@link printableShort}: see sdk/text/display.ts, the one place values are made safe to show.
 *
 * @module
 */
export { printable, printableShort } from "../text/display.js";
