import { loadavg } from "node:os";
import { Client } from "pg";
import { writeResults } from "./lib/report";
import { startServer } from "./lib/server-process";
import { BenchContext, Scenario } from "./lib/types";
import { crossInstanceRevocation } from "./scenarios/cross-instance-revocation";
import { malformedKeys } from "./scenarios/malformed-keys";
import { databaseCeiling, peerList, peerNested, requestFloor } from "./scenarios/peer-reads";
import { peerWrite } from "./scenarios/peer-write";
import { persistedIds } from "./scenarios/persisted-ids";
import { allowlistOverhead, authOverhead, meteringOverhead } from "./scenarios/request-overhead";
import { subscribersUnderLoad } from "./scenarios/subscribers-under-load";
import { usageCounts } from "./scenarios/usage-counts";
import { usageWriter } from "./scenarios/usage-writer";
import { scaleReads } from "./scenarios/scale-reads";
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
  persistedIds,
  databaseCeiling,
  requestFloor,
  scaleReads,
];

const env = (name: string, fallback: string) => process.env[name] || fallback;

/**
 * `npm run bench` runs every scenario but the opt-in scale scenario 9 (`BENCH_LARGE=1` adds it); `npm run bench -- 1 7 8a`
 * only those (`8` selects 8a–8e, `5` 5 and 5b). A fresh database is created and seeded for the run and dropped after it.
 */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => /^\d+[a-z]?$/.test(a));
  const large = process.env.BENCH_LARGE === "1";
  const scenarios = wanted.length
    ? SCENARIOS.filter((s) => wanted.includes(s.id) || wanted.includes(String(parseInt(s.id, 10))))
    : SCENARIOS.filter((s) => !s.optIn || large);
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
      adminDatabaseUrl: admin,
      databaseUrl,
      redisUrl: env("BENCH_REDIS_URL", "redis://127.0.0.1:6379"),
      rounds: Number(env("BENCH_ROUNDS", "3")),
      roundsSet: Boolean(process.env.BENCH_ROUNDS),
      durationSeconds: Number(env("BENCH_DURATION", "10")),
      connections: Number(env("BENCH_CONNECTIONS", "16")),
      seed: seeded,
      figures: [],
    };
    const figures = ctx.figures;
    for (const scenario of scenarios) {
      console.log(`scenario ${scenario.id}: ${scenario.title}`);
      // A scenario's own default (scenario 8's 7) unless BENCH_ROUNDS says otherwise.
      const rounds = ctx.roundsSet ? ctx.rounds : (scenario.defaultRounds ?? ctx.rounds);
      const result = (await scenario.run({ ...ctx, rounds })).map((f) => ({ ...f, run: `${rounds} × ${ctx.durationSeconds} s` }));
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
