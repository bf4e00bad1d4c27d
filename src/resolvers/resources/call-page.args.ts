import { ArgsType, Field, Int } from "type-graphql";
import { DEFAULT_PAGE_SIZE } from "../../resources/resource.service";

/**
 * `calls(first, after)` on agents, contacts and leads: the same page rules as the top-level lists,
 * applied by the read planner. Declared in the order the schema has always printed them (`after`, then `first`).
 */
@ArgsType()
export class CallPageArgs {
  @Field(() => String, { nullable: true })
  after: string | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE })
  first: number | null;
}
