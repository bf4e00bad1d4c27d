import { Ctx, Directive, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { callDurationSeconds, CallEntity } from "../../entities/call.entity";
import { GraphQLContext } from "../common/context";
import { Agent } from "./agent.types";
import { Call, CallConnection, CallFilter, CreateCallInput, UpdateCallInput } from "./call.types";
import { Contact } from "./contact.types";
import { Lead } from "./lead.types";
import { createResourceResolver } from "./resource-resolver.factory";

@Resolver(() => Call)
export class CallResolver extends createResourceResolver({
  resource: "CALLS",
  one: "call",
  many: "calls",
  type: Call,
  connection: CallConnection,
  createInput: CreateCallInput,
  updateInput: UpdateCallInput,
  filter: CallFilter,
  service: "calls",
}) {
  @FieldResolver(() => Int, { nullable: true })
  durationSeconds(@Root() call: CallEntity): number | null {
    return callDurationSeconds(call);
  }

  @FieldResolver(() => Agent, { nullable: true, description: "Null once the agent is deleted; the call stays." })
  @Directive(permission("AGENTS", "READ"))
  agent(@Root() call: CallEntity, @Ctx() ctx: GraphQLContext) {
    return call.agentId ? ctx.loaders.resources.agent.load(call.agentId) : null;
  }

  @FieldResolver(() => Contact, { nullable: true })
  @Directive(permission("CONTACTS", "READ"))
  contact(@Root() call: CallEntity, @Ctx() ctx: GraphQLContext) {
    return call.contactId ? ctx.loaders.resources.contact.load(call.contactId) : null;
  }

  @FieldResolver(() => Lead, { nullable: true })
  @Directive(permission("LEADS", "READ"))
  lead(@Root() call: CallEntity, @Ctx() ctx: GraphQLContext) {
    return call.leadId ? ctx.loaders.resources.lead.load(call.leadId) : null;
  }
}
