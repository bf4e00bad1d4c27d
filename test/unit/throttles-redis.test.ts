import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { RedisConnections } from "../../src/bus/redis-connections";
import { ManualClock } from "../../src/common/clock";
import { createLogger } from "../../src/logger";
import { createRateLimiter, MemoryRateLimiter, RedisRateLimiter } from "../../src/throttles/rate-limiter";
import { RedisOrLocal } from "../../src/throttles/redis-counter-client";
import { createSignInThrottle, RedisFailureStore } from "../../src/throttles/sign-in-throttle-redis";
import { createTokenGuessThrottle, RedisGuessStore } from "../../src/throttles/token-guess-throttle-redis";

// The shared counters against a real Redis (REDIS_URL), each test under a prefix of its own, and
// against a Redis that refuses connections, where they count in this process instead.
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const REFUSED_URL = "redis://127.0.0.1:1";
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const opened: RedisConnections[] = [];
const logs: string[] = [];
const logger = createLogger(
  "info",
  new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  }),
);

async function connections(url = REDIS_URL): Promise<RedisConnections> {
  const redis = new RedisConnections(url, `grantql-unit-${randomUUID()}:`, logger);
  opened.push(redis);
  await redis.ready;
  return redis;
}
afterAll(() => {
  for (const redis of opened) redis.close();
});

describe("RedisRateLimiter", () => {
  it("counts in Redis, shared by every limiter on it, in windows aligned to their length", async () => {
    const redis = await connections();
    const clock = new ManualClock(new Date(T0 + 2500));
    const one = new RedisRateLimiter(redis, clock, new MemoryRateLimiter(clock));
    const two = createRateLimiter(redis, clock);
    expect(two).toBeInstanceOf(RedisRateLimiter);
    const limit = { limit: 2, windowSeconds: 10 };
    expect(await one.consume("k", limit)).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 8 });
    expect(await two.consume("k", limit)).toEqual({ allowed: true, limit: 2, remaining: 0, resetSeconds: 8 });
    expect(await one.consume("k", limit)).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 8 });
    expect((await one.consume("other", limit)).allowed).toBe(true);
    clock.set(new Date(T0 + 10_000));
    expect(await two.consume("k", limit)).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 10 });
    await one.close();
  });

  it("gives each window an expiry a second past its length", async () => {
    const redis = await connections();
    const clock = new ManualClock(new Date(T0));
    await new RedisRateLimiter(redis, clock, new MemoryRateLimiter(clock)).consume("k", { limit: 5, windowSeconds: 10 });
    const [key] = await redis.commands.keys(`${redis.keyPrefix}*`);
    expect(key).toBe(`${redis.keyPrefix}grantql:rl:k:5:10:${T0}`);
    const ttl = await redis.commands.pttl(key.slice(redis.keyPrefix.length));
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(11_000);
  });

  it("while Redis is unreachable, counts in this process and logs the outage once", async () => {
    const redis = await connections(REFUSED_URL);
    const clock = new ManualClock(new Date(T0));
    const limiter = createRateLimiter(redis, clock);
    const limit = { limit: 1, windowSeconds: 60 };
    expect((await limiter.consume("k", limit)).allowed).toBe(true);
    expect((await limiter.consume("k", limit)).allowed).toBe(false);
    expect(logs.filter((line) => line.includes("redis unavailable")).length).toBeGreaterThanOrEqual(1);
  });
});

describe("RedisOrLocal", () => {
  it("answers from Redis and ends an outage; on a failure, answers from the fallback and starts one", async () => {
    const redis = await connections();
    const seen: string[] = [];
    redis.recovered = () => void seen.push("recovered");
    redis.failed = (error, during) => void seen.push(`failed: ${error.message} (${during})`);
    const counter = new RedisOrLocal(redis, true);
    expect(
      await counter.attempt(
        async () => "redis",
        () => "local",
      ),
    ).toBe("redis");
    expect(
      await counter.attempt(
        async () => {
          throw new Error("gone");
        },
        () => "local",
      ),
    ).toBe("local");
    expect(seen).toEqual(["recovered", "failed: gone (counter)"]);
  });
});

describe("RedisFailureStore", () => {
  const slot = (key: string, slowdownAfter = 2, lockAfter = 4) => ({ key, limits: { slowdownAfter, lockAfter } });

  it("runs the sign-in rules in Redis: slow-down, the longest wait of all slots, lock, release, delete", async () => {
    const redis = await connections();
    const store = new RedisFailureStore(redis, 60_000, 30_000);
    const other = new RedisFailureStore(redis, 60_000, 30_000);
    expect(await store.reserve([slot("e"), slot("a", 1, 10)], 0)).toBe(0);
    expect(await other.reserve([slot("e"), slot("a", 1, 10)], 400)).toBe(600); // "a" slowed down: 1 s after its failure
    expect(await store.reserve([slot("e")], 400)).toBe(0); // and "e" was not counted meanwhile
    expect(await store.reserve([slot("e")], 400)).toBe(1000);
    await store.release("e");
    expect(await other.reserve([slot("e")], 400)).toBe(0);
    await store.release("none");
    expect(await store.reserve([slot("e")], 2000)).toBe(0);
    expect(await store.reserve([slot("e")], 10_000)).toBe(0); // the fourth failure locks for 30 s
    expect(await store.reserve([slot("e")], 10_000)).toBe(30_000);
    expect(await store.reserve([slot("e")], 39_999)).toBe(1);
    await store.delete("e");
    expect(await store.reserve([slot("e")], 10_000)).toBe(0);
    await store.close();
  });

  it("forgets a counter whose last failure is past the window, and stores e-mails hashed with an expiry", async () => {
    const redis = await connections();
    const store = new RedisFailureStore(redis, 10_000, 30_000);
    await store.reserve([slot("someone@example.test", 1)], 0);
    expect(await store.reserve([slot("someone@example.test", 1)], 10_001)).toBe(0);
    expect(await store.reserve([slot("someone@example.test", 1)], 10_001)).toBe(1000); // 1 failure, not 2
    const keys = await redis.commands.keys(`${redis.keyPrefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/grantql:signin:[0-9a-f]{64}$/);
    const ttl = await redis.commands.pttl(keys[0].slice(redis.keyPrefix.length));
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(11_000);
  });

  it("while Redis is unreachable, releases and deletes reach the counters kept in this process", async () => {
    const store = new RedisFailureStore(await connections(REFUSED_URL), 60_000, 30_000);
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    await store.release("e");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    await store.delete("e");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    expect(await store.reserve([slot("e", 1)], 0)).toBe(1000);
  });

  it("a release never takes the count below zero", async () => {
    const redis = await connections();
    const store = new RedisFailureStore(redis, 60_000, 30_000);
    await store.reserve([slot("e", 1)], 0);
    await store.release("e");
    await store.release("e");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    expect(await store.reserve([slot("e", 1)], 0)).toBe(1000);
  });

  it("with Redis, createSignInThrottle shares its counters; while unreachable, counts in this process", async () => {
    const options = { slowdownAfter: 1, lockAfter: 5, ipLockAfter: 100, windowSeconds: 60, lockSeconds: 60 };
    const clock = new ManualClock(new Date(T0));
    const redis = await connections();
    const [one, two] = [createSignInThrottle(options, redis, clock), createSignInThrottle(options, redis, clock)];
    expect(await one.reserve("e", "203.0.113.1")).toBe(0);
    expect(await two.reserve("e", "203.0.113.1")).toBe(1);
    await two.succeeded("e", "203.0.113.1");
    expect(await one.reserve("e", "203.0.113.1")).toBe(0);
    const locking = createSignInThrottle({ ...options, slowdownAfter: 5, lockAfter: 2, lockSeconds: 30 }, redis, clock);
    expect(await locking.reserve("locked", undefined)).toBe(0);
    expect(await locking.reserve("locked", undefined)).toBe(0);
    expect(await locking.reserve("locked", undefined)).toBe(30); // locked for lockSeconds
    const down = createSignInThrottle(options, await connections(REFUSED_URL), clock);
    expect(await down.reserve("e", undefined)).toBe(0);
    expect(await down.reserve("e", undefined)).toBe(1);
    await down.succeeded("e", "203.0.113.1");
    expect(await down.reserve("e", undefined)).toBe(0);
  });
});

describe("RedisGuessStore", () => {
  const options = { limit: 3, windowSeconds: 10, lockSeconds: 60 };

  it("locks an address in Redis at the `limit`-th miss in the window, seen by every store on it", async () => {
    const redis = await connections();
    const [one, two] = [new RedisGuessStore(redis, options), new RedisGuessStore(redis, options)];
    expect(await one.miss("a", 0)).toBe(0);
    expect(await two.miss("a", 5000)).toBe(0);
    expect(await two.lockedFor("a", 5000)).toBe(0);
    expect(await one.miss("a", 9999)).toBe(0);
    expect(await two.lockedFor("a", 9999)).toBe(60_000);
    expect(await two.miss("a", 10_000)).toBe(59_999);
    expect(await one.lockedFor("b", 10_000)).toBe(0);
    expect(await one.lockedFor("a", 69_999)).toBe(0);
    expect(await one.miss("a", 70_000)).toBe(0);
    await one.close();
  });

  it("drops misses as old as the window, and keys each address's lock and misses under one hash tag", async () => {
    const redis = await connections();
    const store = new RedisGuessStore(redis, options);
    await store.miss("a", 0);
    await store.miss("a", 1);
    expect(await store.miss("a", 10_000)).toBe(0);
    expect(await store.lockedFor("a", 10_000)).toBe(0);
    const keys = (await redis.commands.keys(`${redis.keyPrefix}*`)).map((k) => k.slice(redis.keyPrefix.length));
    expect(keys).toEqual(["grantql:tokens:{a}:misses"]);
    const ttl = await redis.commands.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(11_000);
    await store.miss("a", 10_000);
    expect(await redis.commands.exists("grantql:tokens:{a}:misses")).toBe(0);
    expect(await redis.commands.pttl("grantql:tokens:{a}:lock")).toBeGreaterThan(60_000);
  });

  it("remembers a lock it saw, so a locked address costs no Redis round trip until the lock ends", async () => {
    const redis = await connections();
    const store = new RedisGuessStore(redis, { limit: 1, windowSeconds: 10, lockSeconds: 60 });
    expect(await store.miss("a", 0)).toBe(0);
    expect(await store.lockedFor("a", 0)).toBe(60_000);
    await redis.commands.del("grantql:tokens:{a}:lock");
    expect(await store.lockedFor("a", 1000)).toBe(59_000); // from memory
    expect(await store.lockedFor("a", 60_000)).toBe(0);
  });

  it("with Redis, createTokenGuessThrottle shares the lock; while unreachable, counts in this process", async () => {
    const clock = new ManualClock(new Date(T0));
    const redis = await connections();
    const opts = { limit: 1, windowSeconds: 10, lockSeconds: 5 };
    const [one, two] = [createTokenGuessThrottle(opts, redis, clock), createTokenGuessThrottle(opts, redis, clock)];
    expect(await one.unknown("203.0.113.5")).toBe(0);
    expect(await two.admit("d", "203.0.113.5")).toBe(5);
    const down = createTokenGuessThrottle(opts, await connections(REFUSED_URL), clock);
    expect(await down.unknown("203.0.113.5")).toBe(0);
    expect(await down.admit("d", "203.0.113.5")).toBe(5);
    expect(await down.unknown("203.0.113.5")).toBe(5);
  });
});
