import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { IdList, LongText, SearchText, ShortText, WebUrl } from "../../resources/resource-rules";
import { Connection } from "../common/connection";
import { CONTAINS_DESCRIPTION, CreatedRangeFilter } from "./created-range.filter";
import { knowledgeBaseDocumentResource } from "../../resources/knowledge-base-document.resource";
import { CreateField } from "./create-field";

@ObjectType({ description: "A document agents answer from. Every field but `id` needs knowledge_base:read." })
@Directive(permission("KNOWLEDGE_BASE", "READ"))
export class KnowledgeBaseDocument {
  @Field(() => ID)
  id: string;

  @Field()
  title: string;

  @Field()
  content: string;

  @Field(() => String, { nullable: true })
  sourceUrl: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class KnowledgeBaseDocumentConnection extends Connection(KnowledgeBaseDocument, "KnowledgeBaseDocument") {}

@InputType({ description: "Only the fields given change; `agentIds` replaces the links (null or [] removes them)." })
export class UpdateKnowledgeBaseDocumentInput {
  @Field(() => String, { nullable: true, description: "1–300 characters." })
  @ShortText(300)
  title?: string | null;

  @Field(() => String, { nullable: true, description: "At most 100,000 characters." })
  @LongText(100000)
  content?: string | null;

  @Field(() => String, { nullable: true, description: "An http or https URL." })
  @WebUrl()
  sourceUrl?: string | null;

  @Field(() => [ID], { nullable: true, description: "Agents of your workspace that use this document (at most 100)." })
  @IdList(100)
  agentIds?: string[] | null;
}

/** The update's fields and rules; only what a new document must have is redeclared. */
@InputType()
export class CreateKnowledgeBaseDocumentInput extends UpdateKnowledgeBaseDocumentInput {
  @CreateField(knowledgeBaseDocumentResource, "title", () => String, { description: "1–300 characters." })
  declare title: string;

  @CreateField(knowledgeBaseDocumentResource, "content", () => String, { description: "At most 100,000 characters." })
  declare content: string;
}

@InputType()
export class KnowledgeBaseDocumentFilter extends CreatedRangeFilter {
  @Field(() => String, { nullable: true, description: `Title: ${CONTAINS_DESCRIPTION}` })
  @SearchText()
  titleContains?: string | null;

  @Field(() => ID, { nullable: true, description: "Documents linked to this agent." })
  agentId?: string | null;
}
