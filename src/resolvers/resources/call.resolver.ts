import { Directive, FieldResolver, Int, Resolver } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { Agent } from "./agent.types";
import { Call, CallConnection, CallFilter, CreateCallInput, UpdateCallInput } from "./call.types";
import { Contact } from "./contact.types";
import { Lead } from "./lead.types";
import { servedByPlanner } from "../../resources/planned-source";
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
  durationSeconds() {
    return servedByPlanner();
  }

  @FieldResolver(() => Agent, { nullable: true, description: "Null once the agent is deleted; the call stays." })
  @Directive(permission("AGENTS", "READ"))
  agent() {
    return servedByPlanner();
  }

  @FieldResolver(() => Contact, { nullable: true })
  @Directive(permission("CONTACTS", "READ"))
  contact() {
    return servedByPlanner();
  }

  @FieldResolver(() => Lead, { nullable: true })
  @Directive(permission("LEADS", "READ"))
  lead() {
    return servedByPlanner();
  }
}
