import { dataOf, errorOf, gql } from "../support/client";
import { signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";

/** Statements that touch the resources' tables (session checks and metering are not counted). */
const RESOURCE_TABLE = /\b(call|agent|contact|lead|knowledge_base_document|knowledge_base_document_agent|integration)\b/;
let statements: string[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ queryCounter: (sql) => statements.push(sql) });
});
afterAll(() => server.stop());

/** A workspace with `n` calls spread over `n / 5` agents, contacts and leads (at least one each). */
async function workspaceWithCalls(n: number): Promise<SignedUp> {
  const admin = await signUp(server.url);
  const parents = Math.max(1, n / 5);
  const agents: string[] = [],
    contacts: string[] = [],
    leads: string[] = [];
  for (let i = 0; i < parents; i++) {
    agents.push(await createAgent(server.url, admin.token, { name: `Agent ${i}` }));
    contacts.push(await createRecord(server.url, admin.token, "Contact", { firstName: `Contact ${i}` }));
    leads.push(await createRecord(server.url, admin.token, "Lead", { name: `Lead ${i}`, contactId: contacts[i] }));
    await createRecord(server.url, admin.token, "KnowledgeBaseDocument", { title: `Doc ${i}`, content: "x", agentIds: [agents[i]] });
  }
  for (let i = 0; i < n; i++) {
    const p = i % parents;
    await createRecord(server.url, admin.token, "Call", {
      agentId: agents[p],
      contactId: contacts[p],
      leadId: leads[p],
      direction: "INBOUND",
      fromNumber: "+14155550100",
      toNumber: "+14155550101",
    });
  }
  return admin;
}

async function countStatements(token: string, query: string): Promise<{ count: number; data: any }> {
  statements = [];
  const data = dataOf(await gql(server.url, query, {}, token));
  return { count: statements.filter((s) => RESOURCE_TABLE.test(s)).length, data };
}

const FLAT = `{ calls(first: 100) { totalCount nodes { id agent { name } contact { firstName } lead { name } } } }`;
// Within the server's query-cost limit, hence 20 calls rather than 100.
const DEEP = `{ calls(first: 20) { nodes { id
  agent { name knowledgeBase { title } calls(first: 3) { totalCount nodes { id } } }
  contact { firstName leads { name } calls(first: 2) { totalCount } }
  lead { name contact { firstName } calls(first: 2) { nodes { id } } } } } }`;

it("a list of 100 calls with agent, contact, lead and totalCount costs 1 statement, planned from the selection", async () => {
  const admin = await workspaceWithCalls(100);
  const { count, data } = await countStatements(admin.token, FLAT);
  expect(data.calls.nodes).toHaveLength(100);
  expect(data.calls.nodes.every((c: any) => c.agent.name && c.contact.firstName && c.lead.name)).toBe(true);
  expect(count).toBe(1);
});

it("nested relations (documents, paged calls, leads) cost the same number of statements for 20 calls as for 5", async () => {
  const big = await countStatements((await workspaceWithCalls(20)).token, DEEP);
  const small = await countStatements((await workspaceWithCalls(5)).token, DEEP);
  expect(big.data.calls.nodes).toHaveLength(20);
  expect(big.data.calls.nodes[0].agent.calls.totalCount).toBe(5);
  expect(big.data.calls.nodes[0].agent.calls.nodes).toHaveLength(3);
  expect(big.data.calls.nodes[0].agent.knowledgeBase).toHaveLength(1);
  expect(big.count).toBe(small.count);
  // The read planner builds the whole answer in one statement (the loaders' path took up to 18).
  expect(big.count).toBe(1);
});

describe("writes", () => {
  /** Statements a write issued on the resources' tables, with any transaction around them. */
  const TRANSACTION = /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK)\b/i;
  const writeStatements = () => statements.filter((s) => RESOURCE_TABLE.test(s) || TRANSACTION.test(s));

  it("creating a call that names an agent and a contact is one statement on the wire: references checked, row inserted and its selection read", async () => {
    const admin = await signUp(server.url);
    const agentId = await createAgent(server.url, admin.token, { name: "Ava" });
    const contactId = await createRecord(server.url, admin.token, "Contact", { firstName: "Cy" });
    statements = [];
    const created = dataOf(
      await gql(
        server.url,
        `mutation($i: CreateCallInput!) { createCall(input: $i) { id status agent { name } contact { firstName } } }`,
        { i: { agentId, contactId, direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" } },
        admin.token,
      ),
    ).createCall;
    const written = writeStatements();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^WITH r AS/);
    expect(created).toEqual({ id: expect.any(String), status: "QUEUED", agent: { name: "Ava" }, contact: { firstName: "Cy" } });
    const read = dataOf(
      await gql(server.url, `query($id: ID!) { call(id: $id) { agent { name } contact { firstName } } }`, { id: created.id }, admin.token),
    );
    expect(read.call).toEqual({ agent: { name: "Ava" }, contact: { firstName: "Cy" } });
  });

  it("a call created naming another workspace's agent is refused naming input.agentId by the same one statement, and nothing is written", async () => {
    const admin = await signUp(server.url);
    const other = await signUp(server.url);
    const foreignAgent = await createAgent(server.url, other.token, { name: "Not yours" });
    const contactId = await createRecord(server.url, admin.token, "Contact", { firstName: "Cy" });
    statements = [];
    const response = await gql(
      server.url,
      `mutation($i: CreateCallInput!) { createCall(input: $i) { id } }`,
      { i: { agentId: foreignAgent, contactId, direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" } },
      admin.token,
    );
    const written = writeStatements();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^WITH r AS/);
    const error = errorOf(response);
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.fields).toEqual([{ field: "input.agentId", message: "no agent with this id in your workspace" }]);
    for (const token of [admin.token, other.token]) {
      const calls = dataOf(await gql(server.url, `{ calls { totalCount } }`, {}, token)).calls;
      expect(calls.totalCount).toBe(0);
    }
  });

  it("a created call whose selection reads the calls table through a relation sees itself: one statement writes, the planned read follows", async () => {
    const admin = await signUp(server.url);
    const agentId = await createAgent(server.url, admin.token, { name: "Ava" });
    statements = [];
    const created = dataOf(
      await gql(
        server.url,
        `mutation($i: CreateCallInput!) { createCall(input: $i) { id agent { calls { totalCount nodes { id } } } } }`,
        { i: { agentId, direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" } },
        admin.token,
      ),
    ).createCall;
    expect(created.agent.calls).toEqual({ totalCount: 1, nodes: [{ id: created.id }] });
    const written = writeStatements();
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^WITH r AS/);
    expect(written[1]).toMatch(/^SELECT q\.d::text/);
  });

  it("a create that also writes link rows (a document with agents) stays one transaction", async () => {
    const admin = await signUp(server.url);
    const agentId = await createAgent(server.url, admin.token, { name: "Ava" });
    statements = [];
    await createRecord(server.url, admin.token, "KnowledgeBaseDocument", { title: "Doc", content: "x", agentIds: [agentId] });
    const written = writeStatements();
    expect(written[0]).toMatch(TRANSACTION);
    // Then the planned read of the result, after the commit.
    expect(written.at(-2)).toMatch(/^\s*COMMIT/);
    expect(written.at(-1)).toMatch(/^SELECT q\.d::text/);
    expect(written.some((s) => /^INSERT INTO "knowledge_base_document_agent"/.test(s))).toBe(true);
  });
});
