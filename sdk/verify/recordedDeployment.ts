/**
 * Where a bundle's anchoring contract stands in the deployments record (the committed
 * `deployments/deployments.json`, or one the caller passes): the showwork deployment recorded
 * for its chain, an earlier one, or an address the record does not know.
 *
 * @module
 */
import type { Address } from "viem";

import { DeploymentNotFoundError } from "../deployments/errors.js";
import { getDeployment } from "../deployments/getDeployment.js";
import type { DeploymentsRecord } from "../deployments/record.js";

/** The record's view of an anchoring contract. */
export type RecordedDeployment =
  | { readonly kind: "current" | "previous"; readonly chainName: string; readonly modelTimeline: Address }
  /** The record lists this chain, under other addresses. */
  | { readonly kind: "other"; readonly chainName: string; readonly recorded: Address }
  /** The record has no deployment on this chain. */
  | { readonly kind: "unknown-chain" };

/** Looks `contract` up among the record's deployments on `chainId`. */
export function recordedDeploymentOf(record: DeploymentsRecord, chainId: number, contract: Address): RecordedDeployment {
  let chain;
  try {
    chain = getDeployment(chainId, { record });
  } catch (error) {
    if (error instanceof DeploymentNotFoundError) return { kind: "unknown-chain" };
    throw error;
  }
  const same = (address: Address): boolean => address.toLowerCase() === contract.toLowerCase();
  if (same(chain.contracts.ReceiptLogs.address)) {
    return { kind: "current", chainName: chain.chainName, modelTimeline: chain.contracts.ModelTimeline.address };
  }
  const previous = chain.previous.find((deployment) => same(deployment.contracts.ReceiptLogs.address));
  if (previous) return { kind: "previous", chainName: chain.chainName, modelTimeline: previous.contracts.ModelTimeline.address };
  return { kind: "other", chainName: chain.chainName, recorded: chain.contracts.ReceiptLogs.address };
}
