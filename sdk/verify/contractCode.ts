/**
 * Is the code at an address the showwork build of a contract? The runtime code is compared with
 * the build's code hash (sdk/contracts/codeHashes.ts, per build profile) after zeroing the
 * immutables, whose values are returned so the caller can check them (a ModelTimeline holds the
 * ReceiptLogs address it serves).
 *
 * An interface probe proves nothing: any contract can answer `computeLogId` correctly and lie
 * about everything else. Code identity proves the behaviour (append-only, admin-only grants,
 * history kept) that the verdict relies on.
 *
 * @module
 */
import { keccak256, type Address, type Hex } from "viem";

import { CONTRACT_BUILDS } from "../contracts/codeHashes.js";

/** Contracts the verifier recognises by code. */
export type ShowworkContract = "ReceiptLogs" | "ModelTimeline";

/** A match: which build profile, and the immutable words found in the code (32-byte hex each). */
export interface CodeMatch {
  readonly profile: string;
  readonly immutables: readonly Hex[];
}

/** keccak256 of `code`, as a fact to report. */
export function codeHashOf(code: Hex): Hex {
  return keccak256(code);
}

/** The showwork build `code` is, if any (see the module). */
export function matchShowworkCode(code: Hex, contract: ShowworkContract): CodeMatch | undefined {
  const length = (code.length - 2) / 2;
  for (const [profile, builds] of Object.entries(CONTRACT_BUILDS)) {
    const build = (builds as Record<string, { codeHash: string; codeLength: number; immutables: readonly { start: number; length: number }[] }>)[contract];
    if (build === undefined || build.codeLength !== length) continue;
    let masked = code.slice(2);
    const immutables: Hex[] = [];
    for (const { start, length: size } of build.immutables) {
      const from = start * 2;
      const to = (start + size) * 2;
      immutables.push(`0x${masked.slice(from, to)}`);
      masked = masked.slice(0, from) + "0".repeat(to - from) + masked.slice(to);
    }
    if (keccak256(`0x${masked}`) === build.codeHash) return { profile, immutables };
  }
  return undefined;
}

/** Whether every immutable word holds `address` (left-padded to 32 bytes). */
export function immutablesHold(match: CodeMatch, address: Address): boolean {
  const word = `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;
  return match.immutables.length > 0 && match.immutables.every((value) => value.toLowerCase() === word);
}
