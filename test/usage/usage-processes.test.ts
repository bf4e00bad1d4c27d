import { Client } from "graphql-ws";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { ServerProcess, startServerProcess } from "./server-process";
import { ALLOWED_QUERY, SubscriptionQueue, usageOf, wsClient } from "./usage-support";

/** Two real server processes sharing the test database and Redis, as behind a load balancer. */
let a: ServerProcess;
let b: ServerProcess;
const clients: Client[] = [];
const env = { REDIS_URL: process.env.REDIS_URL || "redis://127.0.0.1:6379" };

beforeAll(async () => {
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
});

it("two processes act as one: counted once, streamed across, and a revocation on one is refused on the other within a second", async () => {
  const admin = await signUp(a.url);
  const key = await createKey(a.url, admin.token);
  const client = wsClient(b.url.replace(/^http/, "ws"), admin.token);
  clients.push(client);
  const usage = new SubscriptionQueue(client, `subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { usage { last24h } } }`, { id: key.id });
  expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(0);
  const events = new SubscriptionQueue(client, `subscription($id: ID) { usageEvents(apiKeyId: $id) { outcome operationName } }`, {
    id: key.id,
  });

  dataOf(await gql(a.url, ALLOWED_QUERY, {}, key.secret));
  expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(1);
  expect((await events.data()).usageEvents).toEqual({ outcome: "ALLOWED", operationName: "Allowed" });
  expect(await usageOf(b.url, admin.token, key.id)).toEqual({ last24h: 1, last7d: 1, last30d: 1 });

  dataOf(await gql(b.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: key.id }, admin.token));
  const revokedAt = performance.now();
  let refused = await gql(a.url, ALLOWED_QUERY, {}, key.secret);
  // No event reaches the test when A evicts the key, so poll, bounded by the promise itself.
  while (refused.status === 200 && performance.now() - revokedAt < 1000) refused = await gql(a.url, ALLOWED_QUERY, {}, key.secret);
  expect(refused.status).toBe(401);
  expect(performance.now() - revokedAt).toBeLessThan(1000);
  // The dead key's knock on A is streamed from B as REJECTED.
  let event = (await events.data()).usageEvents;
  while (event.outcome === "ALLOWED") event = (await events.data()).usageEvents;
  expect(event.outcome).toBe("REJECTED");
}, 60_000);
