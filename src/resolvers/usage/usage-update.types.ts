import { Field, ObjectType } from "type-graphql";
import { ApiKey } from "../keys/api-key.types";
import { CostBudget, Credits } from "../keys/spend.types";
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

  @Field(() => CostBudget, { nullable: true, description: "The key's budget and its bucket's level; null without a budget." })
  costBudget: CostBudget | null;

  @Field(() => Credits, { nullable: true, description: "The key's credits as they are now; null without credits." })
  credits: Credits | null;
}
