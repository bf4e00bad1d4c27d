import { Args, Directive, FieldResolver, Resolver } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { CallConnection } from "./call.types";
import { CallPageArgs } from "./call-page.args";
import { Contact } from "./contact.types";
import { CreateLeadInput, Lead, LeadConnection, LeadFilter, UpdateLeadInput } from "./lead.types";
import { servedByPlanner } from "../../resources/planned-source";
import { createResourceResolver } from "./resource-resolver.factory";

@Resolver(() => Lead)
export class LeadResolver extends createResourceResolver({
  resource: "LEADS",
  one: "lead",
  many: "leads",
  type: Lead,
  connection: LeadConnection,
  createInput: CreateLeadInput,
  updateInput: UpdateLeadInput,
  filter: LeadFilter,
  service: "leads",
}) {
  @FieldResolver(() => Contact, { nullable: true, description: "Null when none is set or it was deleted." })
  @Directive(permission("CONTACTS", "READ"))
  contact() {
    return servedByPlanner();
  }

  @FieldResolver(() => CallConnection, { description: "Calls about this lead, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Args() _page: CallPageArgs) {
    return servedByPlanner();
  }
}
