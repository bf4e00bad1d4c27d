import type { DataSource } from "typeorm";
import type { Clock } from "../common/clock";
import { Page, PageArgs, toPage } from "../common/pagination";
import type { Resource } from "../auth/resource";
import { UsageEventRecord, UsageOutcome } from "./usage-event";

export interface UsageEventLogFilter {
  apiKeyId?: string;
  outcomes?: readonly UsageOutcome[];
}

interface Row {
  id: string;
  workspace_id: string;
  api_key_id: string;
  occurred_at: Date;
  operation_type: string;
  operation_name: string | null;
  resources: string[];
  outcome: UsageOutcome;
  duration_ms: number | null;
}

/**
 * Stored usage events of one workspace, newest first, within the retention period: what a live
 * `usageEvents` table starts from, and what it re-reads after a reconnect to fill the gap.
 * Keyset pagination on (occurred_at, id); with a key, the (api_key_id, occurred_at) index serves it.
 */
export class UsageEventLog {
  constructor(
    private readonly db: DataSource,
    private readonly retentionDays: number,
    private readonly clock: Clock,
  ) {}

  async list(workspaceId: string, filter: UsageEventLogFilter, page: PageArgs): Promise<Page<UsageEventRecord>> {
    const since = new Date(this.clock.nowMs() - this.retentionDays * 86_400_000);
    const params: unknown[] = [workspaceId, since];
    const where = ["workspace_id = $1", "occurred_at >= $2"];
    if (filter.apiKeyId) where.push(`api_key_id = $${params.push(filter.apiKeyId)}`);
    if (filter.outcomes) where.push(`outcome = ANY($${params.push(filter.outcomes)}::text[])`);
    const countParams = [...params];
    const countWhere = [...where];
    if (page.after) where.push(`(occurred_at, id) < ($${params.push(page.after.at)}, $${params.push(page.after.id)}::uuid)`);
    const rows: Row[] = await this.db.query(
      `SELECT id::text, workspace_id::text, api_key_id::text, occurred_at, operation_type, operation_name, resources, outcome, duration_ms
       FROM usage_event WHERE ${where.join(" AND ")} ORDER BY occurred_at DESC, id DESC LIMIT $${params.push(page.first + 1)}`,
      params,
    );
    const count = async () =>
      Number((await this.db.query(`SELECT count(*)::int AS n FROM usage_event WHERE ${countWhere.join(" AND ")}`, countParams))[0].n);
    return toPage(rows.map(toRecord), page.first, count, (event) => event.occurredAt);
  }
}

function toRecord(row: Row): UsageEventRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    apiKeyId: row.api_key_id,
    occurredAt: new Date(row.occurred_at),
    operationType: row.operation_type,
    operationName: row.operation_name,
    resources: row.resources as Resource[],
    outcome: row.outcome,
    durationMs: row.duration_ms,
  };
}
