import { Column, Entity } from "typeorm";
import { WorkspaceRecordEntity } from "./workspace-record.entity";

/** A document agents answer from. */
@Entity({ name: "knowledge_base_document" })
export class KnowledgeBaseDocumentEntity extends WorkspaceRecordEntity {
  @Column({ type: "varchar", length: 300 })
  title: string;

  @Column({ type: "text" })
  content: string;

  @Column({ name: "source_url", type: "varchar", length: 2048, nullable: true })
  sourceUrl: string | null;
}
