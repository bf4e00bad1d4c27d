import { Field, ID, ObjectType } from "type-graphql";
import { AuditAction } from "../../entities/audit-entry.entity";
import { Connection } from "../common/connection";
import { JSONScalar } from "../common/scalars";

@ObjectType({ description: "One step in the life of a member or key. Never carries a secret." })
export class AuditEntry {
  @Field(() => ID)
  id: string;

  @Field()
  occurredAt: Date;

  @Field(() => AuditAction)
  action: AuditAction;

  @Field(() => ID, { nullable: true })
  targetId: string | null;

  @Field(() => JSONScalar, { nullable: true })
  details: Record<string, unknown> | null;
}

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry, "AuditEntry") {}
