import { Column, PrimaryColumn } from "typeorm";

/**
 * What every resource record has: its id, the workspace that owns it, and when it was created and
 * last changed (both set from the injected clock, to the millisecond, so keyset cursors round-trip).
 */
export abstract class WorkspaceRecordEntity {
  @PrimaryColumn({ type: "uuid" })
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
