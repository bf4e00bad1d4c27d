import { Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { CallTime, LongText, PhoneNumber } from "../../resources/resource-rules";
import { Connection } from "../common/connection";
import { CreatedRangeFilter } from "./created-range.filter";
import { CallDirection, CallStatus } from "./resource-enums";
import { callResource } from "../../resources/call.resource";
import { CreateField } from "./create-field";

@ObjectType({ description: "One phone call. Every field but `id` needs calls:read." })
@Directive(permission("CALLS", "READ"))
export class Call {
  @Field(() => ID)
  id: string;

  @Field(() => CallDirection)
  direction: CallDirection;

  @Field(() => CallStatus)
  status: CallStatus;

  @Field({ description: "E.164." })
  fromNumber: string;

  @Field({ description: "E.164." })
  toNumber: string;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt: Date | null;

  @Field(() => Int, { nullable: true, description: "Whole seconds from startedAt to endedAt when both are set." })
  durationSeconds: number | null;

  @Field(() => String, { nullable: true })
  summary: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class CallConnection extends Connection(Call, "Call") {}

@InputType({ description: "Only the fields given change; null clears a nullable field." })
export class UpdateCallInput {
  @Field(() => ID, { nullable: true, description: "An agent of your workspace." })
  agentId?: string | null;

  @Field(() => CallDirection, { nullable: true })
  direction?: CallDirection | null;

  @Field(() => String, { nullable: true, description: "E.164, e.g. +14155550123." })
  @PhoneNumber()
  fromNumber?: string | null;

  @Field(() => String, { nullable: true, description: "E.164, e.g. +14155550123." })
  @PhoneNumber()
  toNumber?: string | null;

  @Field(() => CallStatus, { nullable: true })
  status?: CallStatus | null;

  @Field(() => Date, { nullable: true, description: "From 1970-01-01 to 2099-12-31 (UTC)." })
  @CallTime()
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: "Not before startedAt, at most 7 days after it; from 1970-01-01 to 2099-12-31 (UTC)." })
  @CallTime()
  endedAt?: Date | null;

  @Field(() => String, { nullable: true, description: "At most 10,000 characters." })
  @LongText(10000)
  summary?: string | null;

  @Field(() => ID, { nullable: true, description: "A contact of your workspace." })
  contactId?: string | null;

  @Field(() => ID, { nullable: true, description: "A lead of your workspace." })
  leadId?: string | null;
}

/** The update's fields and rules; only what a new call must have, and its defaults, are redeclared. */
@InputType()
export class CreateCallInput extends UpdateCallInput {
  @CreateField(callResource, "agentId", () => ID, { description: "An agent of your workspace." })
  declare agentId: string;

  @CreateField(callResource, "direction", () => CallDirection)
  declare direction: CallDirection;

  @CreateField(callResource, "fromNumber", () => String, { description: "E.164, e.g. +14155550123." })
  declare fromNumber: string;

  @CreateField(callResource, "toNumber", () => String, { description: "E.164, e.g. +14155550123." })
  declare toNumber: string;

  @CreateField(callResource, "status", () => CallStatus)
  declare status?: CallStatus | null;
}

@InputType()
export class CallFilter extends CreatedRangeFilter {
  @Field(() => [CallStatus], { nullable: true, description: "Any of these statuses." })
  status?: CallStatus[] | null;

  @Field(() => [CallDirection], { nullable: true })
  direction?: CallDirection[] | null;

  @Field(() => ID, { nullable: true })
  agentId?: string | null;

  @Field(() => ID, { nullable: true })
  contactId?: string | null;

  @Field(() => ID, { nullable: true })
  leadId?: string | null;
}
