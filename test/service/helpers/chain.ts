/**
 * Setting up a log on a node for service tests: a fresh anchoring key, funded with
 * `hardhat_setBalance`, deploys ReceiptLogs and creates a log it anchors into.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";

import { connectRpc } from "../../../sdk/service/chain/connect.js";
import { setupServiceLog } from "../../../sdk/service/chain/setupLog.js";
import { rpc } from "./processes.js";

export interface TestLog {
  readonly privateKey: Hex;
  readonly contract: Address;
  readonly logId: Hex;
}

export async function setupTestLog(nodeUrl: string): Promise<TestLog> {
  const privateKey = generatePrivateKey();
  const clients = await connectRpc(nodeUrl, privateKey);
  await rpc(nodeUrl, "hardhat_setBalance", [clients.walletClient.account.address, "0x3635c9adc5dea00000"]);
  // `showwork serve` refuses a log with no authorised serving node (its set-up checks): grant one nobody signs with;
  // tests grant their own nodes as they need.
  const placeholderNode = privateKeyToAccount(generatePrivateKey()).address;
  const { contract, logId } = await setupServiceLog(clients.publicClient, clients.walletClient, { salt: `test ${Date.now()}`, signers: [placeholderNode] });
  await clients.close();
  return { privateKey, contract, logId };
}
