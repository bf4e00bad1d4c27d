import { IntegrationEntity } from "../entities/integration.entity";
import { readConfig } from "./integration-config";
import { ResourceDefinition } from "./resource-definition";

/** `config` replaces the stored one on update; masked secrets sent back keep their stored values. */
export const integrationResource: ResourceDefinition<IntegrationEntity> = {
  label: "integration",
  entity: IntegrationEntity,
  alias: "ig",
  fields: {
    provider: { required: true },
    name: { required: true, trim: true },
    enabled: { required: true, default: true },
    config: { virtual: true },
  },
  filters: {
    provider: { kind: "in", column: "provider" },
    enabled: { kind: "equals", column: "enabled" },
    nameContains: { kind: "contains", expression: "$.name" },
  },
  prepare(_workspaceId, next, current, input, errors) {
    if (input.config === undefined) {
      if (!current) next.config = null;
      return;
    }
    next.config = readConfig(errors, "input.config", input.config, current?.config ?? null);
  },
};
