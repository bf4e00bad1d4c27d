import {
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { PermissionMap } from "../../src/auth/permission-map";
import { GrantMask } from "../../src/auth/resource";

/** An id no record has, in the right shape. */
export const ABSENT_ID = "00000000-0000-4000-8000-000000000000";

const SCALARS: Record<string, string> = {
  ID: JSON.stringify(ABSENT_ID),
  String: '"x"',
  Int: "1",
  Float: "1",
  Boolean: "true",
  DateTime: '"2026-01-01T00:00:00.000Z"',
  JSON: "{}",
};

/** A literal of `type` that passes GraphQL validation (only required input fields are filled). */
export function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isScalarType(type)) {
    if (!(type.name in SCALARS)) throw new Error(`no sample literal for scalar ${type.name}`);
    return SCALARS[type.name];
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type)}`).join(", ")} }`;
  }
  throw new Error(`unexpected input type ${String(type)}`);
}

function call(field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined);
  return required.length ? `${field.name}(${required.map((a) => `${a.name}: ${literal(a.type)}`).join(", ")})` : field.name;
}

interface Step {
  type: GraphQLObjectType;
  field: GraphQLField<unknown, unknown>;
}

export interface MatrixOperation {
  /** `Type.field` the operation exists to select. */
  target: string;
  query: string;
  /** Every grant the selection needs: the target's and those of the fields leading to it. */
  needed: GrantMask;
}

/**
 * For a (type, field) of the schema, the shortest operation that selects it, starting from a root
 * field any authenticated caller may run (not member-only). Null when no such path exists (e.g.
 * subscription-only types: API keys never subscribe).
 */
export function operationFor(schema: GraphQLSchema, map: PermissionMap, typeName: string, fieldName: string): MatrixOperation | null {
  const mutation = schema.getMutationType();
  const roots: GraphQLObjectType[] = typeName === mutation?.name ? [mutation] : [schema.getQueryType()!];
  const target = schema.getType(typeName);
  if (!isObjectType(target)) return null;
  const path = shortestPath(map, roots[0], target);
  if (!path) return null;
  const field = target.getFields()[fieldName];
  const steps = [...path, { type: target, field }];
  let needed = 0;
  for (const s of steps) needed |= map.field(s.type.name, s.field.name)?.mask ?? 0;
  let selection = isCompositeType(getNamedType(field.type)) ? `${call(field)} { __typename }` : call(field);
  for (const s of [...path].reverse()) selection = `${call(s.field)} { ${selection} }`;
  const keyword = roots[0] === mutation ? "mutation" : "query";
  return { target: `${typeName}.${fieldName}`, query: `${keyword} Matrix { ${selection} }`, needed };
}

function shortestPath(map: PermissionMap, root: GraphQLObjectType, target: GraphQLObjectType): Step[] | null {
  if (root === target) return [];
  const queue: { type: GraphQLObjectType; path: Step[] }[] = [{ type: root, path: [] }];
  const seen = new Set([root.name]);
  while (queue.length) {
    const { type, path } = queue.shift()!;
    for (const field of Object.values(type.getFields())) {
      const rule = map.field(type.name, field.name)?.rule;
      if (rule && rule.kind !== "authenticated") continue; // member-only or public roots are not what keys run
      const named = getNamedType(field.type);
      if (!isObjectType(named) || seen.has(named.name)) continue;
      const next = [...path, { type, field }];
      if (named === target) return next;
      seen.add(named.name);
      queue.push({ type: named, path: next });
    }
  }
  return null;
}
