import { AgentEntity } from "../entities/agent.entity";
import { CallEntity, CallStatus } from "../entities/call.entity";
import { ContactEntity } from "../entities/contact.entity";
import { LeadEntity } from "../entities/lead.entity";
import { ResourceDefinition } from "./resource-definition";
import { checkReferences } from "./resource-references";

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
  async prepare(tx, workspaceId, next, _current, input, errors) {
    if (input.agentId !== undefined) await checkReferences(tx, errors, "input.agentId", AgentEntity, "agent", workspaceId, [next.agentId]);
    if (input.contactId !== undefined) await checkReferences(tx, errors, "input.contactId", ContactEntity, "contact", workspaceId, [next.contactId]);
    if (input.leadId !== undefined) await checkReferences(tx, errors, "input.leadId", LeadEntity, "lead", workspaceId, [next.leadId]);
    // Checked on the record as it will be, so an update of one end cannot cross the other.
    if (next.startedAt && next.endedAt && !errors.has("input.endedAt")) {
      errors.check(next.endedAt >= next.startedAt, input.endedAt !== undefined ? "input.endedAt" : "input.startedAt", "the call cannot end before it starts");
    }
  },
};
