import { DataSource } from "typeorm";
import { callDurationSql } from "../entities/call.entity";
import { LeadStatus } from "../entities/lead.entity";
import { AnalyticsRange } from "./analytics-range";

export interface CallTotals {
  totalCalls: number;
  completedCalls: number;
  averageCallDurationSeconds: number | null;
}

export interface DailyCountValue {
  day: Date;
  count: number;
}

export interface AgentStatsValue {
  agentId: string;
  calls: number;
  averageDurationSeconds: number | null;
}

/** When a call counts: its start, or its creation when it never started (docs/API.md, "Analytics"). */
const COUNTED_AT = "coalesce(started_at, created_at)";
/** The mean of `durationSeconds` in SQL: whole seconds, over the calls whose both ends are known. */
const AVERAGE_DURATION = `avg(${callDurationSql()}) FILTER (WHERE started_at IS NOT NULL AND ended_at IS NOT NULL)`;

const toNumber = (value: string | number | null): number | null => (value === null ? null : Number(value));

/**
 * Read-only figures over a workspace's calls and leads, each computed by one SQL statement over
 * the inclusive range; days are UTC days.
 */
export class AnalyticsService {
  constructor(private readonly db: DataSource) {}

  async callTotals(workspaceId: string, range: AnalyticsRange): Promise<CallTotals> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'COMPLETED'))::int AS completed, ${AVERAGE_DURATION} AS average
       FROM call WHERE workspace_id = $1 AND ${COUNTED_AT} BETWEEN $2 AND $3`,
      [workspaceId, range.from, range.to],
    );
    return { totalCalls: row.total, completedCalls: row.completed, averageCallDurationSeconds: toNumber(row.average) };
  }

  /** Every UTC day the range touches, in order, days without calls as 0. */
  async callsPerDay(workspaceId: string, range: AnalyticsRange): Promise<DailyCountValue[]> {
    const rows: { day: Date; count: number }[] = await this.db.query(
      `WITH counted AS (
         SELECT date_trunc('day', ${COUNTED_AT} AT TIME ZONE 'UTC') AS day, count(*)::int AS count
         FROM call WHERE workspace_id = $1 AND ${COUNTED_AT} BETWEEN $2 AND $3 GROUP BY 1
       )
       SELECT (d.day AT TIME ZONE 'UTC') AS day, coalesce(counted.count, 0)::int AS count
       FROM generate_series(date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC'), date_trunc('day', $3::timestamptz AT TIME ZONE 'UTC'), interval '1 day') AS d(day)
       LEFT JOIN counted ON counted.day = d.day
       ORDER BY d.day`,
      [workspaceId, range.from, range.to],
    );
    return rows.map((r) => ({ day: new Date(r.day), count: r.count }));
  }

  /** Every status, in the enum's order, with 0 for those without leads. */
  async leadsByStatus(workspaceId: string, range: AnalyticsRange): Promise<{ status: LeadStatus; count: number }[]> {
    const rows: { status: LeadStatus; count: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS count FROM lead WHERE workspace_id = $1 AND created_at BETWEEN $2 AND $3 GROUP BY status`,
      [workspaceId, range.from, range.to],
    );
    const counts = new Map(rows.map((r) => [r.status, r.count]));
    return Object.values(LeadStatus).map((status) => ({ status, count: counts.get(status) ?? 0 }));
  }

  /** Per agent with calls in the range, most calls first; calls whose agent was deleted count in the totals only. */
  async agentStats(workspaceId: string, range: AnalyticsRange): Promise<AgentStatsValue[]> {
    const rows: { agent_id: string; calls: number; average: string | null }[] = await this.db.query(
      `SELECT agent_id, count(*)::int AS calls, ${AVERAGE_DURATION} AS average
       FROM call WHERE workspace_id = $1 AND agent_id IS NOT NULL AND ${COUNTED_AT} BETWEEN $2 AND $3
       GROUP BY agent_id ORDER BY calls DESC, agent_id`,
      [workspaceId, range.from, range.to],
    );
    return rows.map((r) => ({ agentId: r.agent_id, calls: r.calls, averageDurationSeconds: toNumber(r.average) }));
  }
}

/** Converted leads over all leads in the range; null when there are none. */
export function conversionRate(byStatus: { status: LeadStatus; count: number }[]): number | null {
  const total = byStatus.reduce((sum, s) => sum + s.count, 0);
  if (total === 0) return null;
  return (byStatus.find((s) => s.status === LeadStatus.CONVERTED)?.count ?? 0) / total;
}
