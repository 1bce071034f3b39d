import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".tools/", "artifacts/", "cache/", "types/", "dist/", "out/", "web/dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", Buffer: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", fetch: "readonly", AbortController: "readonly", performance: "readonly", structuredClone: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // node:sqlite prints an ExperimentalWarning when loaded; the package loads it through sdk/nodeSqlite.ts,
    // which filters that one warning. A value import anywhere else brings it back into users' apps.
    files: ["sdk/**/*.ts", "scripts/**/*.ts", "bin/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { paths: [{ name: "node:sqlite", message: "Import DatabaseSync from sdk/nodeSqlite.ts (it loads node:sqlite without its ExperimentalWarning); type imports are fine.", allowTypeImports: true }] },
      ],
    },
  },
);
