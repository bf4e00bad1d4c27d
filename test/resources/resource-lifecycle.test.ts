import { ManualClock } from "../../src/common/clock";
import { dataOf, errorOf, gql } from "../support/client";
import { signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, createRecord } from "./resource-cases";

let server: TestServer;
let clock: ManualClock;
beforeAll(async () => {
  clock = new ManualClock(new Date("2026-02-01T00:00:00.000Z"));
  server = await startTestServer({ clock });
});
afterAll(() => server.stop());

const CALL = { direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" };

describe("deleting", () => {
  let admin: SignedUp;
  beforeAll(async () => {
    admin = await signUp(server.url);
  });

  it("an agent keeps its calls, which then read agent: null, and unlinks its documents", async () => {
    const agentId = await createAgent(server.url, admin.token);
    const callId = await createRecord(server.url, admin.token, "Call", { ...CALL, agentId });
    const docId = await createRecord(server.url, admin.token, "KnowledgeBaseDocument", { title: "D", content: "x", agentIds: [agentId] });
    dataOf(await gql(server.url, `mutation($id: ID!) { deleteAgent(id: $id) }`, { id: agentId }, admin.token));
    const data = dataOf(
      await gql(
        server.url,
        `query($c: ID!, $d: ID!) { call(id: $c) { id agent { id } } knowledgeBaseDocument(id: $d) { agents { id } } }`,
        { c: callId, d: docId },
        admin.token,
      ),
    );
    expect(data).toEqual({ call: { id: callId, agent: null }, knowledgeBaseDocument: { agents: [] } });
  });

  it("a contact detaches it from its calls and leads; a lead detaches it from its calls", async () => {
    const agentId = await createAgent(server.url, admin.token);
    const contactId = await createRecord(server.url, admin.token, "Contact", { firstName: "Ada" });
    const leadId = await createRecord(server.url, admin.token, "Lead", { name: "Deal", contactId });
    const callId = await createRecord(server.url, admin.token, "Call", { ...CALL, agentId, contactId, leadId });
    dataOf(await gql(server.url, `mutation($id: ID!) { deleteContact(id: $id) }`, { id: contactId }, admin.token));
    const afterContact = dataOf(
      await gql(
        server.url,
        `query($c: ID!, $l: ID!) { call(id: $c) { contact { id } lead { id } } lead(id: $l) { contact { id } } }`,
        { c: callId, l: leadId },
        admin.token,
      ),
    );
    expect(afterContact).toEqual({ call: { contact: null, lead: { id: leadId } }, lead: { contact: null } });
    dataOf(await gql(server.url, `mutation($id: ID!) { deleteLead(id: $id) }`, { id: leadId }, admin.token));
    expect(dataOf(await gql(server.url, `query($c: ID!) { call(id: $c) { id lead { id } } }`, { c: callId }, admin.token)).call).toEqual({
      id: callId,
      lead: null,
    });
  });
});

describe("lists", () => {
  let admin: SignedUp;
  const agents: string[] = [];
  beforeAll(async () => {
    admin = await signUp(server.url);
    for (const [i, name] of ["Alpha 100%", "beta_one", "Gamma", "ALPHABET", "Delta"].entries()) {
      clock.set(new Date(Date.UTC(2026, 1, 1, i))); // an hour apart, within the session's lifetime
      agents.push(await createAgent(server.url, admin.token, { name, status: i % 2 ? "PAUSED" : "ACTIVE" }));
    }
  });

  it("page newest first through opaque cursors, with no record twice and totalCount across pages", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = dataOf(
        await gql(
          server.url,
          `query($a: String) { agents(first: 2, after: $a) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`,
          { a: after },
          admin.token,
        ),
      ).agents;
      expect(page.totalCount).toBe(5);
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...agents].reverse());
  });

  it.each([
    ["first above 100", { first: 101 }, "first"],
    ["negative first", { first: -1 }, "first"],
    ["a forged cursor", { after: Buffer.from('["2026-01-01","x"]').toString("base64url") }, "after"],
    [
      "a created-at range that ends before it starts",
      { filter: { createdFrom: "2026-02-01T03:00:00Z", createdTo: "2026-02-01T01:00:00Z" } },
      "filter.createdTo",
    ],
    ["a text filter with a control character", { filter: { nameContains: "a\u0001" } }, "filter.nameContains"],
  ])("refuse %s with BAD_USER_INPUT naming it", async (_name, args, field) => {
    const error = errorOf(
      await gql(
        server.url,
        `query($first: Int, $after: String, $filter: AgentFilter) { agents(first: $first, after: $after, filter: $filter) { totalCount } }`,
        args,
        admin.token,
      ),
    );
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field }] });
  });

  it.each([
    ["status", { status: ["PAUSED"] }, ["beta_one", "ALPHABET"]],
    ["a case-insensitive substring", { nameContains: "alpha" }, ["Alpha 100%", "ALPHABET"]],
    ["LIKE wildcards taken literally", { nameContains: "100%" }, ["Alpha 100%"]],
    ["an underscore taken literally", { nameContains: "a_o" }, ["beta_one"]],
    [
      "a created-at range (inclusive)",
      { createdFrom: "2026-02-01T01:00:00Z", createdTo: "2026-02-01T03:00:00Z" },
      ["beta_one", "Gamma", "ALPHABET"],
    ],
    ["several filters at once", { status: ["ACTIVE"], nameContains: "a", createdFrom: "2026-02-01T02:00:00Z" }, ["Gamma", "Delta"]],
  ])("filter agents by %s", async (_name, filter, names) => {
    const data = dataOf(
      await gql(server.url, `query($f: AgentFilter) { agents(filter: $f) { totalCount nodes { name } } }`, { f: filter }, admin.token),
    ).agents;
    expect(data.nodes.map((n: { name: string }) => n.name).sort()).toEqual([...names].sort());
    expect(data.totalCount).toBe(names.length);
  });

  it("filter calls, leads, documents and integrations by their foreign ids and enums", async () => {
    const contactId = await createRecord(server.url, admin.token, "Contact", { firstName: "Zed", lastName: "Quist" });
    const leadId = await createRecord(server.url, admin.token, "Lead", { name: "Lead", contactId, status: "QUALIFIED" });
    await createRecord(server.url, admin.token, "Lead", { name: "Other lead" });
    const callId = await createRecord(server.url, admin.token, "Call", {
      ...CALL,
      agentId: agents[0],
      contactId,
      leadId,
      status: "COMPLETED",
    });
    await createRecord(server.url, admin.token, "Call", { ...CALL, agentId: agents[1], direction: "OUTBOUND" });
    const docId = await createRecord(server.url, admin.token, "KnowledgeBaseDocument", {
      title: "Refund policy",
      content: "x",
      agentIds: [agents[2]],
    });
    await createRecord(server.url, admin.token, "Integration", { provider: "HUBSPOT", name: "CRM", enabled: false });
    await createRecord(server.url, admin.token, "Integration", { provider: "SLACK", name: "Chat" });
    const q = `query($a: ID!, $c: ID!, $l: ID!, $d: ID!) {
      byAgent: calls(filter: { agentId: $a }) { nodes { id } }
      byContact: calls(filter: { contactId: $c, status: [COMPLETED], direction: [INBOUND] }) { nodes { id } }
      byLead: calls(filter: { leadId: $l }) { nodes { id } }
      badId: calls(filter: { agentId: "nope" }) { totalCount }
      leads(filter: { contactId: $c, status: [QUALIFIED, NEW] }) { nodes { id } }
      contacts(filter: { nameContains: "zed qu" }) { nodes { id } }
      docs: knowledgeBaseDocuments(filter: { agentId: $d, titleContains: "REFUND" }) { nodes { id } }
      integrations(filter: { provider: [HUBSPOT, ZAPIER], enabled: false, nameContains: "cr" }) { nodes { name } }
    }`;
    const data = dataOf(await gql(server.url, q, { a: agents[0], c: contactId, l: leadId, d: agents[2] }, admin.token));
    expect(data).toEqual({
      byAgent: { nodes: [{ id: callId }] },
      byContact: { nodes: [{ id: callId }] },
      byLead: { nodes: [{ id: callId }] },
      badId: { totalCount: 0 },
      leads: { nodes: [{ id: leadId }] },
      contacts: { nodes: [{ id: contactId }] },
      docs: { nodes: [{ id: docId }] },
      integrations: { nodes: [{ name: "CRM" }] },
    });
  });
});

describe("fields", () => {
  it("trim names, default language and status, derive durationSeconds, and replace document links on update", async () => {
    const admin = await signUp(server.url);
    const agent = dataOf(
      await gql(server.url, `mutation { createAgent(input: { name: "  Ava  " }) { id name language status } }`, {}, admin.token),
    ).createAgent;
    expect(agent).toMatchObject({ name: "Ava", language: "en-US", status: "ACTIVE" });
    const call = dataOf(
      await gql(
        server.url,
        `mutation($i: CreateCallInput!) { createCall(input: $i) { status durationSeconds } }`,
        { i: { ...CALL, agentId: agent.id, startedAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T00:02:05.999Z" } },
        admin.token,
      ),
    ).createCall;
    expect(call).toEqual({ status: "QUEUED", durationSeconds: 125 });
    const other = await createAgent(server.url, admin.token, { name: "Bo" });
    const doc = await createRecord(server.url, admin.token, "KnowledgeBaseDocument", {
      title: "T",
      content: "C",
      agentIds: [agent.id, agent.id],
    });
    const linked = async () =>
      dataOf(await gql(server.url, `query($id: ID!) { knowledgeBaseDocument(id: $id) { agents { name } } }`, { id: doc }, admin.token))
        .knowledgeBaseDocument.agents;
    expect(await linked()).toEqual([{ name: "Ava" }]);
    await gql(
      server.url,
      `mutation($id: ID!, $a: [ID!]) { updateKnowledgeBaseDocument(id: $id, input: { agentIds: $a }) { id } }`,
      { id: doc, a: [other] },
      admin.token,
    );
    expect(await linked()).toEqual([{ name: "Bo" }]);
    await gql(
      server.url,
      `mutation($id: ID!) { updateKnowledgeBaseDocument(id: $id, input: { title: "T2" }) { id } }`,
      { id: doc },
      admin.token,
    );
    expect(await linked()).toEqual([{ name: "Bo" }]);
    const agentDocs = dataOf(
      await gql(server.url, `query($id: ID!) { agent(id: $id) { knowledgeBase { title } } }`, { id: other }, admin.token),
    ).agent.knowledgeBase;
    expect(agentDocs).toEqual([{ title: "T2" }]);
  });

  it("refuse an update that would end a call before it starts, naming the field sent", async () => {
    const admin = await signUp(server.url);
    const agentId = await createAgent(server.url, admin.token);
    const id = await createRecord(server.url, admin.token, "Call", { ...CALL, agentId, startedAt: "2026-01-01T10:00:00Z" });
    const error = errorOf(
      await gql(
        server.url,
        `mutation($id: ID!) { updateCall(id: $id, input: { endedAt: "2026-01-01T09:00:00Z" }) { id } }`,
        { id },
        admin.token,
      ),
    );
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "input.endedAt" }] });
  });
});
