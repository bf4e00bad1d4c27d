import { Args, Directive, Extensions, FieldResolver, Resolver } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { Agent, AgentConnection, AgentFilter, CreateAgentInput, UpdateAgentInput } from "./agent.types";
import { CallConnection } from "./call.types";
import { CallPageArgs } from "./call-page.args";
import { KnowledgeBaseDocument } from "./knowledge-base-document.types";
import { servedByPlanner } from "../../resources/planned-source";
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
  knowledgeBase() {
    return servedByPlanner();
  }

  @FieldResolver(() => CallConnection, { description: "Calls this agent handled, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Args() _page: CallPageArgs) {
    return servedByPlanner();
  }
}
