import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { membersOnly } from "../../auth/access-directives";
import { decodeSeqCursor, readPageArgs } from "../../common/pagination";
import { FieldErrors } from "../../common/validation";
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
    @Arg("first", () => Int, { defaultValue: 50, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    const errors = new FieldErrors();
    const page = readPageArgs(first, after, errors, 50, decodeSeqCursor);
    errors.throwIfAny();
    return ctx.services.audit.list(memberOf(ctx).workspaceId, page);
  }

  @FieldResolver(() => Member, { nullable: true })
  actor(@Root() entry: AuditEntryEntity, @Ctx() ctx: GraphQLContext) {
    return entry.actorId ? ctx.loaders.member.load(entry.actorId) : null;
  }
}
