/**
 * Encryption at rest for the evidence store: AES-256-GCM (node:crypto) with an operator key.
 *
 * - Every record is sealed as `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)` with a fresh
 *   random nonce, and bound to its row by the additional authenticated data (the receipt id,
 *   or the artifact's lookup key): a record moved to another row does not decrypt.
 * - Artifact rows are looked up by HMAC-SHA256(key, digest), not by the digest itself, so the
 *   file does not let someone confirm a guess of an artifact's content.
 * - The store keeps a key id (the first 8 bytes of HMAC-SHA256(key, "showwork evidence key id")),
 *   so opening with the wrong key fails at once with a clear error, before anything is written.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

import { EvidenceKeyError } from "./errors.js";

/** The environment variable the operator key is read from. */
export const EVIDENCE_KEY_ENV = "SHOWWORK_EVIDENCE_KEY";

/**
 * Parses a 32-byte key: 64 hex digits (optionally `0x`-prefixed) or base64 of 32 bytes.
 * @throws {EvidenceKeyError} (`malformed`).
 */
export function parseEvidenceKey(text: string, location = "(key)"): Uint8Array {
  const trimmed = text.trim();
  const hex = trimmed.startsWith("0x") ? trimmed.slice(2) : trimmed;
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Uint8Array.from(Buffer.from(hex, "hex"));
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, "base64");
    if (bytes.length === 32) return Uint8Array.from(bytes);
  }
  throw new EvidenceKeyError({ problem: "malformed", location, details: `found ${trimmed.length} characters` });
}

/** The key from `SHOWWORK_EVIDENCE_KEY`, or undefined when it is not set. @throws {EvidenceKeyError} when set but malformed. */
export function evidenceKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Uint8Array | undefined {
  const value = env[EVIDENCE_KEY_ENV];
  return value === undefined || value === "" ? undefined : parseEvidenceKey(value, EVIDENCE_KEY_ENV);
}

/** Seals and opens records under one key. */
export class EvidenceCipher {
  readonly keyId: string;
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new EvidenceKeyError({ problem: "malformed", location: "(key)", details: `found ${key.length} bytes, expected 32` });
    this.key = Buffer.from(key);
    this.keyId = createHmac("sha256", this.key).update("showwork evidence key id").digest("hex").slice(0, 16);
  }

  /** HMAC-SHA256(key, label) — the lookup key of an artifact. */
  lookupKey(label: Uint8Array): Buffer {
    return createHmac("sha256", this.key).update(label).digest();
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /** @throws {EvidenceKeyError} (`undecryptable`) when the record was altered or moved. */
  open(sealed: Uint8Array, aad: Uint8Array, location: string): Buffer {
    if (sealed.length < 28) throw new EvidenceKeyError({ problem: "undecryptable", location, details: "record shorter than nonce + tag" });
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, buf.subarray(0, 12));
      decipher.setAAD(aad);
      decipher.setAuthTag(buf.subarray(buf.length - 16));
      return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]);
    } catch (cause) {
      throw new EvidenceKeyError({ problem: "undecryptable", location, details: cause instanceof Error ? cause.message : String(cause) });
    }
  }
}
