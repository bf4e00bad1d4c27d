import type Redis from "ioredis";
import { LRUCache } from "lru-cache";
import type { RedisConnections } from "../bus/redis-connections";
import type { Clock } from "../common/clock";
import { RedisOrLocal } from "./redis-counter-client";

/** A key's cost budget: a bucket of `maximum` points that refills at `restorePerSecond`. */
export interface BudgetValue {
  maximum: number;
  restorePerSecond: number;
}

/** What the bucket says after a take, a give-back or a look. */
export interface BucketLevel {
  allowed: boolean;
  /** Whole points in the bucket afterwards. */
  available: number;
  /** Whole seconds until the bucket holds what was asked for (0 when it did). */
  retryAfterSeconds: number;
}

/**
 * Points taken from (a positive `points`) or given back to (a negative one) a bucket, shared by the
 * keys of one balance. A take of more than the bucket holds takes nothing. A bucket never seen is
 * full; it refills continuously, capped at the budget's maximum (a lowered maximum caps the level).
 */
export interface CostBuckets {
  change(bucketId: string, budget: BudgetValue, points: number): Promise<BucketLevel>;
  /** The same change at once, when this process can make it alone (no round trip, no promise); null when `change` must. */
  changeNow(bucketId: string, budget: BudgetValue, points: number): BucketLevel | null;
  /** At shutdown: what this process took ahead goes back (see SlicedCostBuckets). */
  close?(): Promise<void>;
}

interface Level {
  points: number;
  at: number;
}

/**
 * The level at `now`, the take or give-back applied, written into `state` (a bucket never seen
 * starts full: its caller's part): whether it was allowed. One rule for the process and the Redis
 * script below.
 */
function apply(state: Level, budget: BudgetValue, points: number, now: number): boolean {
  let level = state.points;
  if (now > state.at) {
    level += ((now - state.at) * budget.restorePerSecond) / 1000;
    state.at = now;
  }
  level = Math.min(level, budget.maximum);
  const allowed = points <= 0 || level >= points;
  if (allowed) level = Math.min(budget.maximum, level - points);
  state.points = level;
  return allowed;
}

function levelOf(level: number, allowed: boolean, points: number, budget: BudgetValue): BucketLevel {
  return {
    allowed,
    available: Math.floor(level),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((points - level) / budget.restorePerSecond)),
  };
}

/** Buckets of this process alone: without REDIS_URL, and while Redis is away. */
export class MemoryCostBuckets implements CostBuckets {
  private readonly levels = new LRUCache<string, Level>({ max: 100_000 });

  constructor(private readonly clock: Clock) {}

  async change(bucketId: string, budget: BudgetValue, points: number): Promise<BucketLevel> {
    return this.changeNow(bucketId, budget, points);
  }

  changeNow(bucketId: string, budget: BudgetValue, points: number): BucketLevel {
    const now = this.clock.nowMs();
    let state = this.levels.get(bucketId);
    if (!state) {
      state = { points: budget.maximum, at: now };
      this.levels.set(bucketId, state);
    }
    // A bucket already kept is changed in place (the look-up made it the most recent).
    const allowed = apply(state, budget, points, now);
    return levelOf(state.points, allowed, points, budget);
  }
}

/**
 * The same rule as `apply`, atomic in Redis: every instance takes from one level. The level is a
 * fraction (kept as text: Redis would cut a number returned from Lua to an integer); a bucket
 * expires once it would have refilled, when reading it as new (full) says the same.
 */
const CHANGE_SCRIPT = `
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local points = tonumber(ARGV[4])
local slice = tonumber(ARGV[5])
local saved = redis.call('HMGET', KEYS[1], 'l', 't')
local level = tonumber(saved[1])
local at = tonumber(saved[2])
if level == nil then level = max; at = now end
if now > at then level = level + (now - at) * rate / 1000; at = now end
if level > max then level = max end
local allowed = 1
if points > 0 and level < points then allowed = 0 end
local sliced = 0
if allowed == 1 then
  if slice > 0 and level - points - slice >= max / 2 then sliced = slice end
  level = math.min(max, level - points - sliced)
end
redis.call('HSET', KEYS[1], 'l', string.format('%.6f', level), 't', at)
redis.call('PEXPIRE', KEYS[1], math.ceil((max - level) * 1000 / rate) + 1000)
return {allowed, string.format('%.6f', level), sliced}`;

type ChangeCommand = (
  key: string,
  now: number,
  max: number,
  rate: number,
  points: number,
  slice: number,
) => Promise<[number, string, number]>;

/** A change of the shared bucket, with the slice it granted besides (0 when it granted none). */
type SharedLevel = BucketLevel & { sliced: number; level: number };

/** Buckets shared by every instance through Redis, in this process while Redis is away. */
export class RedisCostBuckets implements CostBuckets {
  private readonly redis: Redis;
  private readonly outage: RedisOrLocal;

  constructor(
    connections: RedisConnections,
    private readonly clock: Clock,
    private readonly fallback: CostBuckets,
  ) {
    this.redis = connections.commands;
    this.outage = new RedisOrLocal(connections, false);
    this.redis.defineCommand("grantqlCostBucket", { numberOfKeys: 1, lua: CHANGE_SCRIPT });
  }

  change(bucketId: string, budget: BudgetValue, points: number): Promise<BucketLevel> {
    return this.changeShared(bucketId, budget, points, 0);
  }

  /** Every change of a shared bucket is Redis's. */
  changeNow(): null {
    return null;
  }

  /** The change, and besides it `slice` points more taken for this process when the bucket stays at least half full. */
  changeShared(bucketId: string, budget: BudgetValue, points: number, slice: number): Promise<SharedLevel> {
    const command = (this.redis as unknown as { grantqlCostBucket: ChangeCommand }).grantqlCostBucket;
    return this.outage.attempt(
      async () => {
        const [allowed, level, sliced] = await command.call(
          this.redis,
          `grantql:budget:${bucketId}`,
          this.clock.nowMs(),
          budget.maximum,
          budget.restorePerSecond,
          points,
          slice,
        );
        return { ...levelOf(Number(level), allowed === 1, points, budget), sliced: Number(sliced), level: Number(level) };
      },
      async () => ({ ...(await this.fallback.change(bucketId, budget, points)), sliced: 0, level: 0 }),
    );
  }
}

/** A slice is at most this share of the bucket's maximum… */
const SLICE_SHARE = 1 / 64;
/** …at least this many points (smaller buckets are taken from request by request)… */
const SLICE_MIN = 1000;
/** …and worth this many requests of the cost at hand. */
const SLICE_REQUESTS = 16;
/** A slice unused this long goes back to the shared bucket. */
const SLICE_IDLE_MS = 1000;
/**
 * A slice drawn below this share of its size is topped up in the background (back to its size,
 * never more), so that requests go on being taken from it at once instead of waiting for Redis.
 */
const SLICE_LOW = 1 / 4;

interface Slice {
  points: number;
  budget: BudgetValue;
  /** The shared level after the slice was taken, and when (for the level this process reports). */
  shared: number;
  at: number;
  /** When a request last drew on it (`performance.now()`: idleness is real time, whatever the clock says). */
  usedAt: number;
}

/** Whether a slice was taken under the budget a request now has (a changed budget is taken from anew). */
const sameBudget = (a: BudgetValue, b: BudgetValue) => a.maximum === b.maximum && a.restorePerSecond === b.restorePerSecond;

/** The slice for a request of `points` from a bucket of `budget`: 0 when the bucket is too small to take it ahead. */
export function sliceSize(budget: BudgetValue, points: number): number {
  const size = Math.floor(budget.maximum * SLICE_SHARE);
  return points > 0 && size >= SLICE_MIN && size >= points * SLICE_REQUESTS ? size : 0;
}

/**
 * The shared buckets with slices: while a large bucket (see `sliceSize`) stays at least half full,
 * a take that reaches Redis also takes a slice of it for this process, and the requests that
 * follow are taken from that slice, the unused cost given back to it, without a round trip. A
 * slice is taken atomically like any take, so the bucket never goes below zero over all
 * instances; what a slice holds is only this process's to spend, which for at most a second of
 * idleness (then it goes back) keeps at most 1/64 of the maximum per instance from the others.
 * A slice drawn below SLICE_LOW is topped up in the background, back to its size. Near empty
 * every take is the shared bucket's own, request by request.
 */
export class SlicedCostBuckets implements CostBuckets {
  private readonly slices = new Map<string, Slice>();
  /** One slice taken at a time per bucket: requests meanwhile wait for it rather than take their own. */
  private readonly slicing = new Map<string, Promise<unknown>>();
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly shared: RedisCostBuckets,
    private readonly clock: Clock,
  ) {}

  /** A take this process's slice of the same budget covers, a give-back to it, or a look at it. */
  changeNow(bucketId: string, budget: BudgetValue, points: number): BucketLevel | null {
    const held = this.slices.get(bucketId);
    if (!held || !sameBudget(held.budget, budget)) return null;
    return this.takeFrom(bucketId, held, points);
  }

  async change(bucketId: string, budget: BudgetValue, points: number): Promise<BucketLevel> {
    const held = this.slices.get(bucketId);
    if (held && !sameBudget(held.budget, budget)) {
      // The budget changed: a slice of the old one goes back, and the new one is taken from anew.
      this.slices.delete(bucketId);
      if (held.points > 0) await this.shared.change(bucketId, held.budget, -held.points);
    }
    const local = this.fromSlice(bucketId, points);
    if (local) return local;
    const size = sliceSize(budget, points);
    if (size === 0) return this.shared.change(bucketId, budget, points);
    const pending = this.slicing.get(bucketId);
    if (pending) {
      await pending;
      return this.fromSlice(bucketId, points) ?? this.shared.change(bucketId, budget, points);
    }
    const taking = this.shared.changeShared(bucketId, budget, points, size);
    this.slicing.set(bucketId, taking);
    try {
      const level = await taking;
      if (level.sliced > 0) {
        const now = this.clock.nowMs();
        const slice = this.slices.get(bucketId) ?? { points: 0, budget, shared: 0, at: now, usedAt: 0 };
        Object.assign(slice, { budget, usedAt: performance.now() });
        this.receive(slice, level, now);
        this.slices.set(bucketId, slice);
        this.idleTimer ??= setInterval(() => void this.handBack(SLICE_IDLE_MS).catch(() => undefined), SLICE_IDLE_MS).unref();
        return { ...level, available: this.available(slice, now) };
      }
      return level;
    } finally {
      this.slicing.delete(bucketId);
    }
  }

  /** A take this process's slice covers, a give-back to it, or a look at it; null when the shared bucket must answer. */
  private fromSlice(bucketId: string, points: number): BucketLevel | null {
    const slice = this.slices.get(bucketId);
    return slice ? this.takeFrom(bucketId, slice, points) : null;
  }

  /** `fromSlice` on the slice at hand; a take that leaves it low tops it up in the background. */
  private takeFrom(bucketId: string, slice: Slice, points: number): BucketLevel | null {
    if (slice.points < points) return null;
    slice.points -= points;
    if (points > 0) {
      // A look (the key's page reading its level) is no use: an idle slice still goes back.
      slice.usedAt = performance.now();
      this.topUp(bucketId, slice, points);
    }
    return { allowed: true, available: this.available(slice, this.clock.nowMs()), retryAfterSeconds: 0 };
  }

  /**
   * A slice below SLICE_LOW of its size taken back up to its size (never more) from the shared
   * bucket, one change at a time per bucket (requests short of points meanwhile wait for it rather
   * than take their own). A top-up landing once its slice went back, or was replaced, goes back too.
   */
  private topUp(bucketId: string, slice: Slice, points: number): void {
    const size = sliceSize(slice.budget, points);
    if (slice.points >= size * SLICE_LOW || this.slicing.has(bucketId)) return;
    const { budget } = slice;
    const taking = this.shared
      .changeShared(bucketId, budget, 0, size - slice.points)
      .then(async (level) => {
        if (level.sliced === 0) return;
        if (this.slices.get(bucketId) !== slice) {
          await this.shared.change(bucketId, budget, -level.sliced);
          return;
        }
        this.receive(slice, level, this.clock.nowMs());
      })
      // A top-up that failed leaves the slice as it was: the request that finds it short takes from Redis itself.
      .catch(() => undefined);
    this.slicing.set(bucketId, taking);
    void taking.finally(() => {
      if (this.slicing.get(bucketId) === taking) this.slicing.delete(bucketId);
    });
  }

  /** Points the shared bucket granted besides a change, added to the slice, with the level they left it at (see `available`). */
  private receive(slice: Slice, level: SharedLevel, now: number): void {
    slice.points += level.sliced;
    slice.shared = level.level;
    slice.at = now;
  }

  /** Once every slice this process is taking (a background top-up too) has landed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.slicing.values()]);
  }

  /** The level as this process knows it: the shared one when it took its slice, refilled since, and its slice. */
  private available(slice: Slice, now: number): number {
    const refilled = slice.shared + ((now - slice.at) * slice.budget.restorePerSecond) / 1000;
    return Math.floor(Math.min(slice.budget.maximum, refilled + slice.points));
  }

  /** Slices idle for `idleMs` (all of them, at shutdown) go back to the shared buckets. */
  async handBack(idleMs = 0): Promise<void> {
    const before = performance.now() - idleMs;
    for (const [bucketId, slice] of this.slices) {
      if (idleMs > 0 && slice.usedAt > before) continue;
      this.slices.delete(bucketId);
      if (slice.points > 0) await this.shared.change(bucketId, slice.budget, -slice.points);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.settled();
    await this.handBack();
  }
}

/** Redis (with slices) when `REDIS_URL` is set, else this process alone. */
export function createCostBuckets(redis: RedisConnections | undefined, clock: Clock): CostBuckets {
  const memory = new MemoryCostBuckets(clock);
  return redis ? new SlicedCostBuckets(new RedisCostBuckets(redis, clock, memory), clock) : memory;
}
