import { Args, Directive, Extensions, FieldResolver, Resolver } from "type-graphql";
import { RELATION_LIST_MAX } from "../../common/pagination";
import { permission } from "../../auth/access-directives";
import { CallConnection } from "./call.types";
import { CallPageArgs } from "./call-page.args";
import { Contact, ContactConnection, ContactFilter, CreateContactInput, UpdateContactInput } from "./contact.types";
import { Lead } from "./lead.types";
import { servedByPlanner } from "../../resources/planned-source";
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
  leads() {
    return servedByPlanner();
  }

  @FieldResolver(() => CallConnection, { description: "Calls with this contact, newest first." })
  @Directive(permission("CALLS", "READ"))
  calls(@Args() _page: CallPageArgs) {
    return servedByPlanner();
  }
}
