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

/** The operation's cost under the model above, with its variables already coerced. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const costOf = (type: GraphQLCompositeType, set: SelectionSetNode, isRoot: boolean, seen: ReadonlySet<string>): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) cost += costOf(on, selection.selectionSet, isRoot, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && on && isCompositeType(on) && !seen.has(fragment.name.value))
          cost += costOf(on, fragment.selectionSet, isRoot, new Set([...seen, fragment.name.value]));
      } else {
        cost += fieldCost(type, selection, isRoot, seen);
      }
    }
    return cost;
  };

  const fieldCost = (type: GraphQLCompositeType, node: FieldNode, isRoot: boolean, seen: ReadonlySet<string>): number => {
    const name = node.name.value;
    // Stryker disable next-line all: getFields() has no __typename, __schema or __type, so `!field` below answers 0 too: a shortcut
    if (name === "__typename" || (isRoot && (name === "__schema" || name === "__type"))) return 0;
    if (!isObjectType(type) && !isInterfaceType(type)) return 0;
    const field = type.getFields()[name];
    if (!field) return 0;
    const named = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(named)) return 1;
    return 1 + pageSize(field, node, variables) * costOf(named, node.selectionSet, false, seen);
  };

  const root = schema.getRootType(operation.operation);
  return root ? costOf(root, operation.selectionSet, true, new Set()) : 0;
}

/** GRAPHQL_VALIDATION_FAILED (400) when the operation costs more than MAX_COST, as the other limits answer. */
export function costRefusal(cost: number): GraphQLError | null {
  if (cost <= MAX_COST) return null;
  return new GraphQLError(`Query cost limit of ${MAX_COST} exceeded, found ${cost}: ask for smaller pages (first) or fewer nested lists`, {
    extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } },
  });
}
