import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { SearchText, ShortText } from "../../resources/resource-rules";
import { Connection } from "../common/connection";
import { JSONScalar } from "../common/scalars";
import { CONTAINS_DESCRIPTION, CreatedRangeFilter } from "./created-range.filter";
import { IntegrationProvider } from "./resource-enums";
import { integrationResource } from "../../resources/integration.resource";
import { CreateField } from "./create-field";

const CONFIG_DESCRIPTION =
  'A JSON object (at most 16 KiB). Values under keys named like secret, token, password or apiKey (any case, any depth) are write-only: they read back as "********", and sending "********" back keeps the stored value.';

@ObjectType({ description: "A connection to another system. Every field but `id` needs integrations:read." })
@Directive(permission("INTEGRATIONS", "READ"))
export class Integration {
  @Field(() => ID)
  id: string;

  @Field(() => IntegrationProvider)
  provider: IntegrationProvider;

  @Field()
  name: string;

  @Field()
  enabled: boolean;

  @Field(() => JSONScalar, { nullable: true, description: CONFIG_DESCRIPTION })
  config: unknown;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class IntegrationConnection extends Connection(Integration, "Integration") {}

@InputType({ description: "Only the fields given change; `config` replaces the stored one (null removes it)." })
export class UpdateIntegrationInput {
  @Field(() => IntegrationProvider, { nullable: true })
  provider?: IntegrationProvider | null;

  @Field(() => String, { nullable: true, description: "1–100 characters." })
  @ShortText(100)
  name?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => JSONScalar, { nullable: true, description: CONFIG_DESCRIPTION })
  config?: unknown;
}

/** The update's fields and rules; only what a new integration must have, and its default, are redeclared. */
@InputType()
export class CreateIntegrationInput extends UpdateIntegrationInput {
  @CreateField(integrationResource, "provider", () => IntegrationProvider)
  declare provider: IntegrationProvider;

  @CreateField(integrationResource, "name", () => String, { description: "1–100 characters." })
  declare name: string;

  @CreateField(integrationResource, "enabled", () => Boolean)
  declare enabled?: boolean | null;
}

@InputType()
export class IntegrationFilter extends CreatedRangeFilter {
  @Field(() => [IntegrationProvider], { nullable: true })
  provider?: IntegrationProvider[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: `Name: ${CONTAINS_DESCRIPTION}` })
  @SearchText()
  nameContains?: string | null;
}
