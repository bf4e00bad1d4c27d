import { ContactEntity } from "../entities/contact.entity";
import { LeadEntity, LeadStatus } from "../entities/lead.entity";
import { ResourceDefinition } from "./resource-definition";

export const leadResource: ResourceDefinition<LeadEntity> = {
  label: "lead",
  entity: LeadEntity,
  alias: "ld",
  fields: {
    name: { required: true, trim: true },
    email: {},
    phone: {},
    status: { required: true, default: LeadStatus.NEW },
    source: { trim: true },
    score: {},
    notes: {},
    contactId: {},
  },
  filters: {
    status: { kind: "in", column: "status" },
    contactId: { kind: "id", column: "contact_id" },
    nameContains: { kind: "contains", expression: "$.name" },
  },
  references: (next, input) =>
    input.contactId !== undefined ? [{ field: "input.contactId", target: ContactEntity, label: "contact", ids: [next.contactId] }] : [],
};
