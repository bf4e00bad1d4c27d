import { dataOf, errorOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

// The cost model and limit are in src/server/guards/query-cost.ts and docs/API.md (Limits).
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const BENCH_READ = (agents: number) =>
  `{ agents(first: ${agents}) { nodes { id name calls(first: 10) { nodes { id status durationSeconds contact { firstName } } } } } }`;
// Contact.leads is a plain list (it takes no `first`); Lead.calls is a page.
const NESTED = (n: string) =>
  `agents(first: ${n}) { nodes { calls(first: ${n}) { nodes { contact { leads { calls(first: ${n}) { nodes { id } } } } } } } }`;

const refusedForCost = (response: Awaited<ReturnType<typeof gql>>) => {
  expect(response.status).toBe(400);
  expect(errorOf(response).extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(errorOf(response).message).toMatch(/cost limit of 50000 exceeded/i);
  expect(response.body.data).toBeUndefined();
};

describe("everyday reads fit under the cost limit", () => {
  it.each([
    ["every page at its default size", "{ agents { nodes { calls { nodes { id } } } } }"],
    ["agents(first: 10) × calls(first: 10) with contact", BENCH_READ(10)],
    ["agents(first: 100) × calls(first: 10) with contact", BENCH_READ(100)],
  ])("%s runs", async (_label, query) => {
    expect(dataOf(await gql(server.url, query, {}, admin.token)).agents.nodes).toEqual([]);
  });
});

describe("page sizes count however they are given", () => {
  it("agents(100) → calls(100) → contact → leads → calls(100) is refused as a literal", async () => {
    refusedForCost(await gql(server.url, `{ ${NESTED("100")} }`, {}, admin.token));
  });

  it("the same page sizes given by a variable are refused the same way", async () => {
    refusedForCost(await gql(server.url, `query($n: Int) { ${NESTED("$n")} }`, { n: 100 }, admin.token));
  });

  it("the same page sizes given by a variable's default are refused the same way", async () => {
    refusedForCost(await gql(server.url, `query($n: Int = 100) { ${NESTED("$n")} }`, {}, admin.token));
  });

  it("an omitted first counts as the argument's default (20): the nested read is refused without any first, and runs with first: 1", async () => {
    // 20 × 20 × 20 calls of 7 fields: over the limit only if the omitted sizes count.
    const page = (first: string) => (first ? `(first: ${first})` : "");
    const read = (first: string) =>
      `{ agents${page(first)} { nodes { calls${page(first)} { nodes { contact { leads { calls${page(first)} { nodes { id direction status fromNumber toNumber startedAt durationSeconds } } } } } } } } }`;
    refusedForCost(await gql(server.url, read(""), {}, admin.token));
    expect(dataOf(await gql(server.url, read("1"), {}, admin.token)).agents.nodes).toEqual([]);
  });

  it("a literal and the same value through a variable get the same answer, on both sides of the limit", async () => {
    for (const n of [1, 10, 100]) {
      const literal = await gql(server.url, `{ ${NESTED(String(n))} }`, {}, admin.token);
      const variable = await gql(server.url, `query($n: Int) { ${NESTED("$n")} }`, { n }, admin.token);
      expect({ n, status: variable.status, body: variable.body }).toEqual({ n, status: literal.status, body: literal.body });
    }
  });
});

describe("relation lists without `first` count as the most they hold (100, the newest)", () => {
  // One contact holding 120 leads, an agent with 120 documents, a document used by 120 agents: made in SQL, newest last.
  let ids: { contact: string; agent: string; document: string };
  beforeAll(async () => {
    const ws = admin.workspaceId;
    const one = async (sql: string, params: unknown[]) => ((await server.dataSource.query(sql, params)) as { id: string }[])[0].id;
    const stamps = `now() - (i || ' seconds')::interval`;
    ids = {
      contact: await one(
        `INSERT INTO contact (workspace_id, first_name, created_at, updated_at) VALUES ($1, 'Many', now(), now()) RETURNING id`,
        [ws],
      ),
      agent: await one(
        `INSERT INTO agent (workspace_id, name, language, status, created_at, updated_at) VALUES ($1, 'Reader', 'en-US', 'ACTIVE', now(), now()) RETURNING id`,
        [ws],
      ),
      document: await one(
        `INSERT INTO knowledge_base_document (workspace_id, title, content, created_at, updated_at) VALUES ($1, 'Shared', 'C', now(), now()) RETURNING id`,
        [ws],
      ),
    };
    await server.dataSource.query(
      `INSERT INTO lead (workspace_id, contact_id, name, status, created_at, updated_at)
       SELECT $1, $2, 'Lead ' || i, 'NEW', ${stamps}, ${stamps} FROM generate_series(1, 120) AS i`,
      [ws, ids.contact],
    );
    await server.dataSource.query(
      `WITH d AS (INSERT INTO knowledge_base_document (workspace_id, title, content, created_at, updated_at)
         SELECT $1, 'Doc ' || i, 'C', ${stamps}, ${stamps} FROM generate_series(1, 120) AS i RETURNING id)
       INSERT INTO knowledge_base_document_agent (workspace_id, document_id, agent_id) SELECT $1, d.id, $2 FROM d`,
      [ws, ids.agent],
    );
    await server.dataSource.query(
      `WITH a AS (INSERT INTO agent (workspace_id, name, language, status, created_at, updated_at)
         SELECT $1, 'Agent ' || i, 'en-US', 'ACTIVE', ${stamps}, ${stamps} FROM generate_series(1, 120) AS i RETURNING id)
       INSERT INTO knowledge_base_document_agent (workspace_id, document_id, agent_id) SELECT $1, $2, a.id FROM a`,
      [ws, ids.document],
    );
  });

  it("the issue's nested contacts → leads → contact → leads … read is refused by the cost limit, for a contacts and leads read key", async () => {
    const key = await createKey(server.url, admin.token, [
      { resource: "CONTACTS", read: true },
      { resource: "LEADS", read: true },
    ]);
    const query = `{ contacts(first: 1) { nodes { leads { contact { leads { contact { leads { id name email phone status source score notes createdAt } } } } } } } }`;
    refusedForCost(await gql(server.url, query, {}, key.secret));
  });

  it("one contact's leads, with a few fields, still fit under the limit", async () => {
    const query = `query($id: ID!) { contact(id: $id) { leads { id name status } } }`;
    expect(dataOf(await gql(server.url, query, { id: ids.contact }, admin.token)).contact.leads).toHaveLength(100);
  });

  it.each([
    ["Contact.leads", `query($id: ID!) { contact(id: $id) { leads { name } } }`, (d: any) => d.contact.leads, "Lead"],
    ["Agent.knowledgeBase", `query($id: ID!) { agent(id: $id) { knowledgeBase { title } } }`, (d: any) => d.agent.knowledgeBase, "Doc"],
    [
      "KnowledgeBaseDocument.agents",
      `query($id: ID!) { knowledgeBaseDocument(id: $id) { agents { name } } }`,
      (d: any) => d.knowledgeBaseDocument.agents,
      "Agent",
    ],
  ])("%s of a record with 120 holds the 100 newest, planned and through TypeORM alike", async (_label, query, list, prefix) => {
    const id = { Lead: ids.contact, Doc: ids.agent, Agent: ids.document }[prefix]!;
    const newest = Array.from({ length: 100 }, (_, i) => `${prefix} ${i + 1}`);
    for (const planned of [true, false]) {
      server.services.resources.reads.enabled = planned;
      try {
        const names = list(dataOf(await gql(server.url, query, { id }, admin.token))).map((r: any) => r.name ?? r.title);
        expect({ planned, names }).toEqual({ planned, names: newest });
      } finally {
        server.services.resources.reads.enabled = true;
      }
    }
  });
});
