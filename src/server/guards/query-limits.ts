import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLArmorRejectCallback } from "@escape.tech/graphql-armor-types";
import { GraphQLError, ValidationRule } from "graphql";
import { MAX_COST } from "./query-cost";

/**
 * The ceilings every operation must fit under before anything executes (docs/API.md, "Limits").
 * They are far above what the IDE or a real client sends, and low enough that one request cannot
 * make the server walk millions of nodes.
 */
export const QUERY_LIMITS = Object.freeze({
  maxDepth: 10,
  maxAliases: 30,
  /** See `query-cost.ts`: fields × the page sizes they run with, checked with the variables' values. */
  maxCost: MAX_COST,
  maxDirectives: 50,
  /** Lexer tokens per document; the IDE's introspection query uses about 300. */
  maxTokens: 2000,
});

/** graphql-ws has no validation-rule option of its own, so the WebSocket adapter validates with these too. */
export interface QueryLimits {
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
}

/**
 * Reports a refusal as a plain validation error: Apollo then answers 400 with
 * `GRAPHQL_VALIDATION_FAILED` (graphql-armor's own default would say `BAD_USER_INPUT`, which the
 * API reserves for bad arguments), and graphql-ws sends it as an `error` message.
 */
const report: GraphQLArmorRejectCallback = (context, error) => {
  context?.reportError(new GraphQLError(error.message));
};

/**
 * Depth, aliases and directives as validation rules (graphql-armor ≥ 3.1.6 carries the 2025
 * max-depth and cost-limit bypass fixes). Tokens are capped by graphql-js's own parser option,
 * which refuses the document while it is being read, before a tree is built.
 */
export function queryLimits(): QueryLimits {
  const common = { propagateOnRejection: false, onReject: [report], exposeLimits: true };
  const armor = new ApolloArmor({
    // A fragment spread counts as a level: fragments nested in fragments cannot hide depth.
    maxDepth: { ...common, n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: false },
    // Every alias counts, `__typename` ones too (graphql-armor exempts those by default).
    maxAliases: { ...common, n: QUERY_LIMITS.maxAliases, allowList: [] },
    // Cost depends on page sizes given by variables, which a validation rule never sees: it is
    // checked before execution instead, with the coerced variables (see query-cost.ts).
    costLimit: { enabled: false },
    maxDirectives: { ...common, n: QUERY_LIMITS.maxDirectives },
    // Apollo's own option hides suggestions (see `hideSchemaDetailsFromClientErrors`), and the
    // parser option caps tokens, so these two armor plugins would only duplicate work.
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
  });
  return { validationRules: armor.protect().validationRules, parseOptions: { maxTokens: QUERY_LIMITS.maxTokens } };
}

const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Parse and validation errors as a WebSocket client should see them: with the same
 * `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED` code Apollo gives over HTTP, and without
 * "Did you mean …?" outside development, so the schema cannot be mapped by guessing names while
 * introspection is off (Apollo strips them for HTTP; graphql-ws returns errors as they are).
 */
export function toClientErrors(
  errors: readonly GraphQLError[],
  code: "GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED",
  development: boolean,
): GraphQLError[] {
  return errors.map(
    (e) =>
      new GraphQLError(development ? e.message : e.message.replace(SUGGESTION, ""), {
        nodes: e.nodes,
        source: e.nodes ? undefined : e.source,
        positions: e.nodes ? undefined : e.positions,
        extensions: { ...e.extensions, code },
      }),
  );
}
