/**
 * The set-up checks of an anchoring service: what `showwork serve` checks before it starts (and
 * refuses with the fix), and what `showwork doctor` reports. Each finding says what is wrong and
 * "Do: …".
 *
 * 1. the log exists; 2. the anchoring account may anchor it; 3. it has funds; 4. a timeline is bound;
 * 5. at least one serving node is authorised (when receipts must be signed by one); 6. the store's
 * log is this one.
 *
 * @module
 */
import { formatEther, getAddress, parseAbiItem, type Address, type Hex, type PublicClient } from "viem";

import { receiptLogsAbi } from "../../contracts/abis.js";
import type { StoreBinding } from "../store/types.js";

/** One check's outcome. */
export interface SetupFinding {
  readonly check: "log-exists" | "anchorer-granted" | "anchorer-funds" | "timeline-bound" | "serving-node" | "store-log";
  readonly ok: boolean;
  /** What was found. */
  readonly message: string;
  /** The fix, when not ok. */
  readonly fix?: string;
}

/** What to check. */
export interface SetupCheckParameters {
  readonly publicClient: PublicClient;
  readonly receiptLogs: Address;
  readonly logId: Hex;
  readonly anchorer: Address;
  /** The store's binding, when it has one. */
  readonly binding?: StoreBinding | undefined;
  /** Whether receipts must come from an authorised serving node (default true). */
  readonly needsServingNode?: boolean;
  /** First block to scan for grants (default 0). */
  readonly fromBlock?: bigint;
  /** Anchoring transactions the balance must pay for at least (default 20). */
  readonly minAnchors?: number;
}

const GRANTED = parseAbiItem("event SignerGranted(bytes32 indexed logId, address indexed signer, address indexed admin)");
const REVOKED = parseAbiItem("event SignerRevoked(bytes32 indexed logId, address indexed signer, address indexed admin)");
/** Gas of one anchoring transaction, at most (measured: about 80k; with margin). */
const ANCHOR_GAS = 150_000n;

/** Runs every check (reads only). */
export async function checkSetup(params: SetupCheckParameters): Promise<SetupFinding[]> {
  const { publicClient: client, receiptLogs, logId, anchorer } = params;
  const findings: SetupFinding[] = [];
  const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
    client.readContract({ address: receiptLogs, abi: receiptLogsAbi, functionName, args } as Parameters<typeof client.readContract>[0]) as Promise<T>;

  const exists = await read<boolean>("logExists", [logId]);
  findings.push(
    exists
      ? { check: "log-exists", ok: true, message: `log ${logId} exists in ReceiptLogs ${receiptLogs}` }
      : {
          check: "log-exists",
          ok: false,
          message: `log ${logId} does not exist in ReceiptLogs ${receiptLogs}`,
          fix: "create it (`showwork log create`, or `showwork init --rpc URL` / `showwork dev`), or correct --log / chains[0].logId",
        },
  );
  if (!exists) return findings;

  const mayAnchor = await read<boolean>("isAnchorer", [logId, anchorer]);
  findings.push(
    mayAnchor
      ? { check: "anchorer-granted", ok: true, message: `the anchoring account ${anchorer} may anchor into the log` }
      : { check: "anchorer-granted", ok: false, message: `the anchoring account ${anchorer} may not anchor into the log`, fix: `as the log's operator: showwork log grant-anchorer ${anchorer}` },
  );

  const [balance, gasPrice] = await Promise.all([client.getBalance({ address: anchorer }), client.getGasPrice()]);
  const needed = ANCHOR_GAS * gasPrice * BigInt(params.minAnchors ?? 20);
  findings.push(
    balance >= needed && balance > 0n
      ? { check: "anchorer-funds", ok: true, message: `the anchoring account holds ${formatEther(balance)} ETH` }
      : {
          check: "anchorer-funds",
          ok: false,
          message: `the anchoring account ${anchorer} holds ${formatEther(balance)} ETH, less than ${params.minAnchors ?? 20} anchoring transactions cost at today's gas price (${formatEther(needed)} ETH)`,
          fix: `send at least ${formatEther(needed)} ETH to ${anchorer}`,
        },
  );

  const timeline = await read<Address>("logTimeline", [logId]);
  findings.push(
    BigInt(timeline) !== 0n
      ? { check: "timeline-bound", ok: true, message: `the log's model timeline is ${getAddress(timeline)}` }
      : {
          check: "timeline-bound",
          ok: false,
          message: "the log has no model timeline bound: verifiers cannot check which model version answered",
          fix: "as the log's operator: showwork log bind-timeline (with --model-timeline ADDRESS)",
        },
  );

  if (params.needsServingNode ?? true) {
    const fromBlock = params.fromBlock ?? 0n;
    const [granted, revoked] = await Promise.all([
      client.getLogs({ address: receiptLogs, event: GRANTED, args: { logId }, fromBlock, toBlock: "latest" }),
      client.getLogs({ address: receiptLogs, event: REVOKED, args: { logId }, fromBlock, toBlock: "latest" }),
    ]);
    const candidates = [...new Set([...granted, ...revoked].map((e) => getAddress(e.args.signer!)))];
    const authorised: Address[] = [];
    for (const signer of candidates) if (await read<boolean>("isSigner", [logId, signer])) authorised.push(signer);
    findings.push(
      authorised.length > 0
        ? { check: "serving-node", ok: true, message: `${authorised.length} serving node${authorised.length === 1 ? "" : "s"} authorised: ${authorised.join(", ")}` }
        : {
            check: "serving-node",
            ok: false,
            message: "no serving node is authorised to sign the log's receipts: every receipt would be refused (403 signer-not-authorised)",
            fix: "as the log's operator: showwork log grant-signer NODE_ADDRESS (the address of the key your app signs with)",
          },
    );
  }

  const binding = params.binding;
  if (binding !== undefined) {
    const same = getAddress(binding.contract) === getAddress(receiptLogs) && binding.logId.toLowerCase() === logId.toLowerCase();
    findings.push(
      same
        ? { check: "store-log", ok: true, message: `the store anchors into this log (since batch ${binding.firstBatchIndex})` }
        : {
            check: "store-log",
            ok: false,
            message: `the store anchors into log ${binding.logId} of ${binding.contract} (chain ${binding.chainId}), not into log ${logId} of ${receiptLogs}`,
            fix: "use the store's own log (--receipt-logs/--log), or a new --store for this one",
          },
    );
  }
  return findings;
}

/** The failed findings as lines: "✗ message" and "  Do: fix". */
export function describeFindings(findings: readonly SetupFinding[]): string[] {
  return findings.filter((f) => !f.ok).flatMap((f) => [`✗ ${f.message}`, `  Do: ${f.fix}`]);
}
