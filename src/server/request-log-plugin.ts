import { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "../logger";
import { GraphQLContext } from "./context";
import { isDatabaseUnavailable } from "./format-error";

/**
 * One log line per request: who (never a secret), what, how it ended, how long it took. It also
 * turns a database outage into HTTP 503, so clients and load balancers can tell it from a bug.
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, errors, operation, operationName }) {
          if (errors?.some((e) => isDatabaseUnavailable(unwrapResolverError(e)))) response.http.status = 503;
          const p = contextValue.principal;
          const codes = errors?.map((e) => e.extensions?.code ?? "INTERNAL_SERVER_ERROR");
          logger.info(
            {
              requestId: contextValue.meta?.requestId,
              principal: p ? (p.kind === "MEMBER" ? { kind: p.kind, memberId: p.memberId } : { kind: p.kind, apiKeyId: p.apiKeyId, prefix: p.prefix }) : null,
              operationType: operation?.operation ?? null,
              operationName: operationName ?? null,
              status: response.http.status ?? 200,
              errors: codes,
              durationMs: Math.round(performance.now() - started),
            },
            "graphql request",
          );
        },
      };
    },
  };
}
