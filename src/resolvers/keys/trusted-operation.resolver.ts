import { Arg, Ctx, Directive, Int, Mutation, Query, Resolver } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import { checkedPageArgs, decodeSeqCursor, MEMBER_LIST_PAGE_SIZE } from "../../common/pagination";
import { GraphQLContext, memberOf } from "../common/context";
import { TrustedOperation, TrustedOperationConnection, WorkspacePolicy, WorkspacePolicyInput } from "./trusted-operation.types";

/** The workspace's trusted operations and its policy for keys (docs/API.md, "Trusted operations", "Workspace policy"). */
@Resolver(() => TrustedOperation)
export class TrustedOperationResolver {
  @Query(() => TrustedOperationConnection, { description: "The workspace's trusted operations, newest first." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  trustedOperations(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const page = checkedPageArgs(first, after, MEMBER_LIST_PAGE_SIZE, decodeSeqCursor);
    return ctx.services.trustedOperations.list(memberOf(ctx).workspaceId, page);
  }

  @Mutation(() => [TrustedOperation], {
    description:
      "Trusts 1–100 documents (each ≤ 100 KiB, one operation, valid and within every query limit); one entry per document, in order. A document trusted already answers its existing entry.",
  })
  @Directive(membersOnly("ADMIN"))
  addTrustedOperations(@Ctx() ctx: GraphQLContext, @Arg("documents", () => [String]) documents: string[]) {
    if (!ctx.checkDocument) throw new Error("no document check in this context");
    return ctx.services.trustedOperations.add(memberOf(ctx), documents, ctx.checkDocument);
  }

  @Query(() => WorkspacePolicy)
  @Directive(membersOnly("ADMIN", "SECURITY"))
  workspacePolicy(@Ctx() ctx: GraphQLContext) {
    return ctx.services.policy.get(memberOf(ctx).workspaceId);
  }

  @Mutation(() => WorkspacePolicy, { description: "Audited with { from, to }. Keys that break a stricter policy keep working." })
  @Directive(membersOnly("ADMIN"))
  updateWorkspacePolicy(@Ctx() ctx: GraphQLContext, @Arg("input", () => WorkspacePolicyInput) input: WorkspacePolicyInput) {
    return ctx.services.policy.update(memberOf(ctx), input);
  }
}
