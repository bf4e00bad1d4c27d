import { Client } from "pg";
import { createDataSource } from "../../ormconfig";
import { UsageReader } from "../../src/usage/usage-reader";
import { PgCountingProxy } from "../lib/pg-counting-proxy";
import { startServer } from "../lib/server-process";
import { round, summarize } from "../lib/stats";
import { Figure, Scenario } from "../lib/types";

const EVENTS = Number(process.env.BENCH_S4_EVENTS || 10_000_000);
const REPEAT = 15;

async function timeIt(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  await work(); // warm the plan and the cache alike for both sides
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * `usage` for one key with 10 M events over 30 days, read from the rollups, against count(*) over
 * the raw events; and the statements one `apiKeys(first: 100) { nodes { usage } }` request costs.
 */
export const usageCounts: Scenario = {
  id: "4",
  title: "usage counters from rollups vs count(*) on 10 M raw events; statements for a page of 100 keys",
  async run(ctx) {
    const pg = new Client({ connectionString: ctx.databaseUrl });
    await pg.connect();
    // Its own key: 30 days of history on the loaded key would make that key's counters move every minute in later scenarios.
    const keyId = ctx.seed.historyKeyId;
    const ws = ctx.seed.workspaceId;
    console.log(`  inserting ${EVENTS} events over 30 days and their rollups …`);
    await pg.query(
      `INSERT INTO usage_event (id, workspace_id, api_key_id, occurred_at, operation_type, outcome, resources)
       SELECT gen_random_uuid(), $1, $2, now() - (g::float8 / $3) * interval '30 days', 'query', 'ALLOWED', '{calls}'
       FROM generate_series(1, $3::int) g`,
      [ws, keyId, EVENTS],
    );
    for (const [table, unit] of [
      ["usage_minute", "minute"],
      ["usage_hour", "hour"],
    ]) {
      await pg.query(
        `INSERT INTO ${table} (api_key_id, ${unit}, count, forbidden)
         SELECT api_key_id, date_trunc('${unit}', occurred_at), count(*), 0 FROM usage_event WHERE api_key_id = $1 GROUP BY 1, 2
         ON CONFLICT (api_key_id, ${unit}) DO UPDATE SET count = EXCLUDED.count`,
        [keyId],
      );
    }
    await pg.query("ANALYZE usage_event; ANALYZE usage_minute; ANALYZE usage_hour");
    const db = createDataSource({ url: ctx.databaseUrl, poolMax: 2 });
    await db.initialize();
    const figures: Figure[] = [];
    try {
      const reader = new UsageReader(db);
      const now = new Date();
      const fromRollups = await timeIt(REPEAT, () => reader.countsFor([keyId], now));
      const rawCount = () =>
        db.query(
          `SELECT count(*) FILTER (WHERE occurred_at > $2::timestamptz - interval '24 hours') AS d1,
                  count(*) FILTER (WHERE occurred_at > $2::timestamptz - interval '7 days') AS d7,
                  count(*) AS d30
             FROM usage_event WHERE api_key_id = $1 AND occurred_at > $2::timestamptz - interval '30 days' AND outcome <> 'REJECTED'`,
          [keyId, now],
        );
      const fromRaw = await timeIt(Math.max(3, Math.floor(REPEAT / 3)), rawCount);
      const rollupMs = summarize(fromRollups);
      const rawMs = summarize(fromRaw);
      const check = (await reader.countsFor([keyId], now)).get(keyId)!;
      const raw = (await rawCount())[0];
      console.log(
        `  rollups ${JSON.stringify(check)} vs raw ${JSON.stringify(raw)}; ${round(rollupMs.median, 2)} ms vs ${round(rawMs.median, 1)} ms`,
      );
      const speedup = rawMs.median / rollupMs.median;
      figures.push(
        { scenario: "4", name: "usage counters from rollups (one key, 10 M events)", unit: "ms", summary: rollupMs },
        { scenario: "4", name: "count(*) over the raw events (same windows)", unit: "ms", summary: rawMs },
        {
          scenario: "4",
          name: "speed-up, rollups vs count(*) (median ÷ median)",
          unit: "×",
          summary: summarize([speedup]),
          target: "≥ 20",
          met: speedup >= 20,
        },
      );
      figures.push(await statementsForKeyPage(ctx.databaseUrl, ctx.seed.adminToken, pg, ws));
    } finally {
      await db.destroy();
      await pg.end();
    }
    return figures;
  },
};

async function statementsForKeyPage(databaseUrl: string, adminToken: string, pg: Client, workspaceId: string): Promise<Figure> {
  await pg.query(
    `WITH k AS (
       INSERT INTO api_key (workspace_id, name, prefix, digest, created_at)
       SELECT $1, 'Page key ' || g, 'pagekey' || (g % 10), encode(sha256(('page' || g || random())::bytea), 'hex'), now() - g * interval '1 second'
       FROM generate_series(1, 120) g RETURNING id)
     INSERT INTO api_key_grant (api_key_id, resource, read, write) SELECT id, 'calls', true, false FROM k`,
    [workspaceId],
  );
  const target = new URL(databaseUrl);
  const proxy = new PgCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.hostname = "127.0.0.1";
  target.port = String(await proxy.start());
  const server = await startServer({ DATABASE_URL: target.toString(), REDIS_URL: "" });
  try {
    const request = () =>
      fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: "{ apiKeys(first: 100) { nodes { id usage { last24h last7d last30d } } } }" }),
      }).then(async (r) => {
        const body = (await r.json()) as { data?: { apiKeys: { nodes: unknown[] } } };
        if (body.data?.apiKeys.nodes.length !== 100) throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 300)}`);
      });
    await request();
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      proxy.reset();
      await request();
      counts.push(proxy.statements);
    }
    const summary = summarize(counts);
    return {
      scenario: "4",
      name: "SQL statements for apiKeys(first: 100) { nodes { usage } } (session check included, counted on the wire)",
      unit: "statements",
      summary,
      target: "≤ 3",
      met: summary.max <= 3,
    };
  } finally {
    await server.stop();
    await proxy.stop();
  }
}
