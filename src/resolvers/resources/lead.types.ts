import { Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { Email, LongText, PhoneNumber, Score, SearchText, ShortText } from "../../resources/resource-rules";
import { Connection } from "../common/connection";
import { CONTAINS_DESCRIPTION, CreatedRangeFilter } from "./created-range.filter";
import { LeadStatus } from "./resource-enums";
import { leadResource } from "../../resources/lead.resource";
import { CreateField } from "./create-field";

@ObjectType({ description: "A sales opportunity. Every field but `id` needs leads:read." })
@Directive(permission("LEADS", "READ"))
export class Lead {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  phone: string | null;

  @Field(() => LeadStatus)
  status: LeadStatus;

  @Field(() => String, { nullable: true })
  source: string | null;

  @Field(() => Int, { nullable: true, description: "0–100." })
  score: number | null;

  @Field(() => String, { nullable: true })
  notes: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class LeadConnection extends Connection(Lead, "Lead") {}

@InputType({ description: "Only the fields given change; null clears a nullable field." })
export class UpdateLeadInput {
  @Field(() => String, { nullable: true, description: "1–200 characters." })
  @ShortText(200)
  name?: string | null;

  @Field(() => String, { nullable: true })
  @Email()
  email?: string | null;

  @Field(() => String, { nullable: true, description: "E.164, e.g. +14155550123." })
  @PhoneNumber()
  phone?: string | null;

  @Field(() => LeadStatus, { nullable: true })
  status?: LeadStatus | null;

  @Field(() => String, { nullable: true })
  @ShortText(100)
  source?: string | null;

  @Field(() => Int, { nullable: true, description: "0–100." })
  @Score()
  score?: number | null;

  @Field(() => String, { nullable: true, description: "At most 10,000 characters." })
  @LongText(10000)
  notes?: string | null;

  @Field(() => ID, { nullable: true, description: "A contact of your workspace." })
  contactId?: string | null;
}

/** The update's fields and rules; only what a new lead must have, and its defaults, are redeclared. */
@InputType()
export class CreateLeadInput extends UpdateLeadInput {
  @CreateField(leadResource, "name", () => String, { description: "1–200 characters." })
  declare name: string;

  @CreateField(leadResource, "status", () => LeadStatus)
  declare status?: LeadStatus | null;
}

@InputType()
export class LeadFilter extends CreatedRangeFilter {
  @Field(() => [LeadStatus], { nullable: true, description: "Any of these statuses." })
  status?: LeadStatus[] | null;

  @Field(() => ID, { nullable: true })
  contactId?: string | null;

  @Field(() => String, { nullable: true, description: `Name: ${CONTAINS_DESCRIPTION}` })
  @SearchText()
  nameContains?: string | null;
}
