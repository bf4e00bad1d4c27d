import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { dedicatedPool } from "../db/prepared-query";
import type { Clock } from "../common/clock";
import type { Config } from "../config";
import type { Logger } from "../logger";
import type { Bus } from "../bus/event-bus";
import type { UsageTopics } from "./bus-messages";
import { RetentionJob } from "./retention-job";
import { UsageEventLog } from "./usage-event-log";
import type { UsageBatch } from "./usage-batch";
import { countsAsUsage, UsageEventRecord } from "./usage-event";
import { UsageCountsValue, UsageGranularity, UsagePointValue, UsageReader } from "./usage-reader";
import { UsageRecorder } from "./usage-recorder";
import { writeUsageBatch } from "./usage-writer";

export type { UsageCountsValue } from "./usage-reader";

/**
 * Usage metering, wired once per process: the recorder (write path), the reader (counters and
 * series from rollups) and the retention job. What a flush committed goes out on the bus (live
 * streams, in-process or through Redis; the alert detectors listen to it too).
 */
export class UsageService {
  readonly recorder: UsageRecorder;
  readonly reader: UsageReader;
  readonly bus: Bus<UsageTopics>;
  /** Stored events, newest first, within USAGE_RETENTION_DAYS (the `usageEventLog` query). */
  readonly eventLog: UsageEventLog;
  readonly retention: RetentionJob;
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
    bus: Bus<UsageTopics>,
  ) {
    this.bus = bus;
    this.reader = new UsageReader(db);
    this.eventLog = new UsageEventLog(db, config.usageRetentionDays, clock);
    // A broken idle connection is replaced at the next flush; that flush's failure is logged and retried by the recorder.
    this.writerPool = dedicatedPool(db, (error) => logger.warn({ err: error }, "usage writer connection lost; reconnecting at next flush"));
    this.recorder = new UsageRecorder(
      (batch) =>
        writeUsageBatch(
          db,
          batch,
          (fresh) => bus.publish("grantql.usage.fresh-addresses", { fresh, shapes: batch.shapes }),
          this.writerPool,
        ),
      clock,
      logger,
      (batch) => this.publishCommitted(batch),
      { flushIntervalMs: config.usageFlushIntervalMs, bufferMax: config.usageBufferMax },
    );
    this.retention = new RetentionJob(db, clock, logger, {
      retentionDays: config.usageRetentionDays,
      auditRetentionDays: config.auditRetentionDays,
    });
    this.retention.start();
  }

  /**
   * A committed batch, on the bus: its events and which keys' counters changed, per workspace (each
   * workspace's own route), and the batch itself to this instance's listeners.
   */
  publishCommitted(batch: UsageBatch): void {
    // The committed records themselves, not copies: in-process subscribers read them as they
    // are, and through Redis JSON turns each time into its ISO string on the way.
    const records = batch.records();
    const workspaces = new Set(batch.shapes.map((shape) => shape.workspaceId));
    // One workspace (the common case) publishes the batch's records as they are; several are split.
    const byWorkspace = workspaces.size === 1 ? new Map([[batch.shapes[0].workspaceId, records]]) : byWorkspaceOf(records);
    for (const [workspaceId, list] of byWorkspace) {
      this.bus.publish("grantql.usage.events", { events: list }, workspaceId);
      const counted = batch.shapes.filter((shape) => shape.workspaceId === workspaceId && countsAsUsage(shape.outcome));
      const apiKeyIds = [...new Set(counted.map((shape) => shape.apiKeyId))];
      if (apiKeyIds.length > 0) this.bus.publish("grantql.usage.changed", { apiKeyIds }, workspaceId);
    }
    this.bus.publish("grantql.usage.committed", batch);
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

  /** Writes every buffered event, then stops the timers; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.retention.stop();
      await this.recorder.close();
      await this.writerPool.end();
    })();
    return this.closing;
  }
}

function byWorkspaceOf(records: readonly UsageEventRecord[]): Map<string, readonly UsageEventRecord[]> {
  const lists = new Map<string, UsageEventRecord[]>();
  for (const record of records) {
    const list = lists.get(record.workspaceId);
    if (list) list.push(record);
    else lists.set(record.workspaceId, [record]);
  }
  return lists;
}
