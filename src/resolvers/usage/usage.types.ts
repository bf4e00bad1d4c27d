import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Resource } from "../../auth/resource";
import { UsageOutcome } from "../../usage/usage-event";
import { UsageGranularity } from "../../usage/usage-reader";
import { Connection } from "../common/connection";

registerEnumType(UsageGranularity, { name: "UsageGranularity", description: "Bucket size of a usage series; buckets are aligned to UTC." });
registerEnumType(UsageOutcome, {
  name: "UsageOutcome",
  description: "How a metered request ended. REJECTED (an expired or revoked key) is streamed but never counted in usage.",
});

@ObjectType({ description: "Requests made with a key, exact to the minute." })
export class UsageCounts {
  @Field(() => Int)
  last24h: number;

  @Field(() => Int)
  last7d: number;

  @Field(() => Int)
  last30d: number;
}

@ObjectType({ description: "One bucket of a usage series; empty buckets read 0." })
export class UsagePoint {
  @Field({ description: "Start of the bucket (UTC)." })
  start: Date;

  @Field(() => Int, { description: "Requests counted in the bucket, forbidden ones included." })
  count: number;

  @Field(() => Int, { description: "Of those, refused for a missing permission." })
  forbidden: number;
}

@ObjectType({ description: "One request made with a key, as it was recorded." })
export class UsageEvent {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  apiKeyId: string;

  @Field()
  occurredAt: Date;

  @Field({ description: "query, mutation or subscription." })
  operationType: string;

  @Field(() => String, { nullable: true })
  operationName: string | null;

  @Field(() => [Resource], { description: "Resources the operation touched, from its permission analysis." })
  resources: Resource[];

  @Field(() => UsageOutcome)
  outcome: UsageOutcome;

  @Field(() => Int, { nullable: true })
  durationMs: number | null;
}

@ObjectType()
export class UsageEventConnection extends Connection(UsageEvent, "UsageEvent") {}
