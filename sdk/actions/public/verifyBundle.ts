import { verifyBundle as verifyBundleWith, type VerifyBundleParameters as VerifyWithParameters, type VerifyBundleReturnType as VerifyWithReturnType } from "../../verify/verifyBundle.js";
import { asPublicClient, type ShowworkReadClient } from "../internal/asPublicClient.js";

/** Parameters of {@link verifyBundle}: the bundle, and the verifier's options (see `verifyBundle` of `showwork`). */
export interface VerifyBundleParameters extends Omit<VerifyWithParameters, "client" | "rpcUrl" | "rpcUrls" | "timeoutMs"> {
  /** The proof bundle: a parsed JSON value or its JSON text. */
  readonly bundle: unknown;
}

/** The verdict: status, what each check found, what stayed unchecked. */
export type VerifyBundleReturnType = VerifyWithReturnType;

/**
 * Verifies one answer's proof bundle against the client's chain. Never throws for a bad bundle or an
 * unreachable endpoint: every problem is a check in the verdict.
 * @example
 * const client = createPublicClient({ transport: http(rpcUrl) }).extend(showworkPublicActions({ contracts }));
 * const verdict = await client.verifyBundle({ bundle: JSON.parse(text), minConfirmations: 12 });
 * console.log(verdict.status);
 */
export async function verifyBundle(client: ShowworkReadClient, params: VerifyBundleParameters): Promise<VerifyBundleReturnType> {
  const { bundle, ...options } = params;
  return verifyBundleWith(bundle, { ...options, client: asPublicClient(client) });
}
