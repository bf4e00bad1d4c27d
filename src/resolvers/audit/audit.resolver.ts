import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import { checkedPageArgs, decodeSeqCursor, MEMBER_LIST_PAGE_SIZE } from "../../common/pagination";
import { AuditEntryEntity } from "../../entities/audit-entry.entity";
import { GraphQLContext, memberOf } from "../common/context";
import { Member } from "../members/member.types";
import { AuditEntry, AuditEntryConnection } from "./audit.types";

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: "The workspace's audit trail, newest first." })
  @Directive(membersOnly("ADMIN", "SECURITY"))
  auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { defaultValue: MEMBER_LIST_PAGE_SIZE, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const page = checkedPageArgs(first, after, MEMBER_LIST_PAGE_SIZE, decodeSeqCursor);
    return ctx.services.audit.list(memberOf(ctx).workspaceId, page);
  }

  @FieldResolver(() => Member, { nullable: true })
  actor(@Root() entry: AuditEntryEntity, @Ctx() ctx: GraphQLContext) {
    return entry.actorId ? ctx.loaders.member.load(entry.actorId) : null;
  }
}
