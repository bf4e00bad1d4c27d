import type { DataSource } from "typeorm";
import { DAY_MS, floorTo, HOUR_MS, MINUTE_MS, planWindows } from "./usage-windows";

export interface UsageCountsValue {
  last24h: number;
  last7d: number;
  last30d: number;
}

export enum UsageGranularity {
  MINUTE = "MINUTE",
  HOUR = "HOUR",
  DAY = "DAY",
}

export interface UsagePointValue {
  start: Date;
  count: number;
  forbidden: number;
}

export const GRANULARITY_MS: Record<UsageGranularity, number> = { MINUTE: MINUTE_MS, HOUR: HOUR_MS, DAY: DAY_MS };
export const MAX_SERIES_POINTS = 1440;

const ZERO: UsageCountsValue = { last24h: 0, last7d: 0, last30d: 0 };

// Minute rows only at the ragged edges of each window, hour rows for the whole hours between.
const COUNTS_SQL = `
SELECT api_key_id::text AS id,
  coalesce(sum(count) FILTER (WHERE minute >= $2 OR (minute >= $4 AND minute < $5)), 0)::int AS d1,
  coalesce(sum(count) FILTER (WHERE minute >= $2 OR (minute >= $6 AND minute < $7)), 0)::int AS d7,
  coalesce(sum(count) FILTER (WHERE minute >= $2 OR (minute >= $8 AND minute < $9)), 0)::int AS d30
FROM usage_minute
WHERE api_key_id = ANY($1::uuid[]) AND minute <= $3
  AND (minute >= $2 OR (minute >= $4 AND minute < $5) OR (minute >= $6 AND minute < $7) OR (minute >= $8 AND minute < $9))
GROUP BY api_key_id
UNION ALL
SELECT api_key_id::text AS id,
  coalesce(sum(count) FILTER (WHERE hour >= $10), 0)::int AS d1,
  coalesce(sum(count) FILTER (WHERE hour >= $11), 0)::int AS d7,
  coalesce(sum(count), 0)::int AS d30
FROM usage_hour
WHERE api_key_id = ANY($1::uuid[]) AND hour >= $12 AND hour < $2
GROUP BY api_key_id`;

/** The read path: counters and series from the rollups, never by counting raw events. */
export class UsageReader {
  constructor(private readonly db: DataSource) {}

  /** Counters for many keys in one statement (the DataLoader batches a page of keys into it). */
  async countsFor(keyIds: readonly string[], now: Date): Promise<Map<string, UsageCountsValue>> {
    const result = new Map(keyIds.map((id) => [id, { ...ZERO }]));
    if (keyIds.length === 0) return result;
    const plan = planWindows(now);
    const { last24h: d1, last7d: d7, last30d: d30 } = plan.windows;
    const rows: { id: string; d1: number; d7: number; d30: number }[] = await this.db.query(COUNTS_SQL, [
      keyIds,
      plan.tailFrom,
      plan.end,
      d1.headFrom,
      d1.headTo,
      d7.headFrom,
      d7.headTo,
      d30.headFrom,
      d30.headTo,
      d1.hoursFrom,
      d7.hoursFrom,
      d30.hoursFrom,
    ]);
    for (const row of rows) {
      const counts = result.get(row.id);
      if (!counts) continue;
      counts.last24h += Number(row.d1);
      counts.last7d += Number(row.d7);
      counts.last30d += Number(row.d30);
    }
    return result;
  }

  async lastUsedFor(keyIds: readonly string[]): Promise<Map<string, Date | null>> {
    const result = new Map<string, Date | null>(keyIds.map((id) => [id, null]));
    if (keyIds.length === 0) return result;
    const rows: { id: string; last_used_at: Date | null }[] = await this.db.query(
      `SELECT id::text AS id, last_used_at FROM api_key WHERE id = ANY($1::uuid[])`,
      [keyIds],
    );
    for (const row of rows) result.set(row.id, row.last_used_at ? new Date(row.last_used_at) : null);
    return result;
  }

  /** Buckets from `from` to `to` (both floored to the granularity, both included); empty ones are 0. */
  async series(keyId: string, granularity: UsageGranularity, from: Date, to: Date): Promise<UsagePointValue[]> {
    const unit = GRANULARITY_MS[granularity];
    const start = floorTo(from.getTime(), unit);
    const end = floorTo(to.getTime(), unit);
    const rows: { bucket: Date; count: number; forbidden: number }[] =
      granularity === UsageGranularity.MINUTE
        ? await this.db.query(
            `SELECT minute AS bucket, count, forbidden FROM usage_minute WHERE api_key_id = $1 AND minute >= $2 AND minute <= $3`,
            [keyId, new Date(start), new Date(end)],
          )
        : await this.db.query(
            `SELECT date_trunc($4, hour, 'UTC') AS bucket, sum(count)::int AS count, sum(forbidden)::int AS forbidden
             FROM usage_hour WHERE api_key_id = $1 AND hour >= $2 AND hour < $3 GROUP BY 1`,
            [keyId, new Date(start), new Date(end + unit), granularity === UsageGranularity.DAY ? "day" : "hour"],
          );
    const byStart = new Map(rows.map((r) => [new Date(r.bucket).getTime(), r]));
    const points: UsagePointValue[] = [];
    for (let t = start; t <= end; t += unit) {
      const row = byStart.get(t);
      points.push({ start: new Date(t), count: Number(row?.count ?? 0), forbidden: Number(row?.forbidden ?? 0) });
    }
    return points;
  }
}
