import { AgentEntity } from "../entities/agent.entity";
import { CallEntity, CallStatus } from "../entities/call.entity";
import { ContactEntity } from "../entities/contact.entity";
import { LeadEntity } from "../entities/lead.entity";
import { ResourceDefinition } from "./resource-definition";
import { ReferenceCheck } from "./resource-references";

/** The longest call that can be written; its seconds fit GraphQL's Int many times over. */
const MAX_CALL_DAYS = 7;
const DAY_MS = 86_400_000;

export const callResource: ResourceDefinition<CallEntity> = {
  label: "call",
  entity: CallEntity,
  alias: "cl",
  fields: {
    agentId: { required: true },
    direction: { required: true },
    fromNumber: { required: true },
    toNumber: { required: true },
    status: { required: true, default: CallStatus.QUEUED },
    startedAt: {},
    endedAt: {},
    summary: {},
    contactId: {},
    leadId: {},
  },
  filters: {
    status: { kind: "in", column: "status" },
    direction: { kind: "in", column: "direction" },
    agentId: { kind: "id", column: "agent_id" },
    contactId: { kind: "id", column: "contact_id" },
    leadId: { kind: "id", column: "lead_id" },
  },
  references(next, input) {
    const references: ReferenceCheck[] = [];
    if (input.agentId !== undefined) references.push({ field: "input.agentId", target: AgentEntity, label: "agent", ids: [next.agentId] });
    if (input.contactId !== undefined)
      references.push({ field: "input.contactId", target: ContactEntity, label: "contact", ids: [next.contactId] });
    if (input.leadId !== undefined) references.push({ field: "input.leadId", target: LeadEntity, label: "lead", ids: [next.leadId] });
    return references;
  },
  prepare(_workspaceId, next, _current, input, errors) {
    // Checked on the record as it will be, so an update of one end cannot cross the other or
    // stretch the call: a span is bounded, so no stored call's duration overflows a read.
    if (next.startedAt && next.endedAt && !errors.has("input.endedAt") && !errors.has("input.startedAt")) {
      const field = input.endedAt !== undefined ? "input.endedAt" : "input.startedAt";
      const span = next.endedAt.getTime() - next.startedAt.getTime();
      errors.check(span >= 0, field, "the call cannot end before it starts") &&
        errors.check(span <= MAX_CALL_DAYS * DAY_MS, field, `a call lasts at most ${MAX_CALL_DAYS} days from startedAt to endedAt`);
    }
  },
};
