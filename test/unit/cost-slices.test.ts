import { randomUUID } from "node:crypto";
import fc from "fast-check";
import Redis from "ioredis";
import { RedisConnections } from "../../src/bus/redis-connections";
import { ManualClock } from "../../src/common/clock";
import { createLogger } from "../../src/logger";
import { BudgetValue, MemoryCostBuckets, RedisCostBuckets, SlicedCostBuckets, sliceSize } from "../../src/throttles/cost-bucket";

// Cost budgets shared through a real Redis (REDIS_URL) by several instances, each taking slices of
// the large buckets (see SlicedCostBuckets): a model of bursts of takes and give-backs over several
// keys' buckets, checked against what the buckets were given.
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const logger = createLogger("error");
const opened: RedisConnections[] = [];
const raw = new Redis(REDIS_URL);
afterAll(() => {
  for (const redis of opened) redis.close();
  raw.disconnect();
});

async function instances(prefix: string, clock: ManualClock, n: number): Promise<SlicedCostBuckets[]> {
  const out: SlicedCostBuckets[] = [];
  for (let i = 0; i < n; i++) {
    const redis = new RedisConnections(REDIS_URL, prefix, logger);
    opened.push(redis);
    await redis.ready;
    out.push(new SlicedCostBuckets(new RedisCostBuckets(redis, clock, new MemoryCostBuckets(clock)), clock));
  }
  return out;
}

/** Two keys' buckets: large ones (taken in slices while at least half full) and, for contrast, a small one (request by request). */
const BUDGETS: BudgetValue[] = [
  { maximum: 64_000, restorePerSecond: 1 },
  { maximum: 100_000, restorePerSecond: 3 },
  { maximum: 1_000, restorePerSecond: 1 },
];

const burst = fc.array(
  fc.record({
    instance: fc.nat({ max: 2 }),
    bucket: fc.nat({ max: 1 }),
    points: fc.integer({ min: 1, max: 62 }),
    /** What the request did not use, given back after it ran (a fraction of its points). */
    unused: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  { minLength: 1, maxLength: 40 },
);

it("over three instances, bursts of takes and give-backs never take a bucket below zero, never grant more than it held, and lose nothing (model)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(burst, { minLength: 1, maxLength: 25 }),
      fc.subarray([0, 1, 2], { minLength: 2, maxLength: 2 }),
      // How much of each bucket an earlier request took, so that bursts also cross half full and reach empty.
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      async (bursts, kinds, drained) => {
        const prefix = `grantql-slices-${randomUUID()}:`;
        // The clock stands still: nothing refills, so every point is accounted for.
        const clock = new ManualClock(new Date(Date.UTC(2026, 0, 1)));
        const nodes = await instances(prefix, clock, 3);
        const buckets = kinds.map((k) => ({ id: randomUUID(), budget: BUDGETS[k], spent: 0 }));
        const level = async (id: string) => Number((await raw.hget(`${prefix}grantql:budget:${id}`, "l")) ?? Number.NaN);
        try {
          for (const [i, b] of buckets.entries()) {
            const earlier = Math.floor(b.budget.maximum * drained[i]);
            if (earlier > 0 && (await nodes[0].change(b.id, b.budget, earlier)).allowed) b.spent += earlier;
          }
          for (const requests of bursts) {
            await Promise.all(
              requests.map(async ({ instance, bucket, points, unused }) => {
                const b = buckets[bucket];
                // As the request path takes: at once from this instance's slice when it can, else through Redis.
                const node = nodes[instance];
                const taken = node.changeNow(b.id, b.budget, points) ?? (await node.change(b.id, b.budget, points));
                if (!taken.allowed) return;
                b.spent += points;
                const back = Math.floor(points * unused);
                if (back > 0) {
                  if (!node.changeNow(b.id, b.budget, -back)) await node.change(b.id, b.budget, -back);
                  b.spent -= back;
                }
              }),
            );
            for (const b of buckets) {
              // What requests hold never exceeds what the bucket held; Redis's own level is never below zero.
              expect(b.spent).toBeLessThanOrEqual(b.budget.maximum);
              const shared = await level(b.id);
              if (!Number.isNaN(shared)) expect(shared).toBeGreaterThanOrEqual(0);
            }
          }
          // Every slice back: the shared bucket holds exactly what was not spent.
          await Promise.all(nodes.map((n) => n.close()));
          for (const b of buckets) {
            const shared = await level(b.id);
            expect(Number.isNaN(shared) ? b.budget.maximum : Math.round(shared)).toBe(b.budget.maximum - b.spent);
          }
        } finally {
          for (const n of nodes) await n.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

it("a slice drawn low is topped up in the background: every request is taken at once, and an instance never holds more than one slice", async () => {
  const prefix = `grantql-slices-${randomUUID()}:`;
  const clock = new ManualClock(new Date(Date.UTC(2026, 0, 1)));
  const [node] = await instances(prefix, clock, 1);
  const budget = { maximum: 64_000, restorePerSecond: 1 };
  const size = sliceSize(budget, 50);
  const id = randomUUID();
  const shared = async () => Number(await raw.hget(`${prefix}grantql:budget:${id}`, "l"));
  try {
    // The first take reaches Redis and takes a slice besides.
    expect((await node.change(id, budget, 50)).allowed).toBe(true);
    let spent = 50;
    expect(budget.maximum - (await shared()) - spent).toBe(size);
    // Three slices' worth, each request from the slice at once (never a round trip), each top-up landing before the next.
    for (let i = 0; i < (3 * size) / 50; i++) {
      expect(node.changeNow(id, budget, 50)?.allowed).toBe(true);
      spent += 50;
      await node.settled();
      expect(budget.maximum - (await shared()) - spent).toBeLessThanOrEqual(size);
    }
    await node.close();
    expect(Math.round(await shared())).toBe(budget.maximum - spent);
  } finally {
    await node.close();
  }
});

it("a top-up landing after its slice went back goes back too: nothing is lost", async () => {
  const prefix = `grantql-slices-${randomUUID()}:`;
  const clock = new ManualClock(new Date(Date.UTC(2026, 0, 1)));
  const [node] = await instances(prefix, clock, 1);
  const budget = { maximum: 64_000, restorePerSecond: 1 };
  const id = randomUUID();
  try {
    expect((await node.change(id, budget, 50)).allowed).toBe(true);
    let spent = 50;
    // Drawn below a quarter: the last take starts a top-up, and the slice goes back while it is on its way.
    while (spent < 850 && node.changeNow(id, budget, 50)) spent += 50;
    const handingBack = node.handBack();
    await node.settled();
    await handingBack;
    expect(Math.round(Number(await raw.hget(`${prefix}grantql:budget:${id}`, "l")))).toBe(budget.maximum - spent);
  } finally {
    await node.close();
  }
});

it("a slice is only taken from a large bucket, worth many requests", () => {
  expect(sliceSize({ maximum: 64_000, restorePerSecond: 1 }, 62)).toBe(1000);
  expect(sliceSize({ maximum: 64_000, restorePerSecond: 1 }, 63)).toBe(0);
  expect(sliceSize({ maximum: 63_999, restorePerSecond: 1 }, 1)).toBe(0);
  expect(sliceSize({ maximum: 10_000_000, restorePerSecond: 1 }, 60)).toBe(156_250);
  expect(sliceSize({ maximum: 10_000_000, restorePerSecond: 1 }, 0)).toBe(0);
});
