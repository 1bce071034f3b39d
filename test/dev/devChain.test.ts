/**
 * The dev chain (sdk/dev/devChain.ts): EDR served over HTTP on 127.0.0.1, journaled, replayed on
 * restart to the very same blocks; calls it cannot replay are refused with a reason.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { createPublicClient, createWalletClient, http, parseEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { DevChainError, startDevChain } from "../../sdk/dev/devChain.js";

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
}

describe("showwork dev: the chain (EDR over HTTP, journaled)", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "showwork-devchain-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("replays its journal on restart: same blocks, same hashes, same state; the clock goes on from now", async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const first = await startDevChain({ dir, port: 0 });
    let blocks: { hash: Hex; timestamp: bigint }[];
    let contractAddress: Hex;
    try {
      expect(first.created).to.equal(true);
      await rpc(first.url, "hardhat_setBalance", [account.address, "0x3635c9adc5dea00000"]);
      const chain = { id: first.chainId, name: "dev", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [first.url] } } } as const;
      const publicClient = createPublicClient({ chain, transport: http(first.url) });
      const wallet = createWalletClient({ account, chain, transport: http(first.url) });
      // A contract whose runtime code returns 42, then two transfers.
      const deploy = await wallet.sendTransaction({ data: "0x600a600c600039600a6000f3602a60005260206000f3" });
      contractAddress = (await publicClient.waitForTransactionReceipt({ hash: deploy })).contractAddress!;
      await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: `0x${"12".repeat(20)}`, value: parseEther("1") }) });
      await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: `0x${"12".repeat(20)}`, value: parseEther("2") }) });
      const latest = await publicClient.getBlockNumber();
      expect(latest).to.equal(3n);
      blocks = await Promise.all([0n, 1n, 2n, 3n].map(async (n) => publicClient.getBlock({ blockNumber: n })));
    } finally {
      await first.close();
    }

    const second = await startDevChain({ dir, port: 0 });
    try {
      expect(second.created).to.equal(false);
      expect(second.replayedBlocks, readFileSync(join(dir, "chain.jsonl"), "utf8")).to.equal(3);
      const publicClient = createPublicClient({ transport: http(second.url) });
      for (const [n, block] of blocks.entries()) {
        const again = await publicClient.getBlock({ blockNumber: BigInt(n) });
        expect(again.hash, `block ${n}`).to.equal(block.hash);
        expect(again.timestamp).to.equal(block.timestamp);
      }
      expect(await publicClient.getBalance({ address: `0x${"12".repeat(20)}` })).to.equal(parseEther("3"));
      expect(await publicClient.call({ to: contractAddress })).to.deep.equal({ data: `0x${"0".repeat(62)}2a` });
      // One block at restart brings the chain's clock to now.
      const restart = await publicClient.getBlock();
      expect(restart.number).to.equal(4n);
      expect(Number(restart.timestamp)).to.be.closeTo(Math.floor(Date.now() / 1000), 5);
    } finally {
      await second.close();
    }
  });

  it("refuses calls the journal cannot replay, saying why", async () => {
    const chain = await startDevChain({ dir, port: 0 });
    try {
      for (const method of ["evm_snapshot", "evm_revert", "hardhat_reset", "eth_sendTransaction", "hardhat_impersonateAccount"]) {
        const { error } = await rpc(chain.url, method, []);
        expect(error?.message, method).to.include(`does not serve ${method}`);
      }
      expect((await rpc(chain.url, "eth_chainId")).result).to.equal("0x7a69");
    } finally {
      await chain.close();
    }
  });

  it("a journal that does not replay is refused with the fix", async () => {
    const chain = await startDevChain({ dir, port: 0 });
    await rpc(chain.url, "hardhat_setBalance", [`0x${"34".repeat(20)}`, "0x10"]);
    await rpc(chain.url, "evm_mine");
    await chain.close();
    const file = join(dir, "chain.jsonl");
    writeFileSync(file, readFileSync(file, "utf8").replace(/"hash":"0x[0-9a-f]{4}/, '"hash":"0xdead'));
    try {
      await startDevChain({ dir, port: 0 });
      expect.fail("expected a DevChainError");
    } catch (error) {
      expect(error).to.be.instanceOf(DevChainError);
      expect((error as Error).message).to.match(/does not replay: block 1 came out as 0x[0-9a-f]{64}, the journal says 0xdead/);
      expect((error as Error).message).to.include("showwork dev --reset");
    }
  });
});
