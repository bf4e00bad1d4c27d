import { getNamedType, GraphQLObjectType, GraphQLResolveInfo } from "graphql";
import { Arg, ClassType, Ctx, Directive, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { ResourceRecord } from "../../resources/resource-definition";
import { ResourceServices } from "../../resources/resource-services";
import { CheckedListArgs, DEFAULT_PAGE_SIZE, ResourceService } from "../../resources/resource.service";
import { GraphQLContext, principalOf } from "../common/context";
import { createAndRead, plannedRootValue, registerPlannedCreate, registerPlannedRoot, takeCreateRefusal } from "./planned-roots";

/** The GraphQL names and types of one resource (docs/API.md, "Resources"). */
export interface ResourceSchema {
  /** `Resource` enum name for `@permission`, e.g. "CALLS". */
  resource: string;
  /** Singular field name, e.g. "call"; the type is its capitalised form. */
  one: string;
  /** Plural field name, e.g. "calls". */
  many: string;
  /** Type name, e.g. "Call". */
  type: ClassType;
  connection: ClassType;
  createInput: ClassType;
  updateInput: ClassType;
  filter: ClassType;
  service: keyof Omit<ResourceServices, "reads">;
}

/**
 * The five operations every resource has, generated once: `xs`, `x` (READ), `createX`, `updateX`,
 * `deleteX` (WRITE), each carrying its `@permission` in the SDL. Permissions are decided before
 * execution (`server/operation-checks.ts`); these resolvers only scope to the caller's workspace.
 * Every read, a mutation's result included, is planned from the selection into one statement (the
 * resources' read path); writes go through the service, and a create's result is read in the
 * statement that inserts it (`ReadPath.inserted`).
 */
export function createResourceResolver(s: ResourceSchema) {
  const name = s.type.name;
  registerPlannedRoot(s.many, { kind: "list", type: name, service: s.service, filter: s.filter });
  registerPlannedRoot(s.one, { kind: "one", type: name, service: s.service });
  registerPlannedCreate(`create${name}`, { type: name, service: s.service, input: s.createInput });
  const service = (ctx: GraphQLContext) => ctx.services.resources[s.service] as unknown as ResourceService<ResourceRecord>;
  /** This field (`info`) read by the planner: a page of the list, or the record `id` (null when it is not the workspace's). */
  const read = (
    ctx: GraphQLContext,
    info: GraphQLResolveInfo,
    workspaceId: string,
    root: { kind: "list"; args: CheckedListArgs } | { kind: "one"; id: string },
  ) =>
    ctx.services.resources.reads.field(info, workspaceId, {
      ...root,
      type: name,
      key: info.path.key as string,
      fieldNodes: info.fieldNodes,
      returnType: getNamedType(info.returnType) as GraphQLObjectType,
    });

  @Resolver()
  abstract class ResourceResolverBase {
    @Query(() => s.connection, { name: s.many, description: `${name} records of your workspace, newest first.` })
    @Directive(permission(s.resource, "READ"))
    async list(
      @Ctx() ctx: GraphQLContext,
      @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: "0–100." }) first: number | null,
      @Arg("after", () => String, { nullable: true, description: "The endCursor of the previous page." }) after: string | null,
      @Arg("filter", () => s.filter, { nullable: true }) filter: object | null,
      @Info() info: GraphQLResolveInfo,
    ) {
      const workspaceId = principalOf(ctx).workspaceId;
      const batched = await plannedRootValue(ctx, info, ctx.services.resources, workspaceId);
      if (batched !== undefined) return batched;
      return read(ctx, info, workspaceId, { kind: "list", args: await service(ctx).checkListArgs({ first, after, filter }) });
    }

    @Query(() => s.type, { name: s.one, nullable: true, description: "Null when the id is not one of your workspace's records." })
    @Directive(permission(s.resource, "READ"))
    async one(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string, @Info() info: GraphQLResolveInfo) {
      const workspaceId = principalOf(ctx).workspaceId;
      const batched = await plannedRootValue(ctx, info, ctx.services.resources, workspaceId);
      return batched !== undefined ? batched : read(ctx, info, workspaceId, { kind: "one", id });
    }

    @Mutation(() => s.type, { name: `create${name}` })
    @Directive(permission(s.resource, "WRITE"))
    async create(@Ctx() ctx: GraphQLContext, @Arg("input", () => s.createInput) input: object, @Info() info: GraphQLResolveInfo) {
      const held = takeCreateRefusal(ctx);
      if (held) throw held.error;
      const root = {
        type: name,
        key: info.path.key as string,
        fieldNodes: info.fieldNodes,
        returnType: getNamedType(info.returnType) as GraphQLObjectType,
      };
      return createAndRead(ctx.services.resources, s.service, info, principalOf(ctx).workspaceId, root, input as Record<string, unknown>);
    }

    @Mutation(() => s.type, { name: `update${name}`, description: "Only the fields given change." })
    @Directive(permission(s.resource, "WRITE"))
    async update(
      @Ctx() ctx: GraphQLContext,
      @Arg("id", () => ID) id: string,
      @Arg("input", () => s.updateInput) input: object,
      @Info() info: GraphQLResolveInfo,
    ) {
      const workspaceId = principalOf(ctx).workspaceId;
      const updated = await service(ctx).update(workspaceId, id, input as Record<string, unknown>);
      return read(ctx, info, workspaceId, { kind: "one", id: updated.id });
    }

    @Mutation(() => ID, { name: `delete${name}`, description: "Returns the deleted record's id." })
    @Directive(permission(s.resource, "WRITE"))
    remove(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string) {
      return service(ctx).delete(principalOf(ctx).workspaceId, id);
    }
  }
  return ResourceResolverBase;
}
