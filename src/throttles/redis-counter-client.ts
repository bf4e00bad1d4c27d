import Redis from "ioredis";
import type { Logger } from "../logger";

const CONNECT_TIMEOUT_MS = 1000;
/** How long the first commands wait at most for the first connection's outcome (it is known well before, up or down). */
const FIRST_CONNECTION_WAIT_MS = 10_000;

/**
 * A Redis client for counters shared by every instance: no offline queue and no retries per
 * command, so a request never waits for Redis to come back (the caller falls back to counting in
 * this process). `ready` settles once the first connection is up or has failed, so the first
 * attempts after a start are counted in Redis rather than in the fallback.
 */
export function counterClient(url: string, keyPrefix: string): { redis: Redis; ready: Promise<void> } {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS, keyPrefix });
  redis.on("error", () => undefined); // reported once per outage by RedisOrLocal, not per reconnect attempt
  // Settles with the first connection's outcome: ready, refused, or timed out after CONNECT_TIMEOUT_MS. A fixed 1 s
  // wait instead sent the first counts of a start under load to the per-process fallback while Redis was up.
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FIRST_CONNECTION_WAIT_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", done);
    redis.once("end", done);
    redis.once("error", done);
  });
  return { redis, ready };
}

/**
 * Runs a shared counter's Redis command, or its count in this process while Redis cannot be
 * reached. The outage is logged once when it starts and once when it ends, not per command or
 * reconnect; the first command that succeeds returns the counter to Redis. `counting` names what is
 * counted, with its verb: "rate limits are", "sign-in throttling is".
 */
export class RedisOrLocal {
  private degraded = false;

  constructor(
    private readonly counting: string,
    private readonly logger: Logger,
    private readonly ready?: Promise<void>,
  ) {}

  async attempt<T>(work: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.ready) await this.ready;
    try {
      const result = await work();
      if (this.degraded) {
        this.degraded = false;
        this.logger.info(`${this.counting} shared through Redis again`);
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn({ err: error }, `Redis unreachable: ${this.counting} counted per instance until it returns`);
      }
      return fallback();
    }
  }
}
