/**
 * Issue #22 "one rule, one function": the import circles `verify ↔ disclosure` and `http/tokens ↔ http/tokensPostgres`
 * were broken (a newcomer should find a rule in one place). This keeps them — and any other — from coming back: the
 * runtime imports between the SDK's modules (type-only imports and `await import()` excluded) form no cycle.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SDK = join(ROOT, "sdk");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Each module's runtime imports of other SDK modules (relative `import … from` / `export … from`, not `import type`). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const statement = /^(?:import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gms;
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps: string[] = [];
    for (const match of readFileSync(file, "utf8").matchAll(statement)) {
      if (match[1] !== undefined) continue;
      const target = normalize(join(dirname(file), match[2]!)).replace(/\.js$/, ".ts");
      if (known.has(target)) deps.push(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe("the SDK's modules import each other without cycles (issue #22, one rule in one place)", () => {
  it("finds a cycle when there is one (the check itself)", () => {
    const a = join(SDK, "a.ts");
    const b = join(SDK, "b.ts");
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).to.deep.equal([["sdk/a.ts", "sdk/b.ts"]]);
    expect(cycles(new Map([[a, [b]], [b, []]]))).to.deep.equal([]);
  });

  it("no runtime import cycle in sdk/ (verify ↔ disclosure and http/tokens ↔ http/tokensPostgres stay broken)", () => {
    const graph = importGraph(sourceFiles(SDK));
    expect(graph.size).to.be.greaterThan(100);
    const verify = join(SDK, "verify/checks/disclosure.ts");
    expect(graph.get(verify), "the graph sees relative imports").to.include(join(SDK, "disclosure/checkDisclosure.ts"));
    expect(cycles(graph)).to.deep.equal([]);
  });
});
