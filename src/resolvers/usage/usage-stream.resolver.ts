import { Arg, Ctx, Directive, FieldResolver, ID, Resolver, Root, Subscription } from "type-graphql";
import { costBudgetOf, creditsOf } from "../keys/spend-fields";
import { CostBudget, Credits } from "../keys/spend.types";
import { membersOnly } from "../../auth/access-directives";
import { ApiKeyEntity } from "../../entities/api-key.entity";
import { GraphQLContext, liveStream, memberOf } from "../common/context";
import type { UsageCountsValue } from "../../usage/usage-reader";
import { UsageEventMessage, UsageOutcome } from "../../usage/usage-event";
import type { UsageUpdateRoot } from "../../usage/key-usage-feed";
import { apiKeyUsageStream, usageEventsStream } from "../../usage/usage-streams";
import { UsageUpdate } from "./usage-update.types";
import { UsageEvent } from "./usage.types";

interface UsageArgs {
  apiKeyId?: string | null;
  outcomes?: UsageOutcome[] | null;
}

/** Live usage for security staff, over graphql-ws; scoped to the subscriber's workspace. */
@Resolver()
export class UsageStreamResolver {
  @Subscription(() => UsageUpdate, {
    description:
      "The key's current counters first, then a message whenever they change (at most one per key per second). Without apiKeyId: changes of every key of your workspace.",
    subscribe: ({ args, context }) =>
      liveStream(context, apiKeyUsageStream(context.services, memberOf(context), (args as UsageArgs).apiKeyId)),
  })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  async apiKeyUsage(
    @Root() update: UsageUpdateRoot,
    @Ctx() ctx: GraphQLContext,
    @Arg("apiKeyId", () => ID, { nullable: true }) _apiKeyId: string | null,
  ): Promise<{ apiKey: ApiKeyEntity; usage: UsageCountsValue; lastUsedAt: Date | null }> {
    // One context serves the whole subscription: nested fields (apiKey { usage }) must not reuse
    // what earlier messages loaded.
    ctx.loaders.apiKey.clearAll();
    ctx.loaders.usage.clearAll();
    ctx.loaders.lastUsedAt.clearAll();
    ctx.loaders.spend.clearAll();
    // Every subscriber of this key woken by the same change shares this one read of it.
    const { apiKey, usage, lastUsedAt } = await update.snapshot;
    // The topic is routed by workspace, so the key is always found; the guard is for a deleted one.
    if (!apiKey) throw new Error(`usage update for a key that is gone: ${update.apiKeyId}`);
    return { apiKey, usage, lastUsedAt };
  }

  @Subscription(() => UsageEvent, {
    description: "Every request made with a key of your workspace as it is recorded, REJECTED ones (expired or revoked keys) included.",
    subscribe: ({ args, context }) =>
      liveStream(
        context,
        usageEventsStream(context.services, memberOf(context), (args as UsageArgs).apiKeyId, (args as UsageArgs).outcomes),
      ),
  })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  usageEvents(
    @Root() event: UsageEventMessage,
    @Arg("apiKeyId", () => ID, { nullable: true }) _apiKeyId: string | null,
    @Arg("outcomes", () => [UsageOutcome], { nullable: true }) _outcomes: UsageOutcome[] | null,
  ): UsageEvent {
    return { ...event, occurredAt: new Date(event.occurredAt) };
  }
}

/** A usage update's budget and credits, read when the update is sent, so the console shows both live. */
@Resolver(() => UsageUpdate)
export class UsageUpdateResolver {
  @FieldResolver(() => CostBudget, { nullable: true })
  costBudget(@Root() update: { apiKey: ApiKeyEntity }, @Ctx() ctx: GraphQLContext): Promise<CostBudget | null> {
    return costBudgetOf(ctx, update.apiKey);
  }

  @FieldResolver(() => Credits, { nullable: true })
  credits(@Root() update: { apiKey: ApiKeyEntity }, @Ctx() ctx: GraphQLContext): Promise<Credits | null> {
    return creditsOf(ctx, update.apiKey);
  }
}
