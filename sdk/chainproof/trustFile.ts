/**
 * Checkpoint trust files an operator publishes: `showwork/trust@1` with the logs and operator it
 * vouches for, the contracts, and a recent block (number + hash) per chain, signed (EIP-191) by
 * the operator's key over the file's canonical JSON. A verifier pins such a file and checks
 * self-contained bundles against it offline (docs/verification.md, "Offline").
 *
 * @module
 */
import type { Account, Address, Hex, PublicClient } from "viem";

import { TRUST_FORMAT, trustFileMessage } from "../verify/trust.js";

/** Parameters of {@link makeTrustFile}. */
export interface MakeTrustFileParameters {
  /** A client of the chain to take the checkpoint from. */
  readonly client: PublicClient;
  readonly logs?: readonly Hex[];
  readonly operators?: readonly Address[];
  /** The contracts the checkpoint vouches for (informational: the verifier checks code hashes). */
  readonly contracts?: { readonly receiptLogs?: Address; readonly modelTimeline?: Address };
  /** The block to checkpoint (default: the latest). */
  readonly blockNumber?: number | bigint;
  /** Sign the file with this account (it must be one of `operators`). */
  readonly signer?: Account;
}

/** A trust file object, signed when `signer` is given. */
export async function makeTrustFile(params: MakeTrustFileParameters): Promise<Record<string, unknown>> {
  const chainId = await params.client.getChainId();
  const block = await params.client.getBlock(params.blockNumber === undefined ? {} : { blockNumber: BigInt(params.blockNumber) });
  const file: Record<string, unknown> = {
    format: TRUST_FORMAT,
    logs: [...(params.logs ?? [])],
    operators: [...(params.operators ?? [])],
    checkpoints: [
      {
        chainId,
        number: Number(block.number),
        hash: block.hash,
        timestamp: Number(block.timestamp),
        ...(params.contracts ? { contracts: { ...params.contracts } } : {}),
      },
    ],
    issuedAt: Math.floor(Date.now() / 1000),
  };
  if (params.signer?.signMessage) file.signature = await params.signer.signMessage({ message: trustFileMessage(file) });
  return file;
}
