import type { Pool } from "pg";
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
  /** `services.readPool`: the planner's connections (`pool="reads"`). */
  readPool?: Pool;
  /** `services.usageWriterPool`: metering's own connection (`pool="metering"`). */
  usageWriterPool?: Pool;
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

/** Which of the server's PostgreSQL pools a figure is of: TypeORM's (every statement but reads and metering's), the planner's, metering's. */
export type PoolName = "requests" | "reads" | "metering";

/** Each pool's connections, once it is open: TypeORM's is the pg pool behind its driver (`driver.master`). */
export function readPoolStats(sources: MetricSources): Partial<Record<PoolName, PoolStats>> {
  const pools: Record<PoolName, Partial<PoolStats> | undefined> = {
    requests: (sources.db?.driver as { master?: Partial<PoolStats> } | undefined)?.master,
    reads: sources.readPool,
    metering: sources.usageWriterPool,
  };
  const stats: Partial<Record<PoolName, PoolStats>> = {};
  for (const [name, pool] of Object.entries(pools) as [PoolName, Partial<PoolStats> | undefined][]) {
    if (typeof pool?.totalCount === "number")
      stats[name] = { totalCount: pool.totalCount, idleCount: pool.idleCount ?? 0, waitingCount: pool.waitingCount ?? 0 };
  }
  return stats;
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
