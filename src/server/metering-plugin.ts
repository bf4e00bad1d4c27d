import { performance } from "node:perf_hooks";
import { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { UsageRecorder } from "../usage/usage-recorder";
import { UsageOutcome } from "../usage/usage-event";
import { GraphQLContext } from "./context";

const INVALID_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE", "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"]);
// Answers to a correct request (an id that is not there) are not faults.
const ALLOWED_CODES = new Set(["NOT_FOUND"]);

/** The outcome of one request from its errors: the most telling code wins. */
export function outcomeOf(errors: readonly GraphQLError[] | undefined): UsageOutcome {
  if (!errors || errors.length === 0) return UsageOutcome.ALLOWED;
  const codes = errors.map((e) => String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR"));
  if (codes.includes("RATE_LIMITED")) return UsageOutcome.RATE_LIMITED;
  if (codes.includes("FORBIDDEN")) return UsageOutcome.FORBIDDEN;
  if (codes.some((c) => INVALID_CODES.has(c))) return UsageOutcome.INVALID;
  if (codes.every((c) => ALLOWED_CODES.has(c))) return UsageOutcome.ALLOWED;
  return UsageOutcome.ERROR;
}

/**
 * Meters every HTTP request made with a valid API key, whatever its outcome, once the response is
 * ready. Recording is an in-memory append: nothing here waits for the database. Member sessions
 * are not metered; requests with an expired or revoked key never reach Apollo and are recorded
 * as REJECTED by the HTTP context instead.
 */
export function meteringPlugin(recorder: () => UsageRecorder): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const principal = contextValue.principal;
      if (principal?.kind !== "API_KEY") return;
      const started = performance.now();
      let errors: readonly GraphQLError[] | undefined;
      return {
        async didEncounterErrors(ctx) {
          errors = [...(errors ?? []), ...ctx.errors];
        },
        async willSendResponse({ operation, operationName, request }) {
          const analysis = contextValue.analysis;
          recorder().record({
            workspaceId: principal.workspaceId,
            apiKeyId: principal.apiKeyId,
            operationType: analysis?.operationType ?? operation?.operation ?? guessOperationType(request.query),
            operationName: analysis?.operationName ?? operationName ?? request.operationName ?? null,
            resources: analysis?.resources ?? [],
            outcome: outcomeOf(errors),
            durationMs: performance.now() - started,
            clientAddress: contextValue.meta.ip,
          });
        },
      };
    },
  };
}

/**
 * The operation type of a document that was never parsed (a parse failure, a refused key): the
 * first keyword, `query` for the `{ … }` shorthand. Only for metering; never for a decision.
 */
export function guessOperationType(query: string | undefined): string {
  const match = /^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\b/.exec(query ?? "");
  return match?.[1] ?? "query";
}

/** What a refused key's request said it was, read from the raw HTTP request (body or GET query). */
export function requestOperation(req: { body?: unknown; url?: string }): { query?: string; operationName?: string } {
  const body = req.body as { query?: unknown; operationName?: unknown } | undefined;
  if (body && typeof body === "object") {
    return { query: typeof body.query === "string" ? body.query : undefined, operationName: typeof body.operationName === "string" ? body.operationName : undefined };
  }
  const params = new URL(req.url ?? "/", "http://localhost").searchParams;
  return { query: params.get("query") ?? undefined, operationName: params.get("operationName") ?? undefined };
}

/**
 * Records a request that presented an expired or revoked key: published on `usageEvents` as
 * REJECTED and stored, never counted in `usage`.
 */
export function recordRejected(
  recorder: UsageRecorder,
  apiKey: { id: string; workspaceId: string },
  operation: { query?: string; operationName?: string; operationType?: string },
): void {
  const named = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(operation.query ?? "");
  recorder.record({
    workspaceId: apiKey.workspaceId,
    apiKeyId: apiKey.id,
    operationType: operation.operationType ?? guessOperationType(operation.query),
    operationName: operation.operationName ?? named?.[1] ?? null,
    outcome: UsageOutcome.REJECTED,
  });
}
