import { AgentEntity } from "../entities/agent.entity";
import { KnowledgeBaseDocumentAgentEntity } from "../entities/knowledge-base-document-agent.entity";
import { KnowledgeBaseDocumentEntity } from "../entities/knowledge-base-document.entity";
import { ResourceDefinition } from "./resource-definition";

/** `agentIds` on create links the document to those agents; on update it replaces the links (`null` or `[]` removes them). */
export const knowledgeBaseDocumentResource: ResourceDefinition<KnowledgeBaseDocumentEntity> = {
  label: "knowledge-base document",
  entity: KnowledgeBaseDocumentEntity,
  alias: "kb",
  fields: {
    title: { required: true, trim: true },
    content: { required: true },
    sourceUrl: {},
    agentIds: { virtual: true },
  },
  filters: {
    titleContains: { kind: "contains", expression: "$.title" },
    agentId: {
      kind: "sql",
      id: true,
      build: (a, p) => `EXISTS (SELECT 1 FROM knowledge_base_document_agent l WHERE l.document_id = ${a}.id AND l.agent_id = ${p})`,
    },
  },
  references(_next, input) {
    const ids = input.agentIds as string[] | null | undefined;
    return ids ? [{ field: "input.agentIds", target: AgentEntity, label: "agent", ids }] : [];
  },
  async afterWrite(tx, workspaceId, record, input, created) {
    const ids = input.agentIds as string[] | null | undefined;
    if (ids === undefined) return;
    if (!created) await tx.delete(KnowledgeBaseDocumentAgentEntity, { documentId: record.id });
    const links = [...new Set(ids ?? [])].map((agentId) => ({ workspaceId, documentId: record.id, agentId }));
    if (links.length > 0) await tx.insert(KnowledgeBaseDocumentAgentEntity, links);
  },
};
