import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

export enum CallDirection {
  INBOUND = "INBOUND",
  OUTBOUND = "OUTBOUND",
}

export enum CallStatus {
  QUEUED = "QUEUED",
  IN_PROGRESS = "IN_PROGRESS",
  COMPLETED = "COMPLETED",
  FAILED = "FAILED",
  NO_ANSWER = "NO_ANSWER",
}

/** One phone call handled by an agent. The history outlives the agent, contact and lead it names. */
@Entity({ name: "call" })
export class CallEntity extends WorkspaceRecordEntity {
  /** Required on create; null once the agent is deleted. */
  @Column({ name: "agent_id", type: "uuid", nullable: true })
  agentId: string | null;

  @Column({ name: "contact_id", type: "uuid", nullable: true })
  contactId: string | null;

  @Column({ name: "lead_id", type: "uuid", nullable: true })
  leadId: string | null;

  @Column({ type: "varchar", length: 16 })
  direction: CallDirection;

  @Column({ type: "varchar", length: 16 })
  status: CallStatus;

  /** E.164. */
  @Column({ name: "from_number", type: "varchar", length: 16 })
  fromNumber: string;

  /** E.164. */
  @Column({ name: "to_number", type: "varchar", length: 16 })
  toNumber: string;

  @Column({ name: "started_at", type: "timestamptz", precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: "ended_at", type: "timestamptz", precision: 3, nullable: true })
  endedAt: Date | null;

  @Column({ type: "text", nullable: true })
  summary: string | null;
}

/**
 * The largest `durationSeconds` read: GraphQL's Int (about 68 years). Writes keep a call within
 * 7 days (`call.resource.ts`); a row stored before that bound reads as this instead of failing.
 */
export const MAX_DURATION_SECONDS = 2_147_483_647;

/**
 * `durationSeconds`, the one definition: whole seconds from start to end when both are known, else
 * null (docs/API.md, "Resources"), in SQL over a call row (`alias`'s columns, or bare ones): capped before
 * the cast, so no stored span overflows `int`. Null unless both ends are set (a CASE, not
 * `least`, which would turn null into the cap).
 */
export function callDurationSql(alias?: string): string {
  const span = alias ? `(${alias}.ended_at - ${alias}.started_at)` : "(ended_at - started_at)";
  return `CASE WHEN ${span} > interval '${MAX_DURATION_SECONDS} seconds' THEN ${MAX_DURATION_SECONDS} ELSE floor(extract(epoch from ${span}))::int END`;
}
