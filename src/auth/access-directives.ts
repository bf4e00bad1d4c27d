import {
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLSchema,
  specifiedDirectives,
} from "graphql";
import { MemberRole } from "./member-role";
import { Access, Resource } from "./resource";

/**
 * The SDL directives that declare who may touch what. They are declared on the schema here and
 * applied with type-graphql's `@Directive` on types and fields; `permission-map.ts` reads them back
 * from the built schema, so the printed `schema.graphql` is the one reviewed permission surface.
 */
export const PERMISSION = "permission";
export const MEMBERS = "members";
export const PUBLIC = "public";

/** `@permission(resource: CALLS, access: READ)` as an SDL string, for type-graphql's `@Directive`. */
export const permission = (resource: string, access: "READ" | "WRITE") => `@${PERMISSION}(resource: ${resource}, access: ${access})`;
export const membersOnly = (...roles: ("ADMIN" | "SECURITY")[]) => `@${MEMBERS}(roles: [${roles.join(", ")}])`;
export const publicOperation = `@${PUBLIC}`;

/**
 * The schema's own enum when a field already uses it (a second one of the same name would clash),
 * else one made from the TypeScript enum: `Access` appears only in the directive.
 */
function enumType(schema: GraphQLSchema, name: string, values: Record<string, string>, added: GraphQLEnumType[]): GraphQLEnumType {
  const existing = schema.getType(name);
  if (existing) return existing as GraphQLEnumType;
  const created = new GraphQLEnumType({ name, values: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])) });
  added.push(created);
  return created;
}

export function withAccessDirectives(schema: GraphQLSchema): GraphQLSchema {
  const added: GraphQLEnumType[] = [];
  const resource = enumType(schema, "Resource", Resource, added);
  const access = enumType(schema, "Access", Access, added);
  const role = enumType(schema, "MemberRole", MemberRole, added);
  const directives = [
    new GraphQLDirective({
      name: PERMISSION,
      description: "Marks what a field, or every field of a type but `id`, needs of an API key.",
      isRepeatable: true,
      locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
      args: { resource: { type: new GraphQLNonNull(resource) }, access: { type: new GraphQLNonNull(access) } },
    }),
    new GraphQLDirective({
      name: MEMBERS,
      description: "Only members of these roles may run this operation; API keys are refused with FORBIDDEN.",
      locations: [DirectiveLocation.FIELD_DEFINITION],
      args: { roles: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(role))) } },
    }),
    new GraphQLDirective({
      name: PUBLIC,
      description: "This operation runs without credentials. Every other root field needs a valid token.",
      locations: [DirectiveLocation.FIELD_DEFINITION],
      args: {},
    }),
  ];
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: [...config.types, ...added], directives: [...specifiedDirectives, ...directives] });
}
