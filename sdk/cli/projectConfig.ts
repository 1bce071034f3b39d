/**
 * What every command shares about the project config (sdk/config): the `--config` option, loading
 * it (commands read `.showwork/config.json` by default), and `--last`: the latest answer this
 * project captured, its bundle fetched from the anchoring service once anchored.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import { Option } from "commander";
import type { Hex } from "viem";

import { CONFIG_DIR, loadConfig, type LoadedConfig } from "../config/loadConfig.js";
import { ENV } from "../config/env.js";
import { lastReceiptFile } from "../config/lastReceipt.js";
import { ShowworkError } from "../errors.js";

/** `--config <path>` (env SHOWWORK_CONFIG): the project config to read instead of the one found from the working directory upwards. */
export function configOption(): Option {
  return new Option("--config <path>", "the project config (.showwork/config.json or its folder; default: found from the working directory upwards)").env(ENV.config);
}

/** Loads the project config for a command (`--config`, else SHOWWORK_CONFIG, else found upwards; none is fine unless `required`). */
export function loadCommandConfig(options: { config?: string }, { required = false, skipSecrets = false }: { required?: boolean; skipSecrets?: boolean } = {}): LoadedConfig {
  return loadConfig({ ...(options.config === undefined ? {} : { file: options.config }), required, skipSecrets });
}

/** `--last` cannot be served (with what to do). */
export class LastReceiptError extends ShowworkError {
  override name = "LastReceiptError";
}

/** The latest receipt id captured in the project of `config`. @throws {LastReceiptError} */
export function lastReceiptOf(config: LoadedConfig): Hex {
  if (config.root === undefined) {
    throw new LastReceiptError("--last needs the project config: no .showwork/config.json here or above.", { metaMessages: ["Do: run it in your project folder (after `npx showwork dev`), or pass a bundle file."] });
  }
  const file = lastReceiptFile(config.root);
  if (!existsSync(file)) {
    throw new LastReceiptError(`No answer captured yet in ${config.root} (${file} does not exist).`, {
      metaMessages: ["Do: run your app once (a client wrapped with withReceipts(...) from showwork/capture), then again."],
    });
  }
  const { receiptId } = JSON.parse(readFileSync(file, "utf8")) as { receiptId?: string };
  if (typeof receiptId !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(receiptId)) throw new LastReceiptError(`${file} holds no receipt id.`);
  return receiptId as Hex;
}

/**
 * Fetches a receipt's proof bundle from the anchoring service of `config`, waiting (up to
 * `waitMs`) while it is not anchored yet, and saves it under `.showwork/bundles/`.
 * @returns the bundle's JSON text and the file it was saved to.
 */
export async function fetchBundle(config: LoadedConfig, receiptId: Hex, { waitMs = 120_000, onWait }: { waitMs?: number; onWait?: (state: string) => void } = {}): Promise<{ text: string; file: string }> {
  const url = config.serviceUrl;
  if (url === undefined) {
    throw new LastReceiptError("Which anchoring service? service.url is not in the config and SHOWWORK_SERVICE_URL is not set.", { metaMessages: ["Do: run `npx showwork dev`, or pass the bundle file."] });
  }
  const headers = config.secrets.serviceToken === undefined ? undefined : { authorization: `Bearer ${config.secrets.serviceToken}` };
  const deadline = Date.now() + waitMs;
  let said = "";
  for (;;) {
    let response: Response;
    try {
      response = await fetch(`${url}/v1/receipts/${receiptId}/bundle`, headers === undefined ? {} : { headers });
    } catch (cause) {
      throw new LastReceiptError(`The anchoring service at ${url} does not answer.`, { cause, metaMessages: ["Do: start it (`npx showwork dev`, or `npx showwork serve`), then run this again."] });
    }
    const text = await response.text();
    if (response.status === 200) {
      const file = join(config.root ?? process.cwd(), CONFIG_DIR, "bundles", `${receiptId}.bundle.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      return { text, file };
    }
    const body = (() => {
      try {
        return JSON.parse(text) as { error?: { code?: string; message?: string; state?: string } };
      } catch {
        return {};
      }
    })();
    const notYet = (response.status === 409 && body.error?.code === "proof-not-available") || response.status === 404;
    if (notYet && Date.now() < deadline) {
      // 404: not delivered yet (the app's queue sends it); 409: recorded, not anchored yet.
      const state = response.status === 404 ? "not delivered yet" : (body.error?.state ?? "pending");
      if (state !== said) onWait?.(state);
      said = state;
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    throw new LastReceiptError(`The anchoring service at ${url} gave no bundle for ${receiptId}: ${response.status} ${body.error?.code ?? ""} ${body.error?.message ?? text.slice(0, 200)}`.trim(), {
      metaMessages:
        response.status === 409
          ? [`Not anchored within ${Math.round(waitMs / 1000)} s (state ${body.error?.state ?? "?"}). Do: check the service's log, then run this again.`]
          : response.status === 404
            ? ["The service has no such receipt: was it delivered? (The app's receipts go through .showwork/queue.sqlite.)"]
            : [],
    });
  }
}
