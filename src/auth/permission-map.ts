import { ConstDirectiveNode, GraphQLEnumType, GraphQLField, GraphQLObjectType, GraphQLSchema, isObjectType, Kind } from "graphql";
import { MemberRole } from "./member-role";
import { MEMBERS, PERMISSION, PUBLIC } from "./access-directives";
import { Access, grantBit, GrantMask, Resource } from "./resource";

/** Who may run a root field, beyond the grants its selection needs. */
export type RootRule = { kind: "public" } | { kind: "authenticated" } | { kind: "members"; roles: ReadonlySet<MemberRole> };

export interface FieldPermission {
  /** Grants needed to select this field: the field's own `@permission`s plus its type's (except on `id`). */
  mask: GrantMask;
  rule?: RootRule;
}

/**
 * The schema's access directives compiled once into bit masks per (type, field), so analysing an
 * operation never reads a directive again.
 */
export class PermissionMap {
  private readonly fields = new Map<string, Map<string, FieldPermission>>();
  private readonly resourceValues: Map<string, Resource>;
  private readonly accessValues: Map<string, Access>;

  constructor(readonly schema: GraphQLSchema) {
    this.resourceValues = enumValues<Resource>(schema, "Resource");
    this.accessValues = enumValues<Access>(schema, "Access");
    const roots = new Set(
      [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name),
    );
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__")) continue;
      this.fields.set(type.name, this.compileType(type, roots.has(type.name)));
    }
  }

  field(typeName: string, fieldName: string): FieldPermission | undefined {
    return this.fields.get(typeName)?.get(fieldName);
  }

  /** Every (type, field) with a non-zero mask: what the permission matrix test walks. */
  *entries(): Iterable<{ type: string; field: string; mask: GrantMask }> {
    for (const [type, fields] of this.fields) for (const [field, p] of fields) if (p.mask) yield { type, field, mask: p.mask };
  }

  private compileType(type: GraphQLObjectType, isRoot: boolean): Map<string, FieldPermission> {
    const typeMask = this.masksOf(type.astNode?.directives);
    const result = new Map<string, FieldPermission>();
    for (const field of Object.values(type.getFields())) {
      const own = this.masksOf(field.astNode?.directives);
      const mask = own | (field.name === "id" ? 0 : typeMask);
      result.set(field.name, { mask, rule: isRoot ? this.ruleOf(field) : undefined });
    }
    return result;
  }

  private masksOf(directives: readonly ConstDirectiveNode[] | undefined): GrantMask {
    let mask = 0;
    for (const d of directives ?? []) {
      if (d.name.value !== PERMISSION) continue;
      const resource = this.resourceValues.get(argument(d, "resource"));
      const access = this.accessValues.get(argument(d, "access"));
      if (!resource || !access)
        throw new Error(
          `@permission with an unknown resource or access: ${JSON.stringify(d.loc?.source.body.slice(d.loc.start, d.loc.end))}`,
        );
      mask |= grantBit(resource, access);
    }
    return mask;
  }

  private ruleOf(field: GraphQLField<unknown, unknown>): RootRule {
    const directives = field.astNode?.directives ?? [];
    if (directives.some((d) => d.name.value === PUBLIC)) return { kind: "public" };
    const members = directives.find((d) => d.name.value === MEMBERS);
    if (!members) return { kind: "authenticated" };
    const roles = members.arguments?.find((a) => a.name.value === "roles")?.value;
    const names = roles?.kind === Kind.LIST ? roles.values.map((v) => (v.kind === Kind.ENUM ? v.value : "")) : [];
    return { kind: "members", roles: new Set(names.filter((n): n is MemberRole => n in MemberRole) as MemberRole[]) };
  }
}

function argument(directive: ConstDirectiveNode, name: string): string {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM ? value.value : "";
}

function enumValues<T>(schema: GraphQLSchema, name: string): Map<string, T> {
  const type = schema.getType(name) as GraphQLEnumType;
  return new Map(type.getValues().map((v) => [v.name, v.value as T]));
}
