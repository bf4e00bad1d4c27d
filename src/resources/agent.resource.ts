import { AgentEntity, AgentStatus } from "../entities/agent.entity";
import { ResourceDefinition } from "./resource-definition";

export const agentResource: ResourceDefinition<AgentEntity> = {
  label: "agent",
  entity: AgentEntity,
  alias: "ag",
  fields: {
    name: { required: true, trim: true },
    language: { required: true, default: "en-US", trim: true },
    voice: { trim: true },
    prompt: {},
    status: { required: true, default: AgentStatus.ACTIVE },
  },
  filters: {
    status: { kind: "in", column: "status" },
    nameContains: { kind: "contains", expression: "$.name" },
  },
};
