import { Column, Entity, PrimaryColumn } from "typeorm";

/** A document a workspace trusts: permanent, its id the `sha256:` digest of its exact text (docs/API.md, "Trusted operations"). */
@Entity({ name: "trusted_operation" })
export class TrustedOperationEntity {
  @PrimaryColumn({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  /** `sha256:` + the lowercase hex SHA-256 of the document's UTF-8 bytes. */
  @PrimaryColumn({ type: "varchar", length: 71 })
  id: string;

  /** Insertion order: "newest first". */
  @Column({ type: "bigint", insert: false, update: false })
  seq: string;

  /** The operation's name; null for an anonymous operation. */
  @Column({ type: "text", nullable: true })
  name: string | null;

  @Column({ type: "text" })
  document: string;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;
}
