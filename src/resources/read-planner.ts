import { FieldNode, FragmentDefinitionNode, getNamedType, GraphQLObjectType, GraphQLSchema, isObjectType, Kind } from "graphql";
import { collectSubfields } from "graphql/execution/collectFields";
import { getArgumentValues } from "graphql/execution/values";
import { readPageArgs, RELATION_LIST_MAX } from "../common/pagination";
import { FieldErrors } from "../common/validation";
import { ReadCatalog, ReadRelation, READ_TYPES } from "./read-catalog";
import { DEFAULT_PAGE_SIZE } from "./resource.service";

/** A selection the planner cannot build: a type or field the catalogue does not describe (a bug, not a client's error). */
export class Unplannable extends Error {}

/** Changes a planned value in place once it is parsed (e.g. masks secrets, puts an argument's refusal in its field). */
export type Post = (value: unknown) => void;
/** A value built by the plan: its fields under their response keys. */
type PlannedObject = Record<string, unknown>;

/** Narrows a planned value to the object its plan built. */
function fieldsOf(value: unknown): PlannedObject {
  if (typeof value !== "object" || value === null) throw new TypeError(`not a planned object: ${String(value)}`);
  return value as PlannedObject;
}
/** What a plan's placeholders are filled from at each run: the variables, and the root fields' checked arguments. */
export interface RunValues {
  variables: Record<string, unknown>;
  roots: readonly unknown[];
  /** A create's values, when the statement also writes (see `ReadPath.inserted`). */
  write?: readonly unknown[];
}
/**
 * The values of some consecutive placeholders at one run. Throws `BadArguments` when the variables
 * give a nested page arguments the API refuses.
 */
export type ParamGroup = (run: RunValues) => unknown[];

/** A nested page's arguments, given by variables, that the API refuses: the plan is compiled again with them written in. */
export class BadArguments extends Error {}

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
/** The longest column name PostgreSQL keeps (NAMEDATALEN − 1): a longer response key is built another way. */
const MAX_IDENTIFIER_BYTES = 63;
/** json_build_object takes at most 100 arguments. */
const MAX_PAIRS = 50;

/** One field of a built object: its response key and the SQL of its value. */
type Item = [key: string, sql: string];

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
const all = (posts: Post[]): Post | null => (posts.length === 0 ? null : posts.length === 1 ? posts[0] : (o) => posts.forEach((p) => p(o)));

/**
 * Compiles a selection into SQL that builds the response's `data` in PostgreSQL as JSON text,
 * exactly as the API writes it: every object keyed by response key in the order graphql-js
 * collects its fields (fragments, `@skip`/`@include`, aliases — even one field twice with
 * different arguments), `__typename` included, written compactly (`row_to_json` and
 * `array_to_json`, which put no spaces between tokens). Only the selected columns are read; a
 * page's rows join their one-to-one relations, every other relation is a correlated subquery
 * (pages with `LIMIT` through the per-parent keyset indexes);
 * counts only where `totalCount` is selected, cursors only where `cursor`/`endCursor` are. Every
 * subquery is scoped to the workspace in `$1`.
 *
 * What PostgreSQL cannot write exactly as the API does is fixed after parsing, by the plan's
 * `post` (an integration's `config`, masked; a nested page's refused arguments, as the error of
 * that field), and `compact` is false when some object had to be built another way: such a plan's
 * text is parsed before it is sent.
 */
export class PlanCompiler {
  readonly groups: ParamGroup[] = [];
  /** False when some object was built by `json_build_object` (a response key too long for a column name): not the API's spacing. */
  compact = true;
  /** True when some field holds a refusal: the answer has errors, and goes through graphql-js. */
  refused = false;
  /**
   * Each page the plan reads, by its field's response path (`agents.nodes.calls`), with the path
   * of the list that holds its rows (`agents.nodes.calls.nodes`; null when neither `nodes` nor
   * `edges` is selected: its size `first` as SQL then, as such a page counts one row per parent
   * when its size is not 0): what the operation's actual cost counts.
   */
  readonly pages: { path: string; list: string | null; first?: string }[] = [];
  /** The tables relations read (beyond the root's own rows). */
  readonly tables = new Set<string>();
  private aliases = 0;
  /**
   * While a page's rows are built: the `LEFT JOIN`s that bring each row's `one` relations (`call.agent`)
   * into the page's own FROM, rather than a correlated subquery per row and relation (PostgreSQL
   * serves the join at about 1.5× the rate). Null in every other scope, where a `one` relation
   * stays a subquery.
   */
  private joins: string[] | null = null;

  constructor(
    private readonly selection: SelectionContext,
    private readonly catalog: ReadCatalog,
    private nextPlaceholder: number,
    /** Nested pages' arguments given by variables are written into the statement (see BadArguments). */
    private readonly inlineVariables = false,
  ) {}

  /** Reserves `count` placeholders filled by `group` at each run. */
  bind(count: number, group: ParamGroup): string[] {
    this.groups.push(group);
    return Array.from({ length: count }, () => `$${this.nextPlaceholder++}`);
  }

  alias(): string {
    return `t${this.aliases++}`;
  }

  /**
   * A JSON object of `items` as a scalar subquery (`from`, when given, is its FROM clause; null
   * without a row): `row_to_json` of a row whose columns are named by the response keys.
   */
  object(items: Item[], from = ""): string {
    if (items.every(([key]) => Buffer.byteLength(key) <= MAX_IDENTIFIER_BYTES)) {
      const o = this.alias();
      const columns = items.length ? items.map(([key, sql]) => `${sql} AS "${key}"`).join(", ") : "";
      // A row with no column writes `{}`.
      return `(SELECT row_to_json(${o}) FROM (SELECT ${columns} ${from}) ${o})`;
    }
    this.compact = false;
    const chunks: string[] = [];
    for (let i = 0; i < items.length; i += MAX_PAIRS)
      chunks.push(`json_build_object(${items.slice(i, i + MAX_PAIRS).map(([key, sql]) => `'${key}', ${sql}`)})`);
    const text = chunks.length <= 1 ? (chunks[0] ?? "json_build_object()") : mergeObjects(chunks);
    return `(SELECT ${text} ${from})`;
  }

  /** The fields of one `type` row (`a` is the row's alias), as object items. `path` is the object's response path. */
  fields(type: GraphQLObjectType, fieldNodes: readonly FieldNode[], a: string, path: string): { items: Item[]; post: Post | null } {
    const spec = READ_TYPES[type.name];
    if (!spec) throw new Unplannable(type.name);
    const items: Item[] = [];
    const posts: Post[] = [];
    for (const [key, nodes] of this.subfields(type, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "__typename") {
        items.push([key, `'${type.name}'`]);
        continue;
      }
      const relation = spec.relations?.[name];
      const mask = spec.masked?.[name];
      let sql: string;
      if (relation) {
        const field = this.relation(type, name, relation, nodes, a, `${path}.${key}`);
        sql = field.sql;
        const inner = field.post;
        const refused = field.refusal;
        if (refused)
          posts.push((o) => {
            fieldsOf(o)[key] = refused();
          });
        else if (inner) posts.push((o) => inner(fieldsOf(o)[key]));
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
      items.push([key, sql]);
    }
    return { items, post: all(posts) };
  }

  /** One `type` row as a JSON object. */
  node(type: GraphQLObjectType, fieldNodes: readonly FieldNode[], a: string, path: string): Compiled {
    const { items, post } = this.fields(type, fieldNodes, a, path);
    return { sql: this.object(items), post };
  }

  /**
   * A keyset page of `table` rows matching `where`, as a Connection object. `pagePlaceholders` is
   * asked for only when a page is read (nodes, edges, pageInfo), so no placeholder goes unused;
   * the extra row that tells `hasNextPage`, and the rank that leaves it out, only when pageInfo is
   * selected. Aggregates take the rows in the subquery's order (newest first), as PostgreSQL
   * feeds an ordered subquery to them. With `counted`, the page is also answered as a FROM item
   * (`counted`) of one row: its JSON `j` and the rows its list returned `n`, counted by the same
   * aggregate that builds it (0 when it lists none), so a root page's actual cost parses nothing.
   */
  connection(
    connection: GraphQLObjectType,
    fieldNodes: readonly FieldNode[],
    table: string,
    where: (alias: string) => string[],
    pagePlaceholders: () => PagePlaceholders,
    path: string,
    counted = false,
  ): Compiled & { counted?: string } {
    const fields = this.subfields(connection, fieldNodes);
    const names = [...fields.values()].map((nodes) => nodes[0].name.value);
    const pageRead = names.some((name) => name === "nodes" || name === "edges" || name === "pageInfo");
    const page = pageRead ? pagePlaceholders() : { first: "", at: null, id: null };
    const x = this.alias();
    const p = this.alias();
    const g = this.alias();
    const ranked = names.includes("pageInfo");
    const inPage = ranked ? ` FILTER (WHERE ${p}.rn <= ${page.first})` : "";
    const items: Item[] = [];
    // Each aggregate is written once the joins are known: a list's takes the rows newest first,
    // which the page's subquery gives it only while nothing is joined to it.
    const aggregates: ((order: string) => string)[] = [];
    const posts: Post[] = [];
    const aggregate = (sql: string | ((order: string) => string)) =>
      `${g}.a${aggregates.push(typeof sql === "string" ? () => sql : sql) - 1}`;
    let listed: string | null = null;
    const outerJoins = this.joins;
    this.joins = [];
    for (const [key, nodes] of fields) {
      const name = nodes[0].name.value;
      if (name === "__typename") {
        items.push([key, `'${connection.name}'`]);
        continue;
      }
      const type = getNamedType(connection.getFields()[name]?.type);
      if (!isObjectType(type) && name !== "totalCount") throw new Unplannable(name);
      if (name === "nodes" || name === "edges") {
        const item =
          name === "nodes"
            ? this.node(type as GraphQLObjectType, nodes, p, `${path}.${key}`)
            : this.edge(type as GraphQLObjectType, nodes, p, `${path}.${key}`);
        items.push([key, `coalesce(${aggregate((order) => `array_to_json(array_agg(${item.sql}${order})${inPage})`)}, '[]'::json)`]);
        listed ??= `${path}.${key}`;
        const inner = item.post;
        if (inner) posts.push((o) => each(inner)(fieldsOf(o)[key]));
      } else if (name === "pageInfo") {
        items.push([key, this.pageInfo(type as GraphQLObjectType, nodes, p, page.first, inPage, aggregate)]);
      } else if (name === "totalCount") {
        const c = this.alias();
        items.push([key, `(SELECT count(*)::int FROM ${table} ${c} WHERE ${where(c).join(" AND ")})`]);
      } else throw new Unplannable(name);
    }
    const joins = this.joins;
    this.joins = outerJoins;
    const order = joins.length ? ` ORDER BY ${NEWEST_FIRST(p)}` : "";
    let from = "";
    let rows: string | null = null;
    if (pageRead) {
      this.pages.push({ path, list: listed, first: page.first });
      if (counted) rows = listed ? aggregate(`count(*)${inPage}`) : unlisted(page.first);
      const rank = ranked ? `, row_number() OVER (ORDER BY ${NEWEST_FIRST(x)}) AS rn` : "";
      const after = page.at === null ? [] : [`(${x}.created_at, ${x}.id) < (${page.at}::timestamptz, ${page.id}::uuid)`];
      const source = `SELECT ${x}.*${rank} FROM ${table} ${x}
        WHERE ${[...where(x), ...after].join(" AND ")}
        ORDER BY ${NEWEST_FIRST(x)} LIMIT ${page.first}::int${ranked ? " + 1" : ""}`;
      // An aggregate query without GROUP BY: one row, even over no rows.
      const columns = aggregates.length ? aggregates.map((sql, i) => `${sql(order)} AS a${i}`).join(", ") : "count(*) AS a0";
      from = `FROM (SELECT ${columns} FROM (${source}) ${p}${joins.map((join) => ` ${join}`).join("")}) ${g}`;
    }
    const post = all(posts);
    if (rows !== null) return { sql: this.object(items, from), post, counted: `(SELECT ${this.object(items)} AS j, ${rows} AS n ${from})` };
    return { sql: this.object(items, from), post };
  }

  private edge(edge: GraphQLObjectType, fieldNodes: readonly FieldNode[], p: string, path: string): Compiled {
    const items: Item[] = [];
    const posts: Post[] = [];
    for (const [key, nodes] of this.subfields(edge, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "cursor") items.push([key, cursorText(p)]);
      else if (name === "node") {
        const node = this.node(getNamedType(edge.getFields().node.type) as GraphQLObjectType, nodes, p, `${path}.${key}`);
        items.push([key, node.sql]);
        const inner = node.post;
        if (inner) posts.push((o) => inner(fieldsOf(o)[key]));
      } else if (name === "__typename") items.push([key, `'${edge.name}'`]);
      else throw new Unplannable(name);
    }
    return { sql: this.object(items), post: all(posts) };
  }

  private pageInfo(
    type: GraphQLObjectType,
    fieldNodes: readonly FieldNode[],
    p: string,
    first: string,
    inPage: string,
    aggregate: (sql: string) => string,
  ): string {
    const items: Item[] = [];
    for (const [key, nodes] of this.subfields(type, fieldNodes)) {
      const name = nodes[0].name.value;
      if (name === "hasNextPage") items.push([key, `${aggregate("count(*)")} > ${first}`]);
      else if (name === "endCursor") items.push([key, aggregate(`(array_agg(${cursorText(p)} ORDER BY ${p}.rn DESC)${inPage})[1]`)]);
      else if (name === "__typename") items.push([key, `'${type.name}'`]);
      else throw new Unplannable(name);
    }
    return this.object(items);
  }

  private relation(
    parent: GraphQLObjectType,
    name: string,
    relation: ReadRelation,
    nodes: readonly FieldNode[],
    a: string,
    path: string,
  ): Compiled & { refusal?: () => Error } {
    const field = parent.getFields()[name];
    const type = getNamedType(field.type) as GraphQLObjectType;
    const r = this.alias();
    if (relation.kind === "calls") {
      // Arguments written in the document are the same at every run: the size is inlined and a first page has no bound.
      const literal = this.inlineVariables || !nodes[0].arguments?.some((arg) => arg.value.kind === Kind.VARIABLE);
      const args = literal ? callPageParams(getArgumentValues(field, nodes[0], this.selection.variableValues)) : null;
      if (args instanceof FieldErrors) {
        // Refused as the API refuses a page's arguments: BAD_USER_INPUT in this field, for each parent.
        this.refused = true;
        return { sql: "NULL", post: null, refusal: () => refusal(args) };
      }
      const page = (): PagePlaceholders => {
        if (args) {
          const [first, at, id] = args;
          if (at === NO_CURSOR[0]) return { first: pageSizeLiteral(first as number), at: null, id: null };
          const [atPlaceholder, idPlaceholder] = this.bind(2, () => [at, id]);
          return { first: pageSizeLiteral(first as number), at: atPlaceholder, id: idPlaceholder };
        }
        const [first, at, id] = this.bind(3, ({ variables }) => {
          const values = callPageParams(getArgumentValues(field, nodes[0], variables));
          if (values instanceof FieldErrors) throw new BadArguments(name);
          return values;
        });
        return { first, at, id };
      };
      const scope = (c: string) => [`${c}.workspace_id = $1`, `${c}.${relation.column} = ${a}.id`];
      const calls = this.catalog.table("Call");
      this.tables.add(calls);
      return this.connection(type, nodes, calls, scope, page, path);
    }
    const table = this.catalog.table(relation.type);
    this.tables.add(table);
    if (relation.kind === "one" && this.joins) {
      // Joined before its own fields are built, so a relation of this row joins after it.
      this.joins.push(`LEFT JOIN ${table} ${r} ON ${r}.workspace_id = $1 AND ${r}.id = ${a}.${relation.column}`);
      const { items, post } = this.fields(type, nodes, r, path);
      return { sql: this.object(items, `WHERE ${r}.id IS NOT NULL`), post: post && ifSet(post) };
    }
    // Every other relation reads its rows in a subquery of its own: nothing in it joins to the page.
    const outerJoins = this.joins;
    this.joins = null;
    const { items, post } = this.fields(type, nodes, r, path);
    this.joins = outerJoins;
    if (relation.kind === "one") {
      return {
        sql: this.object(items, `FROM ${table} ${r} WHERE ${r}.workspace_id = $1 AND ${r}.id = ${a}.${relation.column}`),
        post: post && ifSet(post),
      };
    }
    const from =
      relation.kind === "children"
        ? `${table} ${r} WHERE ${r}.workspace_id = $1 AND ${r}.${relation.column} = ${a}.id`
        : `knowledge_base_document_agent l${r} JOIN ${table} ${r} ON ${r}.workspace_id = l${r}.workspace_id AND ${r}.id = l${r}.${relation.theirs}
           WHERE l${r}.workspace_id = $1 AND l${r}.${relation.mine} = ${a}.id`;
    // The newest RELATION_LIST_MAX rows, as the cost limit counts them.
    const newest = `(SELECT ${r}.* FROM ${from} ORDER BY ${NEWEST_FIRST(r)} LIMIT ${RELATION_LIST_MAX}) ${r}`;
    this.pages.push({ path, list: path });
    return {
      sql: `coalesce((SELECT array_to_json(array_agg(${this.object(items)} ORDER BY ${NEWEST_FIRST(r)})) FROM ${newest}), '[]'::json)`,
      post: post && each(post),
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

/** The rows a page of size `first` that lists none counts per parent, as the data walk `actualCost` does: one, unless its size is 0. */
export const unlisted = (first: string) => `least(${first}::int, 1)`;

/** Objects built in chunks, joined as text: `{a…}` and `{b…}` into `{a…, b…}`, keys in order. */
function mergeObjects(chunks: string[]): string {
  return `(${chunks.map((c, i) => (i === 0 ? `left(${c}::text, -1)` : i === chunks.length - 1 ? `substr(${c}::text, 2)` : `substr(left(${c}::text, -1), 2)`)).join(" || ', ' || ")})::json`;
}

/** The refusal of a page's arguments, as `checkedPageArgs` throws it. */
function refusal(errors: FieldErrors): Error {
  try {
    errors.throwIfAny();
  } catch (error) {
    return error as Error;
  }
  return new Error("no refusal");
}

/** `calls(first, after)`'s values, or what is wrong with them. */
function callPageParams(args: { first?: number | null; after?: string | null }): unknown[] | FieldErrors {
  const errors = new FieldErrors();
  const page = readPageArgs(args.first, args.after, errors, DEFAULT_PAGE_SIZE);
  if (errors.size > 0) return errors;
  return [page.first, page.after?.at ?? NO_CURSOR[0], page.after?.id ?? NO_CURSOR[1]];
}
