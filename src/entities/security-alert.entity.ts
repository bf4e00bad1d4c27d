import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** What a security alert is about (docs/API.md, "Key safety"). */
export enum SecurityAlertKind {
  KEY_EXPIRING = "KEY_EXPIRING",
  KEY_EXPIRED = "KEY_EXPIRED",
  KEY_LEAKED = "KEY_LEAKED",
  USAGE_SPIKE = "USAGE_SPIKE",
  NEW_CLIENT_ADDRESS = "NEW_CLIENT_ADDRESS",
  FORBIDDEN_BURST = "FORBIDDEN_BURST",
  CREDITS_LOW = "CREDITS_LOW",
}

@Entity({ name: "security_alert" })
export class SecurityAlertEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  /** No foreign key: an alert outlives nothing it must not, and a flush never fails on one key. */
  @Column({ name: "api_key_id", type: "uuid", nullable: true })
  apiKeyId: string | null;

  @Column({ type: "varchar", length: 32 })
  kind: SecurityAlertKind;

  @Column({ name: "occurred_at", type: "timestamptz", precision: 3 })
  occurredAt: Date;

  @Column({ type: "varchar", length: 500 })
  message: string;

  /** Kind-specific facts: addresses, counts, the url of a leak report. Never a secret. */
  @Column({ type: "jsonb", nullable: true })
  details: Record<string, unknown> | null;

  /** What a cooldown is counted per (an address for NEW_CLIENT_ADDRESS; empty otherwise). */
  @Column({ type: "varchar", length: 100, default: "" })
  subject: string;

  /** Unique with (kind, apiKeyId): the same condition seen by several instances is stored once. */
  @Column({ name: "dedupe_key", type: "varchar", length: 100 })
  dedupeKey: string;
}
