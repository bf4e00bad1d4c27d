import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

export enum AgentStatus {
  ACTIVE = "ACTIVE",
  PAUSED = "PAUSED",
}

/** A voice agent: what answers or places calls. */
@Entity({ name: "agent" })
export class AgentEntity extends WorkspaceRecordEntity {
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
}
