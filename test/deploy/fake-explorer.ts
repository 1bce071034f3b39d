/**
 * A stand-in for an Etherscan-compatible explorer API on 127.0.0.1, enough for
 * hardhat-verify's Etherscan client: `getsourcecode` (is it verified?),
 * `verifysourcecode` (submit, returns a guid) and `checkverifystatus`.
 * It records every submission so tests can check what would have been sent.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface Submission {
  apikey: string | null;
  chainid: string | null;
  contractaddress: string;
  contractname: string;
  compilerversion: string;
  codeformat: string;
  constructorArguments: string;
  sourceCode: string;
}

export interface FakeExplorer {
  /** The API URL to put in a chain descriptor (`blockExplorers.etherscan.apiUrl`). */
  apiUrl: string;
  submissions: Submission[];
  /** What `checkverifystatus` answers: verify everything, or reject everything. */
  verdict: "pass" | "fail";
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += String(chunk);
  return text;
}

export async function startFakeExplorer(): Promise<FakeExplorer> {
  const verified = new Set<string>();
  const pending = new Map<string, string>();
  const explorer: FakeExplorer = { apiUrl: "", submissions: [], verdict: "pass", close: async () => {} };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const q = url.searchParams;
      const reply = (json: unknown): void => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(json));
      };
      if (q.get("module") !== "contract") return reply({ status: "0", message: "NOTOK", result: "unknown module" });
      switch (q.get("action")) {
        case "getsourcecode": {
          const address = (q.get("address") ?? "").toLowerCase();
          return reply({ status: "1", message: "OK", result: [{ SourceCode: verified.has(address) ? "{...}" : "" }] });
        }
        case "verifysourcecode": {
          const form = new URLSearchParams(await body(request));
          const submission: Submission = {
            apikey: q.get("apikey"),
            chainid: q.get("chainid"),
            contractaddress: form.get("contractaddress") ?? "",
            contractname: form.get("contractname") ?? "",
            compilerversion: form.get("compilerversion") ?? "",
            codeformat: form.get("codeformat") ?? "",
            constructorArguments: form.get("constructorArguments") ?? form.get("constructorArguements") ?? "",
            sourceCode: form.get("sourceCode") ?? "",
          };
          explorer.submissions.push(submission);
          const guid = `guid-${explorer.submissions.length}`;
          pending.set(guid, submission.contractaddress.toLowerCase());
          return reply({ status: "1", message: "OK", result: guid });
        }
        case "checkverifystatus": {
          const address = pending.get(q.get("guid") ?? "");
          if (address === undefined) return reply({ status: "0", message: "NOTOK", result: "Unknown guid" });
          if (explorer.verdict === "fail") {
            return reply({ status: "0", message: "NOTOK", result: "Fail - Unable to verify. Compiled contract deployment bytecode does NOT match" });
          }
          verified.add(address);
          return reply({ status: "1", message: "OK", result: "Pass - Verified" });
        }
        default:
          return reply({ status: "0", message: "NOTOK", result: "unknown action" });
      }
    })();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake explorer has no port");
  explorer.apiUrl = `http://127.0.0.1:${address.port}/api`;
  explorer.close = async () => {
    server.close();
    server.closeAllConnections();
    await once(server, "close");
  };
  return explorer;
}
