import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse } from "graphql";
import { ERROR_REASONS, ErrorCode } from "../../src/common/errors";

const root = join(__dirname, "..", "..");
const apiReference = readFileSync(join(root, "docs", "API.md"), "utf8");

/** Everything written as code in the reference: fenced blocks and inline `code` spans. */
function codeOf(markdown: string): string {
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "");
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...fenced, ...inline].join("\n");
}

/** Every field of the root types, read from the committed schema so the test follows it. */
function rootFields(): string[] {
  const document = parse(readFileSync(join(root, "schema.graphql"), "utf8"));
  const roots = new Set(["Query", "Mutation", "Subscription"]);
  return document.definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) && roots.has(definition.name.value)
      ? (definition.fields ?? []).map((field) => `${definition.name.value}.${field.name.value}`)
      : [],
  );
}

const code = codeOf(apiReference);
const mentioned = (name: string) => new RegExp(`\\b${name}\\b`).test(code);

/** The rows of the tables under "## Errors" whose first cell is one backticked name: [name, the other cells]. */
function errorTableRows(): [string, string[]][] {
  const start = apiReference.indexOf("\n## Errors");
  const section = apiReference.slice(start, apiReference.indexOf("\n## ", start + 1));
  return [...section.matchAll(/^\| `([A-Z_]+)` \|(.*)\|$/gm)].map((m) => [m[1], m[2].split("|").map((cell) => cell.trim())]);
}

/** A reason's row names its code in the second cell; a code's row describes when it is sent. */
const isCode = (cell: string) => /^`[A-Z_]+`$/.test(cell);

describe("docs/API.md, the API reference, stays true to the code", () => {
  it("lists exactly the error codes of src/common/errors.ts, each once with its HTTP status", () => {
    const rows = errorTableRows().filter(([, [second]]) => !isCode(second));
    expect(rows.map(([code]) => code).sort()).toEqual(Object.values(ErrorCode).sort());
    expect(rows.filter(([, [, status]]) => !/^\d{3}/.test(status))).toEqual([]);
  });

  it("lists exactly the error reasons of src/common/errors.ts, each with the code it comes with", () => {
    const documented = errorTableRows()
      .filter(([, [second]]) => isCode(second))
      .map(([reason, [code]]) => `${reason} ${code.replaceAll("`", "")}`);
    const sent = Object.entries(ERROR_REASONS).flatMap(([code, reasons]) => reasons.map((reason) => `${reason} ${code}`));
    expect(documented.sort()).toEqual(sent.sort());
  });

  it.each(rootFields())("documents the operation %s", (qualified) => {
    expect(mentioned(qualified.split(".")[1])).toBe(true);
  });
});

describe("the repository stands on its own", () => {
  // Spelled in pieces so that this file does not match itself.
  const outside = [["..", "shared"].join("/"), ["CONTRACT", "md"].join("."), ["", "work", ""].join("/")];

  function trackedTextFiles(): string[] {
    const listed = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
    return listed.filter((path) => path !== "package-lock.json");
  }

  it("no tracked file refers to a path outside the repository", () => {
    const offenders: string[] = [];
    for (const path of trackedTextFiles()) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(root, path));
      } catch {
        continue; // listed but deleted in the working tree
      }
      if (bytes.subarray(0, 8000).includes(0)) continue; // binary
      const text = bytes.toString("utf8");
      for (const needle of outside) if (text.includes(needle)) offenders.push(`${path}: ${needle}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe("the paths the documentation names", () => {
  const documents = [
    "README.md",
    "bench/README.md",
    ...readdirSync(join(root, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`),
  ];
  const srcFolders = readdirSync(join(root, "src"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const topLevel = ["src", "test", "bench", "scripts", "docs"];

  /** Backticked paths: `src/…` (and test/, bench/, scripts/, docs/) anywhere; in docs/, also paths relative to src/ (`server/app.ts`). */
  function namedPaths(document: string): string[] {
    const text = readFileSync(join(root, document), "utf8");
    const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim());
    const paths: string[] = [];
    for (const span of spans) {
      if (!/^[\w.-]+(\/[\w.-]+)+\/?$/.test(span) || span.includes("*")) continue;
      const head = span.split("/")[0];
      if (topLevel.includes(head)) paths.push(span);
      else if (document.startsWith("docs/") && srcFolders.includes(head)) paths.push(`src/${span}`);
    }
    return paths;
  }

  it.each(documents)("every path %s names exists", (document) => {
    const missing = namedPaths(document).filter((path) => !existsSync(join(root, path)));
    expect(missing).toEqual([]);
  });
});

describe("the README's configuration table", () => {
  it("lists every variable src/config.ts reads, once, and no other", () => {
    const source = readFileSync(join(root, "src", "config.ts"), "utf8");
    // `env.NAME`, or a parse call `integer(env, "NAME", …)` / `redisKeyPrefix(env)`'s `env.NAME`.
    const read = new Set([...source.matchAll(/env\.([A-Z][A-Z0-9_]+)|\(env, "([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1] ?? m[2]));
    expect(read.size).toBeGreaterThan(30);
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
    // Cells may be padded to align the columns.
    const rows = [...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
    expect(rows.filter((name, i) => rows.indexOf(name) !== i)).toEqual([]);
    expect([...rows].sort()).toEqual([...read].sort());
  });
});
