import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { PreparedStatement, runPrepared, statementName } from "../db/prepared-query";
import { addressBucket, displayAddress } from "../keys/ip-allowlist";
import { UsageBatch } from "./usage-batch";
import { UsageEventRecord, UsageOutcome } from "./usage-event";

/**
 * One rollup's upsert from `per`: the counted events per key and UTC minute or hour (the epoch's
 * minutes and hours are UTC's), requests and refusals.
 */
const rollup = (unit: "minute" | "hour") => {
  const start = unit === "minute" ? "minute * 60" : "floor(minute / 60) * 3600";
  return `
  INSERT INTO usage_${unit} (api_key_id, ${unit}, count, forbidden)
  SELECT api_key_id, to_timestamp(${start}), sum(n)::int, coalesce(sum(n) FILTER (WHERE outcome = '${UsageOutcome.FORBIDDEN}'), 0)::int
  FROM per GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (api_key_id, ${unit}) DO UPDATE SET count = usage_${unit}.count + EXCLUDED.count, forbidden = usage_${unit}.forbidden + EXCLUDED.forbidden
  RETURNING 1
`;
};

/**
 * Writes one batch as a single statement, so a flush is atomic without an explicit transaction:
 * the events are inserted with the per-minute and per-hour rollups, `api_key.last_used_at` /
 * `last_used_from` and the key's recent addresses. A batch's first write has ids no one can have
 * stored (they were given to it as the write began), so it inserts every event and counts them
 * all, with no look-up per event. Any later write of the batch (a retry after a first that may
 * have committed with its reply lost) inserts only the events not stored yet (NOT EXISTS on the
 * primary key) and only those feed the rollups, so nothing counts twice; a retry racing a first
 * write still running waits for it on the primary key and fails, and the next retry inserts
 * nothing. Rollup rows are upserted in key order, so two instances flushing at once wait for each
 * other instead of deadlocking. Every sub-statement sees the tables as they were before it, so
 * `known` and `fresh` read the addresses and first use as they stood before this batch.
 *
 * The batch travels as columns: each event's own values (id, time in epoch milliseconds, duration,
 * and the number of its shape) as arrays, and each distinct shape (key, workspace, operation,
 * resources, outcome, address) once. Both forms of the statement are prepared once per connection.
 */
const flushSql = (retry: boolean) => `
WITH shape AS (
  SELECT n, api_key_id, workspace_id, operation_type, operation_name, string_to_array(resources, ',') AS resources, outcome, client_address, bucket
  FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
    WITH ORDINALITY AS s(api_key_id, workspace_id, operation_type, operation_name, resources, outcome, client_address, bucket, n)
),
e AS (
  SELECT id, shape, ms, duration_ms, to_timestamp(ms / 1000)::timestamptz(3) AS occurred_at
  FROM unnest($1::uuid[], $2::int[], $3::float8[], $4::int[]) AS e(id, shape, ms, duration_ms)
),
inserted AS (
  INSERT INTO usage_event (id, workspace_id, api_key_id, occurred_at, operation_type, operation_name, resources, outcome, duration_ms)
  SELECT e.id, s.workspace_id, s.api_key_id, e.occurred_at, s.operation_type, s.operation_name, s.resources, s.outcome, e.duration_ms
  FROM e JOIN shape s ON s.n = e.shape
  ${retry ? "WHERE NOT EXISTS (SELECT 1 FROM usage_event u WHERE u.id = e.id)" : ""}
  RETURNING id
),
-- The counted events per shape and epoch minute: a handful of rows however large the batch, which
-- every rollup, last use and address below reads instead of the events.
per AS (
  SELECT s.api_key_id, s.outcome, s.client_address, s.bucket, g.minute, g.n, g.first_ms, g.last_ms
  FROM (
    SELECT shape, floor(ms / 60000) AS minute, count(*) AS n, min(ms) AS first_ms, max(ms) AS last_ms
    FROM e ${retry ? "WHERE id IN (SELECT id FROM inserted)" : ""} GROUP BY 1, 2
  ) g JOIN shape s ON s.n = g.shape
  WHERE s.outcome <> '${UsageOutcome.REJECTED}'
),
minutes AS (${rollup("minute")}),
hours AS (${rollup("hour")}),
last_used AS (
  UPDATE api_key SET last_used_at = latest.at, last_used_from = latest.address
  FROM (
    SELECT DISTINCT ON (api_key_id) api_key_id, to_timestamp(last_ms / 1000)::timestamptz(3) AS at, client_address AS address
    FROM per ORDER BY api_key_id, last_ms DESC
  ) AS latest
  WHERE api_key.id = latest.api_key_id AND (api_key.last_used_at IS NULL OR api_key.last_used_at <= latest.at)
  RETURNING 1
),
seen AS (
  SELECT api_key_id, bucket AS address, to_timestamp(min(first_ms) / 1000)::timestamptz(3) AS first_at,
         to_timestamp(max(last_ms) / 1000)::timestamptz(3) AS last_at
  FROM per WHERE outcome = '${UsageOutcome.ALLOWED}' AND bucket IS NOT NULL GROUP BY 1, 2
),
known AS (
  SELECT k.api_key_id, k.address, k.last_seen_at FROM key_address k JOIN seen s ON s.api_key_id = k.api_key_id AND s.address = k.address
),
addresses AS (
  INSERT INTO key_address (api_key_id, address, first_seen_at, last_seen_at)
  SELECT api_key_id, address, first_at, last_at FROM seen ORDER BY 1, 2
  ON CONFLICT (api_key_id, address) DO UPDATE SET last_seen_at = greatest(key_address.last_seen_at, EXCLUDED.last_seen_at)
  RETURNING 1
),
fresh AS (
  SELECT s.api_key_id AS "apiKeyId", s.address, s.first_at AS "firstAt", (a.last_used_at IS NULL) AS "firstUse"
  FROM seen s LEFT JOIN known k ON k.api_key_id = s.api_key_id AND k.address = s.address LEFT JOIN api_key a ON a.id = s.api_key_id
  WHERE k.last_seen_at IS NULL OR k.last_seen_at < s.first_at - interval '30 days'
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM minutes)::int AS minutes,
       (SELECT count(*) FROM hours)::int AS hours, (SELECT count(*) FROM last_used)::int AS keys,
       (SELECT count(*) FROM addresses)::int AS addresses, (SELECT coalesce(json_agg(fresh), '[]'::json) FROM fresh) AS fresh`;

/** An address (IPv4, or IPv6 /64) a key used in this batch and not in the 30 days before it. */
export interface FreshAddress {
  apiKeyId: string;
  address: string;
  firstAt: string;
  /** The key had never been used before this batch: its first address is no news. */
  firstUse: boolean;
}

/**
 * Inserts a batch of events with their rollups; returns how many were new. Addresses are
 * normalized here, off the request path; `onFresh` hears of new addresses once the batch committed.
 * `events`: the recorder's batch, or records already made (each with its id).
 * `pool`: metering's own connection (`usageWriterPool`, opened in services.ts), else one of the requests' pool.
 */
export async function writeUsageBatch(
  db: DataSource,
  events: UsageBatch | readonly UsageEventRecord[],
  onFresh?: (fresh: FreshAddress[]) => void,
  pool?: Pool,
): Promise<number> {
  if (events.length === 0) return 0;
  const batch = events instanceof UsageBatch ? events : UsageBatch.of(events);
  const statement = batch.written ? FLUSH_AGAIN : FLUSH;
  batch.written = true;
  const { rows } = await runPrepared<FlushResult>(db, statement, batchColumns(batch), pool);
  const fresh = rows[0]?.fresh ?? [];
  if (onFresh && fresh.length > 0) onFresh(fresh);
  return Number(rows[0]?.inserted ?? 0);
}

interface FlushResult {
  inserted: number;
  fresh: FreshAddress[] | null;
}

const FLUSH: PreparedStatement = { name: statementName("usage_flush"), sql: flushSql(false) };
const FLUSH_AGAIN: PreparedStatement = { name: statementName("usage_flush_again"), sql: flushSql(true) };

/**
 * The flush's twelve parameters, from the batch's columns. Event ids (UUIDs, nothing to escape)
 * and numbers print as themselves, so those four arrays are joined here; the shapes' text goes
 * through pg's own array serialization. Addresses are normalized once per shape, off the request path.
 */
function batchColumns(batch: UsageBatch): unknown[] {
  const columns: (string | null)[][] = [[], [], [], [], [], [], [], []];
  for (const shape of batch.shapes) {
    const raw = shape.clientAddress;
    const values = [shape.apiKeyId, shape.workspaceId, shape.operationType, shape.operationName, shape.resources.join(",")];
    values.push(shape.outcome, raw ? displayAddress(raw) : null, raw ? addressBucket(raw) : null);
    values.forEach((value, i) => columns[i].push(value));
  }
  // Shapes are numbered from 1 in the statement (WITH ORDINALITY).
  let shapes = "{";
  let durations = "{";
  for (let i = 0; i < batch.length; i++) {
    const separator = i === 0 ? "" : ",";
    shapes += separator + (batch.shapeOf[i] + 1);
    durations += separator + (batch.durationMs[i] < 0 ? "NULL" : batch.durationMs[i]);
  }
  return [`{${batch.seal().join(",")}}`, `${shapes}}`, `{${batch.occurredAt.join(",")}}`, `${durations}}`, ...columns];
}
