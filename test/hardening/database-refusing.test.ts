import { expectServiceUnavailable } from "../support/assertions";
import { dataOf, gql } from "../support/client";
import { PASSWORD, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { createThrowawayDatabase, ThrowawayDatabase } from "../support/throwaway-database";
import { WsSession } from "../support/ws-session";
import { wsExchange } from "./hostile-support";

// The database answers, but refuses connections: 55000 for new ones, 57P01 for the terminated ones.
let db: ThrowawayDatabase;
let server: TestServer;
beforeAll(async () => {
  db = await createThrowawayDatabase();
  server = await startTestServer({ env: { DATABASE_URL: db.url } });
});
afterAll(async () => {
  await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
  await server.stop();
  await db.drop();
});

async function refuseConnections(): Promise<void> {
  await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
  await db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);
}

it("a database refusing connections is 503 SERVICE_UNAVAILABLE with Retry-After (signIn too), 1013 at connection_init, an error message on an open socket, and all recover without a restart", async () => {
  const admin = await signUp(server.url);
  const open = await WsSession.open(server.wsUrl, admin.token);
  expect((await open.next())?.type).toBe("connection_ack");
  await refuseConnections();

  const cases = {
    memberQuery: () => gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token),
    signIn: () => gql(server.url, `mutation { signIn(email: "${admin.email}", password: "${PASSWORD}") { token } }`),
    signUp: () =>
      gql(
        server.url,
        `mutation { signUp(input: { workspaceName: "W", email: "new-${Date.now()}@example.test", password: "${PASSWORD}" }) { token } }`,
      ),
  };
  for (const [name, run] of Object.entries(cases)) {
    const response = await run();
    expectServiceUnavailable(name, response);
    expect(response.body.data ?? null).toBeNull();
    expect(JSON.stringify(response.body)).not.toMatch(/not currently accepting|terminating connection|55000|57P01/);
  }

  const refused = await wsExchange(
    server.wsUrl,
    [JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${admin.token}` } })],
    () => false,
  );
  expect({ code: refused.closeCode, reason: refused.closeReason }).toEqual({ code: 1013, reason: "Service unavailable" });

  const during = await open.run("{ apiKeys { totalCount } }");
  expect({ type: during?.type, code: during?.payload?.[0]?.extensions?.code }).toEqual({ type: "error", code: "SERVICE_UNAVAILABLE" });
  expect(open.open).toBe(true);

  await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
  expect(dataOf(await gql(server.url, "{ apiKeys { totalCount } }", {}, admin.token)).apiKeys.totalCount).toBe(0);
  expect(dataOf(await cases.signIn()).signIn.token).toMatch(/^gqs_/);
  const after = await open.run("{ apiKeys { totalCount } }");
  expect(after).toMatchObject({ type: "next", payload: { data: { apiKeys: { totalCount: 0 } } } });
  await open.close();
});
