import { Ctx, Directive, Extensions, FieldResolver, Resolver, Root } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { KnowledgeBaseDocumentEntity } from "../../entities/knowledge-base-document.entity";
import { GraphQLContext } from "../common/context";
import { Agent } from "./agent.types";
import {
  CreateKnowledgeBaseDocumentInput,
  KnowledgeBaseDocument,
  KnowledgeBaseDocumentConnection,
  KnowledgeBaseDocumentFilter,
  UpdateKnowledgeBaseDocumentInput,
} from "./knowledge-base-document.types";
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
  agents(@Root() document: KnowledgeBaseDocumentEntity, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.resources.agentsOfDocument.load(document.id);
  }
}
