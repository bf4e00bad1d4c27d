import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { AgentStatus } from "./resource-enums";
import { Connection } from "../common/connection";
import { LanguageTag, LongText, SearchText, ShortText } from "../../resources/resource-rules";
import { CONTAINS_DESCRIPTION, CreatedRangeFilter } from "./created-range.filter";
import { agentResource } from "../../resources/agent.resource";
import { CreateField } from "./create-field";

@ObjectType({ description: "A voice agent. Every field but `id` needs agents:read." })
@Directive(permission("AGENTS", "READ"))
export class Agent {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: "A BCP 47 language tag such as en-US." })
  language: string;

  @Field(() => String, { nullable: true })
  voice: string | null;

  @Field(() => String, { nullable: true })
  prompt: string | null;

  @Field(() => AgentStatus)
  status: AgentStatus;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class AgentConnection extends Connection(Agent, "Agent") {}

@InputType({ description: "Only the fields given change; null clears a nullable field." })
export class UpdateAgentInput {
  @Field(() => String, { nullable: true, description: "1–200 characters." })
  @ShortText(200)
  name?: string | null;

  @Field(() => String, { nullable: true })
  @LanguageTag()
  language?: string | null;

  @Field(() => String, { nullable: true, description: "At most 100 characters." })
  @ShortText(100)
  voice?: string | null;

  @Field(() => String, { nullable: true, description: "At most 20,000 characters." })
  @LongText(20000)
  prompt?: string | null;

  @Field(() => AgentStatus, { nullable: true })
  status?: AgentStatus | null;
}

/** The update's fields and rules; only what a new agent must have, and its defaults, are redeclared. */
@InputType()
export class CreateAgentInput extends UpdateAgentInput {
  @CreateField(agentResource, "name", () => String, { description: "1–200 characters." })
  declare name: string;

  @CreateField(agentResource, "language", () => String)
  declare language?: string | null;

  @CreateField(agentResource, "status", () => AgentStatus, { defaultIn: "description" })
  declare status?: AgentStatus | null;
}

@InputType()
export class AgentFilter extends CreatedRangeFilter {
  @Field(() => [AgentStatus], { nullable: true, description: "Any of these statuses." })
  status?: AgentStatus[] | null;

  @Field(() => String, { nullable: true, description: `Name: ${CONTAINS_DESCRIPTION}` })
  @SearchText()
  nameContains?: string | null;
}
