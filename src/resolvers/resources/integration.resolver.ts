import { FieldResolver, Resolver } from "type-graphql";
import { JSONScalar } from "../common/scalars";
import { servedByPlanner } from "../../resources/planned-source";
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
  config() {
    return servedByPlanner();
  }
}
