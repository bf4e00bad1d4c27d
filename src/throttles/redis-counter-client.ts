import Redis from "ioredis";

const CONNECT_TIMEOUT_MS = 1000;

/**
 * A Redis client for counters shared by every instance: no offline queue and no retries per
 * command, so a request never waits for Redis to come back (the caller falls back to counting in
 * this process). `ready` settles once the first connection is up or has had its chance, so the
 * first attempts after a start are counted in Redis rather than in the fallback.
 */
export function counterClient(url: string, keyPrefix: string): { redis: Redis; ready: Promise<void> } {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS, keyPrefix });
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", done);
    redis.once("end", done);
  });
  return { redis, ready };
}
