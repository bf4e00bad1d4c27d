import { loadavg } from "node:os";
import { Client } from "pg";
import { writeResults } from "./lib/report";
import { startServer } from "./lib/server-process";
import { BenchContext, Scenario } from "./lib/types";
import { crossInstanceRevocation } from "./scenarios/cross-instance-revocation";
import { malformedKeys } from "./scenarios/malformed-keys";
import { peerList, peerNested } from "./scenarios/peer-reads";
import { peerWrite } from "./scenarios/peer-write";
import { allowlistOverhead, authOverhead, meteringOverhead } from "./scenarios/request-overhead";
import { subscribersUnderLoad } from "./scenarios/subscribers-under-load";
import { usageCounts } from "./scenarios/usage-counts";
import { usageWriter } from "./scenarios/usage-writer";
import { stalledSubscribers } from "./scenarios/stalled-subscribers";
import { exactCredits, spendOverhead } from "./scenarios/key-spend";
import { seed } from "./seed";

const SCENARIOS: Scenario[] = [
  authOverhead,
  allowlistOverhead,
  meteringOverhead,
  usageWriter,
  usageCounts,
  subscribersUnderLoad,
  stalledSubscribers,
  crossInstanceRevocation,
  malformedKeys,
  peerList,
  peerNested,
  peerWrite,
  spendOverhead,
  exactCredits,
];

const env = (name: string, fallback: string) => process.env[name] || fallback;

/**
 * `npm run bench` runs every scenario; `npm run bench -- 1 7 8a` only those (`8` selects 8a–8c, `5` 5 and 5b). A fresh database is
 * created and seeded for the run and dropped after it.
 */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => /^\d+[a-z]?$/.test(a));
  const scenarios = wanted.length
    ? SCENARIOS.filter((s) => wanted.includes(s.id) || wanted.includes(String(parseInt(s.id, 10))))
    : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`no such scenario; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
  const admin = env("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres");
  const dbName = `grantql_bench_${Date.now()}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = Object.assign(new URL(admin), { pathname: `/${dbName}` }).toString();
  const postgres = (await adminClient.query("SHOW server_version")).rows[0].server_version;
  const startedAt = new Date().toISOString();
  const loadAverage = loadavg()[0];
  try {
    console.log(`seeding ${dbName} …`);
    const seeder = await startServer({ DATABASE_URL: databaseUrl, REDIS_URL: "" });
    const seeded = await seed(databaseUrl, seeder.url);
    await seeder.stop();
    const ctx: BenchContext = {
      databaseUrl,
      redisUrl: env("BENCH_REDIS_URL", "redis://127.0.0.1:6379"),
      rounds: Number(env("BENCH_ROUNDS", "3")),
      durationSeconds: Number(env("BENCH_DURATION", "10")),
      connections: Number(env("BENCH_CONNECTIONS", "16")),
      seed: seeded,
      figures: [],
    };
    const figures = ctx.figures;
    for (const scenario of scenarios) {
      console.log(`scenario ${scenario.id}: ${scenario.title}`);
      const result = await scenario.run(ctx);
      for (const f of result)
        console.log(
          `  ${f.name}: median ${f.summary.median} ${f.unit}${f.target ? ` (target ${f.target}: ${f.met ? "met" : "MISSED"})` : ""}`,
        );
      figures.push(...result);
    }
    const path = writeResults(
      { startedAt, postgres, rounds: ctx.rounds, durationSeconds: ctx.durationSeconds, connections: ctx.connections, loadAverage },
      figures,
      scenarios.map((s) => s.id),
    );
    console.log(`wrote ${path}`);
  } finally {
    await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
