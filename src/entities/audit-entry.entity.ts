import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

export enum AuditAction {
  MEMBER_CREATED = "MEMBER_CREATED",
  SIGNED_IN = "SIGNED_IN",
  SIGN_IN_FAILED = "SIGN_IN_FAILED",
  API_KEY_CREATED = "API_KEY_CREATED",
  API_KEY_UPDATED = "API_KEY_UPDATED",
  API_KEY_REVOKED = "API_KEY_REVOKED",
  API_KEY_ROTATED = "API_KEY_ROTATED",
  API_KEY_CREDITS_ADJUSTED = "API_KEY_CREDITS_ADJUSTED",
  TRUSTED_OPERATIONS_ADDED = "TRUSTED_OPERATIONS_ADDED",
  WORKSPACE_POLICY_UPDATED = "WORKSPACE_POLICY_UPDATED",
}

@Entity({ name: "audit_entry" })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  /** Insertion order: "newest first" even for entries written within the same millisecond. */
  @Column({ type: "bigint", insert: false, update: false })
  seq: string;

  /** Null only on entries from before unknown-e-mail sign-ins stopped being audited (they matched no workspace). */
  @Column({ name: "workspace_id", type: "uuid", nullable: true })
  workspaceId: string | null;

  @Column({ name: "occurred_at", type: "timestamptz", precision: 3 })
  occurredAt: Date;

  @Column({ type: "varchar", length: 32 })
  action: AuditAction;

  @Column({ name: "actor_id", type: "uuid", nullable: true })
  actorId: string | null;

  @Column({ name: "target_id", type: "uuid", nullable: true })
  targetId: string | null;

  /** Never a secret: names, grants, reasons, addresses. */
  @Column({ type: "jsonb", nullable: true })
  details: Record<string, unknown> | null;
}
