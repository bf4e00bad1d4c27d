import { loadConfig } from "../../src/config";
import { Contender, interleavedAll, Peer, peerFigures, post, Side } from "../lib/peer-rounds";
import { ExecutedStatement, PgCountingProxy } from "../lib/pg-counting-proxy";
import { PostGraphileVersion, startPostGraphile } from "../lib/postgraphile";
import { ServerProcess, startServer } from "../lib/server-process";
import { statementLoad } from "../lib/statement-load";
import { summarize } from "../lib/stats";
import { BenchContext, Figure, Scenario } from "../lib/types";

const NEWEST = "orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]";

/**
 * A read measured on grantql and on both PostGraphiles: grantql's document, its twin for PostGraphile (v5 names a
 * table's `id` column `rowId`), and how each side's answer reduces to the same rows.
 */
export interface Read {
  label: string;
  query: string;
  /** The same read for PostGraphile, `id` naming the call's id column (`id` in v4, `rowId` in v5). */
  twin(workspaceId: string, id: string): string;
  /** grantql's answer as rows. */
  rows(data: any): unknown[];
  /** PostGraphile's answer as the same rows. */
  twinRows(data: any, id: string): unknown[];
  /** How many top-level rows a full answer has. */
  expected: number;
}

const seconds = (from: string | null, to: string | null) => (from && to ? Math.floor((Date.parse(to) - Date.parse(from)) / 1000) : null);

export const QUERY_8A = "{ calls(first: 20) { nodes { id status durationSeconds agent { name } contact { firstName } } } }";
export const query8b = (agents: number, calls = 10) =>
  `{ agents(first: ${agents}) { nodes { name calls(first: ${calls}) { nodes { id status contact { firstName } } } } } }`;

const LIST: Read = {
  label: "calls(first: 20)",
  query: QUERY_8A,
  twin: (ws, id) =>
    `{ allCalls(first: 20, condition: { workspaceId: "${ws}" }, ${NEWEST}) { nodes { ${id} status startedAt endedAt agentByWorkspaceIdAndAgentId { name } contactByWorkspaceIdAndContactId { firstName } } } }`,
  rows: (d) => d.calls.nodes.map((c: any) => [c.id, c.status, c.durationSeconds, c.agent?.name ?? null, c.contact?.firstName ?? null]),
  twinRows: (d, id) =>
    d.allCalls.nodes.map((c: any) => [
      c[id],
      c.status,
      seconds(c.startedAt, c.endedAt),
      c.agentByWorkspaceIdAndAgentId?.name ?? null,
      c.contactByWorkspaceIdAndContactId?.firstName ?? null,
    ]),
  expected: 20,
};

const nested = (agents: number, calls = 10): Read => ({
  label: `agents(first: ${agents}) × calls(first: ${calls})`,
  query: query8b(agents, calls),
  twin: (ws, id) =>
    `{ allAgents(first: ${agents}, condition: { workspaceId: "${ws}" }, ${NEWEST}) { nodes { name callsByWorkspaceIdAndAgentId(first: ${calls}, ${NEWEST}) { nodes { ${id} status contactByWorkspaceIdAndContactId { firstName } } } } } }`,
  rows: (d) => d.agents.nodes.map((a: any) => [a.name, a.calls.nodes.map((c: any) => [c.id, c.status, c.contact?.firstName ?? null])]),
  twinRows: (d, id) =>
    d.allAgents.nodes.map((a: any) => [
      a.name,
      a.callsByWorkspaceIdAndAgentId.nodes.map((c: any) => [c[id], c.status, c.contactByWorkspaceIdAndContactId?.firstName ?? null]),
    ]),
  expected: agents,
});

/** The three reads of scenarios 8a, 8b and 8d (and the scale scenario). */
export const READS: readonly Read[] = [LIST, nested(10), nested(100)];

/** The name each PostGraphile gives the call's id column. */
const ID_FIELD: Record<PostGraphileVersion, string> = { 4: "id", 5: "rowId" };

/** The PostGraphiles, with the targets of grantql ÷ each on reads (issue 26: 2× either; p99 ≤ 0.6× v4's). */
const READ_PEERS: Record<PostGraphileVersion, Peer> = {
  4: { name: "PostGraphile 4", rps: 2.0, p99: 0.6 },
  5: { name: "PostGraphile 5", rps: 2.0 },
};

/** What a missed read target was found to cost (one measurement on this shared machine; see bench/README.md). */
export const READ_NOTE =
  "grantql answers each read with one statement (counted on the wire, below); what it spends beyond the database is per-request Node work — scenario 8d gives grantql's rate against the database's own for that statement, 8e the floor with no database work (key verification, the permission decision, metering, the GraphQL server); see bench/README.md.";

/** grantql's request for a read, with the seeded key (calls, agents and contacts readable). */
export function grantqlSide(ctx: BenchContext, server: ServerProcess, query: string, name = "grantql"): Side {
  return { name, url: server.url, body: JSON.stringify({ query }), headers: { authorization: `Bearer ${ctx.seed.keySecret}` } };
}

/** PostGraphile's twin of a read, with no auth at all. */
function twinSide(ctx: BenchContext, server: ServerProcess, version: PostGraphileVersion, read: Read): Side {
  return {
    name: READ_PEERS[version].name,
    url: server.url,
    body: JSON.stringify({ query: read.twin(ctx.seed.workspaceId, ID_FIELD[version]) }),
    headers: {},
  };
}

/** Asserts every PostGraphile returns grantql's rows for `read` before anything is measured; returns grantql's answer. */
async function sameRows(
  ctx: BenchContext,
  grantql: ServerProcess,
  peers: [PostGraphileVersion, ServerProcess][],
  read: Read,
): Promise<any> {
  const data = await post(grantqlSide(ctx, grantql, read.query), read.query);
  const mine = JSON.stringify(read.rows(data));
  if (read.rows(data).length !== read.expected)
    throw new Error(`grantql returned ${read.rows(data).length} rows, not ${read.expected}: ${mine.slice(0, 300)}`);
  for (const [version, server] of peers) {
    const twin = read.twin(ctx.seed.workspaceId, ID_FIELD[version]);
    const theirs = JSON.stringify(read.twinRows(await post({ url: server.url, headers: {} }, twin), ID_FIELD[version]));
    if (mine !== theirs)
      throw new Error(`grantql and PostGraphile ${version} return different rows: ${mine.slice(0, 300)} vs ${theirs.slice(0, 300)}`);
  }
  return data;
}

/** grantql and both PostGraphiles on the benchmark's database for `work`, stopped after it. */
async function withPeers<T>(
  ctx: BenchContext,
  work: (grantql: ServerProcess, peers: [PostGraphileVersion, ServerProcess][]) => Promise<T>,
): Promise<T> {
  const started: ServerProcess[] = [];
  try {
    const grantql = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
    started.push(grantql);
    const peers: [PostGraphileVersion, ServerProcess][] = [];
    for (const version of [4, 5] as const) {
      const peer = await startPostGraphile(ctx.databaseUrl, version);
      started.push(peer);
      peers.push([version, peer]);
    }
    return await work(grantql, peers);
  } finally {
    for (const server of started) await server.stop();
  }
}

/**
 * The SQL statements one request for `query` sends, captured on the wire by a proxy in front of PostgreSQL with
 * their parameters: the key is verified (and cached) by a first request, and the usage writer's flush, which runs
 * on its own schedule for every request together, is left out by its tables. Five requests; `statements` is the
 * fewest any of them sent (a key's background refresh can fall into one).
 */
export async function capturedStatements(
  ctx: BenchContext,
  query: string,
  databaseUrl = ctx.databaseUrl,
): Promise<{ counts: number[]; statements: ExecutedStatement[] }> {
  const target = new URL(databaseUrl);
  const proxy = new PgCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.hostname = "127.0.0.1";
  target.port = String(await proxy.start());
  const server = await startServer({ DATABASE_URL: target.toString(), REDIS_URL: "" });
  try {
    const side = grantqlSide(ctx, server, query);
    await post(side, query);
    const requests: ExecutedStatement[][] = [];
    for (let i = 0; i < 5; i++) {
      proxy.reset();
      await post(side, query);
      requests.push(proxy.executed.filter((s) => !/\busage_/.test(s.text)));
    }
    const fewest = requests.reduce((a, b) => (b.length < a.length ? b : a));
    return { counts: requests.map((r) => r.length), statements: fewest };
  } finally {
    await server.stop();
    await proxy.stop();
  }
}

async function statementsPerRequest(ctx: BenchContext, scenario: string, read: Read): Promise<Figure> {
  const { counts, statements } = await capturedStatements(ctx, read.query);
  console.log(`  statements for ${read.label}: ${statements.map((s) => s.text.slice(0, 60).replace(/\s+/g, " ")).join(" | ")}`);
  const summary = summarize(counts);
  return {
    scenario,
    name: `${read.label}: SQL statements per request (counted on the wire)`,
    unit: "statements",
    summary,
    target: "= 1",
    met: summary.max === 1,
  };
}

/** A read on grantql and both PostGraphiles in interleaved rounds, after the same rows are asserted on all three. */
async function againstPeers(ctx: BenchContext, scenario: string, reads: readonly Read[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  await withPeers(ctx, async (grantql, peers) => {
    for (const read of reads) {
      await sameRows(ctx, grantql, peers, read);
      const sides = [grantqlSide(ctx, grantql, read.query), ...peers.map(([version, server]) => twinSide(ctx, server, version, read))];
      const rounds = await interleavedAll(ctx, sides);
      figures.push(...peerFigures(scenario, read.label, rounds, [READ_PEERS[4], READ_PEERS[5]], READ_NOTE));
    }
  });
  for (const read of reads) figures.push(await statementsPerRequest(ctx, scenario, read));
  return figures;
}

export const peerList: Scenario = {
  id: "8a",
  title: "calls(first: 20) with agent and contact: grantql (everything on, a real key) vs PostGraphile 4 and 5 on the same tables",
  defaultRounds: 7,
  run: (ctx) => againstPeers(ctx, "8a", [READS[0]]),
};

export const peerNested: Scenario = {
  id: "8b",
  title: "agents × calls with contact (10 × 10 and 100 × 10): grantql vs PostGraphile 4 and 5",
  defaultRounds: 7,
  run: (ctx) => againstPeers(ctx, "8b", [READS[1], READS[2]]),
};

/** Every `id` in a GraphQL answer: what the ceiling's rows must hold too. */
function idsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) idsIn(v, into);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" && typeof v === "string") into.push(v);
      else idsIn(v, into);
    }
  return into;
}

const CEILING: Peer = { name: "the database's ceiling", unit: "statements/s" };

/** The goal of 8d: grantql keeps 0.6× of what the database serves for the statement it sends (reported, met or missed). */
export const CEILING_GOAL = 0.6;

const CEILING_NOTE =
  "the rest is Node per request in grantql (HTTP, the GraphQL server, key verification, the permission decision, metering, building the response); the database's side reads the same rows as text with nothing else to do — a goal reported each run, not a target of issue 26.";

/**
 * The database's ceiling for each read: the statement grantql sends for it (captured on the wire, parameters
 * included, whatever the server's code builds), run from a bare pg pool of the server's size in this process with
 * rows read as text, in interleaved rounds against grantql answering the read. The statement's rows must hold every
 * id grantql returned.
 */
export const databaseCeiling: Scenario = {
  id: "8d",
  title: "the three reads: grantql vs its own statement from a bare pg pool (the database's ceiling)",
  defaultRounds: 7,
  async run(ctx) {
    const poolSize = loadConfig({ ...process.env, NODE_ENV: "production", DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" }).dbPoolMax;
    const figures: Figure[] = [];
    for (const read of READS) {
      const { statements } = await capturedStatements(ctx, read.query);
      if (statements.length === 0) throw new Error(`${read.label}: grantql sent no statement to replay`);
      const grantql = await startServer({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: "" });
      const ceiling = statementLoad(CEILING.name, ctx.databaseUrl, statements, poolSize);
      try {
        const data = await post(grantqlSide(ctx, grantql, read.query), read.query);
        const text = JSON.stringify(await ceiling.once());
        const missing = idsIn(data).filter((id) => !text.includes(id));
        if (missing.length || idsIn(data).length === 0)
          throw new Error(
            `${read.label}: the replayed statement's rows lack ${missing.length} of grantql's ids (${missing.slice(0, 3).join(", ")})`,
          );
        console.log(`  ${read.label}: ${statements.length} statement(s) replayed from a pool of ${poolSize}`);
        const rounds = await interleavedAll(ctx, [grantqlSide(ctx, grantql, read.query), ceiling] as Contender[]);
        figures.push(...peerFigures("8d", read.label, rounds, [{ ...CEILING, rps: CEILING_GOAL }], CEILING_NOTE));
      } finally {
        await grantql.stop();
        await ceiling.close();
      }
    }
    return figures;
  },
};

/** The goal of 8e: `{ __typename }` with a key at least as fast as PostGraphile 4 with no auth (reported, met or missed). */
export const FLOOR_GOAL = 1.0;

/**
 * The per-request floor: `{ __typename }` — no database work — on grantql with a real key (verified, permission
 * decided, metered) against both PostGraphiles with no auth at all.
 */
export const requestFloor: Scenario = {
  id: "8e",
  title: "{ __typename } with a key: grantql vs PostGraphile 4 and 5 with no auth (the per-request floor)",
  defaultRounds: 7,
  run: (ctx) =>
    withPeers(ctx, async (grantql, peers) => {
      const query = "{ __typename }";
      const sides = [
        grantqlSide(ctx, grantql, query),
        ...peers.map(
          ([version, server]): Side => ({ name: READ_PEERS[version].name, url: server.url, body: JSON.stringify({ query }), headers: {} }),
        ),
      ];
      for (const side of sides) {
        const data = await post(side, query);
        if (data.__typename !== "Query") throw new Error(`${side.name} answered ${JSON.stringify(data)}`);
      }
      const rounds = await interleavedAll(ctx, sides);
      return peerFigures(
        "8e",
        "{ __typename }",
        rounds,
        [{ name: READ_PEERS[4].name, rps: FLOOR_GOAL }, { name: READ_PEERS[5].name }],
        "what grantql does per request that PostGraphile does not: key verification, the permission decision, metering, the log line and metrics — a goal reported each run, not a target of issue 26.",
      );
    }),
};
