import { dataOf, errorOf, gql } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { ALL_PERMISSIONS, createAgent, createRecord, RESOURCE_CASES } from "./resource-cases";

/**
 * Workspace B, with every grant, runs every operation against workspace A's records: they read as
 * absent, never appear in lists, relations or analytics, and cannot be changed or linked to.
 */
let server: TestServer;
let a: SignedUp;
let bKey: string;
const ids: Record<string, string> = {};
const fieldsOf = Object.fromEntries(RESOURCE_CASES.map((c) => [c.type, c.fields]));

beforeAll(async () => {
  server = await startTestServer();
  a = await signUp(server.url, "A");
  const b = await signUp(server.url, "B");
  bKey = (await createKey(server.url, b.token, ALL_PERMISSIONS)).secret;
  ids.Agent = await createAgent(server.url, a.token);
  ids.Contact = await createRecord(server.url, a.token, "Contact", { firstName: "Ada" });
  ids.Lead = await createRecord(server.url, a.token, "Lead", { name: "Deal", contactId: ids.Contact });
  ids.Call = await createRecord(server.url, a.token, "Call", {
    agentId: ids.Agent,
    contactId: ids.Contact,
    leadId: ids.Lead,
    direction: "INBOUND",
    fromNumber: "+14155550100",
    toNumber: "+14155550101",
  });
  ids.KnowledgeBaseDocument = await createRecord(server.url, a.token, "KnowledgeBaseDocument", {
    title: "Doc",
    content: "x",
    agentIds: [ids.Agent],
  });
  ids.Integration = await createRecord(server.url, a.token, "Integration", { provider: "SLACK", name: "Slack", config: { token: "t" } });
});
afterAll(() => server.stop());

describe.each(RESOURCE_CASES)("$type of another workspace", (c) => {
  it("reads as null by id and never appears in the list", async () => {
    const data = dataOf(
      await gql(
        server.url,
        `query($id: ID!) { one: ${c.one}(id: $id) { id } list: ${c.many}(first: 100) { totalCount nodes { id } } }`,
        { id: ids[c.type] },
        bKey,
      ),
    );
    expect(data).toEqual({ one: null, list: { totalCount: 0, nodes: [] } });
  });

  it("cannot be updated or deleted (NOT_FOUND) and stays as it was", async () => {
    const before = dataOf(
      await gql(server.url, `query($id: ID!) { ${c.one}(id: $id) { ${fieldsOf[c.type]} } }`, { id: ids[c.type] }, a.token),
    )[c.one];
    const update = await gql(
      server.url,
      `mutation($id: ID!, $i: Update${c.type}Input!) { update${c.type}(id: $id, input: $i) { id } }`,
      { id: ids[c.type], i: c.update },
      bKey,
    );
    expect(errorOf(update).extensions?.code).toBe("NOT_FOUND");
    const remove = await gql(server.url, `mutation($id: ID!) { delete${c.type}(id: $id) }`, { id: ids[c.type] }, bKey);
    expect(errorOf(remove).extensions?.code).toBe("NOT_FOUND");
    expect(
      dataOf(await gql(server.url, `query($id: ID!) { ${c.one}(id: $id) { ${fieldsOf[c.type]} } }`, { id: ids[c.type] }, a.token))[c.one],
    ).toEqual(before);
  });

  it("reads a malformed id as absent, never as an error", async () => {
    const data = dataOf(await gql(server.url, `{ ${c.one}(id: "not-a-uuid") { id } }`, {}, bKey));
    expect(data[c.one]).toBeNull();
    expect(errorOf(await gql(server.url, `mutation { delete${c.type}(id: "1 OR 1=1") }`, {}, bKey)).extensions?.code).toBe("NOT_FOUND");
  });
});

describe("links to another workspace's records", () => {
  const call = { direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" };
  it.each([
    ["Call", () => ({ ...call, agentId: ids.Agent }), "input.agentId"],
    ["Lead", () => ({ name: "x", contactId: ids.Contact }), "input.contactId"],
    ["KnowledgeBaseDocument", () => ({ title: "x", content: "x", agentIds: [ids.Agent] }), "input.agentIds"],
  ])("create%s naming a foreign id is BAD_USER_INPUT on %s... and writes nothing", async (type, input, field) => {
    const response = await gql(server.url, `mutation($i: Create${type}Input!) { create${type}(input: $i) { id } }`, { i: input() }, bKey);
    expect(errorOf(response).extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field }] });
    const many = RESOURCE_CASES.find((c) => c.type === type)!.many;
    expect(dataOf(await gql(server.url, `{ ${many} { totalCount } }`, {}, bKey))[many].totalCount).toBe(0);
  });

  it("a call of B cannot be pointed at A's contact or lead", async () => {
    const bAgent = await createAgent(server.url, bKey);
    const bCall = await createRecord(server.url, bKey, "Call", { ...call, agentId: bAgent });
    const response = await gql(
      server.url,
      `mutation($id: ID!, $i: UpdateCallInput!) { updateCall(id: $id, input: $i) { id } }`,
      { id: bCall, i: { contactId: ids.Contact, leadId: ids.Lead } },
      bKey,
    );
    expect(
      errorOf(response)
        .extensions?.fields.map((f: { field: string }) => f.field)
        .sort(),
    ).toEqual(["input.contactId", "input.leadId"]);
  });

  it("filters naming A's ids find nothing in B", async () => {
    const data = dataOf(
      await gql(
        server.url,
        `query($a: ID!, $c: ID!) { calls(filter: { agentId: $a }) { totalCount } leads(filter: { contactId: $c }) { totalCount } knowledgeBaseDocuments(filter: { agentId: $a }) { totalCount } }`,
        { a: ids.Agent, c: ids.Contact },
        bKey,
      ),
    );
    expect(data).toEqual({ calls: { totalCount: 0 }, leads: { totalCount: 0 }, knowledgeBaseDocuments: { totalCount: 0 } });
  });

  it("A's relations still resolve in A (the records above were untouched)", async () => {
    const data = dataOf(
      await gql(
        server.url,
        `query($id: ID!) { call(id: $id) { agent { id knowledgeBase { id } } contact { id leads { id } } lead { id } } }`,
        { id: ids.Call },
        a.token,
      ),
    );
    expect(data.call).toEqual({
      agent: { id: ids.Agent, knowledgeBase: [{ id: ids.KnowledgeBaseDocument }] },
      contact: { id: ids.Contact, leads: [{ id: ids.Lead }] },
      lead: { id: ids.Lead },
    });
  });
});
