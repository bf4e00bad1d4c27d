import { GraphQLResolveInfo } from "graphql";
import { Arg, ClassType, Ctx, Directive, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";
import { permission } from "../../auth/access-directives";
import { ResourceRecord } from "../../resources/resource-definition";
import { NOT_PLANNED } from "../../resources/read-path";
import { ResourceServices } from "../../resources/resource-services";
import { DEFAULT_PAGE_SIZE, ResourceService } from "../../resources/resource.service";
import { GraphQLContext, principalOf } from "../common/context";

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
  service: keyof Omit<ResourceServices, "relations" | "reads">;
}

/**
 * The five operations every resource has, generated once: `xs`, `x` (READ), `createX`, `updateX`,
 * `deleteX` (WRITE), each carrying its `@permission` in the SDL. Permissions are decided before
 * execution (`server/operation-checks.ts`); these resolvers only scope to the caller's workspace. Reads
 * go through the read planner (one statement from the selection) and take the service's TypeORM
 * path for whatever it does not plan.
 */
export function createResourceResolver(s: ResourceSchema) {
  const name = s.type.name;
  const service = (ctx: GraphQLContext) => ctx.services.resources[s.service] as unknown as ResourceService<ResourceRecord>;

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
      const args = await service(ctx).checkListArgs({ first, after, filter });
      const planned = await ctx.services.resources.reads.list(name, workspaceId, args, info);
      return planned === NOT_PLANNED ? service(ctx).listChecked(workspaceId, args) : planned;
    }

    @Query(() => s.type, { name: s.one, nullable: true, description: "Null when the id is not one of your workspace's records." })
    @Directive(permission(s.resource, "READ"))
    async one(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string, @Info() info: GraphQLResolveInfo) {
      const workspaceId = principalOf(ctx).workspaceId;
      const planned = await ctx.services.resources.reads.one(name, workspaceId, id, info);
      return planned === NOT_PLANNED ? service(ctx).get(workspaceId, id) : planned;
    }

    @Mutation(() => s.type, { name: `create${name}` })
    @Directive(permission(s.resource, "WRITE"))
    create(@Ctx() ctx: GraphQLContext, @Arg("input", () => s.createInput) input: object) {
      return service(ctx).create(principalOf(ctx).workspaceId, input as Record<string, unknown>);
    }

    @Mutation(() => s.type, { name: `update${name}`, description: "Only the fields given change." })
    @Directive(permission(s.resource, "WRITE"))
    update(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string, @Arg("input", () => s.updateInput) input: object) {
      return service(ctx).update(principalOf(ctx).workspaceId, id, input as Record<string, unknown>);
    }

    @Mutation(() => ID, { name: `delete${name}`, description: "Returns the deleted record's id." })
    @Directive(permission(s.resource, "WRITE"))
    remove(@Ctx() ctx: GraphQLContext, @Arg("id", () => ID) id: string) {
      return service(ctx).delete(principalOf(ctx).workspaceId, id);
    }
  }
  return ResourceResolverBase;
}
