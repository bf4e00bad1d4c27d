import { FieldNode, FragmentDefinitionNode, getNamedType, GraphQLObjectType, GraphQLSchema, isObjectType, Kind } from "graphql";
import { collectSubfields } from "graphql/execution/collectFields";
import { getArgumentValues } from "graphql/execution/values";
import { Cursor, readPageArgs, RELATION_LIST_MAX } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { PLANNED } from "./planned-source";
import { ReadCatalog, ReadRelation, READ_TYPES } from "./read-catalog";
import { DEFAULT_PAGE_SIZE } from "./resource.service";

/** Thrown while compiling or binding a plan: the selection or its arguments are left to the resolvers. */
export class Unplannable extends Error {}

/** Changes a planned value in place once it is read (e.g. masks secrets). */
export type Post = (value: unknown) => void;
/** A value built by `json_build_object`: its fields under their response keys. */
type PlannedObject = Record<string, unknown>;

/** Narrows a planned value to the object its plan built (reading a field of anything else is a TypeError, as before). */
function fieldsOf(value: unknown): PlannedObject {
  if (typeof value !== "object" || value === null) throw new TypeError(`not a planned object: ${String(value)}`);
  return value as PlannedObject;
}
/** The root list's `after` cursor of this request, when it has one. */
export interface RootPage {
  after?: Cursor | null;
}
/** The values of some consecutive placeholders, from this request's variables and root page. */
export type ParamGroup = (variables: Record<string, unknown>, root: RootPage) => unknown[];

export interface Compiled {
  sql: string;
  post: Post | null;
}

export interface SelectionContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variableValues: Record<string, unknown>;
}

/**
 * A keyset page in SQL: `first` (a literal where the document or the root arguments fix it, so
 * PostgreSQL's generic plan of the prepared statement knows the LIMIT), then the `after` cursor's
 * instant and id as placeholders, or null for a first page (no keyset bound at all).
 */
export interface PagePlaceholders {
  first: string;
  at: string | null;
  id: string | null;
}

/** A page size as SQL text: a checked integer, never text from the client. */
export function pageSizeLiteral(first: number): string {
  if (!Number.isInteger(first) || first < 0) throw new Unplannable("page size");
  return String(first);
}

/** `after` absent: a keyset bound above every row, so one statement text serves both cases. */
export const NO_CURSOR = ["infinity", "ffffffff-ffff-ffff-ffff-ffffffffffff"] as const;
/** The DateTime scalar's output (`Date.prototype.toISOString`), built by PostgreSQL. */
export const isoText = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** `encodeCursor` of the row's (createdAt, id): base64url of `["<iso>","<id>"]`, unpadded. */
const cursorText = (a: string) =>
  `translate(encode(convert_to('["' || ${isoText(`${a}.created_at`)} || '","' || ${a}.id || '"]', 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
const NEWEST_FIRST = (a: string) => `${a}.created_at DESC, ${a}.id DESC`;
/** json_build_object takes at most 100 arguments: the marker and 49 fields. */
const MAX_KEYS = 49;

const each =
  (post: Post): Post =>
  (list) => {
    if (!Array.isArray(list)) throw new TypeError("not a planned list");
    list.forEach(post);
  };
const ifSet =
  (post: Post): Post =>
  (value) =>
    value !== null && value !== undefined && post(value);

/**
 * Compiles one root field's selection into one SQL expression that builds the response in
 * PostgreSQL as JSON: only the selected columns, relations as correlated subqueries (pages with
 * `LIMIT` through the per-parent keyset indexes), counts only where `totalCount` is selected,
 * cursors only where `cursor`/`endCursor` are. Every subquery is scoped to the workspace in `$1`.
 * Fields are collected as graphql-js collects them (fragments, `@skip`/`@include`) and keyed by
 * response key, so aliases work; every built object carries the PLANNED marker.
 */
export class PlanCompiler {
  readonly groups: ParamGroup[] = [];
  private aliases = 0;

  constructor(
    private readonly selection: SelectionContext,
    private readonly catalog: ReadCatalog,
    private nextPlaceholder: number,
  ) {}

  /** Reserves `count` placeholders filled by `group` at each run. */
  bind(count: number, group: ParamGroup): string[] {
    this.groups.push(group);
    return Array.from({ length: count }, () => `$${this.nextPlaceholder++}`);
  }

  alias(): string {
    return `t${this.aliases++}`;
  }

  node(type: GraphQLObjectType, fieldNodes: readonly FieldNode[], a: string): Compiled {
    const spec = READ_TYPES[type.name];
    if (!spec) throw new Unplannable(type.name);
    const parts = [`'${PLANNED}', true`];
    const posts: Post[] = [];
    for (const [key, nodes] of this.subfields(type, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "__typename") continue;
      const relation = spec.relations?.[name];
      const mask = spec.masked?.[name];
      let sql: string;
      if (relation) {
        const field = this.relation(type, name, relation, nodes, a);
        sql = field.sql;
        const inner = field.post;
        if (inner) posts.push((o) => inner(fieldsOf(o)[key]));
      } else if (spec.computed?.[name]) {
        sql = spec.computed[name](a);
      } else {
        sql = this.column(type.name, name, a);
        if (mask)
          posts.push((o) => {
            const fields = fieldsOf(o);
            fields[key] = mask(fields[key]);
          });
      }
      parts.push(`'${key}', ${sql}`);
    }
    if (parts.length > MAX_KEYS + 1) throw new Unplannable("too many fields");
    return { sql: `json_build_object(${parts.join(", ")})`, post: posts.length ? (o) => posts.forEach((p) => p(o)) : null };
  }

  /**
   * A keyset page of `type` rows matching `where`, as a Connection object. `pagePlaceholders` is
   * asked for only when a page is read (nodes, edges, pageInfo), so no placeholder goes unused;
   * the extra row that tells `hasNextPage`, and the rank that leaves it out, only when pageInfo is
   * selected. Aggregates take the rows in the subquery's order (newest first), as PostgreSQL
   * feeds an ordered subquery to them.
   */
  connection(
    connection: GraphQLObjectType,
    fieldNodes: readonly FieldNode[],
    table: string,
    where: (alias: string) => string[],
    pagePlaceholders: () => PagePlaceholders,
  ): Compiled & { pageRead: boolean } {
    const fields = this.subfields(connection, fieldNodes);
    const pageRead = [...fields.values()].some((nodes) => ["nodes", "edges", "pageInfo"].includes(nodes[0].name.value));
    const page = pageRead ? pagePlaceholders() : { first: "", at: null, id: null };
    const x = this.alias();
    const p = this.alias();
    const parts = [`'${PLANNED}', true`];
    const posts: Post[] = [];
    const ranked = [...fields.values()].some((nodes) => nodes[0].name.value === "pageInfo");
    const inPage = ranked ? ` FILTER (WHERE ${p}.rn <= ${page.first})` : "";
    for (const [key, nodes] of fields) {
      const name = nodes[0].name.value;
      const type = getNamedType(connection.getFields()[name]?.type);
      if (name === "__typename") continue;
      if (!isObjectType(type) && name !== "totalCount") throw new Unplannable(name);
      let sql: string;
      if (name === "nodes" || name === "edges") {
        const item = name === "nodes" ? this.node(type as GraphQLObjectType, nodes, p) : this.edge(type as GraphQLObjectType, nodes, p);
        sql = `coalesce(json_agg(${item.sql})${inPage}, '[]'::json)`;
        const inner = item.post;
        if (inner) posts.push((o) => each(inner)(fieldsOf(o)[key]));
      } else if (name === "pageInfo") {
        sql = this.pageInfo(type as GraphQLObjectType, nodes, p, page.first, inPage);
      } else if (name === "totalCount") {
        const c = this.alias();
        sql = `(SELECT count(*)::int FROM ${table} ${c} WHERE ${where(c).join(" AND ")})`;
      } else throw new Unplannable(name);
      parts.push(`'${key}', ${sql}`);
    }
    // Only __typename: nothing to read, and a statement that names none of its parameters is refused.
    if (parts.length === 1) throw new Unplannable("__typename");
    const rank = ranked ? `, row_number() OVER (ORDER BY ${NEWEST_FIRST(x)}) AS rn` : "";
    const after = page.at === null ? [] : [`(${x}.created_at, ${x}.id) < (${page.at}::timestamptz, ${page.id}::uuid)`];
    const rows = `SELECT ${x}.*${rank} FROM ${table} ${x}
      WHERE ${[...where(x), ...after].join(" AND ")}
      ORDER BY ${NEWEST_FIRST(x)} LIMIT ${page.first}::int${ranked ? " + 1" : ""}`;
    const post: Post | null = posts.length ? (o) => posts.forEach((f) => f(o)) : null;
    const object = `json_build_object(${parts.join(", ")})`;
    // `GROUP BY ()`: one row even when only non-aggregates (totalCount) are selected; no page read when none is needed.
    return { sql: pageRead ? `(SELECT ${object} FROM (${rows}) ${p} GROUP BY ())` : object, post, pageRead };
  }

  private edge(edge: GraphQLObjectType, fieldNodes: readonly FieldNode[], p: string): Compiled {
    const parts = [`'${PLANNED}', true`];
    const posts: Post[] = [];
    for (const [key, nodes] of this.subfields(edge, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "cursor") parts.push(`'${key}', ${cursorText(p)}`);
      else if (name === "node") {
        const node = this.node(getNamedType(edge.getFields().node.type) as GraphQLObjectType, nodes, p);
        parts.push(`'${key}', ${node.sql}`);
        const inner = node.post;
        if (inner) posts.push((o) => inner(fieldsOf(o)[key]));
      } else if (name !== "__typename") throw new Unplannable(name);
    }
    return { sql: `json_build_object(${parts.join(", ")})`, post: posts.length ? (o) => posts.forEach((f) => f(o)) : null };
  }

  private pageInfo(type: GraphQLObjectType, fieldNodes: readonly FieldNode[], p: string, first: string, inPage: string): string {
    const parts = [`'${PLANNED}', true`];
    for (const [key, nodes] of this.subfields(type, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "hasNextPage") parts.push(`'${key}', count(*) > ${first}`);
      else if (name === "endCursor") parts.push(`'${key}', (array_agg(${cursorText(p)} ORDER BY ${p}.rn DESC)${inPage})[1]`);
      else if (name !== "__typename") throw new Unplannable(name);
    }
    return `json_build_object(${parts.join(", ")})`;
  }

  private relation(parent: GraphQLObjectType, name: string, relation: ReadRelation, nodes: readonly FieldNode[], a: string): Compiled {
    const field = parent.getFields()[name];
    const type = getNamedType(field.type) as GraphQLObjectType;
    const r = this.alias();
    if (relation.kind === "calls") {
      const page = (): PagePlaceholders => {
        // Arguments written in the document are the same at every run: the size is inlined and a first page has no bound.
        if (!nodes[0].arguments?.some((arg) => arg.value.kind === Kind.VARIABLE)) {
          const [first, at, id] = callPageParams(getArgumentValues(field, nodes[0], {}));
          if (at === NO_CURSOR[0]) return { first: pageSizeLiteral(first as number), at: null, id: null };
          const [atPlaceholder, idPlaceholder] = this.bind(2, () => [at, id]);
          return { first: pageSizeLiteral(first as number), at: atPlaceholder, id: idPlaceholder };
        }
        const [first, at, id] = this.bind(3, (variables) => callPageParams(getArgumentValues(field, nodes[0], variables)));
        return { first, at, id };
      };
      const scope = (c: string) => [`${c}.workspace_id = $1`, `${c}.${relation.column} = ${a}.id`];
      return this.connection(type, nodes, this.catalog.table("Call"), scope, page);
    }
    const node = this.node(type, nodes, r);
    const table = this.catalog.table(relation.type);
    if (relation.kind === "one") {
      return {
        sql: `(SELECT ${node.sql} FROM ${table} ${r} WHERE ${r}.workspace_id = $1 AND ${r}.id = ${a}.${relation.column})`,
        post: node.post && ifSet(node.post),
      };
    }
    const from =
      relation.kind === "children"
        ? `${table} ${r} WHERE ${r}.workspace_id = $1 AND ${r}.${relation.column} = ${a}.id`
        : `knowledge_base_document_agent l${r} JOIN ${table} ${r} ON ${r}.workspace_id = l${r}.workspace_id AND ${r}.id = l${r}.${relation.theirs}
           WHERE l${r}.workspace_id = $1 AND l${r}.${relation.mine} = ${a}.id`;
    // The newest RELATION_LIST_MAX rows, as the TypeORM path reads them and the cost limit counts them.
    const newest = `(SELECT ${r}.* FROM ${from} ORDER BY ${NEWEST_FIRST(r)} LIMIT ${RELATION_LIST_MAX}) ${r}`;
    return {
      sql: `coalesce((SELECT json_agg(${node.sql} ORDER BY ${NEWEST_FIRST(r)}) FROM ${newest}), '[]'::json)`,
      post: node.post && each(node.post),
    };
  }

  private column(type: string, field: string, a: string): string {
    const column = this.catalog.column(type, field);
    if (!column) throw new Unplannable(`${type}.${field}`);
    return column.isDate ? isoText(`${a}.${column.name}`) : `${a}.${column.name}`;
  }

  private subfields(type: GraphQLObjectType, nodes: readonly FieldNode[]): Map<string, readonly FieldNode[]> {
    const { schema, fragments, variableValues } = this.selection;
    return collectSubfields(schema, fragments, variableValues, type, nodes);
  }
}

/** `calls(first, after)`'s values; arguments the resolvers would refuse are left to them, so the error is theirs. */
function callPageParams(args: { first?: number | null; after?: string | null }): unknown[] {
  const errors = new FieldErrors();
  const page = readPageArgs(args.first, args.after, errors, DEFAULT_PAGE_SIZE);
  if (errors.size > 0) throw new Unplannable("page arguments");
  return [page.first, page.after?.at ?? NO_CURSOR[0], page.after?.id ?? NO_CURSOR[1]];
}
