/**
 * A journaled local chain (sdk/dev/devChain.ts) as its own process, for tests (test/service/multichainRestart.test.ts) that kill a chain (SIGKILL) and
 * start it again: the restarted process replays the journal, so the chain comes back with its state.
 * Usage: node --import tsx scripts/dev-chain-process.ts DIR PORT CHAIN_ID — prints "ready URL" when it serves.
 */
import { startDevChain } from "../sdk/dev/devChain.js";

const [dir, port, chainId] = process.argv.slice(2);
const chain = await startDevChain({ dir: dir!, port: Number(port), chainId: Number(chainId) });
process.stdout.write(`ready ${chain.url} replayed ${chain.replayedBlocks}\n`);
process.once("SIGTERM", () => void chain.close().then(() => process.exit(0)));
