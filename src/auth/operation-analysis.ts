import {
  DocumentNode,
  FragmentDefinitionNode,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  SelectionNode,
  SelectionSetNode,
  visit,
  GraphQLCompositeType,
} from "graphql";
import { MemberRole } from "./member-role";
import { PermissionMap } from "./permission-map";
import { ACCESSES, grantBit, GrantMask, RESOURCES, Resource } from "./resource";

/** What an operation needs, decided before anything executes. */
export interface OperationAnalysis {
  operationType: OperationTypeNode;
  operationName: string | null;
  /** Every grant the selection needs. */
  needed: GrantMask;
  /** Some root field needs a credential (everything but `@public` fields and introspection). */
  requiresPrincipal: boolean;
  /** Set when some root field is member-only: the roles allowed to run every such field. */
  memberRoles: ReadonlySet<MemberRole> | null;
  /** Resources the operation touches, for metering. */
  resources: Resource[];
}

interface CachedOperation {
  /** Variables that `@skip`/`@include` read anywhere in the operation; the analysis depends on them alone. */
  conditionVariables: string[];
  byConditions: Map<string, OperationAnalysis>;
}

const MAX_VARIANTS = 64;

/**
 * Walks an operation's selection (fragments, inline fragments, aliases, `@skip`/`@include`)
 * against the compiled permission map. The result is cached per document and operation, and per
 * the values of the variables that `@skip`/`@include` read, so a repeated operation costs two map
 * look-ups.
 */
export class OperationAnalyzer {
  private readonly cache = new WeakMap<DocumentNode, Map<OperationDefinitionNode, CachedOperation>>();

  constructor(private readonly permissions: PermissionMap) {}

  /**
   * `variables` are the operation's coerced variable values (as execution will see them): the cache
   * key is built from them, so an absent variable and an explicit `null` are told apart and the
   * decision always comes from the values that run. `null` (no coerced values to go by) takes
   * every `@skip`/`@include` that reads a variable as included: the most the operation could need.
   */
  analyze(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null): OperationAnalysis {
    let perDocument = this.cache.get(document);
    if (!perDocument) {
      perDocument = new Map();
      this.cache.set(document, perDocument);
    }
    let cached = perDocument.get(operation);
    if (!cached) {
      cached = { conditionVariables: conditionVariables(document), byConditions: new Map() };
      perDocument.set(operation, cached);
    }
    const key =
      cached.conditionVariables.length === 0
        ? ""
        : variables === null
          ? "*"
          : JSON.stringify(cached.conditionVariables.map((v) => (v in variables ? [variables[v]] : [])));
    let analysis = cached.byConditions.get(key);
    if (!analysis) {
      analysis = this.walk(document, operation, variables);
      if (cached.byConditions.size >= MAX_VARIANTS) cached.byConditions.clear();
      cached.byConditions.set(key, analysis);
    }
    return analysis;
  }

  private walk(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null): OperationAnalysis {
    const schema = this.permissions.schema;
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const rootType = schema.getRootType(operation.operation);
    const state = { needed: 0, requiresPrincipal: false, memberRoles: null as Set<MemberRole> | null };

    const included = (node: SelectionNode): boolean => {
      // Stryker disable next-line ConditionalExpression,OptionalChaining: parsed selections always carry a directives array, and with none both checks below include the node: a shortcut
      if (!node.directives?.length) return true;
      if (variables === null && node.directives.some((d) => d.arguments?.some((a) => a.value.kind === Kind.VARIABLE))) return true;
      if (getDirectiveValues(GraphQLSkipDirective, node, variables ?? {})?.if === true) return false;
      return getDirectiveValues(GraphQLIncludeDirective, node, variables ?? {})?.if !== false;
    };

    const visitSet = (type: GraphQLCompositeType, set: SelectionSetNode, isRoot: boolean, seen: Set<string>): void => {
      for (const selection of set.selections) {
        if (!included(selection)) continue;
        if (selection.kind === Kind.FIELD) {
          visitField(type, selection.name.value, selection.selectionSet, isRoot, seen);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
          if (on && isCompositeType(on)) visitSet(on, selection.selectionSet, isRoot, seen);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || seen.has(fragment.name.value)) continue;
          const on = schema.getType(fragment.typeCondition.name.value);
          if (on && isCompositeType(on)) visitSet(on, fragment.selectionSet, isRoot, new Set([...seen, fragment.name.value]));
        }
      }
    };

    const visitField = (
      type: GraphQLCompositeType,
      name: string,
      set: SelectionSetNode | undefined,
      isRoot: boolean,
      seen: Set<string>,
    ): void => {
      // Stryker disable next-line all: getFields() has no __typename, __schema or __type, so `!field` below answers the same: a shortcut
      if (name === "__typename") return;
      // Stryker disable next-line all: as above; introspection needs no grant
      if (isRoot && (name === "__schema" || name === "__type")) return;
      if (!isObjectType(type) && !isInterfaceType(type)) return;
      const field = type.getFields()[name];
      if (!field) return;
      const permission = this.permissions.field(type.name, name);
      state.needed |= permission?.mask ?? 0;
      const rule = permission?.rule;
      if (rule && rule.kind !== "public") state.requiresPrincipal = true;
      if (rule?.kind === "members") {
        state.memberRoles = state.memberRoles ? new Set([...state.memberRoles].filter((r) => rule.roles.has(r))) : new Set(rule.roles);
      }
      const named = getNamedType(field.type);
      if (set && isCompositeType(named)) visitSet(named, set, false, seen);
    };

    if (rootType) visitSet(rootType, operation.selectionSet, true, new Set());
    return {
      operationType: operation.operation,
      operationName: operation.name?.value ?? null,
      needed: state.needed,
      requiresPrincipal: state.requiresPrincipal,
      memberRoles: state.memberRoles,
      resources: resourcesOf(state.needed),
    };
  }
}

function resourcesOf(mask: GrantMask): Resource[] {
  return RESOURCES.filter((r) => ACCESSES.some((a) => mask & grantBit(r, a)));
}

/** Variables that `@skip`/`@include` read anywhere in the document, sorted. */
export function conditionVariables(document: DocumentNode): string[] {
  let names = conditionVariablesOf.get(document);
  if (!names) {
    names = collectConditionVariables(document);
    conditionVariablesOf.set(document, names);
  }
  return names;
}

/** Per document (Apollo hands every request with the same text the same parsed document): read once. */
const conditionVariablesOf = new WeakMap<DocumentNode, string[]>();

function collectConditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(node) {
      if (node.name.value !== "skip" && node.name.value !== "include") return;
      for (const arg of node.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
    },
  });
  return [...names].sort();
}
