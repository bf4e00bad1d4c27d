import { ContactEntity } from "../entities/contact.entity";
import { ResourceDefinition } from "./resource-definition";

export const contactResource: ResourceDefinition<ContactEntity> = {
  label: "contact",
  entity: ContactEntity,
  alias: "ct",
  fields: {
    firstName: { required: true, trim: true },
    lastName: { trim: true },
    email: {},
    phone: {},
    company: { trim: true },
  },
  filters: {
    // The same expression as the trigram index contact_text_trgm_idx, so the index serves it.
    nameContains: { kind: "contains", expression: "($.first_name || ' ' || coalesce($.last_name, ''))" },
  },
};
