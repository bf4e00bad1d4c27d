import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

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
export class IntegrationEntity extends WorkspaceRecordEntity {
  @Column({ type: "varchar", length: 32 })
  provider: IntegrationProvider;

  @Column({ type: "varchar", length: 100 })
  name: string;

  @Column({ type: "boolean" })
  enabled: boolean;

  @Column({ type: "jsonb", nullable: true })
  config: Record<string, unknown> | null;
}
