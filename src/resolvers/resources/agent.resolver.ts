import { Args, Ctx, Directive, Extensions, FieldResolver, Resolver, Root } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { AgentEntity } from "../../entities/agent.entity";
import { GraphQLContext } from "../common/context";
import { Agent, AgentConnection, AgentFilter, CreateAgentInput, UpdateAgentInput } from "./agent.types";
import { CallConnection } from "./call.types";
import { CallPageArgs, callsOf } from "./call-page.args";
import { KnowledgeBaseDocument } from "./knowledge-base-document.types";
import { createResourceResolver } from "./resource-resolver.factory";

@Resolver(() => Agent)
export class AgentResolver extends createResourceResolver({
  resource: "AGENTS",
  one: "agent",
  many: "agents",
  type: Agent,
  connection: AgentConnection,
  createInput: CreateAgentInput,
  updateInput: UpdateAgentInput,
  filter: AgentFilter,
  service: "agents",
}) {
  @FieldResolver(() => [KnowledgeBaseDocument], {
    description: `Documents this agent answers from, newest first: the ${RELATION_LIST_MAX} newest.`,
  })
  @Directive(permission("KNOWLEDGE_BASE", "READ"))
  @Extensions({ maxItems: RELATION_LIST_MAX })
  knowledgeBase(@Root() agent: AgentEntity, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.resources.documentsOfAgent.load(agent.id);
  }

  @FieldResolver(() => CallConnection, { description: "Calls this agent handled, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Root() agent: AgentEntity, @Ctx() ctx: GraphQLContext, @Args() page: CallPageArgs) {
    return callsOf(ctx, "agent_id", agent.id, page);
  }
}
