import { Column, Entity, PrimaryColumn } from "typeorm";

export enum AgentStatus {
  ACTIVE = "ACTIVE",
  PAUSED = "PAUSED",
}

/** A voice agent: what answers or places calls. */
@Entity({ name: "agent" })
export class AgentEntity {
  @PrimaryColumn({ type: "uuid" })
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ type: "varchar", length: 200 })
  name: string;

  /** A BCP 47 language tag such as `en-US`. */
  @Column({ type: "varchar", length: 35 })
  language: string;

  @Column({ type: "varchar", length: 100, nullable: true })
  voice: string | null;

  @Column({ type: "text", nullable: true })
  prompt: string | null;

  @Column({ type: "varchar", length: 16 })
  status: AgentStatus;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
