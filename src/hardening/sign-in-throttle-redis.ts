import { createHash } from "node:crypto";
import Redis from "ioredis";
import type { Logger } from "../logger";
import type { Clock } from "../common/clock";
import { Failures, FailureStore, isStale, Limits, MemoryFailureStore, SignInThrottle, SignInThrottleOptions } from "./sign-in-throttle";

/**
 * The failure rule of `afterFailure`, run inside Redis so that concurrent failures on several
 * instances are all counted (no read-modify-write race). Returns count, lastAt, lockedUntil.
 */
const ADD_SCRIPT = `
local h = redis.call('HMGET', KEYS[1], 'count', 'lastAt', 'lockedUntil')
local now, windowMs, lockAfter, lockMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count, lastAt, lockedUntil = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
if lockedUntil <= now and now - lastAt > windowMs then count = 0; lockedUntil = 0 end
count = count + 1
if count >= lockAfter then lockedUntil = now + lockMs; count = 0 end
redis.call('HSET', KEYS[1], 'count', count, 'lastAt', now, 'lockedUntil', lockedUntil)
redis.call('PEXPIRE', KEYS[1], math.max(lockedUntil - now, 0) + windowMs + 1000)
return {count, now, lockedUntil}`;

/**
 * Sign-in failure counters shared by every instance through Redis, so a guesser cannot multiply
 * the limits by spreading attempts over instances. E-mails and addresses are stored hashed.
 * While Redis is unreachable the counters fall back to this process (logged once per outage).
 */
export class RedisFailureStore implements FailureStore {
  private readonly redis: Redis;
  private readonly fallback: MemoryFailureStore;
  private degraded = false;

  constructor(url: string, private readonly windowMs: number, private readonly lockMs: number, private readonly logger: Logger, keyPrefix = "") {
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, keyPrefix });
    this.redis.on("error", () => undefined); // reported once per outage by attempt(), not per reconnect
    this.redis.defineCommand("grantqlSignInFailure", { numberOfKeys: 1, lua: ADD_SCRIPT });
    this.fallback = new MemoryFailureStore(windowMs, lockMs);
  }

  get(key: string, now: number): Promise<Failures | undefined> {
    return this.attempt(async () => {
      const [count, lastAt, lockedUntil] = await this.redis.hmget(this.slot(key), "count", "lastAt", "lockedUntil");
      if (count === null) return undefined;
      const entry = { count: Number(count), lastAt: Number(lastAt), lockedUntil: Number(lockedUntil) };
      return isStale(entry, now, this.windowMs) ? undefined : entry;
    }, () => this.fallback.get(key, now));
  }

  add(key: string, limits: Limits, now: number): Promise<Failures> {
    return this.attempt(async () => {
      const run = (this.redis as unknown as { grantqlSignInFailure(k: string, ...args: number[]): Promise<number[]> }).grantqlSignInFailure;
      const [count, lastAt, lockedUntil] = await run.call(this.redis, this.slot(key), now, this.windowMs, limits.lockAfter, this.lockMs);
      return { count: Number(count), lastAt: Number(lastAt), lockedUntil: Number(lockedUntil) };
    }, () => this.fallback.add(key, limits, now));
  }

  delete(key: string): Promise<void> {
    return this.attempt(async () => void (await this.redis.del(this.slot(key))), () => this.fallback.delete(key));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private slot(key: string): string {
    return `grantql:signin:${createHash("sha256").update(key).digest("hex")}`;
  }

  private async attempt<T>(work: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (this.degraded) {
        this.degraded = false;
        this.logger.info("sign-in throttling is shared through Redis again");
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn({ err: error }, "Redis unreachable: sign-in throttling is counted per instance until it returns");
      }
      return fallback();
    }
  }
}

/** Shared through Redis when `REDIS_URL` is set, else counted in this process. */
export function createSignInThrottle(options: SignInThrottleOptions, redisUrl: string | undefined, clock: Clock, logger: Logger, keyPrefix = ""): SignInThrottle {
  const store = redisUrl ? new RedisFailureStore(redisUrl, options.windowSeconds * 1000, options.lockSeconds * 1000, logger, keyPrefix) : undefined;
  return new SignInThrottle(options, clock, store);
}
