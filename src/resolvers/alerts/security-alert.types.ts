import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { SecurityAlertKind } from "../../entities/security-alert.entity";
import { Connection } from "../common/connection";
import { JSONScalar } from "../common/scalars";
import { ApiKey } from "../keys/api-key.types";

registerEnumType(SecurityAlertKind, {
  name: "SecurityAlertKind",
  description: 'Why an alert was raised; each kind\'s condition is in docs/API.md, "Security alerts".',
});

@ObjectType({ description: "Something security staff should look at, about one key. Raised once however many instances run." })
export class SecurityAlert {
  @Field(() => ID)
  id: string;

  @Field(() => SecurityAlertKind)
  kind: SecurityAlertKind;

  @Field(() => ApiKey, { nullable: true, description: "The key concerned (null only if it was deleted)." })
  apiKey: ApiKey | null;

  @Field()
  occurredAt: Date;

  @Field({ description: 'One human sentence, e.g. "Key \\"CRM Integration\\" expires in 7 days".' })
  message: string;

  @Field(() => JSONScalar, { nullable: true, description: "Kind-specific facts: addresses, counts, the url of a leak report." })
  details: Record<string, unknown> | null;
}

@ObjectType()
export class SecurityAlertConnection extends Connection(SecurityAlert, "SecurityAlert") {}
