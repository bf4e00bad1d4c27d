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
 * `agents.nodes.calls`; a page not in it returned none).
 */
export function operationCost(
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
 * The actual cost of an answer: the cost model above with each page's size replaced by the rows
 * that page returned, summed over the parent rows actually returned, so it is never more than the
 * requested cost. A page (a field taking `first`, or a list with `maxItems`) returning k rows
 * costs 1 + k × (its fields outside the rows) + each returned row's own actual cost; a field left
 * out of the answer (another type's fragment) costs nothing, a null one 1. The one place the
 * actual cost is computed from `data` (a read whose JSON comes from elsewhere may bring its own).
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  data: Value | null | undefined,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

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
          paged: field.args.some((a) => a.name === "first") || typeof field.extensions?.maxItems === "number",
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

  const objectCost = (type: GraphQLCompositeType, set: SelectionSetNode, value: unknown, isRoot = false): number => {
    if (typeof value !== "object" || value === null) return 0;
    let cost = 0;
    for (const answer of answered(type, set, isRoot)) {
      if (answer.key in value) cost += fieldCost(answer, (value as Value)[answer.key]);
    }
    return cost;
  };

  const fieldCost = ({ field, node, named, paged }: AnsweredField, value: unknown): number => {
    if (!named || !node.selectionSet || value === null || value === undefined) return 1;
    if (Array.isArray(value)) {
      const rows = value.map((item) => objectCost(named, node.selectionSet!, item));
      // A list that is not a page counts once in the model: its costliest row stands for it.
      return 1 + (paged ? rows.reduce((a, b) => a + b, 0) : Math.max(0, ...rows));
    }
    if (!paged) return 1 + objectCost(named, node.selectionSet, value);
    return 1 + pageCost(named, node.selectionSet, value as Value, pageSize(field, node, variables));
  };

  /** A connection: its own fields count once per returned row (as the model multiplies them by the page size), its rows each once. */
  const pageCost = (type: GraphQLCompositeType, set: SelectionSetNode, value: Value, size: number): number => {
    const fields = answered(type, set, false).filter(({ key }) => key in value);
    const lists = fields.map(({ key }) => value[key]).filter(Array.isArray);
    const rows = Math.min(size, lists.length > 0 ? Math.max(...lists.map((l) => l.length)) : Math.min(1, size));
    let cost = 0;
    for (const answer of fields) {
      const item = value[answer.key];
      const { named, node } = answer;
      if (Array.isArray(item) && named && node.selectionSet)
        cost += rows + item.slice(0, rows).reduce((sum: number, row) => sum + objectCost(named, node.selectionSet!, row), 0);
      else cost += rows * fieldCost(answer, item);
    }
    return cost;
  };

  const root = schema.getRootType(operation.operation);
  return root ? objectCost(root, operation.selectionSet, data, true) : 0;
}
