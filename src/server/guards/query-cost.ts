import {
  DocumentNode,
  FragmentDefinitionNode,
  getDirectiveValues,
  getNamedType,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLIncludeDirective,
  GraphQLSchema,
  GraphQLSkipDirective,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  FieldNode,
} from "graphql";
import { ErrorCode } from "../../common/errors";
import { getArgumentValues } from "graphql/execution/values";
import { MAX_PAGE_SIZE } from "../../common/pagination";
import type { PageRowCounts } from "../../resources/read-path";

/**
 * The cost model: every selected field costs 1, and a field that takes `first` multiplies the cost
 * of its selection by the page size it will run with — the literal, the variable's value (or the
 * variable's default), or the argument's own default when `first` is left out; a relation list
 * without `first` multiplies by the most it holds. So the cost is about the number of values an
 * answer can hold. Introspection and `__typename` are free.
 */
export const MAX_COST = 50_000;

type Variables = Record<string, unknown>;

function included(node: SelectionNode, variables: Variables): boolean {
  // Stryker disable next-line ConditionalExpression,OptionalChaining: parsed selections always carry a directives array, and with none both checks below include the node: a shortcut
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

/**
 * The page size a field will run with. A `first` above the largest page is refused by the argument
 * rules (BAD_USER_INPUT naming `first`), so it never runs larger. A list without `first` that
 * declares the most it holds (its `maxItems` extension, e.g. `Contact.leads`) counts as that many;
 * any other field without `first` as 1.
 */
function pageSize(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables): number {
  if (!field.args.some((a) => a.name === "first")) {
    const maxItems = field.extensions?.maxItems;
    return typeof maxItems === "number" ? maxItems : 1;
  }
  const first = getArgumentValues(field, node, variables).first;
  return typeof first === "number" && Number.isFinite(first) ? Math.min(Math.max(0, first), MAX_PAGE_SIZE) : 1;
}

/** A field that pages (it takes `first`, or declares the most it holds): the cost multiplies its selection by its size. */
function isPage(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((a) => a.name === "first") || typeof field.extensions?.maxItems === "number";
}

/**
 * The operation's cost under the model above, with its variables already coerced. With `rows`,
 * its actual cost: the same formula with each page's size replaced by the rows it returned,
 * summed over the parent rows returned (`rows`, by the page field's response path such as
 * `agents.nodes.calls`, or as the read path's statement counted them; a page not in it returned none).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  rows?: ReadonlyMap<string, number> | PageRowCounts,
): number {
  // An operation without variables costs the same for the same rows: its actual cost is computed once per row counts.
  if (!rows || operation.variableDefinitions?.length)
    return costOfOperation(schema, document, operation, variables, rows && rowsByPath(rows));
  let known = costsByRows.get(operation);
  if (!known) {
    known = { byPath: new Map(), byCounts: new Map(), pages: null };
    costsByRows.set(operation, known);
  }
  let costs: Map<string, number>;
  let key: string;
  if (isCounted(rows)) {
    // The statement's own text (`20,3`), for the pages it read: the same pages on every read of the operation (a plan compiled
    // again reads them again), so it is the key as it comes, without a Map per answer. Should they differ, the costs start over.
    if (known.pages !== rows.pages) {
      if (known.pages?.join("\u0000") !== rows.pages.join("\u0000")) known.byCounts.clear();
      known.pages = rows.pages;
    }
    costs = known.byCounts;
    key = rows.counts;
  } else {
    costs = known.byPath;
    // Each page's path with the rows it returned, e.g. `calls,20`.
    key = [...rows].join(";");
  }
  let cost = costs.get(key);
  if (cost === undefined) {
    if (costs.size >= KNOWN_ROW_COUNTS) costs.clear();
    cost = costOfOperation(schema, document, operation, variables, rowsByPath(rows));
    costs.set(key, cost);
  }
  return cost;
}

function isCounted(rows: ReadonlyMap<string, number> | PageRowCounts): rows is PageRowCounts {
  return !(rows instanceof Map);
}

/** The rows by the page field's response path. */
function rowsByPath(rows: ReadonlyMap<string, number> | PageRowCounts): ReadonlyMap<string, number> {
  if (!isCounted(rows)) return rows;
  const counts = rows.counts.split(",");
  return new Map(rows.pages.map((path, i) => [path, Number(counts[i] ?? 0)]));
}

/** Per variable-free operation (as Apollo's document cache keeps it), its actual cost by the rows its pages returned. */
const costsByRows = new WeakMap<
  OperationDefinitionNode,
  { byPath: Map<string, number>; byCounts: Map<string, number>; pages: readonly string[] | null }
>();
/** The row counts remembered per operation: a page of `first: n` returns 0 to n rows, so a few dozen cover nearly every answer. */
const KNOWN_ROW_COUNTS = 64;

function costOfOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  rows?: ReadonlyMap<string, number>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  // `times`: how many instances of the selection's type the answer holds (1 at the root); `path`: their response path.
  const costOf = (
    type: GraphQLCompositeType,
    set: SelectionSetNode,
    isRoot: boolean,
    seen: ReadonlySet<string>,
    path: string,
    times: number,
  ): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) cost += costOf(on, selection.selectionSet, isRoot, seen, path, times);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && on && isCompositeType(on) && !seen.has(fragment.name.value))
          cost += costOf(on, fragment.selectionSet, isRoot, new Set([...seen, fragment.name.value]), path, times);
      } else {
        cost += fieldCost(type, selection, isRoot, seen, path, times);
      }
    }
    return cost;
  };

  const fieldCost = (
    type: GraphQLCompositeType,
    node: FieldNode,
    isRoot: boolean,
    seen: ReadonlySet<string>,
    path: string,
    times: number,
  ): number => {
    const name = node.name.value;
    // Stryker disable next-line all: getFields() has no __typename, __schema or __type, so `!field` below answers 0 too: a shortcut
    if (name === "__typename" || (isRoot && (name === "__schema" || name === "__type"))) return 0;
    if (!isObjectType(type) && !isInterfaceType(type)) return 0;
    const field = type.getFields()[name];
    if (!field) return 0;
    const named = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(named)) return times;
    const here = path ? `${path}.${node.alias?.value ?? name}` : (node.alias?.value ?? name);
    const inner = rows && isPage(field) ? (rows.get(here) ?? 0) : times * pageSize(field, node, variables);
    return times + costOf(named, node.selectionSet, false, seen, here, inner);
  };

  const root = schema.getRootType(operation.operation);
  return root ? costOf(root, operation.selectionSet, true, new Set(), "", 1) : 0;
}

/**
 * GRAPHQL_VALIDATION_FAILED (400) when the operation costs more than MAX_COST, as the other limits
 * answer, or more than the key's cost budget can ever hold (`budgetMaximum`, when that is smaller).
 */
export function costRefusal(cost: number, budgetMaximum?: number | null): GraphQLError | null {
  const byBudget = budgetMaximum !== undefined && budgetMaximum !== null && budgetMaximum < MAX_COST;
  const limit = byBudget ? budgetMaximum : MAX_COST;
  if (cost <= limit) return null;
  const message = byBudget
    ? `Query cost of ${cost} exceeds this key's cost budget, whose maximum is ${limit} points: ask for smaller pages (first) or fewer nested lists`
    : `Query cost limit of ${MAX_COST} exceeded, found ${cost}: ask for smaller pages (first) or fewer nested lists`;
  return new GraphQLError(message, { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } } });
}

type Value = Record<string, unknown>;

interface AnsweredField {
  key: string;
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
  /** The object type under the field when it selects one (a leaf: undefined). */
  named?: GraphQLCompositeType;
  /** Whether the field is a page: it takes `first`, or is a list with `maxItems`. */
  paged: boolean;
}

/**
 * The fields a selection set of plain fields (no fragment, no directive: what nearly every read
 * is) asks of a type, resolved once per parsed document: the actual cost walks them per row.
 */
const plainSelections = new WeakMap<SelectionSetNode, Map<GraphQLCompositeType, AnsweredField[]>>();

/**
 * The actual cost of an answer: `operationCost` with each page's size replaced by the rows that
 * page returned, summed over the parent rows actually returned — one formula for both, so the
 * actual cost is never more than the requested one. The rows are counted here from `data` (as the
 * read path's statement counts them in SQL, see `unlisted`): a page that is a list, its items; a
 * connection, the longest of its lists (`nodes`, `edges`), at most its size, or, listing none, one
 * unless its size is 0 (none when it asks only `totalCount`). A page under a null or left-out
 * parent returned no rows.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  data: Value | null | undefined,
): number {
  return operationCost(schema, document, operation, variables, rowsReturned(schema, document, operation, variables, data));
}

/** The fields of a connection that read its page (its rows); the others (`totalCount`) count without reading it. */
const PAGE_FIELDS = new Set(["nodes", "edges", "pageInfo"]);

/** The rows each page of `data` returned, summed over its parents, by the page field's response path (`agents.nodes.calls`). */
function rowsReturned(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  data: Value | null | undefined,
): Map<string, number> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const rows = new Map<string, number>();
  const count = (path: string, n: number) => rows.set(path, (rows.get(path) ?? 0) + n);

  /** The fields a selection set asks of one object, fragments flattened, with the type each is read on. */
  const fieldsOf = (type: GraphQLCompositeType, set: SelectionSetNode, seen: ReadonlySet<string> = new Set()) => {
    const out: { type: GraphQLCompositeType; node: FieldNode }[] = [];
    for (const selection of set.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) out.push({ type, node: selection });
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) out.push(...fieldsOf(on, selection.selectionSet, seen));
      } else {
        const fragment = fragments.get(selection.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && on && isCompositeType(on) && !seen.has(fragment.name.value))
          out.push(...fieldsOf(on, fragment.selectionSet, new Set([...seen, fragment.name.value])));
      }
    }
    return out;
  };

  const fieldOf = (type: GraphQLCompositeType, node: FieldNode, isRoot: boolean) => {
    const name = node.name.value;
    if (name === "__typename" || (isRoot && (name === "__schema" || name === "__type"))) return undefined;
    return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
  };

  /** The selection's fields with their definitions (introspection and `__typename`, which are free, left out). */
  const answered = (type: GraphQLCompositeType, set: SelectionSetNode, isRoot: boolean): AnsweredField[] => {
    const plain = !isRoot && set.selections.every((s) => s.kind === Kind.FIELD && !s.directives?.length);
    const cached = plain ? plainSelections.get(set)?.get(type) : undefined;
    if (cached) return cached;
    const fields = fieldsOf(type, set).flatMap(({ type: on, node }) => {
      const field = fieldOf(on, node, isRoot);
      if (!field) return [];
      const named = getNamedType(field.type);
      return [
        {
          key: node.alias?.value ?? node.name.value,
          field,
          node,
          named: node.selectionSet && isCompositeType(named) ? named : undefined,
          paged: isPage(field),
        },
      ];
    });
    if (plain) {
      const byType = plainSelections.get(set) ?? new Map<GraphQLCompositeType, AnsweredField[]>();
      byType.set(type, fields);
      plainSelections.set(set, byType);
    }
    return fields;
  };

  /** Walks one object of the answer: every page in it counts its rows, every object or list in it is walked in turn. */
  const walk = (type: GraphQLCompositeType, set: SelectionSetNode, value: unknown, path: string, isRoot = false): void => {
    if (typeof value !== "object" || value === null) return;
    for (const { key, field, node, named, paged } of answered(type, set, isRoot)) {
      const item = (value as Value)[key];
      if (!named || !node.selectionSet || item === null || item === undefined) continue;
      const here = path ? `${path}.${key}` : key;
      if (paged && !Array.isArray(item)) {
        connection(named, node.selectionSet, item as Value, here, pageSize(field, node, variables));
        continue;
      }
      const items = Array.isArray(item) ? item : [item];
      if (paged) count(here, items.length);
      for (const row of items) walk(named, node.selectionSet, row, here);
    }
  };

  /** A connection: its rows (see `actualCost`) counted, the rows of its lists walked (at most that many of each). */
  const connection = (type: GraphQLCompositeType, set: SelectionSetNode, value: Value, path: string, size: number): void => {
    const fields = answered(type, set, false).filter(({ key }) => key in value);
    const lists = fields.map(({ key }) => value[key]).filter(Array.isArray);
    // A connection asked only its `totalCount` (or `__typename`) reads no page: it returned no rows.
    const reads = fields.some(({ node }) => PAGE_FIELDS.has(node.name.value));
    const n = !reads ? 0 : Math.min(size, lists.length > 0 ? Math.max(...lists.map((l) => l.length)) : Math.min(1, size));
    count(path, n);
    for (const { key, named, node } of fields) {
      const item = value[key];
      if (!named || !node.selectionSet || item === null || item === undefined) continue;
      const items = Array.isArray(item) ? item.slice(0, n) : [item];
      for (const row of items) walk(named, node.selectionSet, row, `${path}.${key}`);
    }
  };

  const root = schema.getRootType(operation.operation);
  if (root) walk(root, operation.selectionSet, data, "", true);
  return rows;
}
