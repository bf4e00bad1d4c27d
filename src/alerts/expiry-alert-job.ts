import type { DataSource, EntityManager } from "typeorm";
import type { Clock } from "../common/clock";
import { SecurityAlertKind } from "../entities/security-alert.entity";
import type { Logger } from "../logger";
import type { AlertCandidate, SecurityAlertService } from "./security-alert.service";

const DAY_MS = 86_400_000;
export const EXPIRING_WITHIN_MS = 7 * DAY_MS;
/** A key that expired longer ago than this before the job first saw it gets no alert. */
const EXPIRED_LOOKBACK_MS = DAY_MS;
/** Alerts are kept at least 90 days; each key's addresses as long as NEW_CLIENT_ADDRESS looks back. */
export const ALERT_RETENTION_DAYS = 180;
const ADDRESS_RETENTION_DAYS = 31;
const PURGE_EVERY_MS = 3_600_000;

const DUE_SQL = `
SELECT id::text AS id, workspace_id::text AS workspace_id, expires_at FROM api_key
WHERE revoked_at IS NULL AND rotated_to_id IS NULL AND expires_at IS NOT NULL AND expires_at <= $1 AND expires_at > $2`;

/** "7 days", "1 day", "3 hours": whole days when a day or more is left, else hours (at least 1). */
export function timeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  const [count, unit] = ms >= DAY_MS ? [Math.floor(ms / DAY_MS), "day"] : [Math.max(1, Math.ceil(ms / 3_600_000)), "hour"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * KEY_EXPIRING and KEY_EXPIRED: a periodic scan that one instance at a time runs (a PostgreSQL
 * advisory lock; the others skip that round), every `intervalMs` (≤ 60 s), so an alert follows its
 * condition within one interval. Old keys of a rotation get none. It also applies alert retention.
 */
export class ExpiryAlertJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number | null> | null = null;
  private lastPurge = -Infinity;

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly alerts: SecurityAlertService,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One scan; resolves with how many alerts this instance raised, or null when another instance held the scan's lock. */
  runOnce(): Promise<number | null> {
    this.running ??= this.scan().finally(() => (this.running = null));
    return this.running;
  }

  private async scan(): Promise<number | null> {
    const now = this.clock.now();
    try {
      const raised = await this.db.transaction(async (manager) => {
        const [{ locked }] = await manager.query(
          `SELECT pg_try_advisory_xact_lock(hashtextextended('grantql.alerts.expiry', 0)) AS locked`,
        );
        if (!locked) return null;
        const due: { id: string; workspace_id: string; expires_at: Date }[] = await manager.query(DUE_SQL, [
          new Date(now.getTime() + EXPIRING_WITHIN_MS),
          new Date(now.getTime() - EXPIRED_LOOKBACK_MS),
        ]);
        const inserted = await this.alerts.insert(
          manager,
          due.map((key) => this.candidate(key, now)),
        );
        await this.purge(manager, now);
        return inserted;
      });
      if (raised === null) return null;
      this.alerts.publish(raised);
      return raised.length;
    } catch (error) {
      this.logger.warn({ err: error }, "security alert scan failed; it runs again at the next interval");
      throw error;
    }
  }

  private candidate(key: { id: string; workspace_id: string; expires_at: Date }, now: Date): AlertCandidate {
    const expiresAt = new Date(key.expires_at);
    const expired = expiresAt.getTime() <= now.getTime();
    return {
      workspaceId: key.workspace_id,
      apiKeyId: key.id,
      kind: expired ? SecurityAlertKind.KEY_EXPIRED : SecurityAlertKind.KEY_EXPIRING,
      occurredAt: now,
      message: (name) => (expired ? `Key "${name}" has expired` : `Key "${name}" expires in ${timeLeft(expiresAt, now)}`),
      details: { expiresAt: expiresAt.toISOString() },
      // Once per key and expiry: a changed expiry is a new condition.
      dedupeKey: expiresAt.toISOString(),
    };
  }

  /** Bounded deletes, at most once an hour, by whichever instance holds the lock. */
  private async purge(manager: EntityManager, now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    await manager.query(`DELETE FROM security_alert WHERE id IN (SELECT id FROM security_alert WHERE occurred_at < $1 LIMIT 5000)`, [
      new Date(now.getTime() - ALERT_RETENTION_DAYS * DAY_MS),
    ]);
    await manager.query(`DELETE FROM key_address WHERE ctid IN (SELECT ctid FROM key_address WHERE last_seen_at < $1 LIMIT 5000)`, [
      new Date(now.getTime() - ADDRESS_RETENTION_DAYS * DAY_MS),
    ]);
  }
}
