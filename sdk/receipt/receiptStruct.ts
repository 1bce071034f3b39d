/**
 * A receipt as the Solidity `ReceiptHashing.Receipt` struct, for contract calls (e.g.
 * `AnswerEscrow.release`), in the field order of the EIP-712 type.
 *
 * @module
 */
import type { Receipt } from "./types.js";

/**
 * The `ReceiptHashing.Receipt` struct argument for viem contract calls.
 * @example
 * await escrow.write.release([escrowId, toReceiptStruct(bundle.receipt), BigInt(bundle.anchor.batchIndex), bundle.proof]);
 */
export function toReceiptStruct(receipt: Receipt) {
  return {
    receiptId: receipt.receiptId,
    modelId: receipt.modelId,
    weightsDigest: receipt.weightsDigest,
    promptTemplateDigest: receipt.promptTemplateDigest,
    promptTemplateVersion: receipt.promptTemplateVersion,
    retrievalIndexDigest: receipt.retrievalIndexDigest,
    memoryDigest: receipt.memoryDigest,
    toolsDigest: receipt.toolsDigest,
    inputDigest: receipt.inputDigest,
    outputDigest: receipt.outputDigest,
    samplingDigest: receipt.samplingDigest,
    servingNode: receipt.servingNode,
    issuedAt: BigInt(receipt.issuedAt),
    sequence: receipt.sequence,
  } as const;
}
