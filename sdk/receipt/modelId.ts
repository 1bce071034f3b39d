/**
 * Model identity: modelId = keccak256(utf8(model name)). A model VERSION is its weights digest.
 *
 * @module
 */
import type { Hex } from "viem";

import { keccak256Utf8 } from "../hash/keccak.js";

/**
 * The model id of a model name.
 * @example
 * modelIdFromName("acme-chat"); // keccak256("acme-chat")
 */
export function modelIdFromName(name: string): Hex {
  let id = recent.get(name);
  if (id === undefined) {
    id = keccak256Utf8(name);
    if (recent.size >= 1024) recent.clear();
    recent.set(name, id);
  }
  return id;
}

/** A service names few models: their ids are kept (bounded). */
const recent = new Map<string, Hex>();
