import fc from "fast-check";
import { ManualClock } from "../../src/common/clock";
import { BudgetValue, MemoryCostBuckets } from "../../src/throttles/cost-bucket";
import { createRateLimiter, MemoryRateLimiter } from "../../src/throttles/rate-limiter";
import {
  afterFailure,
  Failures,
  isStale,
  MemoryFailureStore,
  SignInThrottle,
  SignInThrottleOptions,
  waitOf,
} from "../../src/throttles/sign-in-throttle";
import { createSignInThrottle } from "../../src/throttles/sign-in-throttle-redis";
import { MemoryGuessStore, RECENTLY_VERIFIED_MS, TokenGuessThrottle } from "../../src/throttles/token-guess-throttle";
import { createTokenGuessThrottle } from "../../src/throttles/token-guess-throttle-redis";

// Every rule of the throttles in this process, on a clock the test moves (the Redis stores have their own file).
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a whole minute, so windows of 10 s and 60 s start here

describe("MemoryRateLimiter: fixed windows aligned to their length", () => {
  it("allows exactly `limit` requests in a window, counting down what remains, and refuses the next", async () => {
    const clock = new ManualClock(new Date(T0 + 2500));
    const limiter = new MemoryRateLimiter(clock);
    const limit = { limit: 3, windowSeconds: 10 };
    expect(await limiter.consume("k", limit)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 8 });
    expect(await limiter.consume("k", limit)).toEqual({ allowed: true, limit: 3, remaining: 1, resetSeconds: 8 });
    expect(await limiter.consume("k", limit)).toEqual({ allowed: true, limit: 3, remaining: 0, resetSeconds: 8 });
    expect(await limiter.consume("k", limit)).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 8 });
    expect(await limiter.consume("k", limit)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it("starts a window at a multiple of its length: the next one counts from zero", async () => {
    const clock = new ManualClock(new Date(T0 + 9_999));
    const limiter = new MemoryRateLimiter(clock);
    const limit = { limit: 1, windowSeconds: 10 };
    expect(await limiter.consume("k", limit)).toEqual({ allowed: true, limit: 1, remaining: 0, resetSeconds: 1 });
    expect((await limiter.consume("k", limit)).allowed).toBe(false);
    clock.set(new Date(T0 + 10_000)); // the first instant of the next window
    expect(await limiter.consume("k", limit)).toEqual({ allowed: true, limit: 1, remaining: 0, resetSeconds: 10 });
  });

  it("rounds the reset up to whole seconds, and it is never 0", async () => {
    const clock = new ManualClock(new Date(T0 + 59_999));
    const limiter = new MemoryRateLimiter(clock);
    expect((await limiter.consume("k", { limit: 5, windowSeconds: 60 })).resetSeconds).toBe(1);
    clock.set(new Date(T0 + 58_001));
    expect((await limiter.consume("j", { limit: 5, windowSeconds: 60 })).resetSeconds).toBe(2);
  });

  it("counts each key, and each limit of a key, on its own", async () => {
    const limiter = new MemoryRateLimiter(new ManualClock(new Date(T0)));
    const limit = { limit: 1, windowSeconds: 60 };
    expect((await limiter.consume("a", limit)).allowed).toBe(true);
    expect((await limiter.consume("b", limit)).allowed).toBe(true);
    expect((await limiter.consume("a", { limit: 2, windowSeconds: 60 })).remaining).toBe(1);
    expect((await limiter.consume("a", { limit: 1, windowSeconds: 10 })).allowed).toBe(true);
    expect((await limiter.consume("a", limit)).allowed).toBe(false);
    await limiter.close();
  });

  it("without Redis, the limiter counts in this process", async () => {
    const limiter = createRateLimiter(undefined, new ManualClock(new Date(T0)));
    expect(limiter).toBeInstanceOf(MemoryRateLimiter);
  });
});

describe("the sign-in counters' rules", () => {
  const limits = { slowdownAfter: 3, lockAfter: 5 };
  const entry = (count: number, lastAt: number, lockedUntil = 0): Failures => ({ count, lastAt, lockedUntil });

  it("a counter is stale only when unlocked and its last failure is more than the window ago", () => {
    expect(isStale(entry(1, 0), 1001, 1000)).toBe(true);
    expect(isStale(entry(1, 0), 1000, 1000)).toBe(false);
    expect(isStale(entry(1, 0, 1001), 1001, 1000)).toBe(true);
    expect(isStale(entry(1, 0, 1002), 1001, 1000)).toBe(false);
  });

  it("waits: none without a counter or below the slow-down, the lock's rest while locked, then 1, 2, 4 s capped at the lock", () => {
    expect(waitOf(undefined, limits, 0, 60_000)).toBe(0);
    expect(waitOf(entry(2, 1000), limits, 1000, 60_000)).toBe(0);
    expect(waitOf(entry(0, 0, 5000), limits, 1000, 60_000)).toBe(4000);
    expect(waitOf(entry(0, 0, 1000), limits, 1000, 60_000)).toBe(0);
    expect(waitOf(entry(3, 1000), limits, 1000, 60_000)).toBe(1000);
    expect(waitOf(entry(3, 1000), limits, 1400, 60_000)).toBe(600);
    expect(waitOf(entry(4, 1000), limits, 1000, 60_000)).toBe(2000);
    expect(waitOf(entry(5, 1000), limits, 1000, 60_000)).toBe(4000);
    expect(waitOf(entry(20, 1000), limits, 1000, 3000)).toBe(3000);
    expect(waitOf(entry(3, 1000), limits, 5000, 60_000)).toBe(0);
  });

  it("a failure counts one, restarts a stale counter, and at `lockAfter` locks for the lock time and starts over", () => {
    expect(afterFailure(undefined, limits, 100, 1000, 60_000)).toEqual(entry(1, 100));
    expect(afterFailure(entry(2, 100), limits, 200, 1000, 60_000)).toEqual(entry(3, 200));
    expect(afterFailure(entry(3, 100), limits, 2000, 1000, 60_000)).toEqual(entry(1, 2000));
    expect(afterFailure(entry(4, 100), limits, 200, 1000, 60_000)).toEqual(entry(0, 200, 60_200));
    const before = entry(2, 100);
    afterFailure(before, limits, 200, 1000, 60_000);
    expect(before).toEqual(entry(2, 100));
  });
});

describe("MemoryFailureStore", () => {
  const slot = (key: string, slowdownAfter = 2, lockAfter = 4) => ({ key, limits: { slowdownAfter, lockAfter } });

  it("reserves on every slot when none must wait, and counts nothing while any must", async () => {
    const store = new MemoryFailureStore(60_000, 30_000);
    expect(await store.reserve([slot("e"), slot("a", 1, 10)], 0)).toBe(0);
    // "a" is now slowed down (1 failure ≥ 1): 1 s; "e" must not be counted meanwhile.
    expect(await store.reserve([slot("e"), slot("a", 1, 10)], 500)).toBe(500);
    expect(await store.reserve([slot("e")], 500)).toBe(0);
    expect(await store.reserve([slot("e")], 500)).toBe(1000);
  });

  it("the longest wait of all slots is the answer", async () => {
    const store = new MemoryFailureStore(60_000, 30_000);
    await store.reserve([slot("x", 1, 10)], 0);
    await store.reserve([slot("y", 1, 2)], 0);
    await store.reserve([slot("y", 1, 2)], 5000); // locks y until 35 000
    expect(await store.reserve([slot("x", 1, 10), slot("y", 1, 2)], 5000)).toBe(30_000);
    expect(await store.reserve([slot("y", 1, 2), slot("x", 1, 10)], 5000)).toBe(30_000);
  });

  it("release gives one attempt back, never below zero; delete forgets the counter", async () => {
    const store = new MemoryFailureStore(60_000, 30_000);
    await store.reserve([slot("e", 1)], 0);
    await store.release("e");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    await store.release("e");
    await store.release("e");
    await store.release("unknown");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    expect(await store.reserve([slot("e", 1)], 0)).toBe(1000); // one counted now, not -1 + 1
    await store.delete("e");
    expect(await store.reserve([slot("e", 1)], 0)).toBe(0);
    await store.close();
  });

  it("a counter past its window makes nobody wait, even where its slow-down would outlast the window", async () => {
    const store = new MemoryFailureStore(10_000, 60_000);
    const one = [slot("e", 1, 100)];
    for (const at of [0, 1000, 3000, 7000, 15_000]) expect(await store.reserve(one, at)).toBe(0); // waits of 1, 2, 4, 8 s
    expect(await store.reserve(one, 25_000)).toBe(6000); // the fifth failure's 16 s
    expect(await store.reserve(one, 25_001)).toBe(0); // 10 001 ms after the last failure: forgotten
  });

  it("closing a throttle closes its store", async () => {
    const closed: string[] = [];
    const failures = new MemoryFailureStore(1000, 1000);
    failures.close = async () => void closed.push("failures");
    const guesses = new MemoryGuessStore({ limit: 1, windowSeconds: 1, lockSeconds: 1 });
    guesses.close = async () => void closed.push("guesses");
    await new SignInThrottle(
      { slowdownAfter: 1, lockAfter: 2, ipLockAfter: 2, windowSeconds: 1, lockSeconds: 1 },
      new ManualClock(),
      failures,
    ).close();
    await new TokenGuessThrottle(new ManualClock(), guesses).close();
    expect(closed).toEqual(["failures", "guesses"]);
  });

  it("a counter past its window is forgotten", async () => {
    const store = new MemoryFailureStore(10_000, 30_000);
    await store.reserve([slot("e", 1)], 0);
    expect(await store.reserve([slot("e", 1)], 500)).toBe(500);
    expect(await store.reserve([slot("e", 1)], 10_001)).toBe(0);
  });
});

describe("SignInThrottle", () => {
  const options: SignInThrottleOptions = { slowdownAfter: 2, lockAfter: 4, ipLockAfter: 10, windowSeconds: 900, lockSeconds: 60 };

  it("slows an e-mail down after `slowdownAfter` failures, in whole seconds rounded up, then locks it", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new SignInThrottle(options, clock);
    expect(await throttle.reserve("e", undefined)).toBe(0);
    expect(await throttle.reserve("e", undefined)).toBe(0);
    expect(await throttle.reserve("e", undefined)).toBe(1);
    clock.advance(1);
    expect(await throttle.reserve("e", undefined)).toBe(1); // 999 ms is 1 s
    clock.advance(999);
    expect(await throttle.reserve("e", undefined)).toBe(0);
    clock.advance(2000);
    expect(await throttle.reserve("e", undefined)).toBe(0); // the fourth failure locks for 60 s
    expect(await throttle.reserve("e", undefined)).toBe(60);
    expect(await throttle.reserve("other", undefined)).toBe(0);
  });

  it("success clears the e-mail but gives the address only its reserved attempt back", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new SignInThrottle({ ...options, ipLockAfter: 6 }, clock);
    // The address slows down from max(slowdownAfter, floor(6 / 2)) = 3 failures.
    expect(await throttle.reserve("a", "203.0.113.1")).toBe(0);
    expect(await throttle.reserve("b", "203.0.113.1")).toBe(0);
    expect(await throttle.reserve("c", "203.0.113.1")).toBe(0);
    await throttle.succeeded("c", "203.0.113.1"); // back to 2 on the address
    expect(await throttle.reserve("d", "203.0.113.1")).toBe(0);
    expect(await throttle.reserve("e", "203.0.113.1")).toBe(1);
    expect(await throttle.reserve("e", "203.0.113.2")).toBe(0);
    await throttle.succeeded("a", undefined);
    expect(await throttle.reserve("a", undefined)).toBe(0);
  });

  it("the address counter is the guess throttle's: an IPv6 /64 counts as one address", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new SignInThrottle({ ...options, slowdownAfter: 100, lockAfter: 100, ipLockAfter: 2 }, clock);
    expect(await throttle.reserve("a", "2001:db8::1")).toBe(0);
    expect(await throttle.reserve("b", "2001:db8::2")).toBe(0); // the second failure locks the /64
    expect(await throttle.reserve("c", "2001:db8::ffff")).toBe(60);
    expect(await throttle.reserve("c", "2001:db8:0:1::1")).toBe(0);
  });

  it("an e-mail probe (sign-up, new member) counts once on the address, is never released, and is refused while it waits", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new SignInThrottle({ ...options, ipLockAfter: 2 }, clock);
    expect(await throttle.countEmailProbe(undefined)).toBe(0);
    expect(await throttle.countEmailProbe("203.0.113.9")).toBe(0);
    expect(await throttle.countEmailProbe("203.0.113.9")).toBe(0); // the second locks the address (ipLockAfter 2)
    expect(await throttle.countEmailProbe("203.0.113.9")).toBe(60);
    expect(await throttle.reserve("x", "203.0.113.9")).toBe(60);
    await throttle.close();
  });

  it("without Redis, createSignInThrottle counts in this process", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = createSignInThrottle({ ...options, slowdownAfter: 1 }, undefined, clock);
    expect(await throttle.reserve("e", undefined)).toBe(0);
    expect(await throttle.reserve("e", undefined)).toBe(1);
  });
});

describe("MemoryGuessStore and TokenGuessThrottle", () => {
  const options = { limit: 3, windowSeconds: 10, lockSeconds: 60 };

  it("locks an address at the `limit`-th miss within the sliding window, for the lock time, counting nothing meanwhile", async () => {
    const store = new MemoryGuessStore(options);
    expect(await store.miss("a", 0)).toBe(0);
    expect(await store.miss("a", 5000)).toBe(0);
    expect(await store.lockedFor("a", 5000)).toBe(0);
    expect(await store.miss("a", 9999)).toBe(0); // the third within 10 s: locked until 69 999
    expect(await store.lockedFor("a", 9999)).toBe(60_000);
    expect(await store.miss("a", 10_000)).toBe(59_999);
    expect(await store.lockedFor("b", 10_000)).toBe(0);
    expect(await store.lockedFor("a", 69_999)).toBe(0);
    // After the lock the address starts over.
    expect(await store.miss("a", 70_000)).toBe(0);
    expect(await store.miss("a", 70_001)).toBe(0);
    expect(await store.lockedFor("a", 70_001)).toBe(0);
    await store.close();
  });

  it("a miss older than the window no longer counts", async () => {
    const store = new MemoryGuessStore(options);
    await store.miss("a", 0);
    await store.miss("a", 1);
    expect(await store.miss("a", 10_000)).toBe(0); // the miss at 0 is exactly the window old: dropped
    expect(await store.lockedFor("a", 10_000)).toBe(0);
    await store.miss("a", 10_000); // with the one at 1, three within the window
    expect(await store.lockedFor("a", 10_000)).toBe(60_000);
  });

  it("the throttle admits any token without an address, refuses others from a locked address in whole seconds", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new TokenGuessThrottle(clock, new MemoryGuessStore({ limit: 1, windowSeconds: 10, lockSeconds: 5 }));
    expect(await throttle.unknown(undefined)).toBe(0);
    expect(await throttle.unknown("203.0.113.5")).toBe(0); // locks the address for 5 s
    expect(await throttle.admit("d", undefined)).toBe(0);
    expect(await throttle.admit("d", "203.0.113.5")).toBe(5);
    expect(await throttle.admit("d", "203.0.113.6")).toBe(0);
    expect(await throttle.unknown("203.0.113.5")).toBe(5);
    clock.advance(4001);
    expect(await throttle.admit("d", "203.0.113.5")).toBe(1);
    clock.advance(999);
    expect(await throttle.admit("d", "203.0.113.5")).toBe(0);
    await throttle.close();
  });

  it("a token verified within the last 10 minutes is admitted at once from a locked address", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new TokenGuessThrottle(clock, new MemoryGuessStore({ limit: 1, windowSeconds: 10, lockSeconds: 3600 }));
    throttle.valid("good");
    await throttle.unknown("203.0.113.5");
    expect(throttle.admit("good", "203.0.113.5")).toBe(0); // synchronously, not a promise
    clock.advance(RECENTLY_VERIFIED_MS - 1);
    expect(throttle.admit("good", "203.0.113.5")).toBe(0);
    clock.advance(1);
    expect(await throttle.admit("good", "203.0.113.5")).toBeGreaterThan(0);
  });

  it("re-verifying refreshes the memory at most once a second", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = new TokenGuessThrottle(clock, new MemoryGuessStore({ limit: 1, windowSeconds: 10, lockSeconds: 3600 }));
    await throttle.unknown("203.0.113.5");
    throttle.valid("good");
    clock.advance(999);
    throttle.valid("good"); // within a second: not written
    clock.advance(RECENTLY_VERIFIED_MS - 999);
    expect(await throttle.admit("good", "203.0.113.5")).toBeGreaterThan(0);
    throttle.valid("good");
    clock.advance(1000);
    throttle.valid("good"); // a second later: written
    clock.advance(RECENTLY_VERIFIED_MS - 1);
    expect(throttle.admit("good", "203.0.113.5")).toBe(0);
  });

  it("without Redis, createTokenGuessThrottle counts in this process", async () => {
    const clock = new ManualClock(new Date(T0));
    const throttle = createTokenGuessThrottle({ limit: 1, windowSeconds: 10, lockSeconds: 5 }, undefined, clock);
    await throttle.unknown("203.0.113.5");
    expect(await throttle.admit("d", "203.0.113.5")).toBe(5);
  });
});

describe("MemoryCostBuckets: a key's cost budget in this process", () => {
  const BUDGETS: BudgetValue[] = [
    { maximum: 100, restorePerSecond: 1 },
    { maximum: 1_000, restorePerSecond: 7 },
    { maximum: 50, restorePerSecond: 1_000 },
  ];
  const step = fc.record({
    bucket: fc.nat({ max: 2 }),
    budget: fc.nat({ max: 2 }),
    /** A take (> 0), a give-back (< 0) or a look (0). */
    points: fc.integer({ min: -120, max: 1_200 }),
    /** The clock mostly moves on, and now and then back (another instance's clock, a test's). */
    advanceMs: fc.integer({ min: -500, max: 5_000 }),
  });

  it("follows the rule step by step: a new bucket is full, it refills continuously up to its maximum, a take of more than it holds takes nothing (model)", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const clock = new ManualClock(new Date(T0));
        const buckets = new MemoryCostBuckets(clock);
        // The model: each bucket's exact level and the last instant it was brought up to date.
        const model = new Map<number, { level: number; at: number }>();
        for (const { bucket, budget: b, points, advanceMs } of steps) {
          clock.advance(advanceMs);
          const budget = BUDGETS[b];
          const now = clock.nowMs();
          const saved = model.get(bucket) ?? { level: budget.maximum, at: now };
          const elapsed = Math.max(0, now - saved.at);
          const before = Math.min(budget.maximum, saved.level + (elapsed * budget.restorePerSecond) / 1000);
          const allowed = points <= 0 || before >= points;
          const after = allowed ? Math.min(budget.maximum, before - points) : before;
          model.set(bucket, { level: after, at: Math.max(saved.at, now) });

          const level = buckets.changeNow(`b${bucket}`, budget, points);
          expect(level.allowed).toBe(allowed);
          expect(level.available).toBe(Math.floor(after));
          expect(level.retryAfterSeconds).toBe(allowed ? 0 : Math.max(1, Math.ceil((points - before) / budget.restorePerSecond)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("change answers what changeNow does, through a promise", async () => {
    const clock = new ManualClock(new Date(T0));
    const buckets = new MemoryCostBuckets(clock);
    const budget = BUDGETS[0];
    expect(await buckets.change("k", budget, 60)).toEqual({ allowed: true, available: 40, retryAfterSeconds: 0 });
    expect(await buckets.change("k", budget, 60)).toEqual({ allowed: false, available: 40, retryAfterSeconds: 20 });
    clock.advance(20_000);
    expect(buckets.changeNow("k", budget, 60)).toEqual({ allowed: true, available: 0, retryAfterSeconds: 0 });
  });
});
