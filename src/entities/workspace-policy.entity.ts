import { Column, Entity, PrimaryColumn } from "typeorm";

/** What a workspace demands of its keys (docs/API.md, "Workspace policy"); a workspace without a row demands nothing. */
@Entity({ name: "workspace_policy" })
export class WorkspacePolicyEntity {
  @PrimaryColumn({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ name: "max_key_lifetime_days", type: "integer", nullable: true })
  maxKeyLifetimeDays: number | null;

  @Column({ name: "require_expiry", type: "boolean", default: false })
  requireExpiry: boolean;

  @Column({ name: "require_allowed_cidrs", type: "boolean", default: false })
  requireAllowedCidrs: boolean;

  @Column({ name: "require_trusted_operations", type: "boolean", default: false })
  requireTrustedOperations: boolean;
}
