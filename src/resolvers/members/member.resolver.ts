import { Arg, Ctx, Directive, Int, Mutation, Query, Resolver } from "type-graphql";
import { membersOnly, publicOperation } from "../../auth/access-directives";
import { checkedPageArgs, MEMBER_LIST_PAGE_SIZE } from "../../common/pagination";
import { GraphQLContext, memberOf } from "../common/context";
import { CreateMemberInput, Member, MemberConnection, Session, SignUpInput } from "./member.types";

@Resolver()
export class MemberResolver {
  @Query(() => MemberConnection, { description: "Members of your workspace, newest first." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  members(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const page = checkedPageArgs(first, after, MEMBER_LIST_PAGE_SIZE);
    return ctx.services.members.list(memberOf(ctx).workspaceId, page);
  }

  @Mutation(() => Session, { description: "Creates a workspace and its first ADMIN, and signs them in." })
  @Directive(publicOperation)
  signUp(@Ctx() ctx: GraphQLContext, @Arg("input", () => SignUpInput) input: SignUpInput) {
    return ctx.services.members.signUp(input, { ip: ctx.meta.ip });
  }

  @Mutation(() => Session, { description: 'A failed sign-in says only "invalid email or password".' })
  @Directive(publicOperation)
  signIn(@Ctx() ctx: GraphQLContext, @Arg("email") email: string, @Arg("password") password: string) {
    return ctx.services.members.signIn(email, password, { ip: ctx.meta.ip });
  }

  @Mutation(() => Boolean, { description: "Ends this session at once." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  signOut(@Ctx() ctx: GraphQLContext) {
    return ctx.services.members.signOut(memberOf(ctx));
  }

  @Mutation(() => Member)
  @Directive(membersOnly("ADMIN"))
  createMember(@Ctx() ctx: GraphQLContext, @Arg("input", () => CreateMemberInput) input: CreateMemberInput) {
    return ctx.services.members.createMember(memberOf(ctx), input, { ip: ctx.meta.ip });
  }
}
