import { Field, InputType, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "At most `limit` requests per `windowSeconds`; over it the key gets HTTP 429 RATE_LIMITED." })
export class RateLimit {
  @Field(() => Int)
  limit: number;

  @Field(() => Int)
  windowSeconds: number;
}

@InputType({ description: "limit 1–1,000,000 requests; windowSeconds 1–86,400." })
export class RateLimitInput {
  @Field(() => Int)
  limit: number;

  @Field(() => Int)
  windowSeconds: number;
}
