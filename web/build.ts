/**
 * Builds the web verifier (web/src/main.ts and the SDK's verifier) into web/dist with esbuild:
 * one ES module, index.html and style.css. Bundling for `platform: "browser"` fails on any Node
 * built-in, which keeps the verifier browser-safe.
 *
 *   npm run build:web
 */
import { copyFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The web/ folder. */
export const WEB_ROOT = path.dirname(fileURLToPath(import.meta.url));
/** Where the built page goes. */
export const WEB_DIST = path.join(WEB_ROOT, "dist");

/** What {@link buildWeb} produced. */
export interface BuildWebReturnType {
  readonly outdir: string;
  /** Size of the bundled script, bytes. */
  readonly scriptBytes: number;
  /** Source files the bundle contains (relative to the repository root). */
  readonly inputs: readonly string[];
}

/** Bundles the page into `outdir` (default web/dist). */
export async function buildWeb(outdir: string = WEB_DIST): Promise<BuildWebReturnType> {
  // esbuild is a build tool (devDependency): imported only when a build is asked for.
  const esbuild = await import("esbuild");
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(WEB_ROOT, "src/main.ts")],
    outfile: path.join(outdir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: path.dirname(WEB_ROOT),
  });
  await Promise.all(["index.html", "style.css"].map((file) => copyFile(path.join(WEB_ROOT, file), path.join(outdir, file))));
  return {
    outdir,
    scriptBytes: (await stat(path.join(outdir, "app.js"))).size,
    inputs: Object.keys(result.metafile.inputs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const built = await buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : WEB_DIST);
  console.log(`web verifier built into ${path.relative(process.cwd(), built.outdir) || "."} (app.js ${(built.scriptBytes / 1024).toFixed(0)} KiB, ${built.inputs.length} source files)`);
}
