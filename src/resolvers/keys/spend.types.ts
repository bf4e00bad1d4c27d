import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { RefillInterval } from "../../entities/api-key-spend.entity";

registerEnumType(RefillInterval, {
  name: "RefillInterval",
  description: "DAILY: every day at 00:00 UTC. MONTHLY: at 00:00 UTC of dayOfMonth (the month's last day when it is shorter).",
});

@InputType({ description: "maximum 1–10,000,000 points; restorePerSecond 1–1,000,000." })
export class CostBudgetInput {
  @Field(() => Int)
  maximum: number;

  @Field(() => Int)
  restorePerSecond: number;
}

@ObjectType({
  description:
    "A bucket of cost points: each request takes its requested cost before it runs and gets back what it did not use; it refills at restorePerSecond up to maximum.",
})
export class CostBudget {
  @Field(() => Int)
  maximum: number;

  @Field(() => Int)
  restorePerSecond: number;

  @Field(() => Int, { description: "Whole points in the bucket now." })
  currentlyAvailable: number;
}

@InputType({ description: "amount 1–1,000,000,000; dayOfMonth 1–31, MONTHLY only (1 when omitted)." })
export class CreditsRefillInput {
  @Field(() => Int)
  amount: number;

  @Field(() => RefillInterval)
  interval: RefillInterval;

  @Field(() => Int, { nullable: true })
  dayOfMonth?: number | null;
}

@InputType({ description: "remaining 0–1,000,000,000; a refill sets remaining to its amount at each boundary." })
export class CreditsInput {
  @Field(() => Int)
  remaining: number;

  @Field(() => CreditsRefillInput, { nullable: true })
  refill?: CreditsRefillInput | null;
}

@ObjectType()
export class CreditsRefill {
  @Field(() => Int)
  amount: number;

  @Field(() => RefillInterval)
  interval: RefillInterval;

  @Field(() => Int, { nullable: true, description: "The day of a MONTHLY refill; null for DAILY." })
  dayOfMonth: number | null;
}

@ObjectType({ description: "Requests the key may still run: each request that reaches execution takes one." })
export class Credits {
  @Field(() => Int, { description: "Exact within 1 s on every instance." })
  remaining: number;

  @Field(() => CreditsRefill, { nullable: true })
  refill: CreditsRefill | null;

  @Field(() => Date, { nullable: true, description: "The boundary instant of the last refill." })
  lastRefillAt: Date | null;
}
