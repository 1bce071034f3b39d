/**
 * Model identity: modelId = keccak256(utf8(model name)). A model VERSION is its weights digest.
 *
 * @module
 */
import { keccak256, stringToHex, type Hex } from "viem";

/**
 * The model id of a model name.
 * @example
 * modelIdFromName("acme-chat"); // keccak256("acme-chat")
 */
export function modelIdFromName(name: string): Hex {
  return keccak256(stringToHex(name));
}
