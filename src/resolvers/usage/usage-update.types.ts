import { Field, ObjectType } from "type-graphql";
import { ApiKey } from "../keys/api-key.types";
import { UsageCounts } from "./usage.types";

// Apart from usage.types.ts, which api-key.types.ts imports: this one imports ApiKey.
@ObjectType({ description: "A key's counters after they changed." })
export class UsageUpdate {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field(() => UsageCounts)
  usage: UsageCounts;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;
}
