import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import { RESOURCES } from "../../auth/resource";
import { checkedPageArgs, MEMBER_LIST_PAGE_SIZE } from "../../common/pagination";
import { ApiKeyEntity } from "../../entities/api-key.entity";
import type { TrustedOperationEntity } from "../../entities/trusted-operation.entity";
import { apiKeyStatus, ApiKeyStatus, rateLimitOf } from "../../keys/api-key-rules";
import { policyViolations } from "../../keys/workspace-policy";
import { perRequest } from "./per-request";
import { TrustedOperation } from "./trusted-operation.types";
import { GraphQLContext, memberOf } from "../common/context";
import { Member } from "../members/member.types";
import { UsageCounts } from "../usage/usage.types";
import { RateLimit } from "./rate-limit.types";
import { costBudgetOf, creditsOf } from "./spend-fields";
import { CostBudget, Credits } from "./spend.types";
import {
  ApiKey,
  ApiKeyConnection,
  CreateApiKeyInput,
  CreatedApiKey,
  GRACE_ARGUMENT_DESCRIPTION,
  Permission,
  UpdateApiKeyInput,
} from "./api-key.types";

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, {
    description: "Keys of your workspace, newest first. `status: [ACTIVE]` is the live list; `[REVOKED, EXPIRED]` the audit section.",
  })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  async apiKeys(
    @Ctx() ctx: GraphQLContext,
    @Arg("status", () => [ApiKeyStatus], { nullable: true }) status: ApiKeyStatus[] | null,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const page = checkedPageArgs(first, after, MEMBER_LIST_PAGE_SIZE);
    return ctx.services.apiKeys.list(memberOf(ctx).workspaceId, status, page);
  }

  @Query(() => ApiKey, { nullable: true, description: "Null when the id is not a key of your workspace." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  apiKey(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string) {
    return ctx.services.apiKeys.get(memberOf(ctx).workspaceId, id);
  }

  @Mutation(() => CreatedApiKey)
  @Directive(membersOnly("ADMIN"))
  createApiKey(@Ctx() ctx: GraphQLContext, @Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput) {
    return ctx.services.apiKeys.create(memberOf(ctx), input);
  }

  @Mutation(() => ApiKey, { description: "ACTIVE keys only." })
  @Directive(membersOnly("ADMIN"))
  updateApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateApiKeyInput) input: UpdateApiKeyInput,
  ) {
    return ctx.services.apiKeys.update(memberOf(ctx), id, input);
  }

  @Mutation(() => ApiKey, { description: "Permanent. Revoking again changes nothing." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  revokeApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
  ) {
    return ctx.services.apiKeys.revoke(memberOf(ctx), id, reason);
  }

  @Mutation(() => CreatedApiKey, { description: "A new key with the same name, permissions and expiry." })
  @Directive(membersOnly("ADMIN"))
  rotateApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg("id", () => ID) id: string,
    @Arg("gracePeriodSeconds", () => Int, { defaultValue: 0, nullable: true, description: GRACE_ARGUMENT_DESCRIPTION }) gracePeriodSeconds:
      | number
      | null,
  ) {
    return ctx.services.apiKeys.rotate(memberOf(ctx), id, gracePeriodSeconds);
  }

  @Mutation(() => ApiKey, {
    description:
      "Changes a key's credit balance alone: exactly one of set (the new balance) or add (a change, may be negative); ACTIVE keys with credits only.",
  })
  @Directive(membersOnly("ADMIN"))
  adjustCredits(
    @Ctx() ctx: GraphQLContext,
    @Arg("id", () => ID) id: string,
    @Arg("set", () => Int, { nullable: true }) set: number | null,
    @Arg("add", () => Int, { nullable: true }) add: number | null,
  ) {
    return ctx.services.apiKeys.adjustCredits(memberOf(ctx), id, set, add);
  }

  @FieldResolver(() => CostBudget, { nullable: true })
  costBudget(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<CostBudget | null> {
    return costBudgetOf(ctx, key);
  }

  @FieldResolver(() => Credits, { nullable: true })
  credits(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<Credits | null> {
    return creditsOf(ctx, key);
  }

  @FieldResolver(() => ApiKeyStatus)
  status(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): ApiKeyStatus {
    return apiKeyStatus(key, ctx.services.clock.now());
  }

  @FieldResolver(() => [Permission])
  async permissions(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<Permission[]> {
    const grants = key.grants ?? (await ctx.loaders.grants.load(key.id));
    return [...grants]
      .sort((a, b) => RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource))
      .map((g) => ({ resource: g.resource, read: g.read, write: g.write }));
  }

  @FieldResolver(() => Member, { nullable: true })
  createdBy(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext) {
    return memberSeenBy(ctx, key.createdById);
  }

  @FieldResolver(() => RateLimit, { nullable: true })
  rateLimit(@Root() key: ApiKeyEntity): RateLimit | null {
    return rateLimitOf(key);
  }

  @FieldResolver(() => Member, { nullable: true })
  revokedBy(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext) {
    return memberSeenBy(ctx, key.revokedById);
  }

  @FieldResolver(() => UsageCounts)
  usage(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<UsageCounts> {
    return ctx.loaders.usage.load(key.id);
  }

  @FieldResolver(() => [TrustedOperation], { nullable: true })
  async trustedOperations(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<TrustedOperation[] | null> {
    if (key.trustedOperationIds === null) return null;
    const ids = key.trustedOperationIds;
    const operations = await perRequest(ctx).trustedOperations.loadMany(ids.map((id) => ({ workspaceId: key.workspaceId, id })));
    return operations.filter((op): op is TrustedOperationEntity => op !== null && !(op instanceof Error));
  }

  @FieldResolver(() => [String])
  async policyViolations(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    if (apiKeyStatus(key, ctx.services.clock.now()) !== ApiKeyStatus.ACTIVE) return [];
    return policyViolations(await perRequest(ctx).policy(key.workspaceId), key);
  }

  @FieldResolver(() => Date, { nullable: true })
  lastUsedAt(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return ctx.loaders.lastUsedAt.load(key.id);
  }
}

/**
 * A member named on a key, as the caller may see it: an API key (reading itself through `viewer`)
 * sees no member, so no key can read the e-mail of the admin who made it; members see the member.
 */
function memberSeenBy(ctx: GraphQLContext, memberId: string | null | undefined) {
  return memberId && ctx.principal?.kind === "MEMBER" ? ctx.loaders.member.load(memberId) : null;
}
