import { Column, Entity, PrimaryColumn } from "typeorm";

/** A document agents answer from. */
@Entity({ name: "knowledge_base_document" })
export class KnowledgeBaseDocumentEntity {
  @PrimaryColumn({ type: "uuid" })
  id: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;

  @Column({ type: "varchar", length: 300 })
  title: string;

  @Column({ type: "text" })
  content: string;

  @Column({ name: "source_url", type: "varchar", length: 2048, nullable: true })
  sourceUrl: string | null;

  @Column({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
