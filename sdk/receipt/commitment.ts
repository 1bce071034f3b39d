/**
 * Salted content commitments: digest = keccak256(abi.encodePacked(bytes32 salt, bytes content)),
 * with a fresh random 32-byte salt per commitment. Text is committed as its UTF-8 bytes.
 * A receipt can then be shown without exposing its content, and a short content
 * (e.g. "yes") cannot be guessed from its digest.
 *
 * @module
 */
import { bytesToHex, concatBytes, hexToBytes, keccak256, stringToBytes, type Hex } from "viem";

import { CommitmentMismatchError, InvalidReceiptError } from "../errors.js";
import { isHexOfLength } from "../bytes/hex.js";

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
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

function contentBytes(content: Content): Uint8Array {
  return typeof content === "string" ? stringToBytes(content) : content;
}

function saltBytes(salt: Hex, field: string): Uint8Array {
  if (!isHexOfLength(salt, 32)) {
    throw new InvalidReceiptError({ field, expected: "0x-prefixed 32-byte hex salt", found: salt });
  }
  return hexToBytes(salt);
}

/** The digest of `content` under `salt`: keccak256(salt ‖ content). */
export function commitmentDigest(content: Content, salt: Hex): Hex {
  return keccak256(concatBytes([saltBytes(salt, "salt"), contentBytes(content)]));
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
