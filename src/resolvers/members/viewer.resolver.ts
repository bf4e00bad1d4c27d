import { Ctx, Query, Resolver } from "type-graphql";
import { GraphQLContext, principalOf } from "../common/context";
import { PrincipalKind } from "../common/enums";
import { Viewer } from "./member.types";

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: "Who is calling (a member or an API key) and in which workspace." })
  async viewer(@Ctx() ctx: GraphQLContext) {
    const principal = principalOf(ctx);
    const workspace = await ctx.services.members.workspace(principal.workspaceId);
    if (principal.kind === "MEMBER") {
      return { kind: PrincipalKind.MEMBER, workspace, member: await ctx.loaders.member.load(principal.memberId), apiKey: null };
    }
    return { kind: PrincipalKind.API_KEY, workspace, member: null, apiKey: await ctx.loaders.apiKey.load(principal.apiKeyId) };
  }
}
