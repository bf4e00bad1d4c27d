import type { DataSource } from "typeorm";

/** What the usage recorder reports (see src/usage/usage-recorder.ts). */
export interface UsageStats {
  bufferDepth: number;
  lastFlushLagMs: number;
  eventsWritten: number;
  eventsDropped: number;
  flushFailures: number;
}

/** The parts of the running server that metrics read at scrape time. */
export interface MetricSources {
  db?: DataSource;
  poolMax?: number;
  /** `services.usage`: read for `stats()` (on it or its `recorder`) and its Redis bus. */
  usage?: unknown;
}

interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The pg pool behind TypeORM's PostgreSQL driver (`driver.master`), once it is open. */
export function readPoolStats(sources: MetricSources): PoolStats | undefined {
  const pool = (sources.db?.driver as { master?: Partial<PoolStats> } | undefined)?.master;
  if (typeof pool?.totalCount !== "number") return undefined;
  return { totalCount: pool.totalCount, idleCount: pool.idleCount ?? 0, waitingCount: pool.waitingCount ?? 0 };
}

/**
 * The usage recorder's figures when it offers them. Read structurally so that metrics keep working
 * (without these figures) against a usage service that has no `stats()`.
 */
export function readUsageStats(sources: MetricSources): UsageStats | undefined {
  const usage = sources.usage as { stats?: () => UsageStats; recorder?: { stats?: () => UsageStats } } | undefined;
  if (typeof usage?.stats === "function") return usage.stats();
  if (typeof usage?.recorder?.stats === "function") return usage.recorder.stats();
  return undefined;
}

type RedisState = "disabled" | "ready" | "down";

/**
 * Redis as the usage bus sees it: "disabled" without REDIS_URL, "ready" when each of its ioredis
 * connections reports status "ready", else "down". Prefers a public `redisState()` on the bus.
 */
export function readRedisState(sources: MetricSources): RedisState {
  const bus = (
    sources.usage as { bus?: { distributed?: boolean; redisState?: () => RedisState; clients?: { status?: string }[] } } | undefined
  )?.bus;
  if (!bus) return "disabled";
  if (typeof bus.redisState === "function") return bus.redisState();
  if (!bus.distributed) return "disabled";
  // The bus keeps its ioredis clients to itself; their `status` is the one signal available.
  const clients = Array.isArray(bus.clients) ? bus.clients : [];
  return clients.length > 0 && clients.every((client) => client.status === "ready") ? "ready" : "down";
}
