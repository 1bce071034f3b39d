/**
 * EIP-55 checksummed addresses through the SDK's WebAssembly keccak (viem's `getAddress`
 * hashes with @noble/hashes, ~25–40 µs per call on the project machine; this is ~1–2 µs,
 * and a small cache makes repeated serving nodes nearly free).
 *
 * @module
 */
import type { Address } from "viem";

import { isHexOfLength } from "../bytes/hex.js";
import { keccak256Into } from "../hash/keccak.js";

const scratch = new Uint8Array(40);
const digest = new Uint8Array(32);
const cache = new Map<string, Address>();
const CACHE_LIMIT = 4096;

/** The EIP-55 checksum form of a 20-byte address given as `0x` + 40 hex digits (any case; not validated). */
function checksumOf(lower: string): Address {
  for (let i = 0; i < 40; i++) scratch[i] = lower.charCodeAt(i + 2);
  keccak256Into(scratch, 0, 40, digest, 0);
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const c = lower[i + 2]!;
    const nibble = i % 2 === 0 ? digest[i >> 1]! >> 4 : digest[i >> 1]! & 15;
    out += nibble >= 8 && c >= "a" ? c.toUpperCase() : c;
  }
  return out as Address;
}

/**
 * The EIP-55 checksummed form of an address (`0x` + 40 hex digits, any case).
 * Equals viem's `getAddress(address)` for every well-formed address.
 * @returns undefined when `address` is not `0x` followed by 40 hex digits.
 */
export function toChecksumAddress(address: string): Address | undefined {
  if (!isHexOfLength(address, 20)) return undefined;
  const lower = address.toLowerCase();
  let checksummed = cache.get(lower);
  if (checksummed === undefined) {
    checksummed = checksumOf(lower);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(lower, checksummed);
  }
  return checksummed;
}

/**
 * What an address string is, for validation: `"invalid"` (not 0x + 40 hex digits),
 * `"bad-checksum"` (mixed case that is not its EIP-55 form), or its checksummed form.
 * All-lowercase and all-uppercase digits carry no checksum and are accepted (as viem does).
 */
export function checkAddress(address: string): Address | "invalid" | "bad-checksum" {
  const checksummed = toChecksumAddress(address);
  if (checksummed === undefined) return "invalid";
  if (address === checksummed) return checksummed;
  const body = address.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return checksummed;
  return "bad-checksum";
}
