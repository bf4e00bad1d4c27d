import { dataOf, gql } from "../support/client";
import { expectForbidden } from "../support/assertions";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { WsSession } from "../support/ws-session";

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signUp(server.url);
});
afterAll(() => server.stop());

const unexpectedErrors = () =>
  server
    .logs()
    .split("\n")
    .filter((line) => line.includes("unexpected error"));

describe("a wrongly typed variable is 400 BAD_USER_INPUT naming it, never a 500", () => {
  it.each([
    ["an @include condition given a string", "query($v: Boolean!) { viewer @include(if: $v) { kind } }", { v: "yes" }, "v"],
    ["a @skip condition given a number", "query($v: Boolean!) { viewer @skip(if: $v) { kind } }", { v: 3 }, "v"],
    ["an @include condition given an explicit null", "query($v: Boolean = true) { viewer @include(if: $v) { kind } }", { v: null }, "v"],
    ["a page size given a string", "query($first: Int) { agents(first: $first) { totalCount } }", { first: "ten" }, "first"],
  ])("%s, over HTTP and over the socket", async (_label, query, variables, field) => {
    const before = unexpectedErrors().length;
    const response = await gql(server.url, query, variables, admin.token);
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => [e.extensions?.code, e.extensions?.fields?.map((f: { field: string }) => f.field)])).toEqual([
      ["BAD_USER_INPUT", [field]],
    ]);
    const socket = await WsSession.open(server.wsUrl, admin.token);
    try {
      expect((await socket.next())?.type).toBe("connection_ack");
      const message = await socket.run(query, variables);
      expect(message?.type).toBe("error");
      expect(message?.payload.map((e: any) => [e.extensions?.code, e.extensions?.fields?.map((f: { field: string }) => f.field)])).toEqual([
        ["BAD_USER_INPUT", [field]],
      ]);
    } finally {
      await socket.close();
    }
    expect(unexpectedErrors().length).toBe(before);
  });
});

it("the permission decision follows the values that run: an absent variable and an explicit null are not taken for one another", async () => {
  const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
  const query = "query($v: Boolean = false) { calls { totalCount } leads @include(if: $v) { totalCount } }";
  expect(dataOf(await gql(server.url, query, {}, key.secret))).toEqual({ calls: { totalCount: 0 } });
  expectForbidden(await gql(server.url, query, { v: true }, key.secret), ["leads:read"]);
  expect(dataOf(await gql(server.url, query, { v: false }, key.secret))).toEqual({ calls: { totalCount: 0 } });
  // Null does not coerce for `if:`: refused as input, with or without the grant the field needs.
  const both = await createKey(server.url, admin.token, [
    { resource: "CALLS", read: true },
    { resource: "LEADS", read: true },
  ]);
  for (const secret of [key.secret, both.secret]) {
    const explicitNull = await gql(server.url, query, { v: null }, secret);
    expect([
      explicitNull.status,
      explicitNull.body.errors?.[0].extensions?.code,
      explicitNull.body.errors?.[0].extensions?.fields?.[0].field,
    ]).toEqual([400, "BAD_USER_INPUT", "v"]);
  }
});

describe("variables are coerced before permissions are checked: a wrongly typed one is 400 even where a grant is missing", () => {
  const query = "query($v: Boolean!) { leads @include(if: $v) { totalCount } }";
  const refusal = (errors: { extensions?: Record<string, any> }[] | undefined) =>
    errors?.map((e) => [e.extensions?.code, e.extensions?.fields?.map((f: { field: string }) => f.field)]);

  it("an API key without leads:read, over HTTP, is refused as input and metered INVALID", async () => {
    const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
    const response = await gql(server.url, query, { v: "yes" }, key.secret);
    expect([response.status, refusal(response.body.errors)]).toEqual([400, [["BAD_USER_INPUT", ["v"]]]]);
    await server.services.usage.recorder.flushAll();
    const stored = await server.dataSource.query(`SELECT outcome FROM usage_event WHERE api_key_id = $1`, [key.id]);
    expect(stored).toEqual([{ outcome: "INVALID" }]);
  });

  it("without a credential it is 401 first: authentication precedes the operation's input", async () => {
    const response = await gql(server.url, query, { v: "yes" });
    expect([response.status, response.body.errors?.[0].extensions]).toEqual([401, { code: "UNAUTHENTICATED", reason: "MISSING" }]);
  });

  it("a SECURITY member (no resource grant), over HTTP and over the socket", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    expectForbidden(await gql(server.url, query, { v: true }, security.token), ["leads:read"]);
    const response = await gql(server.url, query, { v: "yes" }, security.token);
    expect([response.status, refusal(response.body.errors)]).toEqual([400, [["BAD_USER_INPUT", ["v"]]]]);
    const socket = await WsSession.open(server.wsUrl, security.token);
    try {
      expect((await socket.next())?.type).toBe("connection_ack");
      const forbidden = await socket.run(query, { v: true });
      expect([forbidden?.type, forbidden?.payload[0].extensions?.code]).toEqual(["error", "FORBIDDEN"]);
      const message = await socket.run(query, { v: "yes" });
      expect([message?.type, refusal(message?.payload)]).toEqual(["error", [["BAD_USER_INPUT", ["v"]]]]);
    } finally {
      await socket.close();
    }
  });
});
