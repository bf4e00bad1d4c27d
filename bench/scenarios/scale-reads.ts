import { Client } from "pg";
import { interleavedAll, post } from "../lib/peer-rounds";
import { ServerProcess, startServer } from "../lib/server-process";
import { ratio, round, summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";
import { insertCalls, SEED_SIZES } from "../seed";
import { grantqlSide, READS } from "./peer-reads";

/** The sizes the scale scenario reads at (`BENCH_LARGE_CALLS`, comma-separated, to try smaller ones). */
function sizes(): number[] {
  const raw = process.env.BENCH_LARGE_CALLS || "1000000,10000000";
  const parsed = raw.split(",").map((s) => Number(s.trim()));
  if (parsed.some((n) => !Number.isInteger(n) || n <= SEED_SIZES.calls))
    throw new Error(`BENCH_LARGE_CALLS must list whole numbers above ${SEED_SIZES.calls} (got ${JSON.stringify(raw)})`);
  return parsed;
}

/** The goal: each read keeps this share of its 100,000-call rate at every larger size. */
const SCALE_TARGET = 0.8;

const million = (n: number) => (n >= 1_000_000 ? `${round(n / 1_000_000, 1)} M` : n.toLocaleString("en-US"));

/**
 * A copy of the benchmark's database (`CREATE DATABASE … TEMPLATE`, a file copy) grown to `total` calls in the bench
 * workspace, all older than the seeded ones: the table made unlogged (no WAL for the load or its indexes; reads are
 * the same), its indexes dropped, the calls inserted with generate_series on two connections with the foreign-key
 * triggers off (`session_replication_role = replica`: the ids come from the workspace's own rows), then the indexes
 * built again and the table vacuumed and analysed. Returns its URL and each step's seconds.
 */
async function grownCopy(
  admin: Client,
  ctx: BenchContext,
  total: number,
): Promise<{ url: string; name: string; steps: Record<string, number> }> {
  const source = new URL(ctx.databaseUrl).pathname.slice(1);
  const name = `${source}_${total}`;
  const steps: Record<string, number> = {};
  const timed = async (step: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    steps[step] = round((performance.now() - started) / 1000, 1);
  };
  await timed("copy", async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${source}`);
        return;
      } catch (error) {
        // The servers of the scenario before may still be closing their connections to the source.
        if (attempt === 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  const url = Object.assign(new URL(ctx.databaseUrl), { pathname: `/${name}` }).toString();
  const open = async () => {
    const db = new Client({ connectionString: url });
    await db.connect();
    await db.query("SET session_replication_role = replica");
    await db.query("SET maintenance_work_mem = '1GB'");
    return db;
  };
  const db = await open();
  try {
    const { rows: indexes } = await db.query<{ name: string; definition: string; constraint: string | null }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition, pg_get_constraintdef(c.oid) AS constraint
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = x.indrelid
       WHERE x.indrelid = 'call'::regclass`,
    );
    await timed("unlogged, indexes dropped", async () => {
      await db.query("ALTER TABLE call SET UNLOGGED");
      for (const index of indexes)
        await db.query(index.constraint ? `ALTER TABLE call DROP CONSTRAINT "${index.name}"` : `DROP INDEX "${index.name}"`);
    });
    await timed("insert", async () => {
      const from = SEED_SIZES.calls + 1;
      const middle = Math.floor((from + total) / 2);
      const second = await open();
      try {
        await Promise.all([
          insertCalls(db, ctx.seed.workspaceId, from, middle),
          insertCalls(second, ctx.seed.workspaceId, middle + 1, total),
        ]);
      } finally {
        await second.end();
      }
    });
    await timed("indexes", async () => {
      for (const index of indexes)
        await db.query(index.constraint ? `ALTER TABLE call ADD CONSTRAINT "${index.name}" ${index.constraint}` : index.definition);
    });
    await timed("vacuum analyze", () => db.query("VACUUM (ANALYZE) call"));
    const { rows } = await db.query("SELECT count(*)::int AS n FROM call WHERE workspace_id = $1", [ctx.seed.workspaceId]);
    if (rows[0].n !== total) throw new Error(`the copy holds ${rows[0].n} calls, not ${total}`);
  } finally {
    await db.end();
  }
  return { url, name, steps };
}

/**
 * Cost that follows the rows returned, not the rows stored: the three reads of 8a/8b on grantql over the seeded
 * 100,000 calls and over copies grown to 1 M and 10 M, the same rows asserted on each, in interleaved rounds; each
 * larger size must keep ≥ 0.8× of the 100,000-call rate. Opt-in (`BENCH_LARGE=1`, or `npm run bench -- 9`).
 */
export const scaleReads: Scenario = {
  id: "9",
  title: "the three reads on 1 M and 10 M calls vs 100,000 (opt-in: BENCH_LARGE=1)",
  defaultRounds: 7,
  optIn: true,
  async run(ctx) {
    const admin = new Client({ connectionString: ctx.adminDatabaseUrl });
    await admin.connect();
    const copies: string[] = [];
    const servers: ServerProcess[] = [];
    const figures: Figure[] = [];
    try {
      const urls = [ctx.databaseUrl];
      for (const total of sizes()) {
        console.log(`  growing a copy to ${million(total)} calls …`);
        const copy = await grownCopy(admin, ctx, total);
        copies.push(copy.name);
        urls.push(copy.url);
        const seconds = Object.values(copy.steps).reduce((a, b) => a + b, 0);
        console.log(`  ${million(total)} calls in ${round(seconds, 1)} s: ${JSON.stringify(copy.steps)}`);
        figures.push({
          scenario: "9",
          name: `seeding ${million(total)} calls (${Object.entries(copy.steps)
            .map(([step, s]) => `${step} ${s} s`)
            .join(", ")})`,
          unit: "s",
          summary: summarize([round(seconds, 1)]),
        });
      }
      for (const url of urls) servers.push(await startServer({ DATABASE_URL: url, REDIS_URL: "" }));
      const names = ["100,000 calls", ...sizes().map((n) => `${million(n)} calls`)];
      for (const read of READS) {
        const answers = await Promise.all(servers.map((s) => post(grantqlSide(ctx, s, read.query), read.query)));
        const rows = answers.map((a) => JSON.stringify(read.rows(a)));
        if (rows.some((r) => r !== rows[0])) throw new Error(`${read.label}: the sizes return different rows`);
        const rounds = await interleavedAll(
          ctx,
          servers.map((s, i) => grantqlSide(ctx, s, read.query, names[i])),
        );
        names.forEach((name, i) => {
          if (i > 0)
            figures.push(
              ratio(
                "9",
                `${read.label}: requests/s at ${name} ÷ at 100,000`,
                summarize(rounds.map((r) => r[i].requestsPerSecond / r[0].requestsPerSecond)),
                ["≥", SCALE_TARGET],
                "the statement's cost grows with the rows stored: see its plan (EXPLAIN ANALYZE) on the grown copy.",
              ),
            );
          figures.push({
            scenario: "9",
            name: `${read.label}: requests/s at ${name}`,
            unit: "req/s",
            summary: summarize(rounds.map((r) => r[i].requestsPerSecond)),
          });
        });
      }
      return figures;
    } finally {
      for (const server of servers) await server.stop();
      for (const name of copies) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};
