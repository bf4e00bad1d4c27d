import type { RedisConnections } from "../bus/redis-connections";

/**
 * Runs a shared counter's Redis command, or its count in this process while Redis cannot be
 * reached; the first command that succeeds returns the counter to Redis. The outage itself is the
 * connections' to log (once when it starts, once when it ends). With `waitForFirstConnection`, the
 * first attempts after a start wait for the first connection's outcome, so they are counted in
 * Redis rather than in the fallback.
 */
export class RedisOrLocal {
  constructor(
    private readonly redis: RedisConnections,
    private readonly waitForFirstConnection: boolean,
  ) {}

  async attempt<T>(work: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.waitForFirstConnection) await this.redis.ready;
    try {
      const result = await work();
      this.redis.recovered();
      return result;
    } catch (error) {
      this.redis.failed(error as Error, "counter");
      return fallback();
    }
  }
}
