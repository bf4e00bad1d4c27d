import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { round } from "./stats";
import { Figure } from "./types";

const ROOT = resolve(__dirname, "../../..");
const RESULTS_DIR = resolve(ROOT, "bench/results");
const RESULTS_MD = resolve(ROOT, "bench/RESULTS.md");
const BENCH_README = resolve(ROOT, "bench/README.md");

/** The block of bench/README.md the report rewrites with this run's side-by-side tables. */
export const SUMMARY_START = "<!-- bench:summary:start (written by bench/lib/report.ts) -->";
export const SUMMARY_END = "<!-- bench:summary:end -->";

export interface RunInfo {
  startedAt: string;
  postgres: string;
  rounds: number;
  durationSeconds: number;
  connections: number;
  /** 1-minute load average when the run started: how much else the (shared) machine was doing. */
  loadAverage?: number;
}

/** A figure as the results hold it: when it was measured (and how: rounds × seconds). */
export type StoredFigure = Figure & { runAt?: string };

/**
 * The version of `pkg` installed in `folder`, else the one its lock file pins: a run that names no
 * PostGraphile scenario never installs PostGraphile's folders, and still writes their versions.
 */
function versionOf(pkg: string, folder = ROOT): string {
  const installed = jsonOf<{ version?: string }>(resolve(folder, "node_modules", pkg, "package.json"))?.version;
  const locked = jsonOf<{ packages?: Record<string, { version?: string }> }>(resolve(folder, "package-lock.json"))?.packages?.[
    `node_modules/${pkg}`
  ]?.version;
  return installed ?? locked ?? "?";
}

/** A JSON file's value; undefined when it is absent or not JSON. */
function jsonOf<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

const TABLE_HEADER = "| # | figure | min | median | max | unit | target | verdict | rounds | run at |";

const fmt = (v: number) => (Math.abs(v) >= 100 ? round(v, 0) : round(v, 3));

function row(f: StoredFigure): string {
  const s = f.summary;
  const verdict = f.met === undefined ? "" : f.met ? "met" : "**missed**";
  return `| ${f.scenario} | ${f.name} | ${fmt(s.min)} | **${fmt(s.median)}** | ${fmt(s.max)} | ${f.unit} | ${f.target ?? ""} | ${verdict} | ${f.run ?? ""} | ${f.runAt?.slice(0, 16) ?? ""} |`;
}

/**
 * The figures bench/RESULTS.md holds, read back from its table and its notes: the committed file is the record, so a
 * partial run (`npm run bench -- 4`) keeps every other scenario's figures, on any checkout. Reads the table with or
 * without its `rounds` column (written before it had one).
 */
export function readResults(markdown: string): StoredFigure[] {
  const lines = markdown.split("\n");
  const header = lines.findIndex((l) => l.startsWith("| # | figure |"));
  if (header < 0) return [];
  const withRounds = lines[header].includes("| rounds |");
  const notes = new Map<string, string>();
  for (const m of markdown.matchAll(/^- \*\*(.+?), (.+?)\*\*: (.*)$/gm)) notes.set(`${m[1]}\u0000${m[2]}`, m[3]);
  const figures: StoredFigure[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("| ")) break;
    const cells = line.slice(2, -2).split(" | ");
    const [scenario, name, min, median, max, unit, target, verdict] = cells;
    const run = withRounds ? cells[8] : "";
    const runAt = cells[withRounds ? 9 : 8];
    const number = (cell: string) => Number(cell.replace(/\*/g, ""));
    const summary = { min: number(min), median: number(median), max: number(max), samples: [] };
    const met = verdict === "met" ? true : verdict.includes("missed") ? false : undefined;
    const note = notes.get(`${scenario}\u0000${name}`);
    figures.push({
      scenario,
      name,
      unit,
      summary,
      ...(target ? { target } : {}),
      ...(met === undefined ? {} : { met }),
      ...(note ? { note } : {}),
      ...(run ? { run } : {}),
      ...(runAt ? { runAt } : {}),
    });
  }
  return figures;
}

/** Keeps figures of scenarios not run this time (read back from bench/RESULTS.md), so `npm run bench -- 4` updates only scenario 4. */
export function writeResults(info: RunInfo, figures: Figure[], ran: string[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const previous = existsSync(RESULTS_MD) ? readResults(readFileSync(RESULTS_MD, "utf8")) : [];
  const kept = previous.filter((f) => !ran.includes(f.scenario));
  const all: StoredFigure[] = [...kept, ...figures.map((f) => ({ ...f, runAt: info.startedAt }))].sort(
    (a, b) => parseInt(a.scenario, 10) - parseInt(b.scenario, 10) || a.scenario.localeCompare(b.scenario),
  );
  const machine = { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version };
  writeFileSync(resolve(RESULTS_DIR, "latest.json"), JSON.stringify({ info, machine, figures: all }, null, 2));
  const versions = [
    ...["@apollo/server", "graphql", "type-graphql", "typeorm", "pg", "graphql-ws", "ioredis", "autocannon"].map(
      (p) => `${p} ${versionOf(p)}`,
    ),
    `PostGraphile ${versionOf("postgraphile", resolve(ROOT, "bench/postgraphile"))} and ${versionOf("postgraphile", resolve(ROOT, "bench/postgraphile5"))}`,
  ].join(", ");
  const summary = summaryTables(all);
  const markdown = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`); do not edit by hand. How each scenario is measured, and what to
make of the figures: [README.md](README.md). Every figure is min / **median** / max over its interleaved rounds; a
partial run (\`npm run bench -- 8a\`) replaces only its scenarios' rows, each row saying when it ran.

- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, shared; ${machine.node}
- Database: ${info.postgres}
- Versions: ${versions}
- Last run: ${info.startedAt}, rounds of ${info.durationSeconds} s, ${info.connections} connections${info.loadAverage !== undefined ? `; load average ${round(info.loadAverage, 1)} on ${machine.cores} cores when it started (other work on the machine)` : ""}

${summary}
${figuresTable(all)}`;
  writeFileSync(RESULTS_MD, markdown);
  writeSummaryIntoReadme(summary);
  return RESULTS_MD;
}

/** Every figure, one row each, and under them what each missed target was found to cost: what `readResults` reads back. */
export function figuresTable(figures: StoredFigure[]): string {
  return `## Every figure

${TABLE_HEADER}
|---|---|---|---|---|---|---|---|---|---|
${figures.map(row).join("\n")}
${notes(figures)}`;
}

function notes(figures: Figure[]): string {
  const lines = figures.filter((f) => f.note).map((f) => `- **${f.scenario}, ${f.name}**: ${f.note}`);
  return lines.length ? `\nWhere a target is missed, what it was found to cost:\n\n${lines.join("\n")}\n` : "";
}

/** bench/README.md's summary block, between its markers, replaced by this run's tables. */
function writeSummaryIntoReadme(summary: string): void {
  if (!existsSync(BENCH_README)) return;
  const readme = readFileSync(BENCH_README, "utf8");
  const start = readme.indexOf(SUMMARY_START);
  const end = readme.indexOf(SUMMARY_END);
  if (start < 0 || end < start) return;
  writeFileSync(BENCH_README, `${readme.slice(0, start + SUMMARY_START.length)}\n\n${summary}\n${readme.slice(end)}`);
}

/** The reads (and the write, and the floor) side by side, from the medians of scenarios 8a–8e; the scale scenario's too. */
export function summaryTables(figures: StoredFigure[]): string {
  const find = (scenario: string, name: string) => figures.find((f) => f.scenario === scenario && f.name === name);
  const dash = "—";
  const num = (f: Figure | undefined) => (f ? Math.round(f.summary.median).toLocaleString("en-US") : dash);
  const ms = (f: Figure | undefined) => (f ? `${round(f.summary.median, 1)} ms` : dash);
  const judged = (f: Figure | undefined) =>
    !f ? dash : `**${round(f.summary.median, 2).toFixed(2)}×**${f.target ? ` (${f.target}: ${f.met ? "met" : "missed"})` : ""}`;
  const rate = (scenario: string, label: string, side: string) =>
    find(scenario, `${label}: ${side} requests/s`)
      ? `${num(find(scenario, `${label}: ${side} requests/s`))} (${ms(find(scenario, `${label}: ${side} p99`))})`
      : dash;
  const rows: { what: string; scenario: string; label: string }[] = [
    { what: "`calls(first: 20)` + agent + contact", scenario: "8a", label: "calls(first: 20)" },
    { what: "`agents(first: 10)` × `calls(first: 10)` + contact", scenario: "8b", label: "agents(first: 10) × calls(first: 10)" },
    { what: "`agents(first: 100)` × `calls(first: 10)` + contact", scenario: "8b", label: "agents(first: 100) × calls(first: 10)" },
    { what: "`createCall` with an agent and a contact", scenario: "8c", label: "createCall" },
    { what: "`{ __typename }` (no database work)", scenario: "8e", label: "{ __typename }" },
  ];
  const ceiling = "the database's ceiling";
  const lines = rows
    .filter((r) => find(r.scenario, `${r.label}: grantql requests/s`) || find("8d", `${r.label}: grantql requests/s`))
    .map((r) => {
      const vs = (peer: string, what: string) => judged(find(r.scenario, `${r.label}: ${what}, grantql ÷ ${peer}`));
      const statementsPerSecond = find("8d", `${r.label}: ${ceiling} statements/s`);
      return `| ${r.scenario} | ${r.what} | ${rate(r.scenario, r.label, "grantql")} | ${rate(r.scenario, r.label, "PostGraphile 4")} | ${rate(r.scenario, r.label, "PostGraphile 5")} | ${vs("PostGraphile 4", "requests/s")} | ${vs("PostGraphile 4", "p99 latency")} | ${vs("PostGraphile 5", "requests/s")} | ${num(statementsPerSecond)} | ${judged(find("8d", `${r.label}: requests/s, grantql ÷ ${ceiling}`))} |`;
    });
  let out = "";
  if (lines.length)
    out += `## grantql beside PostGraphile 4 and 5 and the database's ceiling

Medians of each scenario's rounds (req/s, p99 in brackets). The ceiling (8d) is grantql's own statement for the
read, captured on the wire, sent from a bare \`pg\` pool of the server's size in the benchmark process with rows read
as text; its ratio is grantql's rate ÷ the ceiling's, measured in 8d's own interleaved rounds.

| # | operation | grantql | PostGraphile 4 | PostGraphile 5 | ÷ PG 4 req/s | ÷ PG 4 p99 | ÷ PG 5 req/s | ceiling statements/s | grantql ÷ ceiling |
|---|---|---|---|---|---|---|---|---|---|
${lines.join("\n")}
`;
  const scale = figures.filter((f) => f.scenario === "9" && f.unit === "×");
  if (scale.length) {
    const scaleRows = scale.map((f) => {
      const [label, size] = /^(.*): requests\/s at (.*) ÷ at 100,000$/.exec(f.name)?.slice(1) ?? [f.name, ""];
      return `| ${label} | ${num(find("9", `${label}: requests/s at 100,000 calls`))} | ${size} | ${num(find("9", `${label}: requests/s at ${size}`))} | ${judged(f)} |`;
    });
    out += `
## The same reads over more rows (scenario 9, \`BENCH_LARGE=1\`)

| read | req/s at 100,000 calls | calls | req/s | ÷ at 100,000 |
|---|---|---|---|---|
${scaleRows.join("\n")}
`;
  }
  return out;
}
