/**
 * The storage layout of the showwork contracts, as the proofs rely on it (docs/bundle.md,
 * "Storage layout"). Contracts are immutable and storage only ever grows by appending state
 * variables, so these slots are fixed per deployment; test/chainproof/layout.test.ts checks them
 * against the compiler's `storageLayout` output.
 *
 * Solidity rules used: a mapping at slot p keeps key k at keccak256(pad32(k) . pad32(p)); a
 * dynamic array at slot p keeps its length at p and element i at keccak256(pad32(p)) + i (one slot
 * per element here: every element struct fits one slot); struct members take consecutive slots,
 * small members packed from the low-order end of a slot.
 *
 * @module
 */
import { encodeAbiParameters, getAddress, hexToBigInt, keccak256, numberToHex, type Address, type Hex } from "viem";

/** ReceiptLogs state variables, in declaration order (slot numbers). */
export const RECEIPT_LOGS_SLOTS = { logs: 0n, signers: 1n, timelines: 2n, compromises: 3n } as const;
/** Members of ReceiptLogs' `Log` struct (offsets from the struct's base slot). */
export const LOG_MEMBERS = { head: 0n, adminAndMaxDelay: 1n, pendingAdmin: 2n, anchorers: 3n, roots: 4n, delayHistory: 5n } as const;
/** ModelTimeline state variables (its `_receiptLogs` is immutable: in the code, not in storage). */
export const MODEL_TIMELINE_SLOTS = { models: 0n, modelIds: 1n, publishers: 2n } as const;
/** Members of ModelTimeline's `Model` struct. */
export const MODEL_MEMBERS = { packed: 0n, name: 1n, versions: 2n, versionOf: 3n, timeline: 4n, reasons: 5n } as const;
/** Members of ModelTimeline's `Version` struct. */
export const VERSION_MEMBERS = { weightsDigest: 0n, publishedAt: 1n, metadataURI: 2n } as const;

const slotHex = (slot: bigint): Hex => numberToHex(slot, { size: 32 });
const add = (slot: Hex, offset: bigint): Hex => slotHex((hexToBigInt(slot) + offset) % 2n ** 256n);

/** Slot of `mapping[key]` for a mapping at `slot` (key: bytes32, address or uint). */
export function mappingSlot(slot: Hex | bigint, key: Hex | bigint, kind: "bytes32" | "address" | "uint256"): Hex {
  const base = typeof slot === "bigint" ? slotHex(slot) : slot;
  const encodedKey =
    kind === "address"
      ? encodeAbiParameters([{ type: "address" }], [key as Address])
      : kind === "uint256"
        ? encodeAbiParameters([{ type: "uint256" }], [BigInt(key)])
        : encodeAbiParameters([{ type: "bytes32" }], [key as Hex]);
  return keccak256(`0x${encodedKey.slice(2)}${base.slice(2)}`);
}

/** Slot of element `index` of a dynamic array at `slot` (one slot per element). */
export function arrayElementSlot(slot: Hex, index: bigint | number): Hex {
  return add(keccak256(slot), BigInt(index));
}

/** Base slot of a member `offset` of a struct at `base`. */
export function member(base: Hex, offset: bigint): Hex {
  return add(base, offset);
}

// ---------------------------------------------------------------- ReceiptLogs

/** Base slot of `_logs[logId]`. */
export function logBase(logId: Hex): Hex {
  return mappingSlot(RECEIPT_LOGS_SLOTS.logs, logId, "bytes32");
}

/** Slot holding `_logs[logId].roots[index]`. */
export function rootSlot(logId: Hex, index: number | bigint): Hex {
  return mappingSlot(member(logBase(logId), LOG_MEMBERS.roots), BigInt(index), "uint256");
}

/** Slot holding `_logs[logId].head` (size in the top 64 bits). */
export function headSlot(logId: Hex): Hex {
  return member(logBase(logId), LOG_MEMBERS.head);
}

/** Slot holding `_logs[logId].admin` (low 20 bytes) and `maxAnchorDelay` (the next 4 bytes). */
export function adminSlot(logId: Hex): Hex {
  return member(logBase(logId), LOG_MEMBERS.adminAndMaxDelay);
}

/** Slot holding the length of `_logs[logId].delayHistory`. */
export function delayHistorySlot(logId: Hex): Hex {
  return member(logBase(logId), LOG_MEMBERS.delayHistory);
}

/** Slot holding `_logs[logId].anchorers[account]`. */
export function anchorerSlot(logId: Hex, account: Address): Hex {
  return mappingSlot(member(logBase(logId), LOG_MEMBERS.anchorers), account, "address");
}

/** Slot holding the length of `_signers[logId][signer]` (its periods follow at arrayElementSlot). */
export function signerPeriodsSlot(logId: Hex, signer: Address): Hex {
  return mappingSlot(mappingSlot(RECEIPT_LOGS_SLOTS.signers, logId, "bytes32"), signer, "address");
}

/** Slot holding `_timelines[logId]`. */
export function timelineSlot(logId: Hex): Hex {
  return mappingSlot(RECEIPT_LOGS_SLOTS.timelines, logId, "bytes32");
}

/** Slot holding `_compromises[logId][signer]`: since (bits 0..63), fromBatch (64..127), reportedAt (128..191). */
export function compromiseSlot(logId: Hex, signer: Address): Hex {
  return mappingSlot(mappingSlot(RECEIPT_LOGS_SLOTS.compromises, logId, "bytes32"), signer, "address");
}

// ---------------------------------------------------------------- ModelTimeline

/** Base slot of `_models[logId][modelId]`. */
export function modelBase(logId: Hex, modelId: Hex): Hex {
  return mappingSlot(mappingSlot(MODEL_TIMELINE_SLOTS.models, logId, "bytes32"), modelId, "bytes32");
}

/** Slot of the version number a weights digest was published as (`versionOf`). */
export function versionOfSlot(logId: Hex, modelId: Hex, weightsDigest: Hex): Hex {
  return mappingSlot(member(modelBase(logId, modelId), MODEL_MEMBERS.versionOf), weightsDigest, "bytes32");
}

/** Slot of `versions[version].weightsDigest`. */
export function versionDigestSlot(logId: Hex, modelId: Hex, version: number): Hex {
  return member(mappingSlot(member(modelBase(logId, modelId), MODEL_MEMBERS.versions), BigInt(version), "uint256"), VERSION_MEMBERS.weightsDigest);
}

/** Slot holding the timeline's length (entries follow at arrayElementSlot). */
export function activationsSlot(logId: Hex, modelId: Hex): Hex {
  return member(modelBase(logId, modelId), MODEL_MEMBERS.timeline);
}

// ---------------------------------------------------------------- decoding packed words

/** Bits [from, from + width) of a 32-byte word, counted from the low-order end. */
export function bitsOf(value: Hex, from: number, width: number): bigint {
  return (hexToBigInt(value) >> BigInt(from)) & ((1n << BigInt(width)) - 1n);
}

/** An address stored in the low 20 bytes of a word. */
export function addressOf(value: Hex): Address {
  return getAddress(`0x${bitsOf(value, 0, 160).toString(16).padStart(40, "0")}`);
}

/** A `string` stored in one slot (shorter than 32 bytes: data left-aligned, length × 2 in the low byte); undefined for long strings. */
export function shortStringOf(value: Hex): string | undefined {
  const low = Number(bitsOf(value, 0, 8));
  if (low % 2 === 1) return undefined; // long string: data elsewhere
  const length = low / 2;
  const bytes = value.slice(2, 2 + length * 2);
  return new TextDecoder().decode(Uint8Array.from(bytes.match(/../g) ?? [], (h) => parseInt(h, 16)));
}
