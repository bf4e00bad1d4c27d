import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema, isObjectType } from "graphql";

/** The key every object built by the read planner carries; no alias can spell it. */
export const PLANNED = "$";

/**
 * Lets the types the read planner builds resolve from a planned value: such a value already holds
 * every selected field under its response key (aliases included), so its fields read that key.
 * Anything else (entities, pages of the TypeORM path) goes to the field's own resolver, unchanged.
 */
export function servePlannedValues(schema: GraphQLSchema, typeNames: ReadonlySet<string>): GraphQLSchema {
  for (const name of typeNames) {
    const type = schema.getType(name);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) =>
        source !== null && typeof source === "object" && source[PLANNED] === true
          ? source[info.path.key]
          : resolve(source, args, context, info);
    }
  }
  return schema;
}
