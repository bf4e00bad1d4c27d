import type { DataSource } from "typeorm";
import type { BusFigures } from "../bus/event-bus";
import type { RedisState } from "../bus/redis-connections";

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
  /** `services.usage`: read for `stats()` (on it or its `recorder`). */
  usage?: unknown;
  /** `services.bus`: Redis's state and the payloads subscribers lost. */
  bus?: BusFigures;
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

/** Redis as the bus sees it: "disabled" without REDIS_URL (or without a bus), "ready" when every connection is, else "down". */
export function readRedisState(sources: MetricSources): RedisState {
  return sources.bus?.redisState() ?? "disabled";
}
