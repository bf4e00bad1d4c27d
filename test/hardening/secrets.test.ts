import WebSocket from "ws";
import { dataOf, gql } from "../support/client";
import { createKey, createMember, PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { LOG_LEVEL: "trace" } });
});
afterAll(() => server?.stop());

/** Every row of every table in the schema, as text: what a database dump would hold. */
async function dumpDatabase(): Promise<string> {
  const tables: { table_name: string }[] = await server.dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows: { row: string }[] = await server.dataSource.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join("\n");
}

function openSocket(token: string): Promise<number | "ack"> {
  return new Promise((resolve) => {
    const socket = new WebSocket(server.wsUrl, "graphql-transport-ws");
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    socket.on("message", () => {
      socket.close();
      resolve("ack");
    });
    socket.on("close", (code) => resolve(code));
  });
}

it("no issued key secret, session token or password appears in the logs or in the database", async () => {
  const secrets: string[] = [PASSWORD];
  const admin = await signUp(server.url);
  secrets.push(admin.token);
  const security = await createMember(server.url, admin.token, "SECURITY");
  secrets.push(security.token);
  const key = await createKey(server.url, admin.token, [{ resource: "CALLS", read: true }]);
  secrets.push(key.secret);
  const rotated = dataOf(
    await gql(server.url, `mutation($id: ID!) { rotateApiKey(id: $id, gracePeriodSeconds: 60) { secret } }`, { id: key.id }, admin.token),
  );
  secrets.push(rotated.rotateApiKey.secret);
  const wrongPassword = "not the password but long";
  secrets.push(wrongPassword);

  // Each credential used the ways a client uses it: valid, refused, in variables, over WebSocket.
  await gql(server.url, "{ viewer { kind } }", {}, key.secret);
  await gql(server.url, "{ apiKeys { totalCount } }", {}, key.secret);
  await gql(server.url, "{ viewer { kind } }", {}, rotated.rotateApiKey.secret);
  await gql(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
    e: admin.email,
    p: wrongPassword,
  });
  await gql(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
    e: admin.email,
    p: `${PASSWORD}\u0000`,
  });
  await gql(server.url, `mutation { signIn(email: "${admin.email}", password: "${wrongPassword}") { token } }`);
  await gql(server.url, "{ viewer { kind } }", {}, `${key.secret}x`);
  await gql(server.url, "{ nope }", {}, admin.token);
  await openSocket(admin.token);
  await openSocket(key.secret);
  dataOf(await gql(server.url, "mutation { signOut }", {}, security.token));
  await gql(server.url, "{ viewer { kind } }", {}, security.token);

  const logs = server.logs();
  expect(logs.length).toBeGreaterThan(1000);
  const dump = await dumpDatabase();
  for (const secret of secrets) {
    expect({ secret: secret.slice(0, 6), inLogs: logs.includes(secret) }).toEqual({ secret: secret.slice(0, 6), inLogs: false });
    expect({ secret: secret.slice(0, 6), inDatabase: dump.includes(secret) }).toEqual({ secret: secret.slice(0, 6), inDatabase: false });
  }
  // The key is recognisable in logs by its id and prefix, never by more.
  expect(logs).toContain(key.prefix);
});

it("each request is logged once as JSON with its id, principal (id and prefix), operation, outcome, status and duration", async () => {
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  const before = server.logs().length;
  await gql(server.url, "query Mine { viewer { kind } }", {}, key.secret, { "x-request-id": "req-log-test-1" });
  await gql(server.url, "query Theirs { auditLog { totalCount } }", {}, key.secret, { "x-request-id": "req-log-test-2" });
  await gql(server.url, "{ viewer { kind } }", {}, "garbage", { "x-request-id": "req-log-test-3" });
  const lines = server
    .logs()
    .slice(before)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const byId = (id: string) => lines.filter((l) => l.requestId === id);
  expect(byId("req-log-test-1")).toEqual([
    expect.objectContaining({
      level: 30,
      principal: { kind: "API_KEY", apiKeyId: key.id, prefix: key.prefix },
      operationType: "query",
      operationName: "Mine",
      outcome: "OK",
      status: 200,
      durationMs: expect.any(Number),
    }),
  ]);
  expect(byId("req-log-test-2")).toEqual([
    expect.objectContaining({ operationName: "Theirs", outcome: "FORBIDDEN", status: 403, errors: ["FORBIDDEN"] }),
  ]);
  expect(byId("req-log-test-3")).toEqual([expect.objectContaining({ outcome: "UNAUTHENTICATED", reason: "MALFORMED", status: 401 })]);
  const refused = await gql(server.url, "{ viewer { kind } }", {}, "garbage");
  const echoed = refused.headers.get("x-request-id");
  expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
  expect(server.logs()).toContain(`"requestId":"${echoed}"`);
});

it("a credential that reaches the logger by mistake is redacted wherever it sits", async () => {
  const { Writable } = await import("node:stream");
  const { createLogger } = await import("../../src/logger");
  const chunks: string[] = [];
  const logger = createLogger(
    "info",
    new Writable({
      write(chunk, _e, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  );
  logger.info(
    {
      authorization: "Bearer gqk_a",
      req: { headers: { authorization: "Bearer gqk_b", cookie: "s=gqs_c" } },
      input: { password: "pw-d" },
      secret: "gqk_e",
      token: "gqs_f",
      variables: { any: "gqk_g" },
    },
    "oops",
  );
  logger.flush();
  const line = chunks.join("");
  for (const leaked of ["gqk_a", "gqk_b", "gqs_c", "pw-d", "gqk_e", "gqs_f", "gqk_g"]) expect(line).not.toContain(leaked);
});
