/**
 * The web verifier: a static page that runs the SDK's verifyBundle in the browser (the same code
 * as `showwork verify`) against the RPC endpoints the visitor chooses, and shows the verdict first
 * (who vouches, or what failed), then what the bundle claims, the model's timeline and each check.
 *
 * - inputs.ts: one reader per input fieldset (bundle, RPC endpoints, pins, disclosed content).
 * - verdictView.ts: the verdict, the claims, the checks, the endpoints and the facts.
 * - timelinePicture.ts: the model's timeline around the receipt (an SVG picture).
 * - hash.ts / claims.ts: hash chips (short, full on demand, Copy) and what a bundle claims.
 */
import { verifyBundle } from "../../sdk/verify/verifyBundle.js";
import { bundleValueOf } from "./claims.js";
import { endpointsIn, InputError, readInputs, trustSignerIn } from "./inputs.js";
import { renderTimelinePicture } from "./timelinePicture.js";
import { showVerdict } from "./verdictView.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element as T;
};

const bundleInput = $<HTMLTextAreaElement>("bundle");
const rpcInput = $<HTMLTextAreaElement>("rpc");
const verifyButton = $<HTMLButtonElement>("verify");
const dropzone = $<HTMLDivElement>("dropzone");
const inputError = $<HTMLParagraphElement>("input-error");

// The visitor's own earlier choice is remembered; an endpoint in the page's URL is only offered, never used
// without asking (a link could point the verifier at a lying endpoint).
rpcInput.value = localStorage.getItem("showwork.rpc") ?? "";
const offered = new URLSearchParams(location.search).get("rpc");
if (offered) {
  $("rpc-offer").hidden = false;
  $("rpc-offer-url").textContent = offered;
  $("rpc-offer-accept").addEventListener("click", () => {
    rpcInput.value = [...endpointsIn(rpcInput.value), offered].join("\n");
    $("rpc-offer").hidden = true;
  });
  $("rpc-offer-dismiss").addEventListener("click", () => ($("rpc-offer").hidden = true));
}

async function loadFile(file: File): Promise<void> {
  bundleInput.value = await file.text();
}

$<HTMLInputElement>("bundle-file").addEventListener("change", (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void loadFile(file);
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("over");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file) void loadFile(file);
  else {
    const text = event.dataTransfer?.getData("text/plain");
    if (text) bundleInput.value = text;
  }
});

verifyButton.addEventListener("click", () => void run());

function showInputError(error: InputError): void {
  inputError.textContent = error.message;
  inputError.hidden = false;
  document.getElementById(error.field)?.setAttribute("aria-invalid", "true");
  document.body.dataset.state = "input-error";
}

async function run(): Promise<void> {
  document.querySelectorAll("[aria-invalid]").forEach((invalid) => invalid.removeAttribute("aria-invalid"));
  let request;
  try {
    request = readInputs();
    const signer = await trustSignerIn($<HTMLTextAreaElement>("pin").value);
    $("pin-signed").hidden = signer === undefined;
    $("pin-signed").textContent = signer === undefined ? "" : `Trust file signed by operator ${signer} (its signature checks; pin only operators you know).`;
    inputError.hidden = true;
  } catch (error) {
    if (error instanceof InputError) return showInputError(error);
    throw error;
  }
  localStorage.setItem("showwork.rpc", request.rpcUrls.join("\n"));
  verifyButton.disabled = true;
  verifyButton.textContent = "Verifying…";
  document.body.dataset.state = "verifying";
  try {
    const verdict = await verifyBundle(request.bundle, request.params);
    showVerdict(verdict, typeof request.bundle === "string" ? bundleValueOf(request.bundle) : request.bundle);
    // The verdict is the first thing on the page once there is one.
    window.scrollTo({ top: 0 });
    $("verdict").focus({ preventScroll: true });
    const picture = $("timeline-picture");
    picture.replaceChildren(await renderTimelinePicture(verdict, request.rpcUrls[0] ?? "", picture.clientWidth));
  } finally {
    verifyButton.disabled = false;
    verifyButton.textContent = "Verify";
    document.body.dataset.state = "done";
  }
}
