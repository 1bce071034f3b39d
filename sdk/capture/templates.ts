/**
 * The prompt template registry: templates declared in code, each with an id, a version and its
 * text. A receipt commits to a template by `promptTemplateDigest = keccak256(utf8(text))` (the
 * rule of `promptTemplateDigestOf` in sdk/disclosure, used here) and `promptTemplateVersion`.
 *
 * @module
 */
import type { Hex } from "viem";

import { promptTemplateDigestOf } from "../disclosure/checkDisclosure.js";
import { CaptureConfigError } from "./errors.js";

/** One registered template. */
export interface PromptTemplate {
  readonly id: string;
  readonly version: number;
  readonly text: string;
  /** keccak256(utf8(text)). */
  readonly digest: Hex;
}

/** Templates by id and version. */
export class TemplateRegistry {
  private readonly byId = new Map<string, Map<number, PromptTemplate>>();

  /** A registry holding `templates`. */
  static of(templates: readonly { readonly id: string; readonly version: number; readonly text: string }[]): TemplateRegistry {
    const registry = new TemplateRegistry();
    for (const t of templates) registry.register(t);
    return registry;
  }

  /**
   * Registers a template version. Registering the same (id, version, text) again is harmless.
   * @throws {CaptureConfigError} for a bad version or a different text under a registered (id, version).
   */
  register(template: { readonly id: string; readonly version: number; readonly text: string }): PromptTemplate {
    const { id, version, text } = template;
    if (typeof id !== "string" || id === "") throw new CaptureConfigError(`A template id must be a non-empty string (found ${JSON.stringify(id)}).`);
    if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) {
      throw new CaptureConfigError(`Template "${id}": the version must be an integer in 0..2^32-1 (found ${version}).`);
    }
    if (typeof text !== "string") throw new CaptureConfigError(`Template "${id}" v${version}: the text must be a string.`);
    const versions = this.byId.get(id) ?? new Map<number, PromptTemplate>();
    const existing = versions.get(version);
    if (existing !== undefined) {
      if (existing.text !== text) {
        throw new CaptureConfigError(`Template "${id}" v${version} is already registered with another text.`, [
          "A version's text never changes: register the new text under a new version number.",
        ]);
      }
      return existing;
    }
    const registered: PromptTemplate = { id, version, text, digest: promptTemplateDigestOf(text) };
    versions.set(version, registered);
    this.byId.set(id, versions);
    return registered;
  }

  /**
   * The template `id` at `version` (default: its highest version).
   * @throws {CaptureConfigError} when it is not registered.
   */
  resolve(ref: string | { readonly id: string; readonly version?: number }): PromptTemplate {
    const id = typeof ref === "string" ? ref : ref.id;
    const wanted = typeof ref === "string" ? undefined : ref.version;
    const versions = this.byId.get(id);
    if (versions === undefined || versions.size === 0) {
      throw new CaptureConfigError(`No prompt template "${id}" is registered.`, [`Registered: ${[...this.byId.keys()].join(", ") || "(none)"}`]);
    }
    const version = wanted ?? Math.max(...versions.keys());
    const template = versions.get(version);
    if (template === undefined) {
      throw new CaptureConfigError(`Prompt template "${id}" has no version ${version}.`, [`Registered versions: ${[...versions.keys()].join(", ")}`]);
    }
    return template;
  }
}
