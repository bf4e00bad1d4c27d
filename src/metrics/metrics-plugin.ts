import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLError } from "graphql";
import type { Metrics } from "./metrics";
import { outcomeOf } from "./metrics";

function codesOf(errors: readonly GraphQLError[] | undefined): unknown[] | undefined {
  return errors?.length ? errors.map((error) => error.extensions?.code) : undefined;
}

function unauthenticatedReason(errors: readonly GraphQLError[] | undefined): unknown {
  return errors?.find((error) => error.extensions?.code === "UNAUTHENTICATED")?.extensions?.reason;
}

/**
 * Request counts, outcomes and latency for every HTTP operation, and authentication failures.
 * A bad token fails while the context is built (before any request hook), so that case is counted
 * in `contextCreationDidFail`.
 */
export function metricsPlugin<TContext extends object>(metrics: Metrics): ApolloServerPlugin<TContext> {
  return {
    async contextCreationDidFail({ error }) {
      const extensions = (error as Partial<GraphQLError>).extensions;
      metrics.requestFinished("http", undefined, outcomeOf([extensions?.code ?? "INTERNAL_SERVER_ERROR"]));
      if (extensions?.code === "UNAUTHENTICATED") metrics.authFailed("http", extensions.reason);
    },
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ errors, operation }) {
          metrics.requestFinished("http", operation?.operation, outcomeOf(codesOf(errors)), (performance.now() - started) / 1000);
          const reason = unauthenticatedReason(errors);
          if (reason !== undefined) metrics.authFailed("http", reason);
        },
      };
    },
  };
}
