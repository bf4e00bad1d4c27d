import { dataOf, errorOf, gql } from "../support/client";
import { createKey, signUp, SignedUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createAgent, totalOf } from "./resource-cases";

let server: TestServer;
let admin: SignedUp;
let agentId: string;
let callId: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
  agentId = await createAgent(server.url, admin.token);
  callId = dataOf(
    await gql(
      server.url,
      `mutation($i: CreateCallInput!) { createCall(input: $i) { id } }`,
      { i: { agentId, direction: "INBOUND", fromNumber: "+14155550100", toNumber: "+14155550101" } },
      admin.token,
    ),
  ).createCall.id;
});
afterAll(() => server.stop());

const CREATE_CALL = (selection: string) => `mutation($i: CreateCallInput!) { createCall(input: $i) { ${selection} } }`;
const callInput = () => ({ agentId, direction: "OUTBOUND", fromNumber: "+14155550100", toNumber: "+14155550102" });

describe("a write-only key (calls:write alone)", () => {
  let secret: string;
  beforeAll(async () => {
    secret = (await createKey(server.url, admin.token, [{ resource: "CALLS", write: true }])).secret;
  });

  it("creates a call selecting only id, then updates and deletes it by id", async () => {
    const id = dataOf(await gql(server.url, CREATE_CALL("id"), { i: callInput() }, secret)).createCall.id;
    const updated = dataOf(
      await gql(server.url, `mutation($id: ID!) { updateCall(id: $id, input: { status: COMPLETED }) { id } }`, { id }, secret),
    );
    expect(updated.updateCall).toEqual({ id });
    const read = dataOf(await gql(server.url, `query($id: ID!) { call(id: $id) { status } }`, { id }, admin.token));
    expect(read.call.status).toBe("COMPLETED");
    expect(dataOf(await gql(server.url, `mutation($id: ID!) { deleteCall(id: $id) }`, { id }, secret)).deleteCall).toBe(id);
  });

  it("is refused, with nothing written, when the create selects any other field", async () => {
    const before = await totalOf(server.url, admin.token, "calls");
    const response = await gql(server.url, CREATE_CALL("id status"), { i: callInput() }, secret);
    expect(response.status).toBe(403);
    expect(response.body.data ?? null).toBeNull();
    expect(errorOf(response).extensions).toEqual({ code: "FORBIDDEN", missingPermissions: ["calls:read"] });
    expect(await totalOf(server.url, admin.token, "calls")).toBe(before);
  });

  it("is refused, with the record unchanged, when an update selects a field to read it back", async () => {
    const response = await gql(
      server.url,
      `mutation($id: ID!) { updateCall(id: $id, input: { summary: "leaked?" }) { id summary } }`,
      { id: callId },
      secret,
    );
    expect(response.status).toBe(403);
    expect(errorOf(response).extensions?.missingPermissions).toEqual(["calls:read"]);
    expect(
      dataOf(await gql(server.url, `query($id: ID!) { call(id: $id) { summary } }`, { id: callId }, admin.token)).call.summary,
    ).toBeNull();
  });

  it("cannot read a call at all, not even by id", async () => {
    const response = await gql(server.url, `query($id: ID!) { call(id: $id) { id } }`, { id: callId }, secret);
    expect(errorOf(response).extensions?.missingPermissions).toEqual(["calls:read"]);
  });
});

describe("the selection is walked whatever its shape (key with calls:read only)", () => {
  let secret: string;
  beforeAll(async () => {
    secret = (await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }])).secret;
  });

  it.each([
    ["a named fragment", `query { calls { nodes { ...C } } } fragment C on Call { id agent { name } }`, ["agents:read"]],
    [
      "a fragment nested in a fragment",
      `query { calls { ...Conn } } fragment Conn on CallConnection { nodes { ...C } } fragment C on Call { lead { id } }`,
      ["leads:read"],
    ],
    ["an inline fragment", `query { calls { nodes { ... on Call { contact { id } } } } }`, ["contacts:read"]],
    ["an alias", `query { mine: calls { nodes { who: agent { id } } } }`, ["agents:read"]],
    [
      "several relations at once, sorted and unique",
      `query { a: calls { nodes { lead { id } agent { id } } } b: calls { nodes { agent { id } } } }`,
      ["agents:read", "leads:read"],
    ],
    ["another root beside an allowed one", `query { calls { totalCount } agents { totalCount } }`, ["agents:read"]],
  ])("%s needing more is refused with exactly the missing grants", async (_name, query, missing) => {
    const response = await gql(server.url, query, {}, secret);
    expect([response.status, response.body.data ?? null, errorOf(response).extensions]).toEqual([
      403,
      null,
      { code: "FORBIDDEN", missingPermissions: missing },
    ]);
  });

  it.each([
    ["@include(if: true)", "include", true, 403],
    ["@include(if: false)", "include", false, 200],
    ["@skip(if: true)", "skip", true, 200],
    ["@skip(if: false)", "skip", false, 403],
  ])("a relation under %s is decided by the variable's value", async (_name, directive, value, status) => {
    const query = `query($v: Boolean!) { calls { nodes { id agent @${directive}(if: $v) { name } } } }`;
    const response = await gql(server.url, query, { v: value }, secret);
    expect(response.status).toBe(status);
    if (status === 403) expect(errorOf(response).extensions?.missingPermissions).toEqual(["agents:read"]);
    else expect(dataOf(response).calls.nodes.length).toBeGreaterThan(0);
  });

  it("allows what the grant covers through fragments, aliases and __typename", async () => {
    const query = `query { all: calls { nodes { __typename ...F ... on Call { status } } } } fragment F on Call { id direction }`;
    const data = dataOf(await gql(server.url, query, {}, secret));
    expect(data.all.nodes[0]).toMatchObject({ __typename: "Call", direction: "INBOUND", status: "QUEUED" });
  });

  it("needs no grant for introspection or a record's id and __typename under an allowed root", async () => {
    const unrelated = (await createKey(server.url, admin.token, [{ resource: "LEADS", read: true }])).secret;
    const introspection = dataOf(
      await gql(server.url, `{ __typename __schema { queryType { name } } __type(name: "Call") { name } }`, {}, unrelated),
    );
    expect(introspection).toEqual({ __typename: "Query", __schema: { queryType: { name: "Query" } }, __type: { name: "Call" } });
    const ids = dataOf(await gql(server.url, `query($id: ID!) { call(id: $id) { __typename id } }`, { id: callId }, secret));
    expect(ids.call).toEqual({ __typename: "Call", id: callId });
  });
});

describe("members", () => {
  it("an ADMIN holds every resource grant; a SECURITY member holds none", async () => {
    const query = `{ calls { nodes { agent { name } } } analytics { totalCalls } }`;
    expect(dataOf(await gql(server.url, query, {}, admin.token)).analytics.totalCalls).toBeGreaterThan(0);
    const { createMember } = await import("../support/factories");
    const security = await createMember(server.url, admin.token, "SECURITY");
    const response = await gql(server.url, query, {}, security.token);
    expect(errorOf(response).extensions).toEqual({
      code: "FORBIDDEN",
      missingPermissions: ["agents:read", "analytics:read", "calls:read"],
    });
  });
});
