import { Column, Entity, PrimaryColumn } from "typeorm";

export enum IntegrationProvider {
  SALESFORCE = "SALESFORCE",
  HUBSPOT = "HUBSPOT",
  ZAPIER = "ZAPIER",
  SLACK = "SLACK",
  WEBHOOK = "WEBHOOK",
  GOOGLE_CALENDAR = "GOOGLE_CALENDAR",
}

/** A connection to another system. `config` is stored as sent; secrets in it are masked on every read. */
@Entity({ name: "integration" })
export class IntegrationEntity {
  @PrimaryColumn({ type: "uuid" })
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ type: "varchar", length: 32 })
  provider: IntegrationProvider;

  @Column({ type: "varchar", length: 100 })
  name: string;

  @Column({ type: "boolean" })
  enabled: boolean;

  @Column({ type: "jsonb", nullable: true })
  config: Record<string, unknown> | null;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
