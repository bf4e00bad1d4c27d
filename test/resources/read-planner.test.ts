import fc from "fast-check";
import { getNamedType, isObjectType, parse, visit } from "graphql";
import { ManualClock } from "../../src/common/clock";
import { readPlanned } from "../../src/resources/planned-source";
import { PLANNED_TYPE_NAMES, READ_TYPES } from "../../src/resources/read-catalog";
import { dataOf, gql } from "../support/client";
import { expectForbidden } from "../support/assertions";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";
import { variedWorkspace, VariedWorkspace } from "./read-planner-data";
import { connectionNeeds, ReadModel, rowsOf, Sel } from "./read-model";

/** Statements that touch the resources' tables: what the operation's execution issues (key checks and metering are not counted). */
const RESOURCE_TABLE = /\b(call|agent|contact|lead|knowledge_base_document|knowledge_base_document_agent|integration)\b/;
let statements: string[] = [];
let server: TestServer;
let ws: VariedWorkspace;
let model: ReadModel;
const clock = new ManualClock(new Date("2026-03-01T12:00:00.123Z"));

beforeAll(async () => {
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
  model = new ReadModel(await rowsOf(server.dataSource, ws.admin.workspaceId));
});
afterAll(() => server.stop());

/** The answer's exact text, and how many statements touched the resources' tables. */
async function run(query: string, variables: Record<string, unknown> = {}, token = ws.admin.token) {
  statements = [];
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), count: statements.filter((s) => RESOURCE_TABLE.test(s)).length };
}

/** Expects exactly the text the API writes for `data` (field order, nulls, dates, no spaces), in one statement. */
async function expectModel(query: string, variables: Record<string, unknown>, data: unknown, token = ws.admin.token) {
  const answer = await run(query, variables, token);
  expect(answer.body.errors).toBeUndefined();
  expect(answer.body.data).toEqual(data);
  expect(answer.text).toBe(`${JSON.stringify({ data })}\n`);
  expect(answer.count).toBe(1);
  return answer;
}

/** The aliases a document spells, fragments included (what the alias limit counts). */
function aliasCount(document: string): number {
  let n = 0;
  visit(parse(document), {
    Field(node) {
      if (node.alias) n++;
    },
  });
  return n;
}

/** The directives a document spells (what the directive limit counts). */
function directiveCount(document: string): number {
  let n = 0;
  visit(parse(document), {
    Directive() {
      n++;
    },
  });
  return n;
}

const CALL_FIELDS = "id direction status fromNumber toNumber startedAt endedAt durationSeconds summary createdAt updatedAt";
const leaves = (names: string) => names.split(" ").map((f): Sel => ({ key: f, field: f }));

/** A selection rendered as GraphQL, in one of several spellings that mean the same (fragments, directives, variables). */
class Renderer {
  fragments: string[] = [];
  variables: Record<string, unknown> = { yes: true, no: false };
  declarations = ["$yes: Boolean!", "$no: Boolean!"];
  private n = 0;
  constructor(private readonly choose: (n: number) => number) {}

  /** Fragments add to the depth the limit counts (10): only the outer levels are spelt with them. */
  render(type: string, sel: Sel[], depth = 0): string {
    return sel
      .map((s) => {
        let args = "";
        if (s.first !== undefined) {
          if (this.choose(2)) {
            const v = `n${this.n++}`;
            this.declarations.push(`$${v}: Int`);
            this.variables[v] = s.first;
            args = `(first: $${v})`;
          } else args = `(first: ${s.first})`;
        }
        const sub = s.sub ? ` { ${this.render(subType(type, s.field), s.sub, depth + 1)} }` : "";
        const field = (directive = "") => `${s.key === s.field ? "" : `${s.key}: `}${s.field}${args}${directive}${sub}`;
        switch (depth < 2 ? this.choose(6) : 2 + this.choose(4)) {
          case 0:
            return `... on ${type} { ${field()} }`;
          case 1: {
            const name = `F${this.n++}`;
            this.fragments.push(`fragment ${name} on ${type} { ${field()} }`);
            return `...${name}`;
          }
          case 2:
            return field(" @include(if: $yes)");
          case 3:
            return `${field(" @skip(if: $no)")} skipped${this.n++}: __typename @skip(if: $yes)`;
          default:
            return field();
        }
      })
      .join(" ");
  }

  document(body: string): string {
    return `query(${this.declarations.join(", ")}) { ${body} } ${this.fragments.join(" ")}`;
  }
}

function subType(type: string, field: string): string {
  const connection = {
    calls: "CallConnection",
    nodes: type.replace(/Connection$/, ""),
    edges: `${type.replace(/Connection$/, "")}Edge`,
  } as Record<string, string>;
  if (type.endsWith("Edge") && field === "node") return type.replace(/Edge$/, "");
  if (field === "pageInfo") return "PageInfo";
  return (
    connection[field] ??
    { agent: "Agent", contact: "Contact", lead: "Lead", leads: "Lead", knowledgeBase: "KnowledgeBaseDocument", agents: "Agent" }[field] ??
    type
  );
}

describe("every read of a resource is planned", () => {
  it("every field of the resources, their connections and edges is served by the planned value (no resolver of its own)", async () => {
    const { buildAppSchema } = await import("../../src/schema/build-schema");
    const schema = await buildAppSchema();
    const unplanned: string[] = [];
    for (const name of PLANNED_TYPE_NAMES) {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      for (const field of Object.values(type.getFields())) if (field.resolve !== readPlanned) unplanned.push(`${name}.${field.name}`);
    }
    expect(unplanned).toEqual([]);
    // Every object type the schema reaches from a resource is one the planner builds (or PageInfo).
    for (const name of Object.keys(READ_TYPES)) {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(name);
      for (const field of Object.values(type.getFields())) {
        const target = getNamedType(field.type);
        if (isObjectType(target)) expect([...PLANNED_TYPE_NAMES, "PageInfo"]).toContain(target.name);
      }
    }
  });

  it("every field of every resource type, read by id and in its list, answers in one statement per operation", async () => {
    const { buildAppSchema } = await import("../../src/schema/build-schema");
    const schema = await buildAppSchema();
    const ids: Record<string, string> = {
      Call: ws.calls[0],
      Agent: ws.agents[0],
      Contact: ws.contacts[0],
      Lead: (await rowsOf(server.dataSource, ws.admin.workspaceId)).leads[0].id,
      KnowledgeBaseDocument: ws.documents[0],
      Integration: ws.integrations[0],
    };
    for (const name of Object.keys(READ_TYPES)) {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(name);
      const fields = Object.values(type.getFields())
        .map((f) => {
          const target = getNamedType(f.type);
          if (!isObjectType(target)) return f.name;
          return target.name.endsWith("Connection")
            ? `${f.name} { totalCount nodes { id } edges { cursor } pageInfo { hasNextPage endCursor } }`
            : `${f.name} { id }`;
        })
        .join(" ");
      const one = name[0].toLowerCase() + name.slice(1);
      const many = Object.values(schema.getQueryType()!.getFields()).find((f) => getNamedType(f.type).name === `${name}Connection`)!.name;
      const answer = await run(`query($id: ID!) { ${one}(id: $id) { ${fields} } ${many}(first: 3) { nodes { ${fields} } } }`, {
        id: ids[name],
      });
      expect({ name, errors: answer.body.errors }).toEqual({ name, errors: undefined });
      expect({ name, count: answer.count }).toEqual({ name, count: 1 });
    }
  });

  it("a mutation's result, relations included, is read by the planner, and the analytics' agents too", async () => {
    statements = [];
    const created = dataOf(
      await gql(
        server.url,
        `mutation($a: ID!) { createCall(input: { agentId: $a, direction: INBOUND, fromNumber: "+14155550100", toNumber: "+14155550101" }) { id durationSeconds agent { name calls(first: 1) { totalCount } } } }`,
        { a: ws.agents[0] },
        ws.admin.token,
      ),
    );
    expect(created.createCall).toMatchObject({ durationSeconds: null, agent: { name: "Ava" } });
    expect(statements.filter((s) => /^SELECT q\.d::text/.test(s))).toHaveLength(1);
    dataOf(await gql(server.url, `mutation($id: ID!) { deleteCall(id: $id) }`, { id: created.createCall.id }, ws.admin.token));
    const analytics = await run(`{ analytics(from: "2026-01-01T00:00:00Z") { agentStats { agentId agent { id name } } } }`);
    expect(analytics.body.errors).toBeUndefined();
    const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
    const stats = analytics.body.data.analytics.agentStats;
    expect(stats.length).toBeGreaterThan(0);
    for (const stat of stats)
      expect(stat.agent).toEqual(
        model.object(
          "Agent",
          rows.agents.find((a) => a.id === stat.agentId),
          leaves("id name"),
        ),
      );
  });
});

describe("the planned read answers as the model of the stored rows", () => {
  it("for any selection, spelt with fragments, aliases, @skip/@include and variables (property)", async () => {
    const scalar = (fields: string) => fc.constantFrom(...fields.split(" "));
    const sel = (field: fc.Arbitrary<Omit<Sel, "key">>) =>
      fc
        // Aliases one time in four (a document over the alias limit, 30, is left out below).
        .uniqueArray(
          fc.tuple(
            field,
            fc.nat(3).map((n) => n === 0),
          ),
          { minLength: 1, maxLength: 5, selector: ([f]) => f.field },
        )
        .map((items) => items.map(([f, alias], i): Sel => ({ ...f, key: alias ? `k${i}` : f.field })));
    const leaf = (fields: string) => scalar(fields).map((field) => ({ field }));
    const agentSel = sel(leaf("id name language voice prompt status createdAt __typename"));
    const contactSel = sel(leaf("id firstName lastName email phone company __typename"));
    const leadSel = sel(
      fc.oneof(
        leaf("id name email score status notes source __typename"),
        contactSel.map((sub) => ({ field: "contact", sub })),
      ),
    );
    const callSel = sel(
      fc.oneof(
        leaf(`${CALL_FIELDS} __typename`),
        agentSel.map((sub) => ({ field: "agent", sub })),
        contactSel.map((sub) => ({ field: "contact", sub })),
        leadSel.map((sub) => ({ field: "lead", sub })),
      ),
    );
    const connectionOf = (calls: fc.Arbitrary<Sel[]>) =>
      sel(
        fc.oneof(
          calls.map((sub) => ({ field: "nodes", sub })),
          calls.map((sub) => ({
            field: "edges",
            sub: [
              { key: "cursor", field: "cursor" },
              { key: "node", field: "node", sub },
            ],
          })),
          fc.constant({ field: "pageInfo", sub: leaves("hasNextPage endCursor __typename") }),
          fc.constant({ field: "totalCount" }),
          fc.constant({ field: "__typename" }),
        ),
      );
    const connection = connectionOf(callSel);
    // Nested under agents, within the depth limit (10, fragments counted).
    const shallowCalls = sel(leaf(`${CALL_FIELDS} __typename`));
    const nestedAgents = sel(
      fc.oneof(
        leaf("id name __typename"),
        fc.tuple(connectionOf(shallowCalls), fc.integer({ min: 0, max: 5 })).map(([sub, first]) => ({ field: "calls", first, sub })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        connection,
        fc.integer({ min: 0, max: 16 }),
        nestedAgents,
        fc.infiniteStream(fc.nat()),
        async (calls, first, agents, randoms) => {
          const next = randoms[Symbol.iterator]();
          const r = new Renderer((n) => next.next().value % n);
          const body = `calls(first: ${first}) { ${r.render("CallConnection", calls)} } agents { nodes { ${r.render("Agent", agents)} } } t: __typename @include(if: $yes) @skip(if: $no)`;
          // A selection the alias limit (30) or the directive limit (50) would refuse is not one this property is about.
          fc.pre(aliasCount(r.document(body)) <= 30 && directiveCount(r.document(body)) <= 50);
          const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
          const data = {
            calls: model.connection("Call", rows.calls, first, calls),
            agents: { nodes: rows.agents.slice(0, 20).map((a) => model.object("Agent", a, agents)) },
            t: "Query",
          };
          await expectModel(r.document(body), r.variables, data);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("an API key whose grants do not cover a selection is refused, one that does gets the model's answer (property)", async () => {
    const resources = ["CALLS", "AGENTS", "CONTACTS", "LEADS"];
    const keys = new Map<string, string>();
    const keyFor = async (grants: string[]) => {
      const id = grants.join(",");
      if (!keys.has(id))
        keys.set(
          id,
          (
            await createKey(
              server.url,
              ws.admin.token,
              grants.map((resource) => ({ resource, read: true })),
            )
          ).secret,
        );
      return keys.get(id)!;
    };
    const relation = fc.constantFrom<Sel>(
      { key: "agent", field: "agent", sub: leaves("id") },
      { key: "agent", field: "agent", sub: leaves("id name") },
      { key: "contact", field: "contact", sub: leaves("firstName") },
      { key: "lead", field: "lead", sub: leaves("id") },
      { key: "status", field: "status" },
      { key: "id", field: "id" },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(resources, { minLength: 1 }),
        fc.uniqueArray(relation, { minLength: 1, maxLength: 4, selector: (s) => s.key }),
        async (grants, nodeSel) => {
          const selection: Sel[] = [{ key: "nodes", field: "nodes", sub: nodeSel }];
          const query = `{ calls(first: 5) { ${new Renderer(() => 4).render("CallConnection", selection)} } }`;
          const needed = connectionNeeds("Call", selection, new Set(["CALLS"]));
          const token = await keyFor(grants);
          if ([...needed].every((n) => grants.includes(n))) {
            const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
            await expectModel(query, {}, { calls: model.connection("Call", rows.calls, 5, selection) }, token);
          } else {
            const answer = await gql(server.url, query, {}, token);
            expect(answer.status).toBe(403);
            expect(answer.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
            expect(answer.body.data ?? null).toBeNull();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("pages through every call with after cursors, at the root and nested, each page the model's", async () => {
    const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
    const sel: Sel[] = [
      { key: "nodes", field: "nodes", sub: leaves("id createdAt") },
      { key: "pageInfo", field: "pageInfo", sub: leaves("hasNextPage endCursor") },
    ];
    const query = `query($after: String) { calls(first: 4, after: $after) { nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`;
    let after: string | undefined;
    const seen: string[] = [];
    for (;;) {
      const expected = model.connection("Call", rows.calls, 4, sel, after);
      const { body } = await expectModel(query, { after: after ?? null }, { calls: expected });
      seen.push(...body.data.calls.nodes.map((n: { id: string }) => n.id));
      if (!expected.pageInfo.hasNextPage) break;
      after = expected.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual([...ws.calls].sort());
    // A cursor written in the document, nested, and one given by a variable.
    const agent = rows.agents[0];
    const agentCalls = rows.calls.filter((c) => c.agent_id === agent.id);
    const cursor = model.cursor(agentCalls[0]);
    for (const [q, v] of [
      [`query($id: ID!) { agent(id: $id) { calls(first: 2, after: "${cursor}") { nodes { id } pageInfo { hasNextPage } } } }`, {}],
      [
        `query($id: ID!, $c: String) { agent(id: $id) { calls(first: 2, after: $c) { nodes { id } pageInfo { hasNextPage } } } }`,
        { c: cursor },
      ],
    ] as const) {
      const expected = model.connection(
        "Call",
        agentCalls,
        2,
        [
          { key: "nodes", field: "nodes", sub: leaves("id") },
          { key: "pageInfo", field: "pageInfo", sub: leaves("hasNextPage") },
        ],
        cursor,
      );
      await expectModel(q, { id: agent.id, ...v }, { agent: { calls: expected } });
    }
  });

  it("filters, by id reads (found, another workspace's, not an id) and masked configs, as the model", async () => {
    const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
    const from = new Date("2026-03-01T12:00:03.123Z");
    const filtered = rows.calls.filter(
      (c) => ["COMPLETED", "QUEUED"].includes(c.status) && c.agent_id === ws.agents[1] && c.created_at >= from,
    );
    await expectModel(
      `query($a: ID, $from: DateTime) { calls(first: 20, filter: { status: [COMPLETED, QUEUED], agentId: $a, createdFrom: $from }) { totalCount nodes { id status } } }`,
      { a: ws.agents[1], from: from.toISOString() },
      {
        calls: model.connection("Call", filtered, 20, [
          { key: "totalCount", field: "totalCount" },
          { key: "nodes", field: "nodes", sub: leaves("id status") },
        ]),
      },
    );
    await expectModel(
      `query($id: ID!) { call(id: $id) { ${CALL_FIELDS} } unknown: agent(id: "00000000-0000-4000-8000-000000000000") { name } bad: agent(id: "x") { name } }`,
      { id: ws.calls[5] },
      {
        call: model.object(
          "Call",
          rows.calls.find((c) => c.id === ws.calls[5]),
          leaves(CALL_FIELDS),
        ),
        unknown: null,
        bad: null,
      },
    );
    const configs = leaves("name config");
    await expectModel(
      `{ integrations { nodes { name config } } }`,
      {},
      {
        integrations: { nodes: rows.integrations.map((i) => model.object("Integration", i, configs)) },
      },
    );
  });

  it("page arguments the API refuses are BAD_USER_INPUT naming them, written or given by variables, at the root or nested", async () => {
    for (const [query, variables] of [
      [`{ agents { nodes { calls(first: -1, after: "bogus") { nodes { id } } } } }`, {}],
      [`query($n: Int) { agents { nodes { calls(first: $n) { nodes { id } } } } }`, { n: 101 }],
    ] as const) {
      const answer = await run(query, variables);
      expect(answer.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(answer.body.errors?.[0].path).toEqual(["agents", "nodes", 0, "calls"]);
    }
    const root = await run(`{ calls(first: 101, after: "bogus") { nodes { id } } }`);
    expect(root.body.errors?.[0].extensions?.fields.map((f: { field: string }) => f.field)).toEqual(["first", "after"]);
  });

  it("a connection selecting only __typename, at the root and nested, answers like any other (a statement that names none of its parameters is refused by PostgreSQL)", async () => {
    const alone = await run(`{ agents(first: 1) { __typename } }`);
    expect(alone.status).toBe(200);
    expect(alone.body).toEqual({ data: { agents: { __typename: "AgentConnection" } } });
    const answer = await run(`{ calls { __typename } agents(first: 1) { nodes { name calls { __typename } } } }`);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.calls).toEqual({ __typename: "CallConnection" });
    expect(answer.body.data.agents.nodes).toEqual([{ name: expect.any(String), calls: { __typename: "CallConnection" } }]);
  });
});

describe("a page joins its rows' relations", () => {
  // Without an order of its own, a page's list would take its rows in whatever order the join
  // hands them: a merge join sorts them by the joined id, a hash join by its buckets.
  it.each([
    ["merge joins", "-c enable_nestloop=off -c enable_hashjoin=off"],
    ["hash joins", "-c enable_nestloop=off -c enable_mergejoin=off"],
  ])("keeps each page newest first, nulls and all, when PostgreSQL picks %s", async (_, options) => {
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set("options", options);
    const forced = await startTestServer({ clock, env: { DATABASE_URL: url.toString() } });
    try {
      const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
      const relations: Sel[] = [
        ...leaves("id"),
        { key: "agent", field: "agent", sub: leaves("id name") },
        { key: "contact", field: "contact", sub: leaves("firstName") },
        { key: "lead", field: "lead", sub: [...leaves("name"), { key: "contact", field: "contact", sub: leaves("id") }] },
      ];
      const calls: Sel[] = [
        { key: "nodes", field: "nodes", sub: relations },
        {
          key: "edges",
          field: "edges",
          sub: [
            { key: "cursor", field: "cursor" },
            { key: "node", field: "node", sub: relations },
          ],
        },
        { key: "pageInfo", field: "pageInfo", sub: leaves("hasNextPage endCursor") },
      ];
      const nested: Sel[] = [...leaves("id"), { key: "calls", field: "calls", first: 5, sub: calls }];
      const node = "id agent { id name } contact { firstName } lead { name contact { id } }";
      const page = `nodes { ${node} } edges { cursor node { ${node} } } pageInfo { hasNextPage endCursor }`;
      const query = `query($n: Int) { calls(first: 16) { ${page} } agents { nodes { id calls(first: $n) { ${page} } } } }`;
      const data = {
        calls: model.connection("Call", rows.calls, 16, calls),
        agents: { nodes: rows.agents.slice(0, 20).map((a) => model.object("Agent", a, nested)) },
      };
      const response = await fetch(forced.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ws.admin.token}` },
        body: JSON.stringify({ query, variables: { n: 5 } }),
      });
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ data });
      expect(text).toBe(`${JSON.stringify({ data })}\n`);
    } finally {
      await forced.stop();
    }
  });
});

describe("two keys of different grants on one document", () => {
  it("alternating, each gets what its own grants allow, whatever the other ran before (plans are shared, answers are not)", async () => {
    const wide = await createKey(server.url, ws.admin.token, [
      { resource: "CALLS", read: true },
      { resource: "AGENTS", read: true },
    ]);
    const narrow = await createKey(server.url, ws.admin.token, [{ resource: "CALLS", read: true }]);
    const writeOnly = await createKey(server.url, ws.admin.token, [{ resource: "CALLS", write: true }]);
    const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
    const query = `query($a: Boolean!) { calls(first: 3) { nodes { id status agent @include(if: $a) { name } } } }`;
    const sel = (a: boolean): Sel[] => [
      {
        key: "nodes",
        field: "nodes",
        sub: [...leaves("id status"), ...(a ? [{ key: "agent", field: "agent", sub: leaves("name") }] : [])],
      },
    ];
    for (let round = 0; round < 3; round++) {
      await expectModel(query, { a: true }, { calls: model.connection("Call", rows.calls, 3, sel(true)) }, wide.secret);
      expectForbidden(await gql(server.url, query, { a: true }, narrow.secret), ["agents:read"]);
      await expectModel(query, { a: false }, { calls: model.connection("Call", rows.calls, 3, sel(false)) }, narrow.secret);
      expectForbidden(await gql(server.url, query, { a: false }, writeOnly.secret), ["calls:read"]);
      expectForbidden(await gql(server.url, query, { a: true }, narrow.secret), ["agents:read"]);
    }
    // Only `id` for a key that may not read calls: the same document shape, never a status.
    const ids = `{ calls(first: 3) { nodes { id } } }`;
    expectForbidden(await gql(server.url, ids, {}, writeOnly.secret), ["calls:read"]);
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

describe("a query the planner covers fully is answered with the text PostgreSQL built", () => {
  const QUERY = `{ calls(first: 4) { nodes { id status startedAt agent { name } } } agents(first: 10) { nodes { name calls(first: 2) { nodes { id } } } } }`;
  const expected = async () => {
    const rows = await rowsOf(server.dataSource, ws.admin.workspaceId);
    const calls: Sel[] = [
      { key: "nodes", field: "nodes", sub: [...leaves("id status startedAt"), { key: "agent", field: "agent", sub: leaves("name") }] },
    ];
    const agents: Sel[] = [
      {
        key: "nodes",
        field: "nodes",
        sub: [...leaves("name"), { key: "calls", field: "calls", first: 2, sub: [{ key: "nodes", field: "nodes", sub: leaves("id") }] }],
      },
    ];
    return {
      rows,
      data: { calls: model.connection("Call", rows.calls, 4, calls), agents: model.connection("Agent", rows.agents, 10, agents) },
    };
  };

  it("over HTTP: the data text is written into the body, never parsed into objects", async () => {
    const { data } = await expected();
    const parse = jest.spyOn(JSON, "parse");
    try {
      const answer = await run(QUERY);
      expect(answer.text).toBe(`${JSON.stringify({ data })}\n`);
      expect(answer.count).toBe(1);
      const parsedData = parse.mock.calls.filter(([text]) => typeof text === "string" && text.startsWith('{"calls":'));
      // Only the test's own reading of the answer parses it (once, in `run`): the server did not.
      expect(parsedData).toHaveLength(0);
    } finally {
      parse.mockRestore();
    }
  });

  it("over the socket: the `next` message carries the same text, never parsed into objects", async () => {
    const { data } = await expected();
    const { default: WebSocket } = await import("ws");
    const parse = jest.spyOn(JSON, "parse");
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    const messages: string[] = [];
    const received = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => messages.length >= n && resolve();
        socket.on("message", (m) => {
          messages.push(String(m));
          check();
        });
        check();
      });
    await new Promise((resolve) => socket.once("open", resolve));
    try {
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${ws.admin.token}` } }));
      await received(1);
      socket.send(JSON.stringify({ type: "subscribe", id: "1", payload: { query: QUERY } }));
      await received(2);
      expect(messages[1]).toBe(JSON.stringify({ id: "1", type: "next", payload: { data } }));
      expect(parse.mock.calls.filter(([text]) => typeof text === "string" && text.startsWith('{"calls":'))).toHaveLength(0);
    } finally {
      parse.mockRestore();
      socket.close();
    }
  });

  it("the response size bound refuses a spliced answer over it", async () => {
    const small = await startTestServer({ env: { RESPONSE_MAX_BYTES: "65536" } });
    try {
      const admin = await signUp(small.url);
      for (let i = 0; i < 4; i++) await createAgent(small.url, admin.token, { name: `Agent ${i}`, prompt: "p".repeat(19_000) });
      expect((await gql(small.url, `{ agents(first: 3) { nodes { id prompt } } }`, {}, admin.token)).status).toBe(200);
      const answer = await gql(small.url, `{ agents(first: 4) { nodes { id prompt } } }`, {}, admin.token);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(answer.body.data ?? null).toBeNull();
    } finally {
      await small.stop();
    }
  });

  it("a request that wants its actual cost gets it: the cost formula over the rows each page returned", async () => {
    const { parse } = await import("graphql");
    const { plannedResponse } = await import("../../src/server/planned-response");
    const { buildAppSchema } = await import("../../src/schema/build-schema");
    const { operationCost } = await import("../../src/server/guards/query-cost");
    const schema = await buildAppSchema();
    const document = parse(`{ agents(first: 10) { nodes { name calls(first: 2) { nodes { id } } } } }`);
    const operation = document.definitions[0] as import("graphql").OperationDefinitionNode;
    const request = {
      principal: { workspaceId: ws.admin.workspaceId },
      variables: {},
      wantsActualCost: true,
    } as never as import("../../src/server/request-pipeline").RequestState;
    const spliced = await plannedResponse(schema, server.services, request, document, operation, {});
    expect(spliced).not.toBeNull();
    const { rows } = await expected();
    const agents = rows.agents.length;
    const calls = rows.agents.reduce((n, a) => n + Math.min(2, rows.calls.filter((c) => c.agent_id === a.id).length), 0);
    // agents 1, its nodes and each name: one per agent row, each calls page: one per agent, its nodes and ids: one per call row.
    expect(request.actualCost).toBe(1 + 3 * agents + 2 * calls);
    expect(operationCost(schema, document, operation, {})).toBe(71); // the limit's count: 10 agents, 2 calls each
  });
});

describe("the actual cost a planned read counts in SQL", () => {
  it("equals the data walk over its answer, for random nested pages at the root and under agents, null relations and count-only pages included (property)", async () => {
    const { parse } = await import("graphql");
    const { plannedResponse } = await import("../../src/server/planned-response");
    const { buildAppSchema } = await import("../../src/schema/build-schema");
    const { actualCost } = await import("../../src/server/guards/query-cost");
    const schema = await buildAppSchema();
    // A connection that reads its page: nodes, edges or pageInfo (with or without the others).
    const page = (nodes: string) =>
      fc
        .subarray([`nodes { ${nodes} }`, `edges { cursor node { ${nodes} } }`, "pageInfo { hasNextPage endCursor }", "totalCount"], {
          minLength: 1,
        })
        .map((fields) => fields.join(" "));
    const size = fc.integer({ min: 0, max: 6 });
    await fc.assert(
      fc.asyncProperty(
        // `contact` is null on some calls: both count it by the one formula, as its selection.
        page("id status durationSeconds __typename contact { firstName }"),
        size,
        page("id durationSeconds contact { firstName }"),
        size,
        size,
        fc.boolean(),
        fc.boolean(),
        async (calls, callsFirst, nested, agentsFirst, nestedFirst, byVariable, withRoot) => {
          const nestedArgs = byVariable ? "(first: $n)" : `(first: ${nestedFirst})`;
          const root = withRoot ? `calls(first: ${callsFirst}) { ${calls} }` : "";
          const text = `query($n: Int) { ${root} agents(first: ${agentsFirst}) { nodes { name calls${nestedArgs} { ${nested} } knowledgeBase { id } } } }`;
          const document = parse(text);
          const operation = document.definitions[0] as import("graphql").OperationDefinitionNode;
          const variables = { n: nestedFirst };
          const request = {
            principal: { workspaceId: ws.admin.workspaceId },
            variables,
            wantsActualCost: true,
          } as never as import("../../src/server/request-pipeline").RequestState;
          const spliced = await plannedResponse(schema, server.services, request, document, operation, {});
          expect(spliced).not.toBeNull();
          const data = JSON.parse(spliced!.text) as Record<string, unknown>;
          expect(request.actualCost).toBe(actualCost(schema, document, operation, variables, data));
        },
      ),
      { numRuns: 60 },
    );
  });
});
