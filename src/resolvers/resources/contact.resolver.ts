import { Args, Ctx, Directive, Extensions, FieldResolver, Resolver, Root } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { ContactEntity } from "../../entities/contact.entity";
import { GraphQLContext } from "../common/context";
import { CallConnection } from "./call.types";
import { CallPageArgs, callsOf } from "./call-page.args";
import { Contact, ContactConnection, ContactFilter, CreateContactInput, UpdateContactInput } from "./contact.types";
import { Lead } from "./lead.types";
import { createResourceResolver } from "./resource-resolver.factory";

@Resolver(() => Contact)
export class ContactResolver extends createResourceResolver({
  resource: "CONTACTS",
  one: "contact",
  many: "contacts",
  type: Contact,
  connection: ContactConnection,
  createInput: CreateContactInput,
  updateInput: UpdateContactInput,
  filter: ContactFilter,
  service: "contacts",
}) {
  @FieldResolver(() => [Lead], { description: `Leads tied to this contact, newest first: the ${RELATION_LIST_MAX} newest.` })
  @Directive(permission("LEADS", "READ"))
  @Extensions({ maxItems: RELATION_LIST_MAX })
  leads(@Root() contact: ContactEntity, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.resources.leadsOfContact.load(contact.id);
  }

  @FieldResolver(() => CallConnection, { description: "Calls with this contact, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Root() contact: ContactEntity, @Ctx() ctx: GraphQLContext, @Args() page: CallPageArgs) {
    return callsOf(ctx, "contact_id", contact.id, page);
  }
}
