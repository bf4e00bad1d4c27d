import { getOperationAST, GraphQLError, GraphQLSchema, Kind, parse, specifiedRules, validate } from "graphql";
import type { DocumentCheck } from "../../keys/trusted-operations.service";
import { MAX_COST, operationCost } from "./query-cost";
import type { QueryLimits } from "./query-limits";

/**
 * How a document is judged before the workspace trusts it: parsed with the token limit, exactly
 * one operation, valid against the schema with the depth, alias and directive limits (and the
 * introspection rule) requests meet, and within the cost limit as its variables' defaults set it.
 * The reason names the first problem.
 */
export function documentCheck(schema: GraphQLSchema, limits: QueryLimits): DocumentCheck {
  const rules = [...specifiedRules, ...limits.validationRules];
  return (text) => {
    let document;
    try {
      document = parse(text, limits.parseOptions);
    } catch (error) {
      return { ok: false, reason: `cannot be parsed: ${(error as GraphQLError).message}` };
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    if (operations !== 1) return { ok: false, reason: `must hold exactly one operation (it holds ${operations})` };
    const errors = validate(schema, document, rules);
    if (errors.length > 0) return { ok: false, reason: `is not valid against the schema: ${errors[0].message}` };
    const operation = getOperationAST(document)!;
    const cost = operationCost(schema, document, operation, {});
    if (cost > MAX_COST) return { ok: false, reason: `is over the query cost limit of ${MAX_COST} (it costs ${cost})` };
    return { ok: true, name: operation.name?.value ?? null };
  };
}
