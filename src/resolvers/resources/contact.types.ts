import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { Email, PhoneNumber, SearchText, ShortText } from "../../resources/resource-rules";
import { Connection } from "../common/connection";
import { CONTAINS_DESCRIPTION, CreatedRangeFilter } from "./created-range.filter";
import { contactResource } from "../../resources/contact.resource";
import { CreateField } from "./create-field";

@ObjectType({ description: "A person the workspace talks to. Every field but `id` needs contacts:read." })
@Directive(permission("CONTACTS", "READ"))
export class Contact {
  @Field(() => ID)
  id: string;

  @Field()
  firstName: string;

  @Field(() => String, { nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true, description: "E.164, e.g. +14155550123." })
  phone: string | null;

  @Field(() => String, { nullable: true })
  company: string | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

@ObjectType()
export class ContactConnection extends Connection(Contact, "Contact") {}

@InputType({ description: "Only the fields given change; null clears a nullable field." })
export class UpdateContactInput {
  @Field(() => String, { nullable: true, description: "1–100 characters." })
  @ShortText(100)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @ShortText(100)
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @Email()
  email?: string | null;

  @Field(() => String, { nullable: true, description: "E.164, e.g. +14155550123." })
  @PhoneNumber()
  phone?: string | null;

  @Field(() => String, { nullable: true })
  @ShortText(200)
  company?: string | null;
}

/** The update's fields and rules; only what a new contact must have is redeclared. */
@InputType()
export class CreateContactInput extends UpdateContactInput {
  @CreateField(contactResource, "firstName", () => String, { description: "1–100 characters." })
  declare firstName: string;
}

@InputType()
export class ContactFilter extends CreatedRangeFilter {
  @Field(() => String, { nullable: true, description: `"firstName lastName": ${CONTAINS_DESCRIPTION}` })
  @SearchText()
  nameContains?: string | null;
}
