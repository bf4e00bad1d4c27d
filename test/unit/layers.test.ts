import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = join(__dirname, "..", "..");
const src = join(root, "src");
/** Browser code, bundled on its own; it is not part of the server's layers. */
const browserClients = ["ide/client", "console/client"].map((folder) => join(src, folder));
/** The only file outside src/server/ that may import it: the process's start-up. */
const serverImporters = new Set(["main.ts"]);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return browserClients.includes(path) ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The node a file belongs to: its first folder under src/, or the top-level file itself. */
function nodeOf(file: string): string {
  const [first, ...rest] = relative(src, file).split("/");
  return rest.length > 0 ? `${first}/` : first;
}

/** Relative module paths named by `import … from`, `export … from`, `import "…"` and `import("…")`. */
function relativeImports(text: string): string[] {
  const patterns = [/\bfrom\s+"(\.[^"]+)"/g, /\bimport\s+"(\.[^"]+)"/g, /\bimport\(\s*"(\.[^"]+)"\s*\)/g];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]));
}

/** Folder-level arrows: node → the nodes it imports, with one file:line example for each arrow. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(src)) {
    const from = nodeOf(file);
    const arrows = graph.get(from) ?? new Map<string, string>();
    graph.set(from, arrows);
    for (const target of relativeImports(readFileSync(file, "utf8"))) {
      const resolved = resolve(dirname(file), target);
      if (!resolved.startsWith(`${src}/`)) continue;
      const to = nodeOf(resolved.endsWith(".ts") || target.endsWith("/") ? resolved : `${resolved}.ts`);
      if (to !== from && !arrows.has(to)) arrows.set(to, `${relative(root, file)} → ${target}`);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as its path of nodes (first node repeated last). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const walk = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node)?.keys() ?? []) walk(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) walk(node, []);
  return found;
}

describe("the folders of src/ stand in layers", () => {
  const graph = folderGraph();

  it("reads the import graph (a sanity check that the walk sees the code)", () => {
    expect(graph.get("server/")?.has("auth/")).toBe(true);
    expect(graph.get("main.ts")?.has("server/")).toBe(true);
  });

  it("has no cycle between folders", () => {
    const described = cycles(graph).map((cycle) =>
      cycle
        .slice(1)
        .map((to, index) => graph.get(cycle[index])?.get(to))
        .join("; "),
    );
    expect(described).toEqual([]);
  });

  it("has no import into src/server/ from any other folder but start-up", () => {
    const upward = [...graph.entries()]
      .filter(([from, arrows]) => from !== "server/" && !serverImporters.has(from) && arrows.has("server/"))
      .map(([, arrows]) => arrows.get("server/"));
    expect(upward).toEqual([]);
  });
});
