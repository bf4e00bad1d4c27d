import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { dedicatedPool } from "../db/prepared-query";
import type { Clock } from "../common/clock";
import type { Config } from "../config";
import type { Logger } from "../logger";
import { RetentionJob } from "./retention-job";
import { UsageEventLog } from "./usage-event-log";
import type { UsageBatch, UsageShape } from "./usage-batch";
import { UsageBus } from "./usage-bus";
import { UsageCountsValue, UsageGranularity, UsagePointValue, UsageReader } from "./usage-reader";
import { UsageRecorder } from "./usage-recorder";
import { FreshAddress, writeUsageBatch } from "./usage-writer";

export type { UsageCountsValue } from "./usage-reader";

/**
 * Usage metering, wired once per process: the recorder (write path), the reader (counters and
 * series from rollups), the bus (live streams, in-process or through Redis) and the retention job.
 */
export class UsageService {
  readonly recorder: UsageRecorder;
  readonly reader: UsageReader;
  readonly bus: UsageBus;
  /** Stored events, newest first, within USAGE_RETENTION_DAYS (the `usageEventLog` query). */
  readonly eventLog: UsageEventLog;
  readonly retention: RetentionJob;
  /** Told each batch once it committed (security alerts read their digest from it). */
  readonly committed = new Set<(batch: UsageBatch) => void>();
  /** Told the addresses a committed batch used for the first time in 30 days, with the batch's shapes (whose key is in which workspace). */
  readonly freshAddresses = new Set<(fresh: FreshAddress[], shapes: readonly UsageShape[]) => void>();
  private closing: Promise<void> | null = null;
  /**
   * The flush's own connection: a batch never waits behind requests for one of the pool's, and never holds one of
   * theirs while it is written (under load that left requests one connection short for the length of every flush).
   */
  private readonly writerPool: Pool;

  constructor(
    db: DataSource,
    config: Config,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.bus = new UsageBus(config.redisUrl, logger, config.redisKeyPrefix);
    this.reader = new UsageReader(db);
    this.eventLog = new UsageEventLog(db, config.usageRetentionDays, clock);
    // A broken idle connection is replaced at the next flush; that flush's failure is logged and retried by the recorder.
    this.writerPool = dedicatedPool(db, (error) => logger.warn({ err: error }, "usage writer connection lost; reconnecting at next flush"));
    this.recorder = new UsageRecorder(
      (batch) =>
        writeUsageBatch(db, batch, (fresh) => this.freshAddresses.forEach((listener) => listener(fresh, batch.shapes)), this.writerPool),
      clock,
      logger,
      (batch) => {
        this.bus.publishCommitted(batch);
        this.committed.forEach((listener) => listener(batch));
      },
      { flushIntervalMs: config.usageFlushIntervalMs, bufferMax: config.usageBufferMax },
    );
    this.retention = new RetentionJob(db, clock, logger, {
      retentionDays: config.usageRetentionDays,
      auditRetentionDays: config.auditRetentionDays,
    });
    this.retention.start();
  }

  countsFor(keyIds: readonly string[]): Promise<Map<string, UsageCountsValue>> {
    return this.reader.countsFor(keyIds, this.clock.now());
  }

  lastUsedFor(keyIds: readonly string[]): Promise<Map<string, Date | null>> {
    return this.reader.lastUsedFor(keyIds);
  }

  series(keyId: string, granularity: UsageGranularity, from: Date, to: Date): Promise<UsagePointValue[]> {
    return this.reader.series(keyId, granularity, from, to);
  }

  /** Writes every buffered event, then stops the timers and the bus; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.retention.stop();
      await this.recorder.close();
      await this.writerPool.end();
      await this.bus.close();
    })();
    return this.closing;
  }
}
