import Redis, { RedisOptions } from "ioredis";
import type { Logger } from "../logger";

export type RedisState = "disabled" | "ready" | "down";

const CONNECT_TIMEOUT_MS = 1000;
/** How long the first commands wait at most for the first connection's outcome (it is known well before, up or down). */
const FIRST_CONNECTION_WAIT_MS = 10_000;

/**
 * The process's Redis, with `REDIS_URL`: one connection for commands (the shared counters and the
 * bus's publishes) and one that only listens (Redis gives a subscribing connection to nothing
 * else), and one outage state for both. The command connection has no offline queue and no
 * retries, so a request never waits for Redis to come back: its callers fall back to counting in
 * this process, and the bus counts what it could not send. An outage is logged once when it
 * starts and once when it ends, whoever noticed it.
 */
export class RedisConnections {
  /** Counters and publishes; keys get the deployment's prefix (REDIS_KEY_PREFIX), channels get it from the bus. */
  readonly commands: Redis;
  /** Settles once the first connection is up or has failed, so the first counts of a start go to Redis when it is there. */
  readonly ready: Promise<void>;
  private listening?: Redis;
  private down = false;

  constructor(
    private readonly url: string,
    readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.commands = this.connect({ enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS, keyPrefix });
    this.ready = firstOutcome(this.commands);
  }

  /** The listening connection, opened on first use (a process that never subscribes keeps one connection). */
  subscriber(): Redis {
    this.listening ??= this.connect({ maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS });
    return this.listening;
  }

  /** "ready" when every open connection is, else "down". */
  state(): Exclude<RedisState, "disabled"> {
    const clients = this.listening ? [this.commands, this.listening] : [this.commands];
    return clients.every((client) => client.status === "ready") ? "ready" : "down";
  }

  /** A command or connection failed: the outage starts (logged once). */
  failed(error: Error, during: string): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { err: { message: error.message }, during },
      "redis unavailable: limits and throttles are counted per instance and live messages stay on this instance until it returns; requests are still served",
    );
  }

  /** A command succeeded or a connection is ready: the outage, if any, ends (logged once). */
  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info("redis is back: limits, throttles and live messages are shared across instances again");
  }

  close(): void {
    // Nothing is owed to Redis at shutdown (no queued writes), so do not wait for a goodbye.
    this.commands.disconnect();
    this.listening?.disconnect();
  }

  private connect(options: RedisOptions): Redis {
    const client = new Redis(this.url, { ...options, connectionName: "grantql", lazyConnect: false });
    client.on("error", (error: Error) => this.failed(error, "connection"));
    client.on("ready", () => {
      if (this.state() === "ready") this.recovered();
    });
    return client;
  }
}

/** Redis connections when `REDIS_URL` is set, else none: every part then works within this process. */
export function openRedis(url: string | undefined, keyPrefix: string, logger: Logger): RedisConnections | undefined {
  return url ? new RedisConnections(url, keyPrefix, logger) : undefined;
}

/** Settles with the first connection's outcome: ready, refused, or timed out. */
function firstOutcome(redis: Redis): Promise<void> {
  return new Promise<void>((resolve) => {
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
}
