import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = join(__dirname, "..", "..");
const src = join(root, "src");
/** Browser code, bundled on its own; it is not part of the server's layers. */
const browserClients = ["ide/client", "console/client"].map((folder) => join(src, folder));
/** The only file outside src/server/ that may import it: the process's start-up. */
const serverImporters = new Set(["main.ts"]);

/**
 * The ranks of src/, top first: the table of docs/ARCHITECTURE.md's "Layers" (inside the domain
 * row, each `→` there begins a rank of its own). A folder imports only from its own rank or the
 * ranks below it; inside a rank, the cycle check keeps the arrows one way.
 */
const ranks: ReadonlyArray<readonly [layer: string, nodes: readonly string[]]> = [
  ["start-up", ["main.ts", "cli/"]],
  ["transport", ["server/", "ide/", "console/", "metrics/"]],
  ["schema", ["schema/", "resolvers/"]],
  ["wiring", ["services.ts"]],
  ["domain", ["leaks/"]],
  ["domain", ["alerts/"]],
  ["domain", ["usage/"]],
  ["domain", ["keys/", "members/"]],
  ["domain", ["audit/", "analytics/", "resources/"]],
  ["data", ["db/", "entities/", "migrations/"]],
  ["access", ["auth/"]],
  ["counters", ["throttles/"]],
  ["fan-out", ["bus/"]],
  ["shared", ["common/", "config.ts", "logger.ts", "stdout-destination.ts"]],
];

type Graph = Map<string, Map<string, string>>;

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
function folderGraph(): Graph {
  const graph: Graph = new Map();
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
function cycles(graph: Graph): string[][] {
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

/** Each node's rank, 0 at the top. */
function rankOf(table: typeof ranks): Map<string, number> {
  return new Map(table.flatMap(([, nodes], rank) => nodes.map((node) => [node, rank] as const)));
}

/** The imports that reach a higher rank than their own (a smaller number), or a node with no rank. */
function upwardImports(graph: Graph, table: typeof ranks): string[] {
  const rank = rankOf(table);
  const found: string[] = [];
  for (const [from, arrows] of graph) {
    for (const [to, example] of arrows) {
      const [own, target] = [rank.get(from), rank.get(to)];
      if (own === undefined || target === undefined) found.push(`${example} (no rank for ${own === undefined ? from : to})`);
      else if (target < own) found.push(`${example} (${from}, ${table[own][0]}, imports ${to}, ${table[target][0]}, a rank above)`);
    }
  }
  return found;
}

/** The "Layers" table of docs/ARCHITECTURE.md as ranks: its rows, the domain row cut at each `→`. */
function documentedRanks(): Array<[string, string[]]> {
  const text = readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8");
  const section = text.slice(text.indexOf("## Layers"), text.indexOf("\n## ", text.indexOf("## Layers") + 1));
  const rows = [...section.matchAll(/^\| ([\w-]+) \| ([^|]+) \|/gm)].filter(([, layer]) => layer !== "layer");
  return rows.flatMap(([, layer, folders]) =>
    folders
      .split("→")
      .map((part): [string, string[]] => [
        layer,
        [...part.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((name) => /^[\w.-]+\/?$/.test(name)),
      ]),
  );
}

describe("the folders of src/ stand in layers", () => {
  const graph = folderGraph();

  it("reads the import graph (a sanity check that the walk sees the code)", () => {
    expect(graph.get("server/")?.has("auth/")).toBe(true);
    expect(graph.get("main.ts")?.has("server/")).toBe(true);
  });

  it("ranks the folders as docs/ARCHITECTURE.md's layer table does", () => {
    expect(documentedRanks()).toEqual(ranks);
  });

  it("gives every folder and top-level file of src/ a rank", () => {
    const ranked = rankOf(ranks);
    expect([...graph.keys()].filter((node) => !ranked.has(node))).toEqual([]);
  });

  it("has no import that goes up a rank", () => {
    expect(upwardImports(graph, ranks)).toEqual([]);
  });

  it("the rank check fails on planted upward imports that close no cycle", () => {
    const planted: Graph = new Map([...graph].map(([node, arrows]) => [node, new Map(arrows)]));
    planted.get("auth/")?.set("db/", "src/auth/planted.ts → ../db/prepared-query");
    planted.get("analytics/")?.set("keys/", "src/analytics/planted.ts → ../keys/api-key.service");
    expect(cycles(planted)).toEqual([]);
    expect(upwardImports(planted, ranks).sort()).toEqual([
      "src/analytics/planted.ts → ../keys/api-key.service (analytics/, domain, imports keys/, domain, a rank above)",
      "src/auth/planted.ts → ../db/prepared-query (auth/, access, imports db/, data, a rank above)",
    ]);
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
