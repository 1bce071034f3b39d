/**
 * The committed deployments record (`deployments/deployments.json`), bundled
 * into the SDK so that a verifier needs nothing but a chain id.
 *
 * @module
 */
import committedJson from "../../deployments/deployments.json" with { type: "json" };

import { parseDeploymentsRecord, type DeploymentsRecord } from "./record.js";

/** Where the committed record lives in the repository. */
export const COMMITTED_RECORD_SOURCE = "deployments/deployments.json";

let cached: DeploymentsRecord | undefined;

/** The committed record, validated once. */
export function committedDeployments(): DeploymentsRecord {
  cached ??= parseDeploymentsRecord(committedJson, COMMITTED_RECORD_SOURCE);
  return cached;
}
