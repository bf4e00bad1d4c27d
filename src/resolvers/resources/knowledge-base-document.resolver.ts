import { Directive, Extensions, FieldResolver, Resolver } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { Agent } from "./agent.types";
import {
  CreateKnowledgeBaseDocumentInput,
  KnowledgeBaseDocument,
  KnowledgeBaseDocumentConnection,
  KnowledgeBaseDocumentFilter,
  UpdateKnowledgeBaseDocumentInput,
} from "./knowledge-base-document.types";
import { servedByPlanner } from "../../resources/planned-source";
import { createResourceResolver } from "./resource-resolver.factory";

@Resolver(() => KnowledgeBaseDocument)
export class KnowledgeBaseDocumentResolver extends createResourceResolver({
  resource: "KNOWLEDGE_BASE",
  one: "knowledgeBaseDocument",
  many: "knowledgeBaseDocuments",
  type: KnowledgeBaseDocument,
  connection: KnowledgeBaseDocumentConnection,
  createInput: CreateKnowledgeBaseDocumentInput,
  updateInput: UpdateKnowledgeBaseDocumentInput,
  filter: KnowledgeBaseDocumentFilter,
  service: "knowledgeBaseDocuments",
}) {
  @FieldResolver(() => [Agent], { description: `Agents that use this document, newest first: the ${RELATION_LIST_MAX} newest.` })
  @Directive(permission("AGENTS", "READ"))
  @Extensions({ maxItems: RELATION_LIST_MAX })
  agents() {
    return servedByPlanner();
  }
}
