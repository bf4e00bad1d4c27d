import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { LRUCache } from "lru-cache";
import type { Clock } from "../common/clock";
import type { RedisConnections } from "../bus/redis-connections";
import { RedisOrLocal } from "./redis-counter-client";
import { GuessStore, MemoryGuessStore, TokenGuessOptions, TokenGuessThrottle } from "./token-guess-throttle";

/**
 * `MemoryGuessStore.miss` inside Redis, as one step: a running lock is returned untouched; else the
 * miss joins a sorted set of the window's misses (older ones dropped), and reaching the limit
 * replaces the set by a lock. KEYS: lock, misses. ARGV: now, windowMs, limit, lockMs, member.
 */
const MISS_SCRIPT = `
local now, windowMs, limit, lockMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lockedUntil = tonumber(redis.call('GET', KEYS[1])) or 0
if lockedUntil > now then return lockedUntil - now end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - windowMs)
redis.call('ZADD', KEYS[2], now, ARGV[5])
if redis.call('ZCARD', KEYS[2]) >= limit then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[1], now + lockMs, 'PX', lockMs + 1000)
else
  redis.call('PEXPIRE', KEYS[2], windowMs + 1000)
end
return 0`;

type Scripts = { grantqlTokenMiss(lock: string, misses: string, ...args: (string | number)[]): Promise<number> };

/**
 * Unknown-token counts shared by every instance through Redis, so a guesser cannot multiply the
 * limit by spreading over instances. A lock seen once is remembered here until it ends (a lock is
 * never shortened), so a flood from a locked address costs no Redis round trip either. While Redis
 * is unreachable the counts fall back to this process (logged once per outage).
 */
export class RedisGuessStore implements GuessStore {
  private readonly redis: Redis;
  private readonly fallback: MemoryGuessStore;
  private readonly knownLocks = new LRUCache<string, number>({ max: 100_000 });
  private readonly outage: RedisOrLocal;

  constructor(
    connections: RedisConnections,
    private readonly options: TokenGuessOptions,
  ) {
    this.redis = connections.commands;
    this.outage = new RedisOrLocal(connections, true);
    this.redis.defineCommand("grantqlTokenMiss", { numberOfKeys: 2, lua: MISS_SCRIPT });
    this.fallback = new MemoryGuessStore(options);
  }

  async lockedFor(address: string, now: number): Promise<number> {
    const known = (this.knownLocks.get(address) ?? 0) - now;
    if (known > 0) return known;
    return this.outage.attempt(
      async () => this.remember(address, Number((await this.redis.get(this.slot(address, "lock"))) ?? 0), now),
      () => this.fallback.lockedFor(address, now),
    );
  }

  async miss(address: string, now: number): Promise<number> {
    return this.outage.attempt(
      async () => {
        const scripts = this.redis as unknown as Scripts;
        const { windowSeconds, limit, lockSeconds } = this.options;
        const locked = Number(
          await scripts.grantqlTokenMiss(
            this.slot(address, "lock"),
            this.slot(address, "misses"),
            now,
            windowSeconds * 1000,
            limit,
            lockSeconds * 1000,
            randomUUID(),
          ),
        );
        // Stryker disable next-line ConditionalExpression,EqualityOperator: with 0 left, now + 0 is remembered as no lock all the same
        return this.remember(address, locked > 0 ? now + locked : 0, now);
      },
      () => this.fallback.miss(address, now),
    );
  }

  /** The connections are the process's, closed by their owner (services.ts). */
  async close(): Promise<void> {}

  private remember(address: string, lockedUntil: number, now: number): number {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a remembered lock that has ended is not used (lockedFor asks for one still running)
    if (lockedUntil > now) this.knownLocks.set(address, lockedUntil);
    return Math.max(0, lockedUntil - now);
  }

  /** Both keys of an address share a hash tag, so the script's keys sit in one cluster slot. */
  private slot(address: string, part: "lock" | "misses"): string {
    return `grantql:tokens:{${address}}:${part}`;
  }
}

/** Shared through Redis when `REDIS_URL` is set, else counted in this process. */
export function createTokenGuessThrottle(
  options: TokenGuessOptions,
  redis: RedisConnections | undefined,
  clock: Clock,
): TokenGuessThrottle {
  const store = redis ? new RedisGuessStore(redis, options) : new MemoryGuessStore(options);
  return new TokenGuessThrottle(clock, store);
}
