import { Field, ID, InputType, ObjectType } from "type-graphql";
import { MemberRole } from "../../auth/member-role";
import { Connection } from "../common/connection";
import { PrincipalKind } from "../common/enums";
import { ApiKey } from "../keys/api-key.types";

@ObjectType()
export class Workspace {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;
}

@ObjectType()
export class Member {
  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field(() => MemberRole)
  role: MemberRole;

  @Field()
  createdAt: Date;
}

@ObjectType()
export class MemberConnection extends Connection(Member, "Member") {}

@ObjectType({ description: "A member's sign-in. `token` is shown once; send it as `Authorization: Bearer <token>`." })
export class Session {
  @Field()
  token: string;

  @Field()
  expiresAt: Date;

  @Field(() => Member)
  member: Member;

  @Field(() => Workspace)
  workspace: Workspace;
}

@ObjectType({ description: "Who is calling, and in which workspace." })
export class Viewer {
  @Field(() => PrincipalKind)
  kind: PrincipalKind;

  @Field(() => Workspace)
  workspace: Workspace;

  @Field(() => Member, { nullable: true })
  member: Member | null;

  @Field(() => ApiKey, { nullable: true })
  apiKey: ApiKey | null;
}

@InputType()
export class SignUpInput {
  @Field({ description: "1–100 characters after trimming." })
  workspaceName: string;

  @Field()
  email: string;

  @Field({ description: "At least 12 characters." })
  password: string;
}

@InputType()
export class CreateMemberInput {
  @Field()
  email: string;

  @Field({ description: "At least 12 characters." })
  password: string;

  @Field(() => MemberRole)
  role: MemberRole;
}
