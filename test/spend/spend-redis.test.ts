import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { ManualClock } from "../../src/common/clock";
import { dataOf, gql } from "../support/client";
import { createKey, signUp } from "../support/factories";
import { eventually } from "../support/eventually";
import { startTestServer, TestServer } from "../support/server";
import { RedisMonitor } from "../support/redis-monitor";
import { TcpProxy } from "../support/tcp-proxy";
import { LEASE_LOW, LEASE_SIZE } from "../../src/keys/credit-ledger";
import { costOf, durableCreditsOf, keyOf, spendingKey } from "./spend-support";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const VIEWER = `{ viewer { kind } }`;
// Each run its own prefix: the test deletes only its own keys of the shared Redis.
const prefix = `spendtest-${randomUUID().slice(0, 8)}:`;
const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
const clock = new ManualClock(new Date());
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startTestServer({ env, clock });
  b = await startTestServer({ env, clock });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await flushOwnKeys();
});

/** Redis "flushed" for this test: every key under its prefix deleted. */
async function flushOwnKeys(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** `n` requests at once, spread over both instances; their statuses. */
async function burst(secret: string, n: number): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => gql((i % 2 ? b : a).url, VIEWER, {}, secret)));
  return answers.map((r) => r.status);
}

it("200 simultaneous requests of a key with 50 credits over two instances run exactly 50 times", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 50 } });
  const statuses = await burst(key.secret, 200);
  expect(statuses.filter((s) => s === 200)).toHaveLength(50);
  expect(statuses.filter((s) => s === 429)).toHaveLength(150);
  expect((await keyOf(b.url, admin.token, key.id)).credits.remaining).toBe(0);
});

it("the same with a cost budget: 200 simultaneous requests never take the bucket below zero", async () => {
  const admin = await signUp(a.url);
  // Each request costs 2 and uses 2; the clock stands still, so nothing refills: at most 50 fit.
  const key = await spendingKey(a.url, admin.token, { costBudget: { maximum: 100, restorePerSecond: 1 } });
  const statuses = await burst(key.secret, 200);
  expect(statuses.filter((s) => s === 200)).toHaveLength(50);
  const after = await gql(b.url, VIEWER, {}, key.secret);
  expect(costOf(after)?.throttleStatus.currentlyAvailable).toBe(0);
  expect((await keyOf(a.url, admin.token, key.id)).costBudget.currentlyAvailable).toBe(0);
});

it("credits are durable: with every instance gone and Redis flushed, remaining is never higher than what was left, at most 100 per instance lower", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 500 } });
  const statuses = await burst(key.secret, 130);
  expect(statuses.every((s) => s === 200)).toBe(true);
  expect((await keyOf(a.url, admin.token, key.id)).credits.remaining).toBe(370);
  await a.stop();
  await b.stop();
  await flushOwnKeys();
  a = await startTestServer({ env, clock });
  b = await startTestServer({ env, clock });
  const remaining = (await keyOf(a.url, admin.token, key.id)).credits.remaining;
  expect(remaining).toBeLessThanOrEqual(370);
  expect(remaining).toBeGreaterThanOrEqual(370 - 2 * 100);
  // And what is left is spent exactly, no more.
  const rest = await burst(key.secret, remaining + 20);
  expect(rest.filter((s) => s === 200)).toHaveLength(remaining);
});

describe("a key without budget or credits", () => {
  // An instance of its own, under a prefix of its own: the earlier tests' leases and slices, handed
  // back on a timer by the other instances, are not this instance's commands.
  const quiet = `${prefix}quiet:`;
  const quietStatements: string[] = [];
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { REDIS_URL, REDIS_KEY_PREFIX: quiet },
      clock,
      queryCounter: (sql) => quietStatements.push(sql),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("costs no statement on a balance and no Redis round trip of its own", async () => {
    const admin = await signUp(server.url);
    const plain = await createKey(server.url, admin.token, [{ resource: "AGENTS", read: true }]);
    const spending = await spendingKey(server.url, admin.token, { credits: { remaining: 10 } });
    expect(dataOf(await gql(server.url, VIEWER, {}, plain.secret)).viewer.kind).toBe("API_KEY");
    const commands: string[] = [];
    // Every command on this instance's keys, as Redis received it; publishes of the bus (metering's messages) are not a request's.
    const monitor = await RedisMonitor.start(REDIS_URL, (args) => {
      if (args[0]?.toLowerCase() !== "publish" && args.some((arg) => arg.includes(quiet))) commands.push(args.join(" "));
    });
    try {
      const counted = async (secret: string) => {
        quietStatements.length = 0;
        commands.length = 0;
        for (let i = 0; i < 5; i++) expect((await gql(server.url, VIEWER, {}, secret)).status).toBe(200);
        // A marker command through the same Redis: once MONITOR shows it, it has shown everything sent before it.
        const marker = `${quiet}marker-${randomUUID()}`;
        const shown = monitor.shown((args) => args.some((arg) => arg.includes(marker)));
        await server.services.redis!.commands.exists(marker.slice(quiet.length));
        await shown;
        return { statements: quietStatements.filter((s) => s.includes("api_key_spend")).length, commands: commands.length - 1 };
      };
      // Nothing of a balance has run on this instance yet: no lease or slice can be handed back meanwhile.
      expect(await counted(plain.secret)).toEqual({ statements: 0, commands: 0 });
      // The same requests by a key with credits take them through Redis: the counting sees them.
      expect((await counted(spending.secret)).commands).toBeGreaterThanOrEqual(5);
    } finally {
      monitor.close();
    }
  });
});

describe("Redis goes away", () => {
  let proxy: TcpProxy;
  let server: TestServer;
  beforeAll(async () => {
    proxy = await TcpProxy.to(REDIS_URL.replace(/^redis:/, "http:"));
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_KEY_PREFIX: prefix }, clock });
  });
  afterAll(async () => {
    await proxy.restore();
    await server?.stop();
    await proxy.cut();
  });

  it("credits are then leased from PostgreSQL: requests keep running, and once Redis is back remaining counts every credit once", async () => {
    const admin = await signUp(server.url);
    const key = await spendingKey(server.url, admin.token, {
      credits: { remaining: 500 },
      costBudget: { maximum: 1000, restorePerSecond: 1 },
    });
    for (let i = 0; i < 10; i++) expect((await gql(server.url, VIEWER, {}, key.secret)).status).toBe(200);
    await proxy.cut();
    const during = await Promise.all(Array.from({ length: 50 }, () => gql(server.url, VIEWER, {}, key.secret)));
    expect(during.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    // The budget went on in this process: each answer still says what it cost.
    expect(costOf(during[0])).toMatchObject({ requestedQueryCost: 2, actualQueryCost: 2 });
    await proxy.restore();
    const remaining = await eventually(
      async () => (await keyOf(server.url, admin.token, key.id)).credits.remaining,
      (n) => n === 440,
      10_000,
    );
    expect(remaining).toBe(440);
  });
});

it("the shared pool running low is topped up in the background, never past LEASE_SIZE, the balance exact throughout", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: 1000 } });
  const { spendId, durable } = await durableCreditsOf(a, key.id);
  for (let i = 0; i < LEASE_SIZE - LEASE_LOW; i++) expect((await gql(a.url, VIEWER, {}, key.secret)).status).toBe(200);
  const leased = 1000 - LEASE_SIZE - (LEASE_SIZE - LEASE_LOW);
  expect(await eventually(durable, (n) => n === leased)).toBe(leased);
  const redis = new Redis(REDIS_URL);
  const pooled = Number(await redis.get(`${prefix}grantql:credits:${spendId}:0`));
  redis.disconnect();
  expect(pooled).toBe(LEASE_SIZE);
  expect((await keyOf(a.url, admin.token, key.id)).credits.remaining).toBe(1000 - (LEASE_SIZE - LEASE_LOW));
});
