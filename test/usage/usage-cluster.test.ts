import { Client } from "graphql-ws";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { startTestServer, TestServer } from "../support/server";
import { TcpProxy } from "../support/tcp-proxy";
import { eventually } from "../support/eventually";
import { ALLOWED_QUERY, SubscriptionQueue, usageOf, wsClient } from "./usage-support";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/**
 * Two instances in one process, each with its own services, key cache and Redis connections,
 * sharing the database and Redis as two processes behind a load balancer would. Redis is reached
 * through a proxy the test can cut.
 */
let redis: TcpProxy;
let a: TestServer;
let b: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await TcpProxy.to(REDIS_URL.replace(/^redis:/, "http:"));
  const env = { REDIS_URL: redis.rewrite(REDIS_URL.replace(/^redis:/, "http:")).replace(/^http:/, "redis:"), KEY_CACHE_TTL_MS: "1000" };
  [a, b] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
  await eventually(
    async () => [a.services.bus.redisState(), b.services.bus.redisState()],
    (s) => s.every((x) => x === "ready"),
    5000,
  );
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await redis.restore();
  await Promise.all([a.stop(), b.stop()]);
  await redis.cut();
});

function subscribe(server: TestServer, token: string, query: string, variables: Record<string, unknown>) {
  const client = wsClient(server.wsUrl, token);
  clients.push(client);
  return new SubscriptionQueue(client, query, variables);
}

const USAGE_SUB = `subscription($id: ID) { apiKeyUsage(apiKeyId: $id) { usage { last24h } } }`;
const EVENTS_SUB = `subscription($id: ID) { usageEvents(apiKeyId: $id) { apiKeyId outcome operationName } }`;

it("a request on instance A is counted once and streamed to subscribers on instance B", async () => {
  const admin = await signUp(a.url);
  const key = await createKey(a.url, admin.token);
  const usage = subscribe(b, admin.token, USAGE_SUB, { id: key.id });
  expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(0);
  const events = subscribe(b, admin.token, EVENTS_SUB, { id: key.id });
  // The events subscription is live once B has sent its snapshot on the other one; it is the same socket path.
  dataOf(await gql(a.url, ALLOWED_QUERY, {}, key.secret));
  expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(1);
  expect((await events.data()).usageEvents).toEqual({ apiKeyId: key.id, outcome: "ALLOWED", operationName: "Allowed" });
  expect(await usageOf(b.url, admin.token, key.id)).toEqual({ last24h: 1, last7d: 1, last30d: 1 });
});

it("a key revoked on instance B is refused on instance A within one second, by message rather than cache expiry", async () => {
  const admin = await signUp(a.url);
  const key = await createKey(a.url, admin.token);
  dataOf(await gql(a.url, ALLOWED_QUERY, {}, key.secret)); // A now holds the key in its cache
  let evicted!: () => void;
  const evictedOnA = new Promise<void>((resolve) => (evicted = resolve));
  const original = a.services.keyCache.invalidate.bind(a.services.keyCache);
  const spy = jest.spyOn(a.services.keyCache, "invalidate").mockImplementation((id: string) => {
    original(id);
    if (id === key.id) evicted();
  });
  const started = performance.now();
  dataOf(await gql(b.url, `mutation($id: ID!) { revokeApiKey(id: $id) { status } }`, { id: key.id }, admin.token));
  await evictedOnA;
  const refused = await gql(a.url, ALLOWED_QUERY, {}, key.secret);
  const elapsed = performance.now() - started;
  spy.mockRestore();
  expect(refused.status).toBe(401);
  expect(refused.body.errors?.[0].extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REVOKED" });
  expect(elapsed).toBeLessThan(1000);
});

it("without Redis the API keeps serving and counting; when Redis returns, streams flow across instances again", async () => {
  const admin = await signUp(a.url);
  const key = await createKey(a.url, admin.token);
  await redis.cut();
  await eventually(
    async () => a.services.bus.redisState(),
    (s) => s === "down",
    5000,
  );
  for (let i = 0; i < 3; i++) dataOf(await gql(a.url, ALLOWED_QUERY, {}, key.secret));
  expect(
    await eventually(
      () => usageOf(a.url, admin.token, key.id),
      (u) => u.last24h === 3,
    ),
  ).toEqual({ last24h: 3, last7d: 3, last30d: 3 });
  await redis.restore();
  await eventually(
    async () => [a.services.bus.redisState(), b.services.bus.redisState()],
    (s) => s.every((x) => x === "ready"),
    10_000,
  );
  const events = subscribe(b, admin.token, EVENTS_SUB, { id: key.id });
  const usage = subscribe(b, admin.token, USAGE_SUB, { id: key.id });
  expect((await usage.data()).apiKeyUsage.usage.last24h).toBe(3);
  dataOf(await gql(a.url, ALLOWED_QUERY, {}, key.secret));
  expect((await events.data(5000)).usageEvents.apiKeyId).toBe(key.id);
  expect(a.logs()).toContain("redis unavailable");
});
