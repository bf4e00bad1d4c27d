import { Arg, Ctx, Directive, ID, Int, Query, Resolver } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import { MEMBER_LIST_PAGE_SIZE, readPageArgs } from "../../common/pagination";
import { FieldErrors } from "../../common/validation";
import { GraphQLContext, memberOf } from "../common/context";
import { UsageOutcome } from "../../usage/usage-event";
import { checkedKey } from "../../usage/usage-streams";
import { UsageEventConnection } from "./usage.types";

/** The stored side of `usageEvents`: a live table starts from it and re-reads it after a reconnect. */
@Resolver()
export class UsageEventLogResolver {
  @Query(() => UsageEventConnection, {
    description:
      "Stored usage events of your workspace, newest first, within USAGE_RETENTION_DAYS; narrowed like the usageEvents subscription.",
  })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  async usageEventLog(
    @Ctx() ctx: GraphQLContext,
    @Arg("apiKeyId", () => ID, { nullable: true }) apiKeyId: string | null,
    @Arg("outcomes", () => [UsageOutcome], { nullable: true }) outcomes: UsageOutcome[] | null,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const member = memberOf(ctx);
    const errors = new FieldErrors();
    errors.check(!outcomes || outcomes.length > 0, "outcomes", "must name at least one outcome, or be left out for all");
    const page = readPageArgs(first, after, errors, MEMBER_LIST_PAGE_SIZE);
    // Malformed is bad input; a key of another workspace reads like an unknown one (NOT_FOUND).
    const keyId = await checkedKey(ctx.services, member, apiKeyId, errors);
    errors.throwIfAny();
    return ctx.services.usage.eventLog.list(member.workspaceId, { apiKeyId: keyId, outcomes: outcomes ?? undefined }, page);
  }
}
