/**
 * What the SQLite and PostgreSQL evidence stores share: the key option, the check of the key
 * against the store's, the checks of an artifact, and how artifacts and records are sealed at
 * rest and opened again (both stores keep the same columns, BLOB or BYTEA).
 *
 * @module
 */
import { isHexOfLength } from "../bytes/hex.js";
import { keccak256Hex } from "../hash/keccak.js";
import { EvidenceCipher, evidenceKeyFromEnv, parseEvidenceKey } from "./encryption.js";
import { EvidenceKeyError, InvalidEvidenceError } from "./errors.js";
import type { Artifact, ReceiptEvidence } from "./types.js";

/** One result row, column name to value as the driver returns it. */
export type Row = Record<string, unknown>;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * The cipher for an `encryptionKey` option: `null`, none; undefined, `SHOWWORK_EVIDENCE_KEY`
 * when set; else the key (bytes, or text parsed by {@link parseEvidenceKey}).
 */
export function evidenceCipherOf(keyOption: Uint8Array | string | null | undefined): EvidenceCipher | undefined {
  const key =
    keyOption === null ? undefined : keyOption === undefined ? evidenceKeyFromEnv() : typeof keyOption === "string" ? parseEvidenceKey(keyOption) : keyOption;
  return key === undefined ? undefined : new EvidenceCipher(key);
}

/**
 * Checks the cipher against the store's meta (`encryption`, `keyId`).
 * @throws {EvidenceKeyError} missing, unexpected or wrong-key.
 */
export function checkStoreKey(meta: ReadonlyMap<string, string>, cipher: EvidenceCipher | undefined, location: string): void {
  const mode = meta.get("encryption");
  if (mode === "aes-256-gcm" && cipher === undefined) throw new EvidenceKeyError({ problem: "missing", location });
  if (mode === "none" && cipher !== undefined) throw new EvidenceKeyError({ problem: "unexpected", location });
  if (mode === "aes-256-gcm" && cipher !== undefined && meta.get("keyId") !== cipher.keyId) {
    throw new EvidenceKeyError({ problem: "wrong-key", location, details: `store key id ${meta.get("keyId")}, given key id ${cipher.keyId}` });
  }
}

/**
 * Checks artifact `i` of a putArtifacts call: a 32-byte digest that is keccak256(bytes), bytes,
 * a media type of 1-255 characters.
 * @throws {InvalidEvidenceError} naming the field.
 */
export function checkArtifact(item: Artifact, i: number): void {
  if (!isHexOfLength(item?.digest, 32)) {
    throw new InvalidEvidenceError({ field: `artifacts[${i}].digest`, expected: "0x-prefixed 32-byte hex", found: item?.digest });
  }
  if (!(item.bytes instanceof Uint8Array)) throw new InvalidEvidenceError({ field: `artifacts[${i}].bytes`, expected: "a Uint8Array", found: typeof item.bytes });
  if (typeof item.mediaType !== "string" || item.mediaType === "" || item.mediaType.length > 255) {
    throw new InvalidEvidenceError({ field: `artifacts[${i}].mediaType`, expected: "a media type (1-255 characters)", found: item.mediaType });
  }
  const computed = keccak256Hex(item.bytes); // the SDK's WebAssembly keccak (same digest as viem's, several times faster)
  if (computed !== item.digest.toLowerCase()) {
    throw new InvalidEvidenceError({ field: `artifacts[${i}].digest`, expected: `keccak256(bytes) = ${computed}`, found: item.digest });
  }
}

/** An artifact sealed at rest: nonce ‖ AES-256-GCM(u16 media-type length ‖ media type ‖ bytes) ‖ tag, bound to its key. */
export function sealArtifact(cipher: EvidenceCipher, key: Buffer, item: Artifact): Buffer {
  const type = utf8.encode(item.mediaType);
  const plain = Buffer.alloc(2 + type.length + item.bytes.length);
  plain.writeUInt16BE(type.length, 0);
  plain.set(type, 2);
  plain.set(item.bytes, 2 + type.length);
  return cipher.seal(plain, key);
}

/** A stored artifact (its `media_type` column and its stored bytes) as getArtifact returns it. */
export function openArtifact(
  mediaType: unknown,
  stored: Uint8Array,
  key: Buffer,
  cipher: EvidenceCipher | undefined,
  location: string,
): { mediaType: string; bytes: Uint8Array } {
  if (!cipher) return { mediaType: String(mediaType), bytes: Uint8Array.from(stored) };
  const plain = cipher.open(stored, key, location);
  const length = plain.readUInt16BE(0);
  return { mediaType: fromUtf8.decode(plain.subarray(2, 2 + length)), bytes: Uint8Array.from(plain.subarray(2 + length)) };
}

/** A stored evidence body (JSON, or sealed and bound to the receipt id `id`) as the record. */
export function openEvidence(stored: Uint8Array, id: Buffer, cipher: EvidenceCipher | undefined, location: string): ReceiptEvidence {
  const text = cipher ? cipher.open(stored, id, location).toString("utf8") : fromUtf8.decode(stored);
  return JSON.parse(text) as ReceiptEvidence;
}
