import { Field, InputType } from "type-graphql";

/**
 * The part every resource filter has: a created-at range, both ends inclusive. Registered so its
 * fields are inherited; it is never used as a type itself, so it does not appear in the schema.
 */
@InputType("CreatedRangeFilter")
export class CreatedRangeFilter {
  @Field(() => Date, { nullable: true, description: "Only records created at or after this instant." })
  createdFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: "Only records created at or before this instant." })
  createdTo?: Date | null;
}

export const CONTAINS_DESCRIPTION = "Case-insensitive substring match (at most 200 characters).";
