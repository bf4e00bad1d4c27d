import type { DataSource } from "typeorm";
import type { Clock } from "../common/clock";
import type { Logger } from "../logger";
import { DAY_MS } from "./usage-windows";

export interface RetentionOptions {
  /** Raw events older than this are deleted. */
  retentionDays: number;
  /** Audit entries older than this are deleted too (AUDIT_RETENTION_DAYS); unset, they are kept. */
  auditRetentionDays?: number;
  /** Rows deleted per statement, so a large backlog never holds long locks. */
  batchSize?: number;
  intervalMs?: number;
}

// Minute rollups serve the ragged edge of `last30d` and MINUTE series; hour rollups serve DAY series.
const MINUTE_ROLLUP_MIN_DAYS = 31;
const HOUR_ROLLUP_DAYS = 400;

/**
 * Deletes expired usage rows and audit entries in bounded batches on a timer. Each batch is one short statement;
 * several instances running it at once only share the work (a row deleted twice is a no-op).
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RetentionOptions,
  ) {}

  start(): void {
    const interval = this.options.intervalMs ?? 3_600_000;
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), interval);
    this.timer.unref();
  }

  /** Deletes everything expired, batch by batch; returns how many raw events were removed. */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async sweep(): Promise<number> {
    const now = this.clock.nowMs();
    const days = this.options.retentionDays;
    try {
      const events = await this.deleteBefore("usage_event", "occurred_at", new Date(now - days * DAY_MS));
      await this.deleteBefore("usage_minute", "minute", new Date(now - Math.max(days, MINUTE_ROLLUP_MIN_DAYS) * DAY_MS));
      await this.deleteBefore("usage_hour", "hour", new Date(now - Math.max(days, HOUR_ROLLUP_DAYS) * DAY_MS));
      if (events > 0) this.logger.info({ deleted: events, retentionDays: days }, "usage retention removed expired events");
      await this.sweepAudit(now);
      return events;
    } catch (error) {
      this.logger.warn({ err: error }, "retention (usage, audit) failed; it runs again at the next interval");
      throw error;
    }
  }

  /** Audit entries, the failed sign-ins of members included, past AUDIT_RETENTION_DAYS. */
  private async sweepAudit(now: number): Promise<void> {
    const days = this.options.auditRetentionDays;
    if (days === undefined) return;
    const deleted = await this.deleteBefore("audit_entry", "occurred_at", new Date(now - days * DAY_MS));
    if (deleted > 0) this.logger.info({ deleted, auditRetentionDays: days }, "audit retention removed expired entries");
  }

  private async deleteBefore(table: string, column: string, cutoff: Date): Promise<number> {
    const batch = this.options.batchSize ?? 5000;
    const key = table === "usage_event" || table === "audit_entry" ? "id" : "ctid";
    let total = 0;
    for (;;) {
      const result = await this.db.query(
        `WITH doomed AS (SELECT ${key} FROM ${table} WHERE ${column} < $1 LIMIT $2) DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM doomed)`,
        [cutoff, batch],
      );
      // TypeORM returns [rows, affected] for a DELETE on PostgreSQL.
      const affected = Array.isArray(result) && typeof result[1] === "number" ? result[1] : 0;
      total += affected;
      if (affected < batch) return total;
    }
  }
}
