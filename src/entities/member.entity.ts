import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { MemberRole } from "../auth/member-role";

@Entity({ name: "member" })
export class MemberEntity {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  /** As the member typed it; uniqueness is on the lower-cased `emailKey`. */
  @Column({ type: "varchar", length: 254 })
  email: string;

  @Column({ name: "email_key", type: "varchar", length: 254 })
  emailKey: string;

  /** `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`; never a password. */
  @Column({ name: "password_hash", type: "varchar", length: 255 })
  passwordHash: string;

  @Column({ type: "varchar", length: 16 })
  role: MemberRole;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;
}
