import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "Requests made with a key, exact to the minute." })
export class UsageCounts {
  @Field(() => Int)
  last24h: number;

  @Field(() => Int)
  last7d: number;

  @Field(() => Int)
  last30d: number;
}
