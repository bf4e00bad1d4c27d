import { DocumentNode, getNamedType, GraphQLObjectType, GraphQLResolveInfo, Kind, OperationDefinitionNode } from "graphql";
import { LRUCache } from "lru-cache";
import { DataSource } from "typeorm";
import { conditionVariables } from "../auth/operation-analysis";
import { PreparedStatement, runPrepared, statementName } from "../db/prepared-query";
import { isUuid } from "../common/pagination";
import { NO_CURSOR, pageSizeLiteral, ParamGroup, PlanCompiler, Post, RootPage, Unplannable } from "./read-planner";
import { ReadCatalog, READ_TYPES } from "./read-catalog";
import { filterConditions } from "./resource-filters";
import type { CheckedListArgs } from "./resource.service";

/** Returned when the planner does not serve a field: the caller takes the TypeORM path. */
export const NOT_PLANNED = Symbol("not planned");

interface ReadPlan extends PreparedStatement {
  /** The prepared statement's name (see runPrepared); null once a session refused it. */
  name?: string | null;
  groups: ParamGroup[];
  post: Post | null;
}

interface CachedOperation {
  conditionVariables: string[];
  /** By root response key, `@skip`/`@include` values and filter shape; null: not plannable. */
  plans: Map<string, ReadPlan | null>;
}

const MAX_OPERATIONS = 1000;
const MAX_VARIANTS = 64;
/**
 * What the cached plans may weigh, as estimated by planWeight: 64 variants of 1,000 operations at ~15 KB each
 * reached ~1 GB. The least recently used operations make room.
 */
export const PLAN_CACHE_BYTES = 16 * 1024 * 1024;

/** A plan's weight: its SQL text and the closures compiled beside it (an estimate: four bytes a character). */
export function planWeight(plan: ReadPlan | null): number {
  return 1024 + (plan ? 4 * plan.sql.length : 0);
}

function operationWeight(cached: CachedOperation): number {
  let bytes = 1024;
  for (const plan of cached.plans.values()) bytes += planWeight(plan);
  return bytes;
}

/**
 * The resources' read path: a list or by-id query is answered by one SQL statement planned from
 * its selection (see PlanCompiler), run on the pool without hydrating entities. Plans are cached
 * per operation document (bounded LRU) as the permission analysis is, which has already allowed
 * the operation before any of this runs. A selection the planner does not cover, or arguments it
 * leaves to the resolvers' checks, answers NOT_PLANNED.
 */
export class ReadPath {
  private readonly catalog: ReadCatalog;
  private readonly cache = new LRUCache<OperationDefinitionNode, CachedOperation>({
    max: MAX_OPERATIONS,
    maxSize: PLAN_CACHE_BYTES,
    sizeCalculation: operationWeight,
  });
  /** Off, every read takes the TypeORM path: tests compare the two paths' answers with it. */
  enabled = true;

  constructor(private readonly db: DataSource) {
    this.catalog = new ReadCatalog(db);
  }

  async list(type: string, workspaceId: string, { page, filter }: CheckedListArgs, info: GraphQLResolveInfo): Promise<unknown> {
    if (!this.enabled) return NOT_PLANNED;
    const rules = READ_TYPES[type].definition.filters;
    const values: unknown[] = [];
    const conditions = filterConditions("x", rules, filter, (v) => `$${1 + values.push(v)}`);
    // The page size and whether there is a cursor are part of the statement's text (see PagePlaceholders).
    const shape = `${conditions.join(" AND ")}\u0000${page.first}\u0000${page.after ? "after" : ""}`;
    const plan = this.plan(info, shape, () => {
      const compiler = new PlanCompiler(info, this.catalog, 2 + values.length);
      const where = (alias: string) => {
        let n = 1;
        return [`${alias}.workspace_id = $1`, ...filterConditions(alias, rules, filter, () => `$${++n}`)];
      };
      const connection = getNamedType(info.returnType) as GraphQLObjectType;
      const compiled = compiler.connection(connection, info.fieldNodes, this.catalog.table(type), where, () => {
        const first = pageSizeLiteral(page.first);
        if (!page.after) return { first, at: null, id: null };
        const [at, id] = compiler.bind(2, (_variables, root) => (root.after ? [root.after.at, root.after.id] : [...NO_CURSOR]));
        return { first, at, id };
      });
      return { sql: `SELECT ${compiled.sql} AS r`, groups: compiler.groups, post: compiled.post };
    });
    return plan ? this.run(plan, [workspaceId, ...values], info, page) : NOT_PLANNED;
  }

  async one(type: string, workspaceId: string, id: string, info: GraphQLResolveInfo): Promise<unknown> {
    if (!this.enabled) return NOT_PLANNED;
    if (!isUuid(id)) return null;
    const plan = this.plan(info, "", () => {
      const compiler = new PlanCompiler(info, this.catalog, 3);
      const node = compiler.node(getNamedType(info.returnType) as GraphQLObjectType, info.fieldNodes, "x");
      return {
        sql: `SELECT ${node.sql} AS r FROM ${this.catalog.table(type)} x WHERE x.workspace_id = $1 AND x.id = $2`,
        groups: compiler.groups,
        post: node.post,
      };
    });
    return plan ? this.run(plan, [workspaceId, id], info, {}) : NOT_PLANNED;
  }

  private plan(info: GraphQLResolveInfo, shape: string, compile: () => ReadPlan): ReadPlan | null {
    let cached = this.cache.get(info.operation);
    if (!cached) {
      const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] };
      cached = { conditionVariables: conditionVariables(document), plans: new Map() };
      this.cache.set(info.operation, cached);
    }
    const conditions = cached.conditionVariables.length
      ? JSON.stringify(cached.conditionVariables.map((v) => info.variableValues[v] ?? null))
      : "";
    const key = `${info.path.key}\u0000${conditions}\u0000${shape}`;
    let plan = cached.plans.get(key);
    if (plan === undefined) {
      plan = compileOrNull(compile);
      if (plan) plan.name = statementName("read");
      if (cached.plans.size >= MAX_VARIANTS) cached.plans.clear();
      cached.plans.set(key, plan);
      // A new entry object, so the cache weighs the operation again with its new plan.
      this.cache.set(info.operation, { ...cached });
    }
    return plan;
  }

  private async run(plan: ReadPlan, fixed: unknown[], info: GraphQLResolveInfo, root: RootPage): Promise<unknown> {
    const params = fixed;
    try {
      for (const group of plan.groups) params.push(...group(info.variableValues, root));
    } catch (error) {
      if (error instanceof Unplannable) return NOT_PLANNED;
      throw error;
    }
    const { rows } = await runPrepared<{ r: unknown }>(this.db, plan, params);
    const value = rows.length ? rows[0].r : null;
    if (value !== null && plan.post) plan.post(value);
    return value;
  }
}

function compileOrNull(compile: () => ReadPlan): ReadPlan | null {
  try {
    return compile();
  } catch (error) {
    if (error instanceof Unplannable) return null;
    throw error;
  }
}
