import { post, interleaved, peerFigures, Side } from "../lib/peer-rounds";
import { PgCountingProxy } from "../lib/pg-counting-proxy";
import { startPostGraphile } from "../lib/postgraphile";
import { ServerProcess, startServer } from "../lib/server-process";
import { summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";

const NEWEST = "orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]";
export const QUERY_8A = "{ calls(first: 20) { nodes { id status durationSeconds agent { name } contact { firstName } } } }";
const twin8a = (ws: string) =>
  `{ allCalls(first: 20, condition: { workspaceId: "${ws}" }, ${NEWEST}) { nodes { id status startedAt endedAt agentByWorkspaceIdAndAgentId { name } contactByWorkspaceIdAndContactId { firstName } } } }`;
export const query8b = (agents: number, calls = 10) =>
  `{ agents(first: ${agents}) { nodes { name calls(first: ${calls}) { nodes { id status contact { firstName } } } } } }`;
const twin8b = (ws: string, agents: number, calls = 10) =>
  `{ allAgents(first: ${agents}, condition: { workspaceId: "${ws}" }, ${NEWEST}) { nodes { name callsByWorkspaceIdAndAgentId(first: ${calls}, ${NEWEST}) { nodes { id status contactByWorkspaceIdAndContactId { firstName } } } } } }`;

/** What a missed read target was found to cost (one measurement on this shared machine; see README, Performance). */
export const READ_NOTE =
  "grantql answers with one prepared statement whose generic plan is the keyset index scan (it is not planned again per request), and spends less Node CPU per request than PostGraphile on these reads; a miss here is this shared 2-core machine's spread between rounds or the per-request floor that grantql has and PostGraphile has not (key verification, the permission decision, metering, Apollo Server) — see README, Performance.";

const seconds = (from: string | null, to: string | null) => (from && to ? Math.floor((Date.parse(to) - Date.parse(from)) / 1000) : null);

/** Both answers reduced to the same shape, to assert the same rows before anything is measured. */
const rows8a = {
  grantql: (d: any) =>
    d.calls.nodes.map((c: any) => [c.id, c.status, c.durationSeconds, c.agent?.name ?? null, c.contact?.firstName ?? null]),
  peer: (d: any) =>
    d.allCalls.nodes.map((c: any) => [
      c.id,
      c.status,
      seconds(c.startedAt, c.endedAt),
      c.agentByWorkspaceIdAndAgentId?.name ?? null,
      c.contactByWorkspaceIdAndContactId?.firstName ?? null,
    ]),
};
const rows8b = {
  grantql: (d: any) =>
    d.agents.nodes.map((a: any) => [a.name, a.calls.nodes.map((c: any) => [c.id, c.status, c.contact?.firstName ?? null])]),
  peer: (d: any) =>
    d.allAgents.nodes.map((a: any) => [
      a.name,
      a.callsByWorkspaceIdAndAgentId.nodes.map((c: any) => [c.id, c.status, c.contactByWorkspaceIdAndContactId?.firstName ?? null]),
    ]),
};

async function sameRows(
  grantql: Side,
  peer: Side,
  reduce: { grantql: (d: any) => unknown[]; peer: (d: any) => unknown[] },
  expected: number,
): Promise<void> {
  const mine = reduce.grantql(await post(grantql, JSON.parse(grantql.body).query));
  const theirs = reduce.peer(await post(peer, JSON.parse(peer.body).query));
  if (mine.length !== expected || JSON.stringify(mine) !== JSON.stringify(theirs)) {
    throw new Error(
      `the two servers return different rows: ${JSON.stringify(mine).slice(0, 300)} vs ${JSON.stringify(theirs).slice(0, 300)}`,
    );
  }
}

async function withBoth<T>(ctx: BenchContext, work: (grantql: ServerProcess, peer: ServerProcess) => Promise<T>): Promise<T> {
  const grantql = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
  const peer = await startPostGraphile(ctx.databaseUrl);
  try {
    return await work(grantql, peer);
  } finally {
    await grantql.stop();
    await peer.stop();
  }
}

/**
 * SQL statements one request's execution sends, counted on the wire by a proxy in front of
 * PostgreSQL: the key is verified (and cached) by a first request, and the usage writer's flush,
 * which runs on its own schedule for every request together, is left out by its tables.
 */
async function statementsPerRequest(ctx: BenchContext, scenario: string, label: string, query: string): Promise<Figure> {
  const target = new URL(ctx.databaseUrl);
  const proxy = new PgCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.hostname = "127.0.0.1";
  target.port = String(await proxy.start());
  const server = await startServer({ DATABASE_URL: target.toString(), REDIS_URL: "" });
  try {
    const side = { url: server.url, headers: { authorization: `Bearer ${ctx.seed.keySecret}` } };
    await post(side, query);
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      proxy.reset();
      await post(side, query);
      const counted = proxy.texts.filter((sql) => !/\busage_/.test(sql));
      if (i === 0) console.log(`  statements for ${label}: ${counted.map((s) => s.slice(0, 60).replace(/\s+/g, " ")).join(" | ")}`);
      counts.push(counted.length);
    }
    const summary = summarize(counts);
    return {
      scenario,
      name: `${label}: SQL statements per request (counted on the wire)`,
      unit: "statements",
      summary,
      target: "= 1",
      met: summary.max === 1,
    };
  } finally {
    await server.stop();
    await proxy.stop();
  }
}

function sides(ctx: BenchContext, grantql: ServerProcess, peer: ServerProcess, mine: string, theirs: string): [Side, Side] {
  return [
    {
      name: "grantql",
      url: grantql.url,
      body: JSON.stringify({ query: mine }),
      headers: { authorization: `Bearer ${ctx.seed.keySecret}` },
    },
    { name: "PostGraphile", url: peer.url, body: JSON.stringify({ query: theirs }), headers: {} },
  ];
}

export const peerList: Scenario = {
  id: "8a",
  title: "calls(first: 20) with agent and contact: grantql (everything on, a real key) vs PostGraphile 4 on the same tables",
  run: (ctx) =>
    withBoth(ctx, async (grantql, peer) => {
      const [a, b] = sides(ctx, grantql, peer, QUERY_8A, twin8a(ctx.seed.workspaceId));
      await sameRows(a, b, rows8a, 20);
      const figures = peerFigures("8a", "calls(first: 20)", await interleaved(ctx, a, b), 1.0, 1.0, READ_NOTE);
      return [...figures, await statementsPerRequest(ctx, "8a", "calls(first: 20)", QUERY_8A)];
    }),
};

export const peerNested: Scenario = {
  id: "8b",
  title: "agents × calls with contact (10 × 10 and 100 × 10): grantql vs PostGraphile 4",
  run: (ctx) =>
    withBoth(ctx, async (grantql, peer) => {
      const figures: Figure[] = [];
      for (const [agents, calls] of [
        [10, 10],
        [100, 10],
      ]) {
        const label = `agents(first: ${agents}) × calls(first: ${calls})`;
        const [a, b] = sides(ctx, grantql, peer, query8b(agents, calls), twin8b(ctx.seed.workspaceId, agents, calls));
        await sameRows(a, b, rows8b, agents);
        figures.push(...peerFigures("8b", label, await interleaved(ctx, a, b), 1.0, undefined, READ_NOTE));
        figures.push(await statementsPerRequest(ctx, "8b", label, query8b(agents, calls)));
      }
      return figures;
    }),
};
