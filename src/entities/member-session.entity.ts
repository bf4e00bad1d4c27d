import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "member_session" })
export class MemberSessionEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ name: "member_id", type: "uuid" })
  memberId: string;

  /** SHA-256 (hex) of the session token; the token itself is never stored. */
  @Column({ type: "char", length: 64 })
  digest: string;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "expires_at", type: "timestamptz", precision: 3 })
  expiresAt: Date;

  @Column({ name: "ended_at", type: "timestamptz", precision: 3, nullable: true })
  endedAt: Date | null;
}
