import fc from "fast-check";
import { ManualClock } from "../../src/common/clock";
import { dataOf, gql, GqlResponse } from "../support/client";
import { expectForbidden } from "../support/assertions";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";
import { variedWorkspace, VariedWorkspace } from "./read-planner-data";

/** Statements that touch the resources' tables: what the operation's execution issues (key checks and metering are not counted). */
const RESOURCE_TABLE = /\b(call|agent|contact|lead|knowledge_base_document|knowledge_base_document_agent|integration)\b/;
let statements: string[] = [];
let server: TestServer;
let ws: VariedWorkspace;

beforeAll(async () => {
  const clock = new ManualClock(new Date("2026-03-01T12:00:00.123Z"));
  server = await startTestServer({ clock, queryCounter: (sql) => statements.push(sql) });
  ws = await variedWorkspace(server.url, clock);
  // Another workspace's rows, which no answer may show.
  const other = await signUp(server.url, "Other");
  await createRecord(server.url, other.token, "Call", {
    agentId: await createAgent(server.url, other.token),
    direction: "INBOUND",
    fromNumber: "+14155550100",
    toNumber: "+14155550101",
  });
});
afterAll(() => server.stop());

async function run(
  query: string,
  variables: Record<string, unknown>,
  token: string,
  planned: boolean,
): Promise<{ response: GqlResponse; count: number }> {
  server.services.resources.reads.enabled = planned;
  statements = [];
  try {
    const response = await gql(server.url, query, variables, token);
    return { response, count: statements.filter((s) => RESOURCE_TABLE.test(s)).length };
  } finally {
    server.services.resources.reads.enabled = true;
  }
}

/** The planned answer and the TypeORM path's answer, with the planned one's statement count. */
async function compare(query: string, variables: Record<string, unknown> = {}, token = ws.admin.token) {
  const planned = await run(query, variables, token, true);
  const reference = await run(query, variables, token, false);
  expect(planned.response.status).toBe(reference.response.status);
  expect(planned.response.body).toEqual(reference.response.body);
  return { body: planned.response.body, count: planned.count };
}

const CALL_FIELDS = "id direction status fromNumber toNumber startedAt endedAt durationSeconds summary createdAt updatedAt";

/**
 * Title, operation, variables, and the statements it takes: one per root field that reads rows (a
 * malformed id reads none), so a single-root operation is exactly one statement.
 */
const SAME_AS_REFERENCE: [string, string, () => Record<string, unknown>, number][] = [
  [
    "every call field, relations, edges with cursors, pageInfo and totalCount",
    `{ calls(first: 6) { totalCount edges { cursor node { ${CALL_FIELDS} agent { id name voice } contact { firstName lastName } lead { name score status contact { firstName } } } } pageInfo { hasNextPage endCursor } } }`,
    () => ({}),
    1,
  ],
  [
    "aliases, named and inline fragments, __typename",
    `query { a: calls(first: 2) { ...Page } b: calls(first: 3) { nodes { ... on Call { x: id, __typename, d: durationSeconds } } } }
    fragment Page on CallConnection { __typename nodes { id agent { __typename n: name } ...Who } pageInfo { __typename endCursor } }
    fragment Who on Call { contact { first: firstName } }`,
    () => ({}),
    2,
  ],
  [
    "the same field under two aliases with different arguments",
    `{ agents(first: 5) { nodes { name one: calls(first: 1) { nodes { id } } three: calls(first: 3) { totalCount nodes { id } } } } }`,
    () => ({}),
    1,
  ],
  [
    "agents with documents and a page of calls",
    `{ agents(first: 10) { totalCount nodes { ${"id name language voice prompt status createdAt updatedAt"} knowledgeBase { id title sourceUrl createdAt } calls(first: 2) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }`,
    () => ({}),
    1,
  ],
  [
    "contacts with leads and calls; leads with contact and calls",
    `{ contacts { nodes { firstName lastName email phone company leads { name score } calls(first: 3) { nodes { id status } } } } leads(first: 3) { nodes { name notes source contact { firstName } calls { totalCount nodes { id } } } } }`,
    () => ({}),
    2,
  ],
  ["documents with their agents", `{ knowledgeBaseDocuments { nodes { title content agents { name status } } } }`, () => ({}), 1],
  [
    "integration configs read back masked",
    `{ integrations { nodes { provider name enabled config createdAt } edges { node { c: config } } } }`,
    () => ({}),
    1,
  ],
  [
    "filters: status list, agent id, created range",
    `query($a: ID, $from: DateTime) { calls(first: 20, filter: { status: [COMPLETED, QUEUED], agentId: $a, createdFrom: $from }) { totalCount nodes { id status } } }`,
    () => ({ a: ws.agents[1], from: "2026-03-01T12:00:03.123Z" }),
    1,
  ],
  [
    "filters: text, booleans, providers, an id that is no UUID, link table",
    `query($a: ID) { contacts(filter: { nameContains: "ra" }) { nodes { firstName } } agents(filter: { status: [ACTIVE], nameContains: "a" }) { nodes { name } }
    integrations(filter: { enabled: true, provider: [SLACK] }) { nodes { name } } calls(filter: { agentId: "nope" }) { totalCount nodes { id } } knowledgeBaseDocuments(filter: { agentId: $a }) { nodes { title } } }`,
    () => ({ a: ws.agents[1] }),
    5,
  ],
  [
    "by id: found, another workspace's or unknown id, not an id",
    `query($id: ID!, $agent: ID!) { call(id: $id) { ${CALL_FIELDS} agent { name calls(first: 2) { nodes { id } } } } agent(id: $agent) { name } unknown: agent(id: "00000000-0000-4000-8000-000000000000") { name } bad: agent(id: "x") { name } }`,
    () => ({ id: ws.calls[5], agent: ws.agents[2] }),
    3,
  ],
  ["first: 0", `{ calls(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`, () => ({}), 1],
  ["only totalCount, at the root and nested", `{ calls { totalCount } agents { nodes { calls { totalCount } } } }`, () => ({}), 2],
];

describe("the planned read answers exactly as the TypeORM path", () => {
  it.each(SAME_AS_REFERENCE)("%s, in one statement per root field that reads", async (_title, query, variables, statements) => {
    const { body, count } = await compare(query, variables());
    expect(body.errors).toBeUndefined();
    expect(count).toBe(statements);
  });

  it("a connection selecting only __typename, at the root and nested, answers as the TypeORM path (it is left to it)", async () => {
    const { body } = await compare(`{ calls { __typename } agents(first: 1) { nodes { name calls { __typename } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.calls).toEqual({ __typename: "CallConnection" });
  });

  it("pages through every call with after cursors, the planned cursors accepted by both paths", async () => {
    const query = `query($after: String) { calls(first: 4, after: $after) { nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await compare(query, { after });
      seen.push(...body.data.calls.nodes.map((n: { id: string }) => n.id));
      if (!body.data.calls.pageInfo.hasNextPage) break;
      after = body.data.calls.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual([...ws.calls].sort());
  });

  it("nested pages with a variable cursor, and @skip/@include by variables", async () => {
    const first = await compare(`{ agents { nodes { calls(first: 1) { pageInfo { endCursor } } } } }`);
    const cursor = first.body.data.agents.nodes[0].calls.pageInfo.endCursor;
    const query = `query($c: String, $s: Boolean!) { agents { nodes { name @skip(if: $s) calls(first: 2, after: $c) { nodes { id agent @include(if: $s) { name } } } } } }`;
    for (const s of [true, false]) expect((await compare(query, { c: cursor, s })).count).toBe(1);
  });

  it("page sizes and cursors written in the document, at the root and nested, and the same operation with another size", async () => {
    const first = await compare(
      `{ calls(first: 3) { pageInfo { endCursor } } agents { nodes { calls(first: 1) { pageInfo { endCursor } } } } }`,
    );
    const root = first.body.data.calls.pageInfo.endCursor;
    const nested = first.body.data.agents.nodes[0].calls.pageInfo.endCursor;
    const literal = await compare(
      `{ calls(first: 2, after: "${root}") { nodes { id } pageInfo { hasNextPage endCursor } } agents { nodes { calls(first: 2, after: "${nested}") { nodes { id } pageInfo { hasNextPage } } } } }`,
    );
    expect(literal.body.data.calls.nodes).toHaveLength(2);
    expect(literal.count).toBe(2);
    const query = `query($n: Int, $after: String) { calls(first: $n, after: $after) { nodes { id } } }`;
    for (const variables of [{ n: 1 }, { n: 5 }, { n: 5, after: root }, { n: 1 }]) {
      const { body } = await compare(query, variables);
      expect(body.data.calls.nodes).toHaveLength(variables.n);
    }
  });

  it("arguments the resolvers refuse get the same error from both (left to the resolvers)", async () => {
    const nested = await compare(`{ agents { nodes { calls(first: -1, after: "bogus") { nodes { id } } } } }`);
    expect(nested.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const root = await compare(`{ calls(first: 101, after: "bogus") { nodes { id } } }`);
    expect(root.body.errors?.[0].extensions?.fields.map((f: { field: string }) => f.field)).toEqual(["first", "after"]);
  });

  it("for any selection of call fields, aliases and page size (property)", async () => {
    const field = fc.constantFrom(
      ...CALL_FIELDS.split(" "),
      "agent { name status }",
      "contact { firstName company }",
      "lead { name contact { email } }",
      "__typename",
    );
    const selection = fc.uniqueArray(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 8, selector: ([f]) => f });
    await fc.assert(
      fc.asyncProperty(
        selection,
        fc.integer({ min: 0, max: 15 }),
        fc.constantFrom("nodes", "edges { cursor node", "both"),
        async (fields, first, shape) => {
          const body = fields.map(([f, alias], i) => (alias ? `k${i}: ${f}` : f)).join(" ");
          const nodes =
            shape === "edges { cursor node"
              ? `edges { cursor node { ${body} } }`
              : shape === "both"
                ? `nodes { ${body} } edges { node { ${body} } }`
                : `nodes { ${body} }`;
          const { count } = await compare(`{ calls(first: ${first}) { ${nodes} pageInfo { hasNextPage } } }`);
          expect(count).toBe(1);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("one statement per read, the permission check intact", () => {
  const SCENARIO_8A = "{ calls(first: 20) { nodes { id status durationSeconds agent { name } contact { firstName } } } }";
  const NESTED_8B = "{ agents(first: 10) { nodes { name calls(first: 10) { nodes { id status contact { firstName } } } } } }";

  it("scenario 8a's query runs as one SQL statement for a key holding its grants", async () => {
    const key = await createKey(server.url, ws.admin.token, [
      { resource: "CALLS", read: true },
      { resource: "AGENTS", read: true },
      { resource: "CONTACTS", read: true },
    ]);
    const { body, count } = await compare(SCENARIO_8A, {}, key.secret);
    expect(body.data.calls.nodes).toHaveLength(14);
    expect(count).toBe(1);
  });

  it("a key without agents:read is refused 403 and no statement touches the resources", async () => {
    const key = await createKey(server.url, ws.admin.token, [
      { resource: "CALLS", read: true },
      { resource: "CONTACTS", read: true },
    ]);
    const { response, count } = await run(SCENARIO_8A, {}, key.secret, true);
    expectForbidden(response, ["agents:read"]);
    expect(count).toBe(0);
  });

  it("the nested read of scenario 8b is one statement and answers as before", async () => {
    const { body, count } = await compare(NESTED_8B);
    expect(body.data.agents.nodes).toHaveLength(3);
    expect(body.data.agents.nodes.map((a: { calls: { nodes: unknown[] } }) => a.calls.nodes.length)).toEqual([3, 4, 4]);
    expect(count).toBe(1);
  });

  it("a mutation's result still resolves through the loaders", async () => {
    const created = dataOf(
      await gql(
        server.url,
        `mutation($a: ID!) { createCall(input: { agentId: $a, direction: INBOUND, fromNumber: "+14155550100", toNumber: "+14155550101" }) { id agent { name } } }`,
        { a: ws.agents[0] },
        ws.admin.token,
      ),
    );
    expect(created.createCall.agent.name).toBe("Ava");
    dataOf(await gql(server.url, `mutation($id: ID!) { deleteCall(id: $id) }`, { id: created.createCall.id }, ws.admin.token));
  });
});

describe("prepared statements", () => {
  it("a session that lost the planned statement (DEALLOCATE, a pooler) answers it unnamed, the same", async () => {
    const single = await startTestServer({ env: { DB_POOL_MAX: "1" } });
    try {
      const admin = await signUp(single.url);
      await createAgent(single.url, admin.token, { name: "Solo" });
      const query = "{ agents { nodes { name } } }";
      const before = dataOf(await gql(single.url, query, {}, admin.token));
      await single.dataSource.query("DEALLOCATE ALL"); // the pool's one session forgets what pg believes is prepared
      expect(dataOf(await gql(single.url, query, {}, admin.token))).toEqual(before);
      expect(dataOf(await gql(single.url, query, {}, admin.token))).toEqual(before);
    } finally {
      await single.stop();
    }
  });
});
