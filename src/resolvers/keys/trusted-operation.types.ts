import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "../common/connection";

@ObjectType({
  description: "A document the workspace trusts: keys held to a list run only these; anyone may send its id instead of its text.",
})
export class TrustedOperation {
  @Field(() => ID, { description: "`sha256:` + the lowercase hex SHA-256 of the document's exact UTF-8 bytes." })
  id: string;

  @Field(() => String, { nullable: true, description: "The operation's name; null for an anonymous operation." })
  name: string | null;

  @Field()
  document: string;

  @Field()
  createdAt: Date;
}

@ObjectType()
export class TrustedOperationConnection extends Connection(TrustedOperation, "TrustedOperation") {}

@ObjectType({
  description: "What the workspace demands of its keys. Keys made before a stricter policy keep working and list their policyViolations.",
})
export class WorkspacePolicy {
  @Field(() => Int, { nullable: true, description: "The longest a key may live (expiresAt − createdAt), in days; null: no limit." })
  maxKeyLifetimeDays: number | null;

  @Field({ description: "Every key must have an expiry." })
  requireExpiry: boolean;

  @Field({ description: "Every key must have allowedCidrs." })
  requireAllowedCidrs: boolean;

  @Field({ description: "Every key must be held to trusted operations." })
  requireTrustedOperations: boolean;
}

@InputType({ description: "Only the fields given change; a Boolean may not be null." })
export class WorkspacePolicyInput {
  @Field(() => Int, { nullable: true, description: "1–3,650 days; null removes the limit." })
  maxKeyLifetimeDays?: number | null;

  @Field(() => Boolean, { nullable: true })
  requireExpiry?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  requireAllowedCidrs?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  requireTrustedOperations?: boolean | null;
}
