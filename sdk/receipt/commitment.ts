/**
 * Salted content commitments: digest = keccak256(abi.encodePacked(bytes32 salt, bytes content)),
 * with a fresh random 32-byte salt per commitment. Text is committed as its UTF-8 bytes.
 * A receipt can then be shown without exposing its content, and a short content
 * (e.g. "yes") cannot be guessed from its digest.
 *
 * @module
 */
import type { Hex } from "viem";

import { CommitmentMismatchError, InvalidReceiptError } from "../errors.js";
import { allocBytes, readHex, writeHex } from "../bytes/hex.js";
import { keccak256PrefixedHex } from "../hash/keccak.js";

/** Content to commit to: text (committed as UTF-8) or raw bytes. */
export type Content = string | Uint8Array;

/** A commitment and what opens it. Keep `salt` private; disclose (content, salt) to whoever should check. */
export interface Commitment {
  /** keccak256(salt ‖ content). */
  readonly digest: Hex;
  /** The 32-byte salt. */
  readonly salt: Hex;
}

/** 32 random bytes from the platform's CSPRNG (`crypto.getRandomValues`). */
export function randomSalt(): Hex {
  // One CSPRNG call per 64 salts (each byte is used once, then the pool is refilled).
  if (poolAt === POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const salt = readHex(pool, poolAt, 32);
  pool.fill(0, poolAt, poolAt + 32);
  poolAt += 32;
  return salt;
}
const POOL_BYTES = 2048;
const pool = allocBytes(POOL_BYTES);
let poolAt = POOL_BYTES;

const saltScratch = new Uint8Array(32);

/** The digest of `content` under `salt`: keccak256(salt ‖ content). */
export function commitmentDigest(content: Content, salt: Hex): Hex {
  if (!writeHex(saltScratch, 0, salt, 32)) {
    throw new InvalidReceiptError({ field: "salt", expected: "0x-prefixed 32-byte hex salt", found: salt });
  }
  return keccak256PrefixedHex(saltScratch, content);
}

/**
 * Commits to content with a salt (a fresh random one unless given).
 * @example
 * const { digest, salt } = commitContent("The answer is 42.");
 */
export function commitContent(content: Content, salt: Hex = randomSalt()): Commitment {
  return { digest: commitmentDigest(content, salt), salt: salt.toLowerCase() as Hex };
}

/** True when the disclosed (content, salt) opens `digest`. */
export function checkCommitment(args: { digest: Hex; content: Content; salt: Hex }): boolean {
  return commitmentDigest(args.content, args.salt) === args.digest.toLowerCase();
}

/**
 * Throws {@link CommitmentMismatchError} (expected vs computed digest) unless (content, salt) opens `digest`.
 * @param what - what the content is, for the message (e.g. "output").
 */
export function assertCommitment(args: { digest: Hex; content: Content; salt: Hex; what?: string }): void {
  const computed = commitmentDigest(args.content, args.salt);
  if (computed !== args.digest.toLowerCase()) {
    throw new CommitmentMismatchError({
      expectedDigest: args.digest,
      computedDigest: computed,
      what: args.what,
    });
  }
}
