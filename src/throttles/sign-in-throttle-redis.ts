import { createHash } from "node:crypto";
import type Redis from "ioredis";
import type { RedisConnections } from "../bus/redis-connections";
import { RedisOrLocal } from "./redis-counter-client";
import type { Clock } from "../common/clock";
import { FailureStore, MemoryFailureStore, SignInThrottle, SignInThrottleOptions, Slot } from "./sign-in-throttle";

/**
 * `waitOf` and `afterFailure` run inside Redis as one step: when any counter (e-mail, address)
 * must wait, return the longest wait in ms and count nothing; else count one attempt on each.
 * Concurrent attempts on any number of instances are therefore checked and counted atomically.
 * ARGV: now, windowMs, lockMs, then slowdownAfter and lockAfter for each key.
 */
const RESERVE_SCRIPT = `
local now, windowMs, lockMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local counters, wait = {}, 0
for i, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 'count', 'lastAt', 'lockedUntil')
  local count, lastAt, lockedUntil = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
  if lockedUntil <= now and now - lastAt > windowMs then count = 0; lockedUntil = 0 end
  local slowdownAfter, lockAfter = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local w = 0
  if lockedUntil > now then w = lockedUntil - now
  elseif count >= slowdownAfter then w = math.max(0, lastAt + math.min(2 ^ (count - slowdownAfter), lockMs / 1000) * 1000 - now) end
  if w > wait then wait = w end
  counters[i] = {count, lockedUntil, lockAfter}
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local count, lockedUntil = counters[i][1] + 1, counters[i][2]
  if count >= counters[i][3] then lockedUntil = now + lockMs; count = 0 end
  redis.call('HSET', key, 'count', count, 'lastAt', now, 'lockedUntil', lockedUntil)
  redis.call('PEXPIRE', key, math.max(lockedUntil - now, 0) + windowMs + 1000)
end
return 0`;

/** One reserved attempt given back: the count goes down by one, never below zero. */
const RELEASE_SCRIPT = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count')) or 0
if count > 0 then redis.call('HINCRBY', KEYS[1], 'count', -1) end
return 0`;

type Scripts = {
  grantqlSignInReserve(...args: (string | number)[]): Promise<number>;
  grantqlSignInRelease(key: string): Promise<number>;
};

/**
 * Sign-in failure counters shared by every instance through Redis, so a guesser cannot multiply
 * the limits by spreading attempts over instances. E-mails and addresses are stored hashed.
 * While Redis is unreachable the counters fall back to this process (logged once per outage).
 */
export class RedisFailureStore implements FailureStore {
  private readonly redis: Redis;
  private readonly fallback: MemoryFailureStore;
  private readonly outage: RedisOrLocal;

  constructor(
    connections: RedisConnections,
    private readonly windowMs: number,
    private readonly lockMs: number,
  ) {
    this.redis = connections.commands;
    this.outage = new RedisOrLocal(connections, true);
    this.redis.defineCommand("grantqlSignInReserve", { lua: RESERVE_SCRIPT });
    this.redis.defineCommand("grantqlSignInRelease", { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.fallback = new MemoryFailureStore(windowMs, lockMs);
  }

  reserve(slots: readonly Slot[], now: number): Promise<number> {
    return this.outage.attempt(
      async () => {
        const keys = slots.map((slot) => this.slot(slot.key));
        const limits = slots.flatMap((slot) => [slot.limits.slowdownAfter, slot.limits.lockAfter]);
        // Without numberOfKeys, ioredis takes the key count as the first argument.
        return Number(await this.scripts.grantqlSignInReserve(keys.length, ...keys, now, this.windowMs, this.lockMs, ...limits));
      },
      () => this.fallback.reserve(slots, now),
    );
  }

  release(key: string): Promise<void> {
    return this.outage.attempt(
      async () => void (await this.scripts.grantqlSignInRelease(this.slot(key))),
      () => this.fallback.release(key),
    );
  }

  delete(key: string): Promise<void> {
    return this.outage.attempt(
      async () => void (await this.redis.del(this.slot(key))),
      () => this.fallback.delete(key),
    );
  }

  /** The connections are the process's, closed by their owner (services.ts). */
  async close(): Promise<void> {}

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  private slot(key: string): string {
    return `grantql:signin:${createHash("sha256").update(key).digest("hex")}`;
  }
}

/** Shared through Redis when `REDIS_URL` is set, else counted in this process. */
export function createSignInThrottle(options: SignInThrottleOptions, redis: RedisConnections | undefined, clock: Clock): SignInThrottle {
  const store = redis ? new RedisFailureStore(redis, options.windowSeconds * 1000, options.lockSeconds * 1000) : undefined;
  return new SignInThrottle(options, clock, store);
}
