import { Client } from "pg";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createThrowawayDatabase, ThrowawayDatabase } from "../support/throwaway-database";

/**
 * One large workspace among many small ones, as a shared database holds them: the read planner's
 * statements run as prepared statements, whose generic plan knows no workspace. Its nested pages
 * must still read from the index only the rows they return.
 */
const LARGE = { agents: 10, callsPerAgent: 1_000 };
const SMALL = { workspaces: 50, agents: 2, callsPerAgent: 100 };

let db: ThrowawayDatabase;
let server: TestServer;
const statements: string[] = [];

beforeAll(async () => {
  db = await createThrowawayDatabase();
  server = await startTestServer({ env: { DATABASE_URL: db.url }, queryCounter: (sql) => statements.push(sql) });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** `agents` agents in the workspace, each with `calls` calls of its own. */
async function seedWorkspace(client: Client, workspaceId: string, agents: number, calls: number): Promise<void> {
  await client.query(
    `INSERT INTO agent (workspace_id, name, language, status, created_at, updated_at)
     SELECT $1, 'Agent ' || g, 'en-US', 'ACTIVE', now() - g * interval '1 minute', now() FROM generate_series(1, $2::int) g`,
    [workspaceId, agents],
  );
  // As calls arrive: each agent's in turn, so one agent's calls lie apart in the table.
  await client.query(
    `WITH a AS (SELECT array_agg(id) AS ids FROM agent WHERE workspace_id = $1)
     INSERT INTO call (workspace_id, agent_id, direction, status, from_number, to_number, created_at, updated_at)
     SELECT $1, a.ids[1 + g % $3::int], 'INBOUND', 'COMPLETED', '+15550000000', '+15550000001', now() - g * interval '1 second', now()
     FROM a, generate_series(1, $2::int * $3::int) g`,
    [workspaceId, calls, agents],
  );
}

/** Every node of a plan (EXPLAIN's JSON), depth first. */
function nodesOf(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(nodesOf)];
}

describe("the read planner's statements, one large workspace among many small ones", () => {
  it("are planned once per connection (their generic plan), never anew at a run: PostgreSQL would plan the first five runs for their values", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    const query = "{ calls(first: 5) { nodes { id status } } }";
    for (let run = 0; run < 8; run++) expect(dataOf(await gql(server.url, query, {}, key.secret)).calls.nodes).toEqual([]);
    const pool = server.services.readPool;
    const clients = await Promise.all(Array.from({ length: server.config.dbPoolMax }, () => pool.connect()));
    try {
      const counts = await Promise.all(
        clients.map(async (client) => {
          const { rows } = await client.query<{ generic: string; custom: string }>(
            `SELECT coalesce(sum(generic_plans), 0) AS generic, coalesce(sum(custom_plans), 0) AS custom
             FROM pg_prepared_statements WHERE statement LIKE '%FROM call %' AND name LIKE 'grantql_read_%'`,
          );
          return { generic: Number(rows[0].generic), custom: Number(rows[0].custom) };
        }),
      );
      expect(counts.reduce((n, c) => n + c.generic, 0)).toBe(8);
      expect(counts.reduce((n, c) => n + c.custom, 0)).toBe(0);
    } finally {
      for (const client of clients) client.release();
    }
  });

  it("a nested page's generic plan reads only the rows it returns: calls(first: 10) of each agent, not all of them", async () => {
    const admin = await signUp(server.url);
    const key = await createKey(server.url, admin.token, [
      { resource: "AGENTS", read: true },
      { resource: "CALLS", read: true },
    ]);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await seedWorkspace(client, admin.workspaceId, LARGE.agents, LARGE.callsPerAgent);
      for (let i = 0; i < SMALL.workspaces; i++) {
        const { rows } = await client.query(`INSERT INTO workspace (name, created_at) VALUES ($1, now()) RETURNING id`, [`Small ${i}`]);
        await seedWorkspace(client, rows[0].id, SMALL.agents, SMALL.callsPerAgent);
      }
      await client.query("ANALYZE");

      statements.length = 0;
      const query = `{ agents(first: ${LARGE.agents}) { nodes { name calls(first: 10) { nodes { id } } } } }`;
      const data = dataOf(await gql(server.url, query, {}, key.secret));
      expect(data.agents.nodes).toHaveLength(LARGE.agents);
      for (const agent of data.agents.nodes) expect(agent.calls.nodes).toHaveLength(10);
      const read = statements.filter((sql) => /\bFROM call\b/.test(sql));
      expect(read).toHaveLength(1);

      // The server's own statement, as its generic plan runs it once a connection has prepared it.
      await client.query(`PREPARE nested(uuid) AS ${read[0]}`);
      await client.query("SET plan_cache_mode = force_generic_plan");
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE nested('${admin.workspaceId}')`);
      const nodes = nodesOf(rows[0]["QUERY PLAN"][0].Plan);
      const callScans = nodes.filter((node) => node["Relation Name"] === "call");
      expect(callScans.length).toBeGreaterThan(0);
      const callRowsRead = callScans.reduce((n, node) => n + (node["Actual Rows"] as number) * (node["Actual Loops"] as number), 0);
      expect(callRowsRead).toBe(LARGE.agents * 10);
    } finally {
      await client.end();
    }
  }, 60_000);
});
