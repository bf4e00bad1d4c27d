import { Client } from "graphql-ws";
import { errorOf, dataOf, gql } from "../support/client";
import { expectForbidden, expectUnauthenticated } from "../support/assertions";
import { createKey, createMember, signUp } from "../support/factories";
import { createThrowawayDatabase, ThrowawayDatabase } from "../support/throwaway-database";
import { ServerProcess, startServerProcess } from "../usage/server-process";
import { SubscriptionQueue, wsClient } from "../usage/usage-support";

// The real entry point (src/main.ts) in its own process, started the way an operator might by
// mistake: with the benchmark's switches set, and without NODE_ENV (a plain `npm start`).
let db: ThrowawayDatabase;
let server: ServerProcess;
let admin: Awaited<ReturnType<typeof signUp>>;
const clients: Client[] = [];
beforeAll(async () => {
  db = await createThrowawayDatabase();
  // Every test signs in from 127.0.0.1: the per-address lock is raised, as the in-process test server does.
  server = await startServerProcess({
    DATABASE_URL: db.url,
    BENCH_DISABLE: "auth,permissions,metering",
    NODE_ENV: "",
    SIGNIN_IP_LOCK_AFTER: "100000",
  });
  admin = await signUp(server.url);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.stop();
  await db.drop();
});

describe("BENCH_DISABLE set on the shipped server changes nothing", () => {
  it("permissions hold: a write-only key cannot read, and a SECURITY member cannot create an ADMIN", async () => {
    const writeOnly = await createKey(server.url, admin.token, [{ resource: "LEADS", write: true }]);
    expectForbidden(await gql(server.url, "{ leads { totalCount } }", {}, writeOnly.secret), ["leads:read"]);
    const security = await createMember(server.url, admin.token, "SECURITY");
    const escalation = await gql(
      server.url,
      `mutation { createMember(input: { email: "boss-${Date.now()}@example.test", password: "correct horse battery staple", role: ADMIN }) { id } }`,
      {},
      security.token,
    );
    expectForbidden(escalation);
  });

  it("authentication holds: a revoked key is refused with 401 on the next request", async () => {
    const key = await createKey(server.url, admin.token);
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
    dataOf(await gql(server.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: key.id }, admin.token));
    expectUnauthenticated(await gql(server.url, "{ viewer { kind } }", {}, key.secret), "REVOKED");
  });

  it("metering holds: a key's request is counted in its usage", async () => {
    const key = await createKey(server.url, admin.token);
    const client = wsClient(server.url.replace(/^http/, "ws"), admin.token);
    clients.push(client);
    const usage = new SubscriptionQueue(client, `subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { usage { last24h } } }`, {
      id: key.id,
    });
    expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(0);
    dataOf(await gql(server.url, "{ viewer { kind } }", {}, key.secret));
    expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(1);
  });
});

it("without NODE_ENV=development an internal error is masked: no database message reaches the client", async () => {
  await db.query(`ALTER TABLE agent RENAME TO agent_moved`);
  try {
    const response = await gql(server.url, "{ agents { totalCount } }", {}, admin.token);
    expect(errorOf(response)).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(response.body)).not.toMatch(/relation|agent_moved|does not exist|QueryFailedError/);
  } finally {
    await db.query(`ALTER TABLE agent_moved RENAME TO agent`);
  }
});
