import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import type { SecurityAlertMessage } from "../../usage/bus-messages";
import { MEMBER_LIST_PAGE_SIZE, readPageArgs } from "../../common/pagination";
import { FieldErrors } from "../../common/validation";
import { SecurityAlertKind } from "../../entities/security-alert.entity";
import { GraphQLContext, liveStream, memberOf } from "../common/context";
import { ApiKey } from "../keys/api-key.types";
import { SecurityAlert, SecurityAlertConnection } from "./security-alert.types";

interface AlertRoot {
  id: string;
  kind: SecurityAlertKind;
  apiKeyId: string | null;
  occurredAt: Date;
  message: string;
  details: Record<string, unknown> | null;
}

@Resolver(() => SecurityAlert)
export class SecurityAlertResolver {
  @Query(() => SecurityAlertConnection, { description: "Security alerts of your workspace, newest first, optionally of some kinds only." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  securityAlerts(
    @Ctx() ctx: GraphQLContext,
    @Arg("kinds", () => [SecurityAlertKind], { nullable: true }) kinds: SecurityAlertKind[] | null,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const errors = new FieldErrors();
    const page = readPageArgs(first, after, errors, MEMBER_LIST_PAGE_SIZE);
    errors.check(!kinds || kinds.length > 0, "kinds", "must name at least one kind, or be left out for all");
    errors.throwIfAny();
    return ctx.services.alerts.service.list(memberOf(ctx).workspaceId, kinds, page);
  }

  @Subscription(() => SecurityAlert, {
    name: "securityAlerts",
    description: "Each security alert of your workspace as it is raised, on every instance.",
    subscribe: ({ args, context }) =>
      liveStream(
        context,
        context.services.alerts.service.stream(memberOf(context), (args as { kinds?: SecurityAlertKind[] | null }).kinds),
      ),
  })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  securityAlertStream(
    @Root() alert: SecurityAlertMessage,
    @Ctx() ctx: GraphQLContext,
    @Arg("kinds", () => [SecurityAlertKind], { nullable: true }) _kinds: SecurityAlertKind[] | null,
  ): AlertRoot {
    // One context serves the whole subscription: each message reads its key afresh.
    ctx.loaders.apiKey.clearAll();
    return { ...alert, occurredAt: new Date(alert.occurredAt) };
  }

  @FieldResolver(() => ApiKey, { nullable: true })
  apiKey(@Root() alert: AlertRoot, @Ctx() ctx: GraphQLContext) {
    return alert.apiKeyId ? ctx.loaders.apiKey.load(alert.apiKeyId) : null;
  }
}
