import { DocumentNode, FieldNode, GraphQLObjectType, Kind, OperationDefinitionNode } from "graphql";
import { LRUCache } from "lru-cache";
import type { Pool } from "pg";
import { DataSource } from "typeorm";
import { conditionVariables } from "../auth/operation-analysis";
import { isUuid } from "../common/pagination";
import { PreparedStatement, runPrepared, statementName } from "../db/prepared-query";
import {
  BadArguments,
  Compiled,
  NO_CURSOR,
  pageSizeLiteral,
  ParamGroup,
  PlanCompiler,
  Post,
  RunValues,
  SelectionContext,
  unlisted,
} from "./read-planner";
import { ReadCatalog, READ_TYPES } from "./read-catalog";
import { filterConditions } from "./resource-filters";
import { allFoundSql } from "./resource-references";
import type { CheckedListArgs, PlannedInsert } from "./resource.service";

/** One root field of an operation, as the read path plans it. */
export type RootRead = { key: string; fieldNodes: readonly FieldNode[]; returnType: GraphQLObjectType } & (
  | { kind: "list"; type: string; args: CheckedListArgs }
  | { kind: "one"; type: string; id: string }
  /** `__typename` at the root. */
  | { kind: "typename" }
);

/** An operation's selection as the planner reads it. */
export interface ReadOperation extends SelectionContext {
  operation: OperationDefinitionNode;
}

/** What a planned read answers: the `data` object's JSON text, and what it takes to send it as the API does. */
export interface PlannedRead {
  /** The `data` object as JSON text, fields keyed and ordered as the API writes them. */
  text: string;
  /** True when `text` is exactly the API's text (compact, nothing to change after parsing). */
  exact: boolean;
  /** Changes the parsed value (masks secrets, puts a refused argument's error in its field); null: nothing to change. */
  post: Post | null;
  /** True when some field holds a refusal: the answer has errors. */
  refused: boolean;
  /** With `countRows`: the rows each page read returned, summed over its parents. */
  pageRows: PageRowCounts;
}

/** The rows each page of a read returned, summed over its parents, as its statement counted them. */
export interface PageRowCounts {
  /** The pages read, by their field's response path (`agents.nodes.calls`); the same array for every read of a plan. */
  readonly pages: readonly string[];
  /** Their rows in the order of `pages`, as PostgreSQL writes them: `20,3` (`""` for none). */
  readonly counts: string;
}

/** The root field a create answers: the new record with its selection. */
export type CreatedRoot = { key: string; fieldNodes: readonly FieldNode[]; returnType: GraphQLObjectType; type: string };

/**
 * What `inserted` throws, before it writes anything, when asked for one statement whose value is
 * the answer as sent and its plan is not: a selection read after the write, or one holding a
 * refused argument (graphql-js answers that field's error).
 */
export class NotOneStatement extends Error {}

interface ReadPlan extends PreparedStatement {
  /** A create's plan whose selection reads the written table through a relation: it writes, then reads as every read does. */
  reread?: boolean;
  /** The prepared statement's name (see runPrepared); null once a session refused it. */
  name?: string | null;
  groups: ParamGroup[];
  post: Post | null;
  compact: boolean;
  refused: boolean;
  pages: string[];
}

interface CachedOperation {
  conditionVariables: string[];
  /** By root fields (their response keys, kinds and shapes) and `@skip`/`@include` values. */
  plans: Map<string, ReadPlan>;
}

const MAX_OPERATIONS = 1000;
const MAX_VARIANTS = 64;
/**
 * What the cached plans may weigh, as estimated by planWeight: 64 variants of 1,000 operations at ~15 KB each
 * reached ~1 GB. The least recently used operations make room.
 */
export const PLAN_CACHE_BYTES = 16 * 1024 * 1024;

/** A plan's weight: its SQL text and the closures compiled beside it (an estimate: four bytes a character). */
export function planWeight(plan: { sql: string } | null): number {
  return 1024 + (plan ? 4 * plan.sql.length : 0);
}

function operationWeight(cached: CachedOperation): number {
  let bytes = 1024;
  for (const plan of cached.plans.values()) bytes += planWeight(plan);
  return bytes;
}

/** `$."agents"."nodes"[*]`: every element of the lists (or the values) at that response path (lax: arrays on the way are walked). */
const jsonPathOf = (path: string) =>
  `$${path
    .split(".")
    .map((k) => `."${k}"`)
    .join("")}[*]`;

/** A nested page's rows summed over its parents, counted in the statement's JSON (`q.j`): its list's rows, or one per page object (see `unlisted`). */
function nestedRows(page: { path: string; list: string | null; first?: string }): string {
  if (page.list) return `jsonb_array_length(jsonb_path_query_array(q.j, '${jsonPathOf(page.list)}'))`;
  return `jsonb_array_length(jsonb_path_query_array(q.j, '${jsonPathOf(page.path)}')) * ${unlisted(page.first ?? "0")}`;
}

/**
 * The resources' only read path: every list, by-id read and relation of the six resources is
 * answered by one SQL statement planned from the selection (see PlanCompiler), run on the pool
 * without hydrating entities, that returns the response's `data` as JSON text. Plans are cached
 * per operation document (bounded LRU) as the permission analysis is, which has already allowed
 * the operation before any of this runs.
 */
export class ReadPath {
  private readonly catalog: ReadCatalog;
  private readonly cache = new LRUCache<OperationDefinitionNode, CachedOperation>({
    max: MAX_OPERATIONS,
    maxSize: PLAN_CACHE_BYTES,
    sizeCalculation: operationWeight,
  });

  constructor(
    private readonly db: DataSource,
    /** Where its statements run: `dedicatedPool` with generic plans. */
    private readonly pool: Pool,
  ) {
    this.catalog = new ReadCatalog(db);
  }

  /**
   * The root fields `roots` of the operation (each a list, a by-id read or `__typename`), in one
   * statement: their `data` object as JSON text. A nested page's arguments the API refuses are
   * answered in that field, as its error (`refused`). With `countRows`, the statement also counts
   * the rows each page returned (`pageRows`), over the JSON it built: that costs PostgreSQL a parse
   * of it (+30 % on agents × calls 10 × 10, about ×1.7 on 100 × 10), so only a caller that needs it asks.
   */
  async read(selection: ReadOperation, workspaceId: string, roots: readonly RootRead[], countRows = false): Promise<PlannedRead> {
    // A by-id read of something that is no id reads nothing: `null`, without a placeholder typed uuid failing.
    const effective = roots.map((root) => (root.kind === "one" && !isUuid(root.id) ? { ...root, id: NO_CURSOR[1] } : root));
    const run: RunValues = { variables: selection.variableValues, roots: effective };
    let plan = this.plan(selection, effective, countRows);
    let params: unknown[];
    try {
      params = this.params(plan, workspaceId, run);
    } catch (error) {
      if (!(error instanceof BadArguments)) throw error;
      // Refused arguments are rare (a client's mistake): that plan is compiled for these values, and not kept.
      plan = this.compile(selection, effective, true, countRows);
      params = this.params(plan, workspaceId, run);
    }
    const { rows } = await runPrepared<{ d: string }>(this.db, plan, params, this.pool);
    let text = rows[0].d;
    let counts = "";
    // Counted, the text starts with the rows of each page and a bar: `20,3|{…}`.
    if (plan.pages.length) {
      const bar = text.indexOf("|");
      counts = text.slice(0, bar);
      text = text.slice(bar + 1);
    }
    return { text, exact: plan.compact && !plan.post, post: plan.post, refused: plan.refused, pageRows: { pages: plan.pages, counts } };
  }

  /** One root field of the operation, as graphql-js executes it: the planned value, parsed (and fixed by the plan's `post`). */
  async field(selection: ReadOperation, workspaceId: string, root: RootRead): Promise<unknown> {
    const planned = await this.read(selection, workspaceId, [root]);
    const data = JSON.parse(planned.text) as Record<string, unknown>;
    planned.post?.(data);
    return data[root.key];
  }

  /**
   * A create in one statement: the references counted, the row inserted only when they are all
   * found (nothing written otherwise), and the new record's selection `root` read from the
   * inserted row (`RETURNING *`) with the relations the catalogue describes, as every read is.
   * Returns the value (null when nothing was written) and, per reference, whether it was found.
   * A statement does not see its own INSERT in other subqueries, so a selection that reads the
   * written table through a relation (`createCall { agent { calls … } }`) is read after the write.
   * With `oneStatement`, such a plan, or one holding a refused argument, throws NotOneStatement instead of running.
   */
  async inserted(
    selection: ReadOperation,
    workspaceId: string,
    root: CreatedRoot,
    insert: PlannedInsert,
    oneStatement = false,
  ): Promise<{ value: unknown; found: boolean[] }> {
    const columns = Object.keys(insert.row);
    const shape = `insert\u0000${root.key}\u0000${insert.table}\u0000${columns.join(",")}\u0000${insert.references.map((r) => r.table).join(",")}`;
    const run: RunValues = {
      variables: selection.variableValues,
      roots: [],
      write: [JSON.stringify(insert.row), ...insert.references.map((r) => r.ids)],
    };
    let plan = this.cached(selection, shape, () => this.compileInsert(selection, root, insert, columns, false));
    let params: unknown[];
    try {
      params = this.params(plan, workspaceId, run);
    } catch (error) {
      if (!(error instanceof BadArguments)) throw error;
      plan = this.compileInsert(selection, root, insert, columns, true);
      params = this.params(plan, workspaceId, run);
    }
    if (oneStatement && (plan.reread || plan.refused)) throw new NotOneStatement();
    const { rows } = await runPrepared<{ d: string | null; f: boolean[] }>(this.db, plan, params, this.pool);
    const { d, f } = rows[0];
    if (d === null || plan.reread) {
      const value = d === null ? null : await this.field(selection, workspaceId, { ...root, kind: "one", id: insert.id });
      return { value, found: f };
    }
    const value = JSON.parse(d) as unknown;
    plan.post?.(value);
    return { value, found: f };
  }

  private compileInsert(
    selection: ReadOperation,
    root: CreatedRoot,
    insert: PlannedInsert,
    columns: string[],
    inlineVariables: boolean,
    reread = false,
  ): ReadPlan {
    const compiler = new PlanCompiler(selection, this.catalog, 2, inlineVariables);
    const [row, ...ids] = compiler.bind(1 + insert.references.length, (run) => [...(run.write ?? [])]);
    const { items, post } = compiler.fields(root.returnType, root.fieldNodes, "x", root.key);
    // Written, then read: the statement only writes (its selection `{}`).
    if (compiler.tables.has(insert.table))
      return this.compileInsert(selection, { ...root, fieldNodes: [] }, insert, columns, inlineVariables, true);
    const found = insert.references.map((r, i) => allFoundSql(r.table, "$1", ids[i]));
    const names = columns.map((c) => `"${c}"`).join(", ");
    const sql = `WITH r AS (SELECT ARRAY[${found.join(", ")}]::boolean[] AS f),
      w AS (INSERT INTO "${insert.table}" (${names})
        SELECT ${columns.map((c) => `v."${c}"`).join(", ")} FROM json_populate_record(NULL::"${insert.table}", ${row}::json) v, r
        WHERE v.workspace_id = $1::uuid AND true = ALL(r.f) RETURNING *)
      SELECT ${compiler.object(items, "FROM w x")}::text AS d, r.f FROM r`;
    return { sql, groups: compiler.groups, post, compact: compiler.compact, refused: compiler.refused, pages: [], reread };
  }

  /**
   * Many records by id, each with the selection `fieldNodes` (e.g. `AgentStats.agent`), in one
   * statement: in the order of `ids`, null for an id that is not one of the workspace's records.
   */
  async many(
    selection: ReadOperation,
    workspaceId: string,
    type: GraphQLObjectType,
    fieldNodes: readonly FieldNode[],
    path: string,
    ids: readonly string[],
  ): Promise<unknown[]> {
    const plan = this.cached(selection, `many\u0000${path}`, () => {
      const compiler = new PlanCompiler(selection, this.catalog, 3);
      const { items, post } = compiler.fields(type, fieldNodes, "x", path);
      const object = compiler.object(items);
      return {
        sql: `SELECT coalesce(array_to_json(array_agg(CASE WHEN x.id IS NULL THEN NULL ELSE ${object} END ORDER BY u.i)), '[]'::json)::text AS d
          FROM unnest($2::uuid[]) WITH ORDINALITY u(id, i) LEFT JOIN ${this.catalog.table(type.name)} x ON x.workspace_id = $1 AND x.id = u.id`,
        groups: compiler.groups,
        post: post && ((list) => (list as unknown[]).forEach((o) => o !== null && post(o))),
        compact: compiler.compact,
        refused: compiler.refused,
        pages: [],
      };
    });
    const run: RunValues = { variables: selection.variableValues, roots: [] };
    const params = [workspaceId, ids.map((id) => (isUuid(id) ? id : NO_CURSOR[1])), ...plan.groups.flatMap((g) => g(run))];
    const { rows } = await runPrepared<{ d: string }>(this.db, plan, params, this.pool);
    const list = JSON.parse(rows[0].d) as unknown[];
    plan.post?.(list);
    return list;
  }

  private params(plan: ReadPlan, workspaceId: string, run: RunValues): unknown[] {
    const params: unknown[] = [workspaceId];
    for (const group of plan.groups) params.push(...group(run));
    return params;
  }

  private plan(selection: ReadOperation, roots: readonly RootRead[], countRows: boolean): ReadPlan {
    // The page size and whether there is a cursor are part of the statement's text (see PagePlaceholders), as is the filter's shape.
    const shape = roots
      .map((root) => {
        if (root.kind === "list") {
          const { page, filter } = root.args;
          const conditions = filterConditions("x", READ_TYPES[root.type].definition.filters, filter, () => "?");
          return `${root.key}\u0001list\u0001${conditions.join(" AND ")}\u0001${page.first}\u0001${page.after ? "after" : ""}`;
        }
        return `${root.key}\u0001${root.kind}`;
      })
      .join("\u0000");
    return this.cached(selection, `${countRows ? "n" : ""}\u0000${shape}`, () => this.compile(selection, roots, false, countRows));
  }

  private cached(selection: ReadOperation, shape: string, compile: () => ReadPlan): ReadPlan {
    const { operation } = selection;
    let cached = this.cache.get(operation);
    if (!cached) {
      const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(selection.fragments)] };
      cached = { conditionVariables: conditionVariables(document), plans: new Map() };
      this.cache.set(operation, cached);
    }
    const conditions = cached.conditionVariables.length
      ? JSON.stringify(cached.conditionVariables.map((v) => selection.variableValues[v] ?? null))
      : "";
    const key = `${conditions}\u0000${shape}`;
    let plan = cached.plans.get(key);
    if (plan === undefined) {
      plan = compile();
      plan.name = statementName("read");
      if (cached.plans.size >= MAX_VARIANTS) cached.plans.clear();
      cached.plans.set(key, plan);
      // A new entry object, so the cache weighs the operation again with its new plan.
      this.cache.set(operation, { ...cached });
    }
    return plan;
  }

  /** The statement reading `roots`: one row, its `data` object as text, after the rows of each page and a bar when counted (`20,3|{…}`). */
  private compile(selection: ReadOperation, roots: readonly RootRead[], inlineVariables: boolean, countRows: boolean): ReadPlan {
    const compiler = new PlanCompiler(selection, this.catalog, 2, inlineVariables);
    const items: [string, string][] = [];
    const posts: Post[] = [];
    // Root pages counted by their own aggregate: FROM items of one row each, read by the data object.
    const counted: string[] = [];
    const rootRows = new Map<string, string>();
    roots.forEach((root, index) => {
      if (root.kind === "typename") {
        items.push([root.key, `'${root.returnType.name}'`]);
        return;
      }
      const table = this.catalog.table(root.type);
      let compiled: Compiled & { counted?: string };
      if (root.kind === "one") {
        const [id] = compiler.bind(1, (run) => [(run.roots[index] as { id: string }).id]);
        const { items: fields, post } = compiler.fields(root.returnType, root.fieldNodes, "x", root.key);
        const found: Post | null = post && ((value) => value !== null && post(value));
        compiled = { sql: compiler.object(fields, `FROM ${table} x WHERE x.workspace_id = $1 AND x.id = ${id}::uuid`), post: found };
      } else {
        const { page, filter } = root.args;
        const rules = READ_TYPES[root.type].definition.filters;
        const count = countValues(rules, filter);
        const placeholders = count
          ? compiler.bind(count, (run) => {
              const values: unknown[] = [];
              filterConditions("x", rules, (run.roots[index] as { args: CheckedListArgs }).args.filter, (v) => `${values.push(v)}`);
              return values;
            })
          : [];
        const where = (alias: string) => {
          let n = 0;
          return [`${alias}.workspace_id = $1`, ...filterConditions(alias, rules, filter, () => placeholders[n++])];
        };
        compiled = compiler.connection(
          root.returnType,
          root.fieldNodes,
          table,
          where,
          () => {
            const first = pageSizeLiteral(page.first);
            if (!page.after) return { first, at: null, id: null };
            const [at, id] = compiler.bind(2, (run) => {
              const after = (run.roots[index] as { args: CheckedListArgs }).args.page.after;
              return after ? [after.at, after.id] : [...NO_CURSOR];
            });
            return { first, at, id };
          },
          root.key,
          countRows,
        );
        if (compiled.counted) {
          const r = `r${index}`;
          counted.push(`${compiled.counted} ${r}`);
          rootRows.set(root.key, `${r}.n`);
          items.push([root.key, `${r}.j`]);
          if (compiled.post) posts.push((data) => compiled.post!((data as Record<string, unknown>)[root.key]));
          return;
        }
      }
      items.push([root.key, compiled.sql]);
      const inner = compiled.post;
      if (inner) posts.push((data) => inner((data as Record<string, unknown>)[root.key]));
    });
    const data = compiler.object(items);
    const pages = countRows ? compiler.pages : [];
    // A root page's rows come from its own aggregate; a nested page's are counted in what the statement
    // built (a parse of it), summed over every parent at once. `OFFSET 0` keeps each level a subquery
    // of its own, so the data is built once, whatever reads it.
    const nested = pages.some((p) => !rootRows.has(p.path));
    const rootColumns = [...rootRows.values()].map((n, i) => `, ${n} AS n${i}`).join("");
    const rootColumn = new Map([...rootRows.keys()].map((path, i) => [path, `q.n${i}`]));
    // As text before the data and a bar, `20,3|{…}`: pg parses an int[] column far more slowly than the split of a short
    // string, and a second column costs it a field to describe and read on every execution. Each count cast and joined
    // by `||` (concat_ws looks up the output function of every argument on every execution).
    const rows = pages.length
      ? `${pages.map((p) => `coalesce(${rootColumn.get(p.path) ?? nestedRows(p)}, 0)::text`).join(" || ',' || ")} || '|' || `
      : "";
    // `$1` (the workspace) named with its type: a selection of `__typename` alone reads no row and
    // names no parameter otherwise, and PostgreSQL refuses a parameter whose type it cannot infer.
    const built = `(SELECT ${data} AS d${rootColumns}${counted.length ? ` FROM ${counted.join(" CROSS JOIN ")}` : ""} WHERE $1::uuid IS NOT NULL OFFSET 0) q`;
    const sql = nested
      ? `SELECT ${rows}q.d::text AS d FROM (SELECT q.*, q.d::jsonb AS j FROM ${built} OFFSET 0) q`
      : `SELECT ${rows}q.d::text AS d FROM ${built}`;
    return {
      sql,
      groups: compiler.groups,
      post: posts.length ? (data) => posts.forEach((p) => p(data)) : null,
      compact: compiler.compact,
      refused: compiler.refused,
      pages: pages.map((p) => p.path),
    };
  }
}

/** How many values a filter binds (its placeholders), counted as `filterConditions` binds them. */
function countValues(rules: Parameters<typeof filterConditions>[1], filter: CheckedListArgs["filter"]): number {
  let n = 0;
  filterConditions("x", rules, filter, () => `${++n}`);
  return n;
}
