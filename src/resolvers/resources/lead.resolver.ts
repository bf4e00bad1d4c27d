import { Args, Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { LeadEntity } from "../../entities/lead.entity";
import { GraphQLContext } from "../common/context";
import { CallConnection } from "./call.types";
import { CallPageArgs, callsOf } from "./call-page.args";
import { Contact } from "./contact.types";
import { CreateLeadInput, Lead, LeadConnection, LeadFilter, UpdateLeadInput } from "./lead.types";
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
  contact(@Root() lead: LeadEntity, @Ctx() ctx: GraphQLContext) {
    return lead.contactId ? ctx.loaders.resources.contact.load(lead.contactId) : null;
  }

  @FieldResolver(() => CallConnection, { description: "Calls about this lead, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Root() lead: LeadEntity, @Ctx() ctx: GraphQLContext, @Args() page: CallPageArgs) {
    return callsOf(ctx, "lead_id", lead.id, page);
  }
}
