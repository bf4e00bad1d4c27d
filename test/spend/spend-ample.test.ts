import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { ManualClock } from "../../src/common/clock";
import { AMPLE_CREDITS } from "../../src/keys/credit-ledger";
import { sliceSize } from "../../src/throttles/cost-bucket";
import { gql, GqlResponse } from "../support/client";
import { signUp } from "../support/factories";
import { eventually } from "../support/eventually";
import { RedisMonitor } from "../support/redis-monitor";
import { startTestServer, TestServer } from "../support/server";
import { costOf, durableCreditsOf, keyOf, spendingKey } from "./spend-support";

/**
 * Large budgets and ample credits, over two instances sharing Redis: drawn on without a Redis
 * round trip per request (budget slices, credits leased into each process), and still exact.
 */
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const VIEWER = `{ viewer { kind } }`;
/** 30 × `viewer { kind }`: 60 points, every one of them used (no list), so nothing is given back. */
const SIXTY = `{ ${Array.from({ length: 30 }, (_, i) => `v${i}: viewer { kind }`).join(" ")} }`;
const prefix = `spendample-${randomUUID().slice(0, 8)}:`;
const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
// The clock stands still: no bucket refills while a test counts.
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
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** `n` requests at once, spread over both instances. */
function burst(query: string, secret: string, n: number): Promise<GqlResponse[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => gql((i % 2 ? b : a).url, query, {}, secret)));
}

/** The Redis commands the instances send on this test's pools and buckets while `work` runs. */
async function redisCommandsDuring(work: () => Promise<void>): Promise<string[]> {
  const commands: string[] = [];
  const monitor = await RedisMonitor.start(REDIS_URL, (args) => {
    if (args.some((arg) => /grantql:(credits|budget):/.test(arg) && arg.includes(prefix))) commands.push(args.join(" "));
  });
  try {
    await work();
    // A marker command through the same Redis: once MONITOR shows it, it has shown everything sent before it.
    const marker = `${prefix}grantql:budget:marker-${randomUUID()}`;
    const shown = monitor.shown((args) => args.some((arg) => arg.includes(marker)));
    await a.services.redis!.commands.exists(marker.slice(prefix.length));
    await shown;
    return commands.filter((c) => !c.includes(marker));
  } finally {
    monitor.close();
  }
}

it("a large budget and ample credits cost no Redis round trip per request, and every instance reads them exactly", async () => {
  const admin = await signUp(a.url);
  const remaining = 10 * AMPLE_CREDITS;
  const key = await spendingKey(a.url, admin.token, {
    costBudget: { maximum: 10_000_000, restorePerSecond: 1 },
    credits: { remaining },
  });
  expect(sliceSize({ maximum: 10_000_000, restorePerSecond: 1 }, 2)).toBeGreaterThan(0);
  // The first requests take a slice of the bucket and find the balance ample (a lease through the pool, then one into the process).
  for (let i = 0; i < 3; i++) expect((await gql(a.url, VIEWER, {}, key.secret)).status).toBe(200);
  await a.services.spends.ledger.leasesDone();
  // The CREDITS_LOW watch reads the balances drawn on once a second (one Redis round trip for all, however many requests):
  // paused while the requests are counted, so what shows is theirs.
  const watches = [a, b].map((server) => server.services.alerts.creditsLow);
  await Promise.all(watches.map((watch) => watch.stop()));
  let answers: GqlResponse[] = [];
  let commands: string[];
  try {
    commands = await redisCommandsDuring(async () => {
      answers = [];
      for (let i = 0; i < 20; i++) answers.push(await gql(a.url, VIEWER, {}, key.secret));
    });
  } finally {
    for (const watch of watches) watch.start();
  }
  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
  // Only what the instance says it holds (every 250 ms) may show: no take, no pool.
  expect(commands.filter((c) => !/^(hset|pexpire|hdel) \S*grantql:credits-outside:/i.test(c))).toEqual([]);
  const last = costOf(answers[19])!;
  expect(last).toMatchObject({
    requestedQueryCost: 2,
    actualQueryCost: 2,
    throttleStatus: { maximumAvailable: 10_000_000, restoreRate: 1 },
  });
  // The level this instance reports: its slice with what the shared bucket held when it took it (23 × 2 points spent in all).
  expect(last.throttleStatus.currentlyAvailable).toBe(10_000_000 - 23 * 2);
  // The other instance reads the balance exactly within a second: PostgreSQL, the pool, and what `a` holds.
  expect(
    await eventually(
      async () => (await keyOf(b.url, admin.token, key.id)).credits.remaining,
      (n) => n === remaining - 23,
    ),
  ).toBe(remaining - 23);
});

// About 1,100 requests empty the bucket: given the time a loaded CI machine takes for them.
it("budget slices never take a bucket below zero over two instances, and nothing is lost once they go back", async () => {
  const admin = await signUp(a.url);
  const maximum = 64_000;
  expect(sliceSize({ maximum, restorePerSecond: 1 }, 60)).toBeGreaterThan(0);
  const key = await spendingKey(a.url, admin.token, { costBudget: { maximum, restorePerSecond: 1 } });
  let spent = 0;
  for (;;) {
    const answers = await burst(SIXTY, key.secret, 100);
    for (const r of answers) if (r.status === 200) spent += costOf(r)!.actualQueryCost;
    expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    if (answers.every((r) => r.status === 429)) break;
  }
  // Never more than the bucket held; short of it only by what a slice (with what was left of the one before) still held on an instance.
  expect(spent).toBeLessThanOrEqual(maximum);
  expect(spent).toBeGreaterThan(maximum - 2 * (sliceSize({ maximum, restorePerSecond: 1 }, 60) + 60));
  // Once idle for a second the slices go back: the bucket holds exactly what was not spent, on either instance.
  const left = maximum - spent;
  expect(
    await eventually(
      async () => [
        (await keyOf(a.url, admin.token, key.id)).costBudget.currentlyAvailable,
        (await keyOf(b.url, admin.token, key.id)).costBudget.currentlyAvailable,
      ],
      ([x, y]) => x === left && y === left,
      5000,
    ),
  ).toEqual([left, left]);
  const rest = await burst(SIXTY, key.secret, 20);
  expect(rest.filter((r) => r.status === 200)).toHaveLength(Math.min(20, Math.floor(left / 60)));
}, 120_000);

it("a balance that stops being ample is shared exactly again: of more requests than credits over two instances, exactly that many run", async () => {
  const admin = await signUp(a.url);
  const key = await spendingKey(a.url, admin.token, { credits: { remaining: AMPLE_CREDITS + 300 } });
  const { durable } = await durableCreditsOf(a, key.id);
  // Ample: the instances lease into themselves (and the pool holds a lease too).
  for (const r of await burst(VIEWER, key.secret, 8)) expect(r.status).toBe(200);
  await a.services.spends.ledger.leasesDone();
  await b.services.spends.ledger.leasesDone();
  // The balance drops far below ample while both instances still hold leases of it.
  const drop = `mutation($id: ID!, $add: Int) { adjustCredits(id: $id, add: $add) { id } }`;
  expect((await gql(a.url, drop, { id: key.id, add: -AMPLE_CREDITS }, admin.token)).status).toBe(200);
  const read = async () => [
    (await keyOf(a.url, admin.token, key.id)).credits.remaining,
    (await keyOf(b.url, admin.token, key.id)).credits.remaining,
  ];
  const [left] = await eventually(read, ([x, y]) => x === y && x === 300 - 8);
  expect(left).toBe(300 - 8);
  let ran = 0;
  for (;;) {
    const answers = await burst(VIEWER, key.secret, 100);
    ran += answers.filter((r) => r.status === 200).length;
    expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    if (answers.every((r) => r.status === 429)) break;
  }
  expect(ran).toBe(left);
  expect(await durable()).toBe(0);
  expect((await keyOf(b.url, admin.token, key.id)).credits.remaining).toBe(0);
});
