import { Client } from "graphql-ws";
import { gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { ALLOWED_QUERY, SubscriptionQueue, wsClient } from "./usage-support";

const SUBSCRIBERS = 25;
let server: TestServer;
let statements: string[] = [];
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { REDIS_URL: "" }, queryCounter: (sql) => void statements.push(sql) });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.stop();
});

it(`${SUBSCRIBERS} subscribers of one key share one read of its counters per update`, async () => {
  const admin = await signUp(server.url);
  const key = await createKey(server.url, admin.token);
  const queues = Array.from({ length: SUBSCRIBERS }, () => {
    const client = wsClient(server.wsUrl, admin.token);
    clients.push(client);
    return new SubscriptionQueue(client, "subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { usage { last24h } lastUsedAt } }", {
      id: key.id,
    });
  });
  for (const q of queues) await q.next(); // the opening snapshots
  statements = [];
  await gql(server.url, ALLOWED_QUERY, {}, key.secret);
  const updates = await Promise.all(queues.map((q) => q.next(5000)));
  for (const update of updates) expect(update.value.data.apiKeyUsage.usage.last24h).toBe(1);
  const counterReads = statements.filter((sql) => sql.includes("usage_minute") && sql.trimStart().startsWith("SELECT"));
  // One read, begun after the change, for every subscriber (not one each).
  expect(counterReads).toHaveLength(1);
});
