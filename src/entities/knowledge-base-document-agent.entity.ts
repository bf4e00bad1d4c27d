import { Column, Entity, PrimaryColumn } from "typeorm";

/** The agent ↔ document link; both ends belong to `workspaceId` (a composite foreign key enforces it). */
@Entity({ name: "knowledge_base_document_agent" })
export class KnowledgeBaseDocumentAgentEntity {
  @PrimaryColumn({ name: "document_id", type: "uuid" })
  documentId: string;

  @PrimaryColumn({ name: "agent_id", type: "uuid" })
  agentId: string;

  @Column({ name: "workspace_id", type: "uuid" })
  workspaceId: string;
}
