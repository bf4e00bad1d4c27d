import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { round } from "./stats";
import { Figure } from "./types";

const ROOT = resolve(__dirname, "../../..");
const RESULTS_DIR = resolve(ROOT, "bench/results");

export interface RunInfo {
  startedAt: string;
  postgres: string;
  rounds: number;
  durationSeconds: number;
  connections: number;
  /** 1-minute load average when the run started: how much else the (shared) machine was doing. */
  loadAverage?: number;
}

function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(resolve(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

/** Keeps figures of scenarios not run this time, so `npm run bench -- 4` updates only scenario 4. */
export function writeResults(info: RunInfo, figures: Figure[], ran: string[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const latestPath = resolve(RESULTS_DIR, "latest.json");
  const previous: { figures: (Figure & { runAt?: string })[] } = existsSync(latestPath)
    ? JSON.parse(readFileSync(latestPath, "utf8"))
    : { figures: [] };
  const kept = previous.figures.filter((f) => !ran.includes(f.scenario));
  const all = [...kept, ...figures.map((f) => ({ ...f, runAt: info.startedAt }))].sort(
    (a, b) => parseInt(a.scenario, 10) - parseInt(b.scenario, 10) || a.scenario.localeCompare(b.scenario),
  );
  const machine = { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version };
  writeFileSync(latestPath, JSON.stringify({ info, machine, figures: all }, null, 2));
  const versions = ["@apollo/server", "graphql", "type-graphql", "typeorm", "pg", "graphql-ws", "ioredis", "autocannon"]
    .map((p) => `${p} ${versionOf(p)}`)
    .join(", ");
  const rows = all.map((f) => {
    const s = f.summary;
    const fmt = (v: number) => (Math.abs(v) >= 100 ? round(v, 0) : round(v, 3));
    const verdict = f.met === undefined ? "" : f.met ? "met" : "**missed**";
    return `| ${f.scenario} | ${f.name} | ${fmt(s.min)} | **${fmt(s.median)}** | ${fmt(s.max)} | ${f.unit} | ${f.target ?? ""} | ${verdict} | ${f.runAt?.slice(0, 16) ?? ""} |`;
  });
  const markdown = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`); do not edit by hand. Scenarios 1–7 compare the
same server, query and data with only the measured feature switched off (\`BENCH_DISABLE\`, read
only by the benchmark's own entry point \`bench/server.ts\`); scenario 1b is scenario 1 with a
50-entry IP allowlist on the key; scenario 5b is scenario 5 over 50 workspaces with 10 stalled
subscribers, its load through watched keys against their unwatched twins; scenarios 8a–8c compare grantql (everything on, a real key) with
PostGraphile 4 on the same seeded database, after asserting both return the same rows. All run as
interleaved A/B rounds with autocannon in its own process; figures are min / **median** / max over
the rounds.

- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, shared; ${machine.node}
- Database: ${info.postgres}
- Versions: ${versions}
- Last run: ${info.startedAt}, ${info.rounds} rounds × ${info.durationSeconds} s, ${info.connections} connections${info.loadAverage !== undefined ? `; load average ${round(info.loadAverage, 1)} on ${machine.cores} cores when it started (other work on the machine)` : ""}

| # | figure | min | median | max | unit | target | verdict | run at |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}
${notes(all)}`;
  const mdPath = resolve(ROOT, "bench/RESULTS.md");
  writeFileSync(mdPath, markdown);
  return mdPath;
}

function notes(figures: Figure[]): string {
  const lines = figures.filter((f) => f.note).map((f) => `- **${f.scenario}, ${f.name}**: ${f.note}`);
  return lines.length ? `\nWhere a target is missed, what it was found to cost:\n\n${lines.join("\n")}\n` : "";
}
