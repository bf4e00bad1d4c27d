import { ArgsType, Field, Int } from "type-graphql";
import { checkedPageArgs } from "../../common/pagination";
import { CallParent } from "../../resources/resource-relations";
import { DEFAULT_PAGE_SIZE } from "../../resources/resource.service";
import { GraphQLContext } from "../common/context";

/**
 * `calls(first, after)` on agents, contacts and leads: the same page rules as the top-level lists.
 * Declared in the order the schema has always printed them (`after`, then `first`).
 */
@ArgsType()
export class CallPageArgs {
  @Field(() => String, { nullable: true })
  after: string | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE })
  first: number | null;
}

/** One page of the calls whose `parent` column is `id`, batched with the other parents of the request. */
export function callsOf(ctx: GraphQLContext, parent: CallParent, id: string, { first, after }: CallPageArgs) {
  return ctx.loaders.resources.callsOf(parent, checkedPageArgs(first, after, DEFAULT_PAGE_SIZE)).load(id);
}
