import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLArmorRejectCallback } from "@escape.tech/graphql-armor-types";
import { GraphQLError, ValidationRule } from "graphql";
import { ErrorCode } from "../../common/errors";
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
  /** "Did you mean …?" hints are left out of every message (see `hidesSchemaDetails`). */
  hideSchemaDetails: boolean;
}

/**
 * Hints name fields, types and enum values the caller did not ask about: they are shown only in
 * development with introspection on, where they tell nothing the schema does not.
 */
export function hidesSchemaDetails(options: { development: boolean; introspection: boolean }): boolean {
  return !(options.development && options.introspection);
}

/**
 * `INTROSPECTION=false` as a validation rule of both transports (Apollo's own `introspection`
 * option would refuse it over HTTP only).
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === "__schema" || node.name.value === "__type")
      context.reportError(
        new GraphQLError("Introspection is disabled on this server: __schema and __type cannot be queried", { nodes: [node] }),
      );
  },
});

/**
 * Reports a refusal as a plain validation error: Apollo then answers 400 with
 * `GRAPHQL_VALIDATION_FAILED` (graphql-armor's own default would say `BAD_USER_INPUT`, which the
 * API reserves for bad arguments), and graphql-ws sends it as an `error` message.
 */
const report: GraphQLArmorRejectCallback = (context, error) => {
  // Stryker disable next-line OptionalChaining: a validation rule's rejection always comes with its context
  context?.reportError(new GraphQLError(error.message));
};

/**
 * Depth, aliases and directives as validation rules (graphql-armor ≥ 3.1.6 carries the 2025
 * max-depth and cost-limit bypass fixes). Tokens are capped by graphql-js's own parser option,
 * which refuses the document while it is being read, before a tree is built.
 */
export function queryLimits(options: { development: boolean; introspection: boolean }): QueryLimits {
  const common = { propagateOnRejection: false, onReject: [report], exposeLimits: true };
  const armor = new ApolloArmor({
    // A fragment spread counts as a level: fragments nested in fragments cannot hide depth.
    maxDepth: { ...common, n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: false },
    // Every alias counts, `__typename` ones too (graphql-armor exempts those by default).
    // Stryker disable next-line ArrayDeclaration: an allow-list naming no field exempts nothing either
    maxAliases: { ...common, n: QUERY_LIMITS.maxAliases, allowList: [] },
    // Cost depends on page sizes given by variables, which a validation rule never sees: it is
    // checked before execution instead, with the coerced variables (see query-cost.ts).
    costLimit: { enabled: false },
    maxDirectives: { ...common, n: QUERY_LIMITS.maxDirectives },
    // Apollo's own option hides suggestions (see `hideSchemaDetailsFromClientErrors`), and the
    // parser option caps tokens, so these two armor plugins would only duplicate work.
    // Stryker disable next-line all: these two only configure armor's Apollo plugins, which are not installed (only its validation rules are used)
    blockFieldSuggestion: { enabled: false },
    // Stryker disable next-line all: as above
    maxTokens: { enabled: false },
  });
  const rules = armor.protect().validationRules;
  return {
    validationRules: options.introspection ? rules : [...rules, noIntrospection],
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    hideSchemaDetails: hidesSchemaDetails(options),
  };
}

const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** A message without its trailing "Did you mean …?" hint. */
export function withoutSuggestion(message: string): string {
  return message.replace(SUGGESTION, "");
}

/**
 * Parse and validation errors as a WebSocket client should see them: with the same
 * `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED` code Apollo gives over HTTP, and without
 * "Did you mean …?" when schema details are hidden, so the schema cannot be mapped by guessing
 * names while introspection is off (Apollo strips them for HTTP; graphql-ws returns errors as they are).
 */
export function toClientErrors(
  errors: readonly GraphQLError[],
  code: ErrorCode.GRAPHQL_PARSE_FAILED | ErrorCode.GRAPHQL_VALIDATION_FAILED,
  hideSchemaDetails: boolean,
): GraphQLError[] {
  return errors.map(
    (e) =>
      new GraphQLError(hideSchemaDetails ? withoutSuggestion(e.message) : e.message, {
        nodes: e.nodes,
        source: e.nodes ? undefined : e.source,
        positions: e.nodes ? undefined : e.positions,
        extensions: { ...e.extensions, code },
      }),
  );
}
