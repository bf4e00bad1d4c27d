import { createHash } from "node:crypto";
import { dataOf, errorOf, gql, GqlResponse } from "../support/client";
import { expectBadInput, expectForbidden, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, signUp } from "../support/factories";
import { startTestServer, TestServer, whenRunning } from "../support/server";
import { SubscriptionQueue, wsClient } from "../usage/usage-support";
import { WsSession } from "../support/ws-session";

// Contract section 12: trusted operations, the ids that stand for them, and the keys held to them.
const ADD = `mutation($documents: [String!]!) { addTrustedOperations(documents: $documents) { id name document createdAt } }`;
const LIST = `query($first: Int, $after: String) { trustedOperations(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name } } }`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id trustedOperations { id name } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id trustedOperations { id } } }`;
const ROTATE = `mutation($id: ID!) { rotateApiKey(id: $id, gracePeriodSeconds: 0) { secret apiKey { id trustedOperations { id } } } }`;

const VIEWER = `query Viewer { viewer { kind } }`;
const AGENTS = `query Agents($first: Int) { agents(first: $first) { nodes { id name } } }`;
const MAKE_AGENT = `mutation MakeAgent($name: String!) { createAgent(input: { name: $name }) { id } }`;

const idOf = (text: string) => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
const hexOf = (text: string) => idOf(text).slice("sha256:".length);

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
let other: Awaited<ReturnType<typeof signUp>>;
const sockets: WsSession[] = [];
beforeAll(async () => {
  server = await startTestServer();
  [admin, other] = await Promise.all([signUp(server.url), signUp(server.url, "Other")]);
  dataOf(await gql(server.url, ADD, { documents: [VIEWER, AGENTS, MAKE_AGENT] }, admin.token));
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.stop();
});

const AGENT_RW = [{ resource: "AGENTS", read: true, write: true }];
async function keyHeldTo(ids: string[] | null) {
  const data = dataOf(
    await gql(server.url, CREATE, { input: { name: "Held", permissions: AGENT_RW, trustedOperationIds: ids } }, admin.token),
  );
  return {
    id: data.createApiKey.apiKey.id as string,
    secret: data.createApiKey.secret as string,
    listed: data.createApiKey.apiKey.trustedOperations,
  };
}
const byId = (id: string, token: string, extra: Record<string, unknown> = {}) => post({ documentId: id, ...extra }, token);
async function post(body: Record<string, unknown>, token?: string): Promise<GqlResponse> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse["body"] };
}
async function get(params: Record<string, string>, token: string, headers: Record<string, string> = { "apollo-require-preflight": "1" }) {
  const response = await fetch(`${server.url}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith("{") ? JSON.parse(text) : null };
}
function expectRefusal(response: GqlResponse, status: number, code: string) {
  expect({ status: response.status, code: errorOf(response).extensions?.code, data: response.body.data ?? null }).toEqual({
    status,
    code,
    data: null,
  });
}
function expectNotTrusted(response: GqlResponse) {
  expect(response.status).toBe(403);
  expect(response.body.errors).toHaveLength(1);
  expect(errorOf(response).extensions).toEqual({ code: "FORBIDDEN", reason: "OPERATION_NOT_TRUSTED" });
  expect(response.body.data ?? null).toBeNull();
}
const agentCount = async (workspaceId: string) =>
  Number((await server.dataSource.query(`SELECT count(*)::int AS n FROM agent WHERE workspace_id = $1`, [workspaceId]))[0].n);

describe("addTrustedOperations: what a workspace trusts", () => {
  it("an entry's id is sha256: + the hex SHA-256 of the exact text; adding it again (also twice in one call) returns the existing entry", async () => {
    const text = `query Calls { calls(first: 5) { nodes { id } } }\n`;
    const [first] = dataOf(await gql(server.url, ADD, { documents: [text] }, admin.token)).addTrustedOperations;
    expect(first).toMatchObject({ id: idOf(text), name: "Calls", document: text });
    const again = dataOf(await gql(server.url, ADD, { documents: [text, text] }, admin.token)).addTrustedOperations;
    expect(again).toEqual([first, first]);
    const rows = await server.dataSource.query(`SELECT count(*)::int AS n FROM trusted_operation WHERE workspace_id = $1 AND id = $2`, [
      admin.workspaceId,
      idOf(text),
    ]);
    expect(rows[0].n).toBe(1);
    const audit = await server.dataSource.query(
      `SELECT details FROM audit_entry WHERE workspace_id = $1 AND action = 'TRUSTED_OPERATIONS_ADDED' ORDER BY seq DESC LIMIT 2`,
      [admin.workspaceId],
    );
    expect(audit[1].details.added).toEqual([{ id: idOf(text), name: "Calls" }]);
    expect(audit[0].details).toEqual({ added: [], alreadyTrusted: [idOf(text)] });
  });

  const deep = `query Deep { ${"agents { nodes { calls { nodes { agent { ".repeat(3)}id${" } } } } }".repeat(3)} }`;
  const aliases = `query Many { ${Array.from({ length: 31 }, (_, i) => `a${i}: viewer { kind }`).join(" ")} }`;
  const tokens = `query Long { viewer { ${"kind ".repeat(2100)}} }`;
  const costly = `query Costly { agents(first: 100) { nodes { calls(first: 100) { nodes { agent { calls(first: 100) { nodes { id } } } } } } } }`;
  it.each([
    ["unparsable", "query { viewer {", /parsed/],
    ["more than one operation", "query A { viewer { kind } } query B { viewer { kind } }", /exactly one operation/],
    ["no operation at all", "fragment F on Viewer { kind }", /exactly one operation/],
    ["invalid against the schema", "query Nope { nope }", /not valid/],
    ["over the depth limit", deep, /not valid.*depth/i],
    ["over the alias limit", aliases, /not valid.*alias/i],
    ["over the token limit", tokens, /parsed.*token/i],
    ["over the cost limit", costly, /cost/],
    ["over 100 KiB", `query Big { viewer { kind } }${" ".repeat(100 * 1024)}`, /100 KiB/],
  ])("a document %s is BAD_USER_INPUT naming documents.<index> and the reason; nothing of the call is stored", async (_t, bad, reason) => {
    const good = `query Fine${Math.random().toString(36).slice(2)} { viewer { kind } }`;
    const response = await gql(server.url, ADD, { documents: [good, bad] }, admin.token);
    expectBadInput(response, ["documents.1"]);
    expect(errorOf(response).extensions?.fields[0].message).toMatch(reason);
    const stored = await server.dataSource.query(`SELECT 1 FROM trusted_operation WHERE id = ANY($1)`, [[idOf(good), idOf(bad)]]);
    expect(stored).toEqual([]);
  });

  it.each([
    ["no documents", 0],
    ["101 documents", 101],
  ])("%s is BAD_USER_INPUT naming documents", async (_t, n) => {
    const documents = Array.from({ length: n }, (_, i) => `query Q${i} { viewer { kind } }`);
    expectBadInput(await gql(server.url, ADD, { documents }, admin.token), ["documents"]);
  });

  it("only ADMIN adds: SECURITY and API keys are 403, no credential 401", async () => {
    const security = await createMember(server.url, admin.token, "SECURITY");
    const key = await createKey(server.url, admin.token);
    const documents = [`query NotMine { viewer { kind } }`];
    expectForbidden(await gql(server.url, ADD, { documents }, security.token));
    expectForbidden(await gql(server.url, ADD, { documents }, key.secret));
    expectUnauthenticated(await gql(server.url, ADD, { documents }), "MISSING");
  });

  it("trustedOperations lists the workspace's own, newest first, page by page; SECURITY reads it, another workspace sees none of them", async () => {
    const fresh = await signUp(server.url, "Lister");
    const texts = ["query One { viewer { kind } }", "query Two { viewer { kind } }", "query Three { viewer { kind } }"];
    for (const text of texts) dataOf(await gql(server.url, ADD, { documents: [text] }, fresh.token));
    const security = await createMember(server.url, fresh.token, "SECURITY");
    const page = dataOf(await gql(server.url, LIST, { first: 2 }, security.token)).trustedOperations;
    expect(page.totalCount).toBe(3);
    expect(page.nodes.map((n: { name: string }) => n.name)).toEqual(["Three", "Two"]);
    const rest = dataOf(await gql(server.url, LIST, { first: 2, after: page.pageInfo.endCursor }, fresh.token)).trustedOperations;
    expect(rest.nodes.map((n: { name: string }) => n.name)).toEqual(["One"]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const theirs = dataOf(await gql(server.url, LIST, { first: 100 }, other.token)).trustedOperations.nodes.map(
      (n: { id: string }) => n.id,
    );
    for (const text of texts) expect(theirs).not.toContain(idOf(text));
  });
});

describe("keys held to trusted operations", () => {
  it("ApiKey.trustedOperations reads in the order given; a key without a list reads null", async () => {
    const key = await keyHeldTo([idOf(MAKE_AGENT), idOf(VIEWER)]);
    expect(key.listed).toEqual([
      { id: idOf(MAKE_AGENT), name: "MakeAgent" },
      { id: idOf(VIEWER), name: "Viewer" },
    ]);
    expect((await keyHeldTo(null)).listed).toBeNull();
  });

  it.each([
    ["an unknown id", () => [idOf(VIEWER), idOf("query Unknown { viewer { kind } }")], ["input.trustedOperationIds.1"]],
    ["a repeated id", () => [idOf(VIEWER), idOf(AGENTS), idOf(VIEWER)], ["input.trustedOperationIds.2"]],
    ["something that is no id", () => ["viewer"], ["input.trustedOperationIds.0"]],
    ["an empty list", () => [], ["input.trustedOperationIds"]],
    ["501 ids", () => Array.from({ length: 501 }, () => idOf(VIEWER)), ["input.trustedOperationIds"]],
  ])("%s is BAD_USER_INPUT naming the entry, and no key is made", async (_t, ids, fields) => {
    // The workspace's own keys: other test files make keys in the same database meanwhile.
    const keys = () => server.dataSource.query(`SELECT count(*)::int AS n FROM api_key WHERE workspace_id = $1`, [admin.workspaceId]);
    const before = await keys();
    expectBadInput(
      await gql(server.url, CREATE, { input: { name: "Bad", permissions: AGENT_RW, trustedOperationIds: ids() } }, admin.token),
      fields,
    );
    expect(await keys()).toEqual(before);
  });

  it("another workspace's trusted operation cannot be put on a key", async () => {
    const theirs = `query Theirs { viewer { kind } }`;
    dataOf(await gql(server.url, ADD, { documents: [theirs] }, other.token));
    expectBadInput(
      await gql(server.url, CREATE, { input: { name: "X", permissions: AGENT_RW, trustedOperationIds: [idOf(theirs)] } }, admin.token),
      ["input.trustedOperationIds.0"],
    );
  });

  it("a listed text runs when its exact bytes are sent, and by documentId, persistedQuery and GET", async () => {
    const key = await keyHeldTo([idOf(VIEWER), idOf(AGENTS)]);
    expect(dataOf(await gql(server.url, VIEWER, {}, key.secret)).viewer.kind).toBe("API_KEY");
    expect(dataOf(await byId(idOf(VIEWER), key.secret)).viewer.kind).toBe("API_KEY");
    const apq = await post(
      { extensions: { persistedQuery: { version: 1, sha256Hash: hexOf(AGENTS) } }, variables: { first: 1 } },
      key.secret,
    );
    expect(dataOf(apq).agents.nodes).toEqual([]);
    const viaGet = await get({ documentId: idOf(AGENTS), variables: JSON.stringify({ first: 2 }), operationName: "Agents" }, key.secret);
    expect(viaGet).toMatchObject({ status: 200, body: { data: { agents: { nodes: [] } } } });
  });

  it.each([
    ["reformatted", VIEWER.replace("{ viewer", "{\n  viewer")],
    ["renamed", VIEWER.replace("Viewer", "Viewer2")],
    ["with a trailing newline", `${VIEWER}\n`],
    ["an introspection query", `query { __schema { queryType { name } } }`],
  ])("%s: a variant of a listed text is 403 OPERATION_NOT_TRUSTED", async (_t, text) => {
    const key = await keyHeldTo([idOf(VIEWER)]);
    expectNotTrusted(await gql(server.url, text, {}, key.secret));
  });

  it("a trusted operation of the workspace that is not on the key's list is refused by id too", async () => {
    const key = await keyHeldTo([idOf(VIEWER)]);
    expectNotTrusted(await byId(idOf(AGENTS), key.secret));
  });

  it("a refusal executes nothing and is metered FORBIDDEN with no resources", async () => {
    const key = await keyHeldTo([idOf(VIEWER)]);
    const before = await agentCount(admin.workspaceId);
    expectNotTrusted(await gql(server.url, `mutation Sneak { createAgent(input: { name: "sneak" }) { id } }`, {}, key.secret));
    expectNotTrusted(await byId(idOf(MAKE_AGENT), key.secret, { variables: { name: "sneak" } }));
    expect(await agentCount(admin.workspaceId)).toBe(before);
    await server.services.usage.recorder.flushAll();
    const rows = await server.dataSource.query(
      `SELECT outcome, resources, operation_name FROM usage_event WHERE api_key_id = $1 ORDER BY operation_name`,
      [key.id],
    );
    expect(rows).toEqual([
      { outcome: "FORBIDDEN", resources: [], operation_name: "MakeAgent" },
      { outcome: "FORBIDDEN", resources: [], operation_name: "Sneak" },
    ]);
  });

  it("refusals count toward FORBIDDEN_BURST: 20 untrusted operations raise it", async () => {
    const fresh = await signUp(server.url, "Burst");
    dataOf(await gql(server.url, ADD, { documents: [VIEWER] }, fresh.token));
    const input = { name: "Burst", permissions: AGENT_RW, trustedOperationIds: [idOf(VIEWER)] };
    const { secret } = dataOf(await gql(server.url, CREATE, { input }, fresh.token)).createApiKey;
    const client = wsClient(server.wsUrl, fresh.token);
    try {
      const live = await whenRunning(server, () => new SubscriptionQueue(client, `subscription { securityAlerts { kind details } }`));
      for (let i = 0; i < 20; i++) expectNotTrusted(await gql(server.url, AGENTS, {}, secret));
      await server.services.usage.recorder.flushAll();
      expect((await live.data(5000)).securityAlerts.kind).toBe("FORBIDDEN_BURST");
    } finally {
      await client.dispose();
    }
  });

  it("a refusal reads no resource table: nothing is planned or run", async () => {
    const statements: string[] = [];
    const counted = await startTestServer({ queryCounter: (sql) => statements.push(sql) });
    try {
      const owner = await signUp(counted.url);
      dataOf(await gql(counted.url, ADD, { documents: [VIEWER] }, owner.token));
      const data = dataOf(
        await gql(
          counted.url,
          CREATE,
          { input: { name: "Held", permissions: AGENT_RW, trustedOperationIds: [idOf(VIEWER)] } },
          owner.token,
        ),
      );
      const secret = data.createApiKey.secret;
      dataOf(await gql(counted.url, VIEWER, {}, secret)); // the key is verified and cached
      statements.length = 0;
      expectNotTrusted(await gql(counted.url, AGENTS, { first: 5 }, secret));
      expect(statements.filter((sql) => /\bagent\b/i.test(sql))).toEqual([]);
    } finally {
      await counted.stop();
    }
  });

  it("updateApiKey replaces the list at once, and null lets the key run anything", async () => {
    const key = await keyHeldTo([idOf(VIEWER)]);
    expectNotTrusted(await gql(server.url, AGENTS, {}, key.secret));
    const updated = dataOf(await gql(server.url, UPDATE, { id: key.id, input: { trustedOperationIds: [idOf(AGENTS)] } }, admin.token));
    expect(updated.updateApiKey.trustedOperations).toEqual([{ id: idOf(AGENTS) }]);
    expect((await gql(server.url, AGENTS, {}, key.secret)).status).toBe(200);
    expectNotTrusted(await gql(server.url, VIEWER, {}, key.secret));
    dataOf(await gql(server.url, UPDATE, { id: key.id, input: { trustedOperationIds: null } }, admin.token));
    expect((await gql(server.url, `{ viewer { kind } }`, {}, key.secret)).status).toBe(200);
  });

  it("rotation carries the list to the new key", async () => {
    const key = await keyHeldTo([idOf(VIEWER)]);
    const rotated = dataOf(await gql(server.url, ROTATE, { id: key.id }, admin.token)).rotateApiKey;
    expect(rotated.apiKey.trustedOperations).toEqual([{ id: idOf(VIEWER) }]);
    expect((await gql(server.url, VIEWER, {}, rotated.secret)).status).toBe(200);
    expectNotTrusted(await gql(server.url, AGENTS, {}, rotated.secret));
  });

  it("the order of checks: the rate limit (429) before the id look-up (400) before the list (403)", async () => {
    const data = dataOf(
      await gql(
        server.url,
        CREATE,
        {
          input: {
            name: "Limited",
            permissions: AGENT_RW,
            trustedOperationIds: [idOf(VIEWER)],
            rateLimit: { limit: 2, windowSeconds: 3600 },
          },
        },
        admin.token,
      ),
    );
    const secret = data.createApiKey.secret;
    expectRefusal(await byId(idOf("query Nowhere { viewer { kind } }"), secret), 400, "PERSISTED_QUERY_NOT_FOUND");
    expectNotTrusted(await byId(idOf(AGENTS), secret));
    expectRefusal(await byId(idOf("query Nowhere { viewer { kind } }"), secret), 429, "RATE_LIMITED");
  });
});

describe("persisted ids for every caller", () => {
  it("a member and a key without a list run a trusted operation by id", async () => {
    expect(dataOf(await byId(idOf(VIEWER), admin.token)).viewer.kind).toBe("MEMBER");
    const key = await keyHeldTo(null);
    expect(dataOf(await byId(idOf(VIEWER), key.secret)).viewer.kind).toBe("API_KEY");
  });

  it.each([
    ["an id no one trusted", () => ({ documentId: idOf("query Never { viewer { kind } }") }), 400, "PERSISTED_QUERY_NOT_FOUND"],
    ["another workspace's id", () => ({ documentId: idOf("query Theirs2 { viewer { kind } }") }), 400, "PERSISTED_QUERY_NOT_FOUND"],
    ["an id in upper-case hex", () => ({ documentId: `sha256:${hexOf(VIEWER).toUpperCase()}` }), 400, "PERSISTED_QUERY_NOT_FOUND"],
    ["an id without its sha256: prefix", () => ({ documentId: hexOf(VIEWER) }), 400, "PERSISTED_QUERY_NOT_FOUND"],
    [
      "a persistedQuery of version 2",
      () => ({ extensions: { persistedQuery: { version: 2, sha256Hash: hexOf(VIEWER) } } }),
      400,
      "PERSISTED_QUERY_NOT_SUPPORTED",
    ],
    ["a text with an id it does not hash to", () => ({ query: VIEWER, documentId: idOf(AGENTS) }), 400, "BAD_REQUEST"],
    [
      "documentId and persistedQuery naming two documents",
      () => ({ documentId: idOf(VIEWER), extensions: { persistedQuery: { version: 1, sha256Hash: hexOf(AGENTS) } } }),
      400,
      "BAD_REQUEST",
    ],
  ])("%s is refused with its status and code", async (_t, body, status, code) => {
    dataOf(await gql(server.url, ADD, { documents: ["query Theirs2 { viewer { kind } }"] }, other.token));
    expectRefusal(await post(body(), admin.token), status, code);
  });

  it("an id is looked up in the database once per workspace: later requests by it read no trusted_operation row", async () => {
    const statements: string[] = [];
    const counted = await startTestServer({ queryCounter: (sql) => statements.push(sql) });
    const lookups = () => statements.filter((sql) => /\btrusted_operation\b/i.test(sql)).length;
    try {
      const [owner, stranger] = await Promise.all([signUp(counted.url), signUp(counted.url, "Stranger")]);
      dataOf(await gql(counted.url, ADD, { documents: [VIEWER] }, owner.token));
      const key = dataOf(await gql(counted.url, CREATE, { input: { name: "Free", permissions: AGENT_RW } }, owner.token)).createApiKey;
      const send = (token: string) =>
        fetch(counted.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ documentId: idOf(VIEWER) }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as GqlResponse["body"] }));
      expect((await send(key.secret)).body.data.viewer.kind).toBe("API_KEY"); // the key verified, the document read
      statements.length = 0;
      for (let i = 0; i < 5; i++) expect((await send(key.secret)).body.data.viewer.kind).toBe("API_KEY");
      expect((await send(owner.token)).body.data.viewer.kind).toBe("MEMBER");
      expect(lookups()).toBe(0);
      // The cache is the workspace's: another workspace sending the same id still finds nothing.
      const refused = await send(stranger.token);
      expect([refused.status, refused.body.errors?.[0].extensions?.code]).toEqual([400, "PERSISTED_QUERY_NOT_FOUND"]);
      expect(lookups()).toBe(1);
    } finally {
      await counted.stop();
    }
  });

  it("an id without a credential names nothing: 400 PERSISTED_QUERY_NOT_FOUND", async () => {
    expectRefusal(await byId(idOf(VIEWER), ""), 400, "PERSISTED_QUERY_NOT_FOUND");
  });

  it("a text sent with its own id runs, and nothing is registered from the request", async () => {
    const text = `query Unregistered { viewer { kind } }`;
    const response = await post({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: hexOf(text) } } }, admin.token);
    expect(dataOf(response).viewer.kind).toBe("MEMBER");
    expect(await server.dataSource.query(`SELECT 1 FROM trusted_operation WHERE id = $1`, [idOf(text)])).toEqual([]);
    expectRefusal(await byId(idOf(text), admin.token), 400, "PERSISTED_QUERY_NOT_FOUND");
  });

  it("GET by id: the CSRF header rule holds, extensions= works, a mutation is 405, a browser still gets the IDE", async () => {
    expect((await get({ documentId: idOf(VIEWER) }, admin.token, {})).status).toBe(400);
    const apq = await get({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hexOf(VIEWER) } }) }, admin.token);
    expect(apq).toMatchObject({ status: 200, body: { data: { viewer: { kind: "MEMBER" } } } });
    const before = await agentCount(admin.workspaceId);
    const mutation = await get({ documentId: idOf(MAKE_AGENT), variables: JSON.stringify({ name: "via get" }) }, admin.token);
    expect(mutation.status).toBe(405);
    expect(await agentCount(admin.workspaceId)).toBe(before);
    const ide = await get({ documentId: idOf(VIEWER) }, admin.token, { accept: "text/html" });
    // The IDE's route answers, not the API: its page once `npm run build` has run (npm test does not
    // build it unless the IDE's own test ran first in this process), or its "not built" notice.
    expect(ide.text).toMatch(ide.status === 200 ? /<html/i : /is not built on this server/);
    expect([200, 503]).toContain(ide.status);
  });

  it("over the WebSocket: documentId and persistedQuery run, an unknown id is PERSISTED_QUERY_NOT_FOUND", async () => {
    const socket = await WsSession.open(server.wsUrl, admin.token);
    sockets.push(socket);
    expect((await socket.next())?.type).toBe("connection_ack");
    expect((await socket.run("", undefined, { documentId: idOf(VIEWER) }))?.payload).toEqual({ data: { viewer: { kind: "MEMBER" } } });
    const apq = await socket.run("", { first: 1 }, { extensions: { persistedQuery: { version: 1, sha256Hash: hexOf(AGENTS) } } });
    expect(apq?.payload).toEqual({ data: { agents: { nodes: expect.any(Array) } } });
    const unknown = await socket.run("", undefined, { documentId: idOf("query Nope2 { viewer { kind } }") });
    expect(unknown?.type).toBe("error");
    expect(unknown?.payload[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });
});
