import type Redis from "ioredis";
import { LRUCache } from "lru-cache";
import type { Clock } from "../common/clock";
import type { RedisConnections } from "../bus/redis-connections";
import { RedisOrLocal } from "./redis-counter-client";

/** A key's rate limit: `limit` requests per `windowSeconds` (docs/API.md, "Limits"). */
export interface RateLimitValue {
  limit: number;
  windowSeconds: number;
}

/** What one request learns from the limiter; also what the `RateLimit-*` headers say. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the window resets (at least 1). */
  resetSeconds: number;
}

/** Counts one request against a key's limit and says whether it may proceed. */
export interface RateLimiter {
  consume(keyId: string, limit: RateLimitValue): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(count: number, limit: RateLimitValue, msLeft: number): RateDecision {
  return {
    allowed: count <= limit.limit,
    limit: limit.limit,
    remaining: Math.max(0, limit.limit - count),
    resetSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
  };
}

/**
 * Fixed windows aligned to multiples of the window length, so every instance (and the Redis
 * script) agrees on where a window starts. Per process; bounded in the number of keys it tracks.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new LRUCache<string, { start: number; count: number }>({ max: 100_000 });

  constructor(private readonly clock: Clock) {}

  async consume(keyId: string, limit: RateLimitValue): Promise<RateDecision> {
    const now = this.clock.nowMs();
    const length = limit.windowSeconds * 1000;
    const start = now - (now % length);
    const slot = `${keyId}:${limit.limit}:${limit.windowSeconds}`;
    const window = this.windows.get(slot);
    const current = window && window.start === start ? window : { start, count: 0 };
    current.count += 1;
    this.windows.set(slot, current);
    return decide(current.count, limit, start + length - now);
  }

  async close(): Promise<void> {}
}

/**
 * INCR and PEXPIRE in one script: the count and its expiry are set atomically, so concurrent
 * instances never race a read-modify-write and a window can never be left without an expiry.
 */
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/**
 * The limit shared by every instance through Redis. When Redis cannot be reached the limiter
 * falls back to counting in this process (logged once per outage), so the API keeps serving with
 * a per-instance limit instead of failing or letting everything through; it returns to Redis on
 * the first command that succeeds.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly outage: RedisOrLocal;

  constructor(
    connections: RedisConnections,
    private readonly clock: Clock,
    private readonly fallback: RateLimiter,
  ) {
    this.redis = connections.commands;
    // Not waiting for the first connection: until it is up, requests are counted in this process.
    this.outage = new RedisOrLocal(connections, false);
    this.redis.defineCommand("grantqlConsume", { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  }

  async consume(keyId: string, limit: RateLimitValue): Promise<RateDecision> {
    const now = this.clock.nowMs();
    const length = limit.windowSeconds * 1000;
    const start = now - (now % length);
    return this.outage.attempt(
      async () => {
        const slot = `grantql:rl:${keyId}:${limit.limit}:${limit.windowSeconds}:${start}`;
        const count = Number(
          await (this.redis as unknown as { grantqlConsume(key: string, ttlMs: number): Promise<number> }).grantqlConsume(
            slot,
            length + 1000,
          ),
        );
        return decide(count, limit, start + length - now);
      },
      () => this.fallback.consume(keyId, limit),
    );
  }

  /** The connections are the process's, closed by their owner (services.ts). */
  async close(): Promise<void> {}
}

/** Redis when `REDIS_URL` is set, else this process alone. */
export function createRateLimiter(redis: RedisConnections | undefined, clock: Clock): RateLimiter {
  const memory = new MemoryRateLimiter(clock);
  return redis ? new RedisRateLimiter(redis, clock, memory) : memory;
}
