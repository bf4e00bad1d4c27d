import type { DataSource } from "typeorm";
import { UsageEventRecord, UsageOutcome } from "./usage-event";

/**
 * Writes one batch as a single statement, so a flush is atomic without an explicit transaction:
 * the events are inserted, and only the rows actually inserted feed the per-minute and per-hour
 * rollups and `api_key.last_used_at`. A retried batch whose first attempt did commit (the reply
 * was lost) therefore inserts nothing and counts nothing twice. Rollup rows are upserted in key
 * order so that two instances flushing at once wait for each other instead of deadlocking.
 */
const FLUSH_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
    AS t(id, workspace_id, api_key_id, occurred_at, operation_type, operation_name, resources, outcome, duration_ms)
),
inserted AS (
  INSERT INTO usage_event (id, workspace_id, api_key_id, occurred_at, operation_type, operation_name, resources, outcome, duration_ms)
  SELECT id, workspace_id, api_key_id, occurred_at, operation_type, operation_name, string_to_array(resources, ','), outcome, duration_ms FROM input
  ON CONFLICT (id) DO NOTHING
  RETURNING api_key_id, occurred_at, outcome
),
counted AS (
  SELECT api_key_id, occurred_at, outcome FROM inserted WHERE outcome <> '${UsageOutcome.REJECTED}'
),
minutes AS (
  INSERT INTO usage_minute (api_key_id, minute, count, forbidden)
  SELECT api_key_id, date_trunc('minute', occurred_at, 'UTC'), count(*), count(*) FILTER (WHERE outcome = '${UsageOutcome.FORBIDDEN}')
  FROM counted GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (api_key_id, minute) DO UPDATE SET count = usage_minute.count + EXCLUDED.count, forbidden = usage_minute.forbidden + EXCLUDED.forbidden
  RETURNING 1
),
hours AS (
  INSERT INTO usage_hour (api_key_id, hour, count, forbidden)
  SELECT api_key_id, date_trunc('hour', occurred_at, 'UTC'), count(*), count(*) FILTER (WHERE outcome = '${UsageOutcome.FORBIDDEN}')
  FROM counted GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (api_key_id, hour) DO UPDATE SET count = usage_hour.count + EXCLUDED.count, forbidden = usage_hour.forbidden + EXCLUDED.forbidden
  RETURNING 1
),
last_used AS (
  UPDATE api_key SET last_used_at = latest.at
  FROM (SELECT api_key_id, max(occurred_at) AS at FROM counted GROUP BY 1) AS latest
  WHERE api_key.id = latest.api_key_id AND (api_key.last_used_at IS NULL OR api_key.last_used_at < latest.at)
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM minutes)::int AS minutes,
       (SELECT count(*) FROM hours)::int AS hours, (SELECT count(*) FROM last_used)::int AS keys`;

/** Inserts a batch of events with their rollups; returns how many were new. */
export async function writeUsageBatch(db: DataSource, events: readonly UsageEventRecord[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await db.query(FLUSH_SQL, [
    events.map((e) => e.id),
    events.map((e) => e.workspaceId),
    events.map((e) => e.apiKeyId),
    events.map((e) => e.occurredAt.toISOString()),
    events.map((e) => e.operationType),
    events.map((e) => e.operationName),
    events.map((e) => e.resources.join(",")),
    events.map((e) => e.outcome),
    events.map((e) => e.durationMs),
  ]);
  return Number(rows[0]?.inserted ?? 0);
}
