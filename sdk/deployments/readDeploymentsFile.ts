import { readFileSync } from "node:fs";

import { InvalidDeploymentsRecordError } from "./errors.js";
import { parseDeploymentsRecord, type DeploymentsRecord } from "./record.js";

/**
 * Reads and validates a deployments record file (Node.js only), e.g. the
 * local record `deployments/local.json` that deployments to development
 * chains (31337, 1337) write.
 *
 * @throws {InvalidDeploymentsRecordError} when the file is not valid JSON or not a valid record.
 * @example
 * const deployment = getDeployment(31337, { record: readDeploymentsFile("deployments/local.json") });
 */
export function readDeploymentsFile(path: string): DeploymentsRecord {
  const text = readFileSync(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidDeploymentsRecordError({ source: path, path: "(root)", expected: "JSON", found: (cause as Error).message });
  }
  return parseDeploymentsRecord(json, path);
}
