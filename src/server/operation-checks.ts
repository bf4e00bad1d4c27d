import { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from "graphql";
import { getVariableValues } from "graphql/execution/values";
import { conditionVariables, OperationAnalysis, OperationAnalyzer } from "../auth/operation-analysis";
import { badUserInput, FieldError } from "../common/errors";
import { unsafeTextFields } from "./guards/input-text-guard";
import { withoutSuggestion } from "./guards/query-limits";
import { actualCost, costRefusal, operationCost } from "./guards/query-cost";
import { fieldsOfVariableError } from "./guards/variable-errors";

/** An operation that passed: what it needs, its requested cost, and the variables it runs with. */
export interface CheckedOperation {
  analysis: OperationAnalysis;
  cost: number;
  variables: Record<string, unknown>;
}

/** A refusal before execution: Apollo needs the status spelt out there (it would otherwise say 500). */
function inputRefusal(fields: FieldError[]): GraphQLError {
  const refusal = badUserInput(fields);
  return new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http: { status: 400 } } });
}

/**
 * What an operation must pass once it is parsed and validated, before its permissions are decided
 * and anything executes, the same for HTTP and WebSocket: its text can be stored, its variables
 * coerce (a wrongly typed one is BAD_USER_INPUT naming it, whoever asks), and its cost with those
 * values fits. Throws the refusal; returns what the operation needs, for the permission decision
 * and for metering, and its variables as execution coerces them.
 */
export class OperationChecks {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly analyzer: OperationAnalyzer,
    /** Variable errors lose their "Did you mean …?" hints, as validation errors do (`QueryLimits.hideSchemaDetails`). */
    private readonly hideSchemaDetails: boolean,
  ) {}

  /** What the text scan found and the cost, per variable-free operation; each refusal is built anew. */
  private readonly constantVerdicts = new WeakMap<OperationDefinitionNode, { unsafe: FieldError[]; cost: number }>();

  check(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    raw: Record<string, unknown> | null | undefined,
    /** The key's cost budget maximum, when it has one: the cost limit is the smaller of it and MAX_COST. */
    budgetMaximum?: number | null,
  ): CheckedOperation {
    // An operation without variables is the same operation on every request: its text and cost are judged once.
    if (!operation.variableDefinitions?.length) return this.checkConstant(document, operation, budgetMaximum);
    // First: the scan walks without recursion, so a hostile nesting is refused before anything recurses into it.
    const unsafe = unsafeTextFields(document, operation, raw ?? {});
    if (unsafe.length > 0) throw inputRefusal(unsafe);
    const variables = this.coerce(document, operation, raw ?? {});
    if (variables instanceof GraphQLError) throw variables;
    const cost = operationCost(this.schema, document, operation, variables);
    const tooCostly = costRefusal(cost, budgetMaximum);
    if (tooCostly) throw Object.assign(tooCostly, { requestedCost: cost });
    return { analysis: this.analyzer.analyze(document, operation, variables), cost, variables };
  }

  /**
   * The same checks for an operation that declares no variables: its text and cost depend on the
   * document alone (extra variables sent with it are never read), so their verdict is kept per
   * operation node (Apollo hands every request with the same text the same parsed document).
   */
  private checkConstant(document: DocumentNode, operation: OperationDefinitionNode, budgetMaximum?: number | null): CheckedOperation {
    let verdict = this.constantVerdicts.get(operation);
    if (!verdict) {
      const unsafe = unsafeTextFields(document, operation, {});
      verdict = { unsafe, cost: unsafe.length > 0 ? 0 : operationCost(this.schema, document, operation, {}) };
      this.constantVerdicts.set(operation, verdict);
    }
    if (verdict.unsafe.length > 0) throw inputRefusal(verdict.unsafe);
    const tooCostly = costRefusal(verdict.cost, budgetMaximum);
    if (tooCostly) throw Object.assign(tooCostly, { requestedCost: verdict.cost });
    return { analysis: this.analyzer.analyze(document, operation, {}), cost: verdict.cost, variables: {} };
  }

  /** What an answer actually cost (docs/API.md, "Cost budgets and credits"): its pages counted by the rows they returned. */
  actualCost(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    data: Record<string, unknown> | null | undefined,
  ): number {
    return actualCost(this.schema, document, operation, variables, data);
  }

  /** The most the operation could need, whatever its variables: each `@skip`/`@include` that reads one taken as included. */
  widest(document: DocumentNode, operation: OperationDefinitionNode): OperationAnalysis {
    return this.analyzer.analyze(document, operation, null);
  }

  /** The values execution will run with, or the refusal of a value of the wrong type (never left for execution). */
  private coerce(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    raw: Record<string, unknown>,
  ): Record<string, unknown> | GraphQLError {
    const result = getVariableValues(this.schema, operation.variableDefinitions ?? [], raw, { maxErrors: 25 });
    if (result.errors) {
      return inputRefusal(
        result.errors.map((e) => {
          const { field, message } = fieldsOfVariableError(e.message)?.[0] ?? { field: variableNamed(e.message), message: e.message };
          return { field, message: this.hideSchemaDetails ? withoutSuggestion(message) : message };
        }),
      );
    }
    const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
    // `$v: Boolean = true` admits an explicit null, which `@skip(if:)`/`@include(if:)` cannot take.
    const nulls = conditionVariables(document).filter((name) => declared.has(name) && result.coerced[name] === null);
    if (nulls.length > 0)
      return inputRefusal(nulls.map((field) => ({ field, message: "must be true or false: it decides @skip/@include" })));
    return result.coerced;
  }
}

function variableNamed(message: string): string {
  return /Variable "\$([^"]+)"/.exec(message)?.[1] ?? "variables";
}
