import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema, isObjectType } from "graphql";

/** How every field of a planned type resolves: the planned value holds it under its response key (aliases included). */
export const readPlanned: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) =>
  (source as Record<string, unknown>)[info.path.key];

/**
 * The body of a field declared by a type-graphql `@FieldResolver` (a relation, a field with
 * arguments) that the read planner serves: `servePlannedValues` replaces it, so it never runs.
 */
export function servedByPlanner(): never {
  throw new Error("served by the read planner: see servePlannedValues");
}

/**
 * Makes the types the read planner builds (`typeNames`) read every field from the planned value,
 * the only source of their values: each field reads its response key. `PageInfo` is shared with
 * the members' lists, whose pages are built in the process by field name: there it reads its
 * response key only under a planned connection (`plannedParents`).
 */
export function servePlannedValues(schema: GraphQLSchema, typeNames: ReadonlySet<string>): GraphQLSchema {
  for (const name of typeNames) {
    const type = schema.getType(name);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) field.resolve = readPlanned;
  }
  const pageInfo = schema.getType("PageInfo");
  if (isObjectType(pageInfo))
    for (const field of Object.values(pageInfo.getFields()))
      field.resolve = (source, args, context, info) =>
        typeNames.has(info.path.prev?.typename ?? "")
          ? readPlanned(source, args, context, info)
          : defaultFieldResolver(source, args, context, info);
  return schema;
}
