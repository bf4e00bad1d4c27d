import { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode } from "../../common/errors";
import { GraphQLError } from "graphql";

/**
 * Subscriptions run over WebSocket only. Apollo would otherwise try to execute one over HTTP and
 * fail with an internal error; this refuses it up front with a clear 400 and says where to go.
 */
export function httpSubscriptionGuardPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== "subscription") return;
          throw new GraphQLError("Subscriptions are served over WebSocket on /graphql (protocol graphql-transport-ws), not over HTTP", {
            extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
          });
        },
      };
    },
  };
}
