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
}

interface Level {
  points: number;
  at: number;
}

/** The level at `now`, the take or give-back applied: one rule for the process and the Redis script below. */
function apply(state: Level | undefined, budget: BudgetValue, points: number, now: number): { state: Level; allowed: boolean } {
  let level = state ? state.points : budget.maximum;
  const at = state ? Math.max(state.at, now) : now;
  if (state && now > state.at) level += ((now - state.at) * budget.restorePerSecond) / 1000;
  level = Math.min(level, budget.maximum);
  const allowed = points <= 0 || level >= points;
  if (allowed) level = Math.min(budget.maximum, level - points);
  return { state: { points: level, at }, allowed };
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
    const { state, allowed } = apply(this.levels.get(bucketId), budget, points, this.clock.now().getTime());
    this.levels.set(bucketId, state);
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
local saved = redis.call('HMGET', KEYS[1], 'l', 't')
local level = tonumber(saved[1])
local at = tonumber(saved[2])
if level == nil then level = max; at = now end
if now > at then level = level + (now - at) * rate / 1000; at = now end
if level > max then level = max end
local allowed = 1
if points > 0 and level < points then allowed = 0 end
if allowed == 1 then level = math.min(max, level - points) end
redis.call('HSET', KEYS[1], 'l', string.format('%.6f', level), 't', at)
redis.call('PEXPIRE', KEYS[1], math.ceil((max - level) * 1000 / rate) + 1000)
return {allowed, string.format('%.6f', level)}`;

type ChangeCommand = (key: string, now: number, max: number, rate: number, points: number) => Promise<[number, string]>;

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
    const command = (this.redis as unknown as { grantqlCostBucket: ChangeCommand }).grantqlCostBucket;
    return this.outage.attempt(
      async () => {
        const [allowed, level] = await command.call(
          this.redis,
          `grantql:budget:${bucketId}`,
          this.clock.now().getTime(),
          budget.maximum,
          budget.restorePerSecond,
          points,
        );
        return levelOf(Number(level), allowed === 1, points, budget);
      },
      () => this.fallback.change(bucketId, budget, points),
    );
  }
}

/** Redis when `REDIS_URL` is set, else this process alone. */
export function createCostBuckets(redis: RedisConnections | undefined, clock: Clock): CostBuckets {
  const memory = new MemoryCostBuckets(clock);
  return redis ? new RedisCostBuckets(redis, clock, memory) : memory;
}
