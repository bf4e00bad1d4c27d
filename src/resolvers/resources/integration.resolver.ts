import { FieldResolver, Resolver, Root } from "type-graphql";
import { IntegrationEntity } from "../../entities/integration.entity";
import { maskConfig } from "../../resources/integration-config";
import { JSONScalar } from "../common/scalars";
import { createResourceResolver } from "./resource-resolver.factory";
import { CreateIntegrationInput, Integration, IntegrationConnection, IntegrationFilter, UpdateIntegrationInput } from "./integration.types";

@Resolver(() => Integration)
export class IntegrationResolver extends createResourceResolver({
  resource: "INTEGRATIONS",
  one: "integration",
  many: "integrations",
  type: Integration,
  connection: IntegrationConnection,
  createInput: CreateIntegrationInput,
  updateInput: UpdateIntegrationInput,
  filter: IntegrationFilter,
  service: "integrations",
}) {
  /** Secrets are write-only: every read, by anyone, sees the mask. */
  @FieldResolver(() => JSONScalar, { nullable: true })
  config(@Root() integration: IntegrationEntity): unknown {
    return maskConfig(integration.config);
  }
}
