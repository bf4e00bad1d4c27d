import { dataOf, errorOf, gql } from "../support/client";
import { createKey, createMember, PASSWORD, signUp, uniqueEmail } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { WsMessage, WsSession } from "../support/ws-session";

// Section 7 of the contract: an operation over the socket gets exactly what it gets over HTTP.
let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
const sockets: WsSession[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: "1" } });
  admin = await signUp(server.url);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server.stop();
});

async function memberSocket(token = admin.token, headers: Record<string, string> = {}): Promise<WsSession> {
  const socket = await WsSession.open(server.wsUrl, token, headers);
  sockets.push(socket);
  expect((await socket.next())?.type).toBe("connection_ack");
  return socket;
}

/** The first error of an answer, over either transport, as the client sees it. */
type Answer = { code?: string; fields?: string[]; message: string; missingPermissions?: string[] };
function fromHttp(response: Awaited<ReturnType<typeof gql>>): Answer {
  const e = errorOf(response);
  return {
    code: e.extensions?.code,
    fields: e.extensions?.fields?.map((f: { field: string }) => f.field),
    message: e.message,
    missingPermissions: e.extensions?.missingPermissions,
  };
}
function fromWs(message: WsMessage | null): Answer {
  expect(message?.type).toBe("error");
  const e = message!.payload[0];
  return {
    code: e.extensions?.code,
    fields: e.extensions?.fields?.map((f: { field: string }) => f.field),
    message: e.message,
    missingPermissions: e.extensions?.missingPermissions,
  };
}

const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { token } }`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { id } }`;

describe("the same hostile input gets the same answer over HTTP and WebSocket", () => {
  it("a NUL in an e-mail is BAD_USER_INPUT naming `email`, with no database message, on both", async () => {
    const variables = { email: "a\u0000b@example.test", password: PASSWORD };
    const http = fromHttp(await gql(server.url, SIGN_IN, variables, admin.token));
    const ws = fromWs(await (await memberSocket()).run(SIGN_IN, variables));
    expect(ws).toEqual(http);
    expect(ws).toMatchObject({ code: "BAD_USER_INPUT", fields: ["email"] });
    expect(ws.message).not.toMatch(/byte sequence|0x00|postgres/i);
  });

  it("a lone surrogate is refused on both and never stored", async () => {
    const variables = { input: { firstName: "Ann\uD800" } };
    const http = fromHttp(await gql(server.url, CREATE_CONTACT, variables, admin.token));
    const ws = fromWs(await (await memberSocket()).run(CREATE_CONTACT, variables));
    expect(ws).toEqual(http);
    expect(ws).toMatchObject({ code: "BAD_USER_INPUT", fields: ["input.firstName"] });
    const stored = await server.dataSource.query(`SELECT count(*)::int AS n FROM contact WHERE workspace_id = $1`, [admin.workspaceId]);
    expect(stored[0].n).toBe(0);
  });

  it("an operation over the cost limit is refused with the same code on both", async () => {
    const query = `{ agents(first: 100) { nodes { calls(first: 100) { nodes { contact { leads(first: 100) { nodes { calls(first: 100) { nodes { id } } } } } } } } } }`;
    const http = fromHttp(await gql(server.url, query, {}, admin.token));
    const ws = fromWs(await (await memberSocket()).run(query));
    expect(ws).toEqual(http);
    expect(ws.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("a refusal HTTP answers with 403 is an `error` message with the same code and missingPermissions", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    const query = "{ agents { totalCount } }";
    const response = await gql(server.url, query, {}, security.token);
    expect(response.status).toBe(403);
    const ws = fromWs(await (await memberSocket(security.token)).run(query));
    expect(ws).toEqual(fromHttp(response));
    expect(ws).toMatchObject({ code: "FORBIDDEN", missingPermissions: ["agents:read"] });
  });
});

describe("the same code for the same operation problem on both transports", () => {
  it.each([
    ["an operationName the document does not hold", "query A { viewer { kind } }", { operationName: "B" }, 'Unknown operation named "B".'],
    [
      "two operations without an operationName",
      "query A { viewer { kind } } query B { viewer { kind } }",
      {},
      "Must provide operation name if query contains multiple operations.",
    ],
  ])("%s is OPERATION_RESOLUTION_FAILURE (HTTP 400) on both", async (_label, query, extra, message) => {
    const response = await gql(server.url, query, {}, admin.token, {}, extra);
    expect(response.status).toBe(400);
    const ws = fromWs(await (await memberSocket()).run(query, {}, extra));
    expect(ws).toEqual(fromHttp(response));
    expect(ws).toMatchObject({ code: "OPERATION_RESOLUTION_FAILURE", message });
  });

  it("a text sent with a persisted query id it does not hash to is BAD_REQUEST (400) on both, and nothing runs", async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } };
    const query = `mutation { createAgent(input: { name: "persisted" }) { id } }`;
    const response = await gql(server.url, query, {}, admin.token, {}, { extensions });
    const ws = fromWs(await (await memberSocket()).run(query, {}, { extensions }));
    expect(ws).toEqual(fromHttp(response));
    expect(response.status).toBe(400);
    expect(ws.code).toBe("BAD_REQUEST");
    const stored = await server.dataSource.query(`SELECT count(*)::int AS n FROM agent WHERE workspace_id = $1`, [admin.workspaceId]);
    expect(stored[0].n).toBe(0);
  });
});

describe("INTROSPECTION=false holds on both transports, and no hint names what introspection would show", () => {
  let closed: TestServer;
  let member: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    closed = await startTestServer({ env: { INTROSPECTION: "false" } });
    member = await signUp(closed.url);
  });
  afterAll(() => closed.stop());
  const closedSocket = async () => {
    const socket = await WsSession.open(closed.wsUrl, member.token);
    sockets.push(socket);
    expect((await socket.next())?.type).toBe("connection_ack");
    return socket;
  };

  it.each(["{ __schema { queryType { name } } }", '{ __type(name: "Agent") { fields { name } } }'])(
    "%s is refused with GRAPHQL_VALIDATION_FAILED on both",
    async (query) => {
      const response = await gql(closed.url, query, {}, member.token);
      expect(response.status).toBe(400);
      const ws = fromWs(await (await closedSocket()).run(query));
      expect(ws).toEqual(fromHttp(response));
      expect(ws.code).toBe("GRAPHQL_VALIDATION_FAILED");
    },
  );

  it.each([
    ["enum value", "query($s: [AgentStatus!]) { agents(filter: { status: $s }) { nodes { id } } }", { s: ["ACTIV"] }],
    ["input field", "mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }", { i: { name: "x", statu: "ACTIVE" } }],
  ])("a misspelt %s in the variables is BAD_USER_INPUT without a 'Did you mean' hint on both", async (_label, query, variables) => {
    const response = await gql(closed.url, query, variables, member.token);
    const ws = fromWs(await (await closedSocket()).run(query, variables));
    expect(ws).toEqual(fromHttp(response));
    expect(ws.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(response.body)).not.toMatch(/did you mean|ACTIVE"|"status"/i);
  });

  it("in development too, a misspelt field gets no hint while introspection is off, on both", async () => {
    const dev = await startTestServer({ env: { NODE_ENV: "development", INTROSPECTION: "false" } });
    try {
      const devMember = await signUp(dev.url);
      const response = await gql(dev.url, "{ viewr { kind } }", {}, devMember.token);
      const socket = await WsSession.open(dev.wsUrl, devMember.token);
      sockets.push(socket);
      expect((await socket.next())?.type).toBe("connection_ack");
      const ws = fromWs(await socket.run("{ viewr { kind } }"));
      expect(ws).toEqual(fromHttp(response));
      expect(ws.message).not.toMatch(/did you mean/i);
    } finally {
      await dev.stop();
    }
  });
});

describe("one context, one outcome", () => {
  it("a socket operation writes the same request log line as HTTP, with the upgrade request's address read through TRUST_PROXY", async () => {
    const forwarded = { "x-forwarded-for": "203.0.113.7" };
    dataOf(await gql(server.url, "query OverHttp { viewer { kind } }", {}, admin.token, forwarded));
    const socket = await memberSocket(admin.token, forwarded);
    expect((await socket.run("query OverSocket { viewer { kind } }"))?.type).toBe("next");
    const lines = server
      .logs()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "graphql request");
    const line = (name: string) => lines.find((l) => l.operationName === name);
    expect(line("OverSocket")).toMatchObject({
      transport: "ws",
      ip: "203.0.113.7",
      operationType: "query",
      outcome: "OK",
      status: 200,
      principal: { kind: "MEMBER", memberId: admin.memberId },
    });
    expect(line("OverHttp")).toMatchObject({ transport: "http", ip: "203.0.113.7", operationType: "query", outcome: "OK", status: 200 });
    expect(Object.keys(line("OverSocket")).sort()).toEqual(Object.keys(line("OverHttp")).sort());
  });

  it("signIn over the socket carries the client address: the audit entry records it", async () => {
    const other = await createMember(server.url, admin.token, "SECURITY");
    const socket = await memberSocket(admin.token, { "x-forwarded-for": "198.51.100.23" });
    expect((await socket.run(SIGN_IN, { email: other.email, password: PASSWORD }))?.type).toBe("next");
    const rows = await server.dataSource.query(
      `SELECT details FROM audit_entry WHERE action = 'SIGNED_IN' AND actor_id = $1 ORDER BY seq DESC LIMIT 1`,
      [other.memberId],
    );
    expect(rows[0].details).toEqual({ ip: "198.51.100.23" });
  });

  it("the per-address sign-in lock applies to socket sign-ins too, refused as an `error` message RATE_LIMITED (HTTP: 429)", async () => {
    const locked = await startTestServer({
      env: { SIGNIN_IP_LOCK_AFTER: "2", TRUST_PROXY: "1", REDIS_KEY_PREFIX: `one-pipeline-lock-${process.pid}-${Date.now()}:` },
    });
    try {
      const owner = await signUp(locked.url);
      const socket = await WsSession.open(locked.wsUrl, owner.token, { "x-forwarded-for": "192.0.2.99" });
      sockets.push(socket);
      expect((await socket.next())?.type).toBe("connection_ack");
      for (let i = 0; i < 2; i++) await socket.run(SIGN_IN, { email: uniqueEmail(), password: "wrong password" });
      expect(fromWs(await socket.run(SIGN_IN, { email: owner.email, password: PASSWORD })).code).toBe("RATE_LIMITED");
      const http = await gql(locked.url, SIGN_IN, { email: owner.email, password: PASSWORD }, undefined, {
        "x-forwarded-for": "192.0.2.99",
      });
      expect([http.status, fromHttp(http).code]).toEqual([429, "RATE_LIMITED"]);
    } finally {
      await locked.stop();
    }
  });

  it("metering is the same on both transports: a member's operations, failed ones included, record no usage; a key's refused connection is recorded once as FORBIDDEN", async () => {
    const owner = await signUp(server.url);
    const socket = await memberSocket(owner.token);
    await socket.run("{ viewer { kind } }");
    await socket.run("{ agents(first: 101) { totalCount } }");
    await gql(server.url, "{ agents(first: 101) { totalCount } }", {}, owner.token);
    const key = await createKey(server.url, owner.token);
    const refused = await WsSession.open(server.wsUrl, key.secret);
    expect(await refused.next()).toBeNull();
    expect(refused.closeCode).toBe(4403);
    await server.services.usage.recorder.flushAll();
    const rows = await server.dataSource.query(`SELECT api_key_id, operation_type, outcome FROM usage_event WHERE workspace_id = $1`, [
      owner.workspaceId,
    ]);
    expect(rows).toEqual([{ api_key_id: key.id, operation_type: "subscription", outcome: "FORBIDDEN" }]);
  });
});
